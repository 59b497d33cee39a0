package grpcx

import (
	"context"
	"errors"
	"strings"

	"buf.build/go/protovalidate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Violation is one bad field of a request: its JSON path (lowerCamelCase) and the rule it breaks.
type Violation struct {
	Field       string
	Description string
}

// InvalidArgument returns an InvalidArgument status carrying the violations as a BadRequest detail,
// which the gateway renders as problem+json `violations`.
func InvalidArgument(violations ...Violation) error {
	br := &errdetails.BadRequest{}
	var parts []string
	for _, v := range violations {
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description})
		parts = append(parts, v.Field+": "+v.Description)
	}
	st := status.New(codes.InvalidArgument, "invalid request: "+strings.Join(parts, "; "))
	if withDetails, err := st.WithDetails(br); err == nil {
		st = withDetails
	}
	return st.Err()
}

func validateUnary(v protovalidate.Validator) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if msg, ok := req.(proto.Message); ok {
			if nul := nulViolations(msg.ProtoReflect(), ""); len(nul) > 0 {
				return nil, InvalidArgument(nul...)
			}
			if err := v.Validate(msg); err != nil {
				var verr *protovalidate.ValidationError
				if errors.As(err, &verr) {
					var out []Violation
					for _, viol := range verr.Violations {
						out = append(out, Violation{
							Field:       JSONPath(protovalidate.FieldPathString(viol.Proto.GetField())),
							Description: viol.Proto.GetMessage(),
						})
					}
					return nil, InvalidArgument(out...)
				}
				return nil, status.Errorf(codes.InvalidArgument, "invalid request: %v", err)
			}
		}
		return handler(ctx, req)
	}
}

// JSONPath turns a proto field path (application.bank_account.iban, milestones[0].due_date) into
// the JSON names clients see (application.bankAccount.iban, milestones[0].dueDate).
func JSONPath(path string) string {
	var b strings.Builder
	upper := false
	for _, r := range path {
		switch {
		case r == '_':
			upper = true
		case upper:
			b.WriteString(strings.ToUpper(string(r)))
			upper = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
