package review

import (
	"context"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/resource"
)

// mayReadRanking decides who reads a call's ranking and its published inputs. Signing the jury
// minutes publishes them: from then on anyone reads them, anonymous callers included (the
// transparency rule: anyone can recompute the list). Before, only the chair of the call,
// programme officers and auditors do; anyone else is refused with a reason saying the ranking is
// not published yet, and the chair of another call does not see it at all.
func mayReadRanking(ctx context.Context, q querier, p auth.Principal, callID, name string) error {
	_, published, err := signedMinutes(ctx, q, callID)
	if err != nil || published {
		return err
	}
	switch p.Role {
	case auth.ProgrammeOfficer, auth.Auditor:
		return nil
	case auth.JuryChair:
		c, ok, err := loadCall(ctx, q, callID, noLock)
		if err != nil {
			return err
		}
		if !ok || !c.chairedBy(p) {
			return notFound("ranking %s not found", name)
		}
		return nil
	}
	return errNotPublished(name, resource.CallName(callID)+"/minutes")
}

// errNotPublished is the PermissionDenied of a caller asking for a ranking before its
// publication, with the reason as an ErrorInfo the clients can test.
func errNotPublished(name, minutes string) error {
	st := status.Newf(codes.PermissionDenied, "the ranking %s is not published yet: it is published when the chair signs the jury minutes (%s); until then only the chair of the call, programme officers and auditors read it", name, minutes)
	if withDetails, err := st.WithDetails(&errdetails.ErrorInfo{Reason: "RANKING_NOT_PUBLISHED", Domain: "guichet.review.v1",
		Metadata: map[string]string{"ranking": name, "minutes": minutes}}); err == nil {
		st = withDetails
	}
	return st.Err()
}
