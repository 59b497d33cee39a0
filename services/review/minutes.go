package review

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/guichet/guichet/platform/audit"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/money"
	"github.com/guichet/guichet/platform/pg"
	"github.com/guichet/guichet/platform/resource"
	reviewv1 "github.com/guichet/guichet/proto/gen/guichet/review/v1"
	"github.com/guichet/guichet/services/review/domain"
)

// minutesData is everything the jury minutes say, read from the jury's records. It holds no
// instant of generation, so the same records always give the same minutes.
type minutesData struct {
	Call         string
	Chair        string
	Reviewers    []string
	Declarations []struct {
		Reviewer string
		SignTime string
	}
	Deports []struct {
		Application, Reviewer, Reason, Time string
	}
	RankTime  string
	Ranking   domain.Ranking
	Decisions []struct {
		Application, Decision, Reason string
		Rank                          int
	}
	Envelope, Selected string
}

var minutesHTML = htmltemplate.Must(htmltemplate.New("minutes").Funcs(htmltemplate.FuncMap{"euros": money.Euros}).Parse(`<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>Procès-verbal du jury — {{.Call}}</title></head>
<body>
<h1>Procès-verbal du jury — {{.Call}}</h1>
<h2>Membres</h2>
<ul>
<li>Président : {{.Chair}}</li>
{{range .Reviewers}}<li>Membre : {{.}}</li>
{{end}}</ul>
<h2>Déclarations d'intérêts</h2>
<table>
<thead><tr><th scope="col">Membre</th><th scope="col">Signée le</th></tr></thead>
<tbody>
{{range .Declarations}}<tr><td>{{.Reviewer}}</td><td>{{.SignTime}}</td></tr>
{{end}}</tbody>
</table>
<h2>Déports</h2>
{{if .Deports}}<table>
<thead><tr><th scope="col">Dossier</th><th scope="col">Membre</th><th scope="col">Motif</th><th scope="col">Date</th></tr></thead>
<tbody>
{{range .Deports}}<tr><td>{{.Application}}</td><td>{{.Reviewer}}</td><td>{{.Reason}}</td><td>{{.Time}}</td></tr>
{{end}}</tbody>
</table>{{else}}<p>Aucun déport.</p>{{end}}
<h2>Classement</h2>
<p>Classement du {{.RankTime}} ; enveloppe {{.Envelope}}, montant retenu {{.Selected}}, dernier rang financé {{.Ranking.CutoffRank}}.</p>
<table>
<thead><tr><th scope="col">Rang</th><th scope="col">Dossier</th><th scope="col">Titre</th><th scope="col">Total</th><th scope="col">Montant demandé</th><th scope="col">Décision</th></tr></thead>
<tbody>
{{range .Ranking.Entries}}<tr><td>{{.Rank}}</td><td>{{.Application}}</td><td>{{.Title}}</td><td>{{.Total}}</td><td>{{euros .RequestedCents}}</td><td>{{.Decision}}</td></tr>
{{end}}</tbody>
</table>
<h2>Décisions et motifs</h2>
<table>
<thead><tr><th scope="col">Dossier</th><th scope="col">Décision</th><th scope="col">Motif</th></tr></thead>
<tbody>
{{range .Decisions}}<tr><td>{{.Application}}</td><td>{{.Decision}}</td><td>{{.Reason}}</td></tr>
{{end}}</tbody>
</table>
</body>
</html>
`))

var minutesText = texttemplate.Must(texttemplate.New("minutes").Funcs(texttemplate.FuncMap{"euros": money.Euros}).Parse(`PROCÈS-VERBAL DU JURY — {{.Call}}

MEMBRES
  Président : {{.Chair}}
{{range .Reviewers}}  Membre : {{.}}
{{end}}
DÉCLARATIONS D'INTÉRÊTS
{{range .Declarations}}  {{.Reviewer}} — signée le {{.SignTime}}
{{end}}
DÉPORTS
{{range .Deports}}  {{.Application}} — {{.Reviewer}} — {{.Time}} — {{.Reason}}
{{else}}  Aucun déport.
{{end}}
CLASSEMENT du {{.RankTime}}
  Enveloppe {{.Envelope}} ; montant retenu {{.Selected}} ; dernier rang financé {{.Ranking.CutoffRank}}
{{range .Ranking.Entries}}  {{.Rank}}. {{.Application}} « {{.Title}} » — total {{.Total}} — {{euros .RequestedCents}} — {{.Decision}}
{{end}}
DÉCISIONS ET MOTIFS
{{range .Decisions}}  {{.Application}} — {{.Decision}} — {{.Reason}}
{{end}}`))

// minutesHash is the SHA-256 of the minutes' content: the HTML, a NUL byte, then the text.
func minutesHash(html, text string) string {
	h := sha256.New()
	h.Write([]byte(html))
	h.Write([]byte{0})
	h.Write([]byte(text))
	return hex.EncodeToString(h.Sum(nil))
}

// signedMinutes reads the call's signed minutes; ok is false while they are not signed.
func signedMinutes(ctx context.Context, q querier, callID string) (m *reviewv1.Minutes, ok bool, err error) {
	m = &reviewv1.Minutes{Name: resource.CallName(callID) + "/minutes"}
	var signed time.Time
	err = q.QueryRow(ctx, `SELECT html, text, sha256, signed_by, sign_time FROM minutes WHERE call = $1`, callID).
		Scan(&m.Html, &m.Text, &m.Sha256, &m.SignedBy, &signed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	m.SignTime = timestamppb.New(signed)
	return m, true, nil
}

// refuseIfSigned refuses a change that would alter the call's signed minutes, naming them.
func refuseIfSigned(ctx context.Context, q querier, callID, what string) error {
	m, ok, err := signedMinutes(ctx, q, callID)
	if err != nil || !ok {
		return err
	}
	return status.Errorf(codes.FailedPrecondition, "the jury minutes %s are signed (sha256 %s): cannot %s", m.GetName(), m.GetSha256(), what)
}

// generateMinutes writes the minutes of the call from the jury's records.
func generateMinutes(ctx context.Context, q querier, c call) (*reviewv1.Minutes, error) {
	d := minutesData{Call: resource.CallName(c.ID), Chair: c.Chair, Reviewers: c.Reviewers}
	var (
		rankTime time.Time
		raw      []byte
	)
	err := q.QueryRow(ctx, `SELECT rank_time, ranking FROM rankings WHERE call = $1 ORDER BY version DESC LIMIT 1`, c.ID).Scan(&rankTime, &raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, status.Errorf(codes.FailedPrecondition, "the call %s has not been ranked: its minutes have nothing to record yet", d.Call)
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &d.Ranking); err != nil {
		return nil, fmt.Errorf("ranking of %s: %w", c.ID, err)
	}
	d.RankTime = clock.ParisTime(rankTime)
	d.Envelope, d.Selected = money.Euros(d.Ranking.EnvelopeCents), money.Euros(d.Ranking.SelectedCents)

	rows, err := q.Query(ctx, `SELECT reviewer, sign_time FROM declarations WHERE call = $1 ORDER BY reviewer`, c.ID)
	if err != nil {
		return nil, err
	}
	var (
		who string
		at  time.Time
	)
	if _, err := pgx.ForEachRow(rows, []any{&who, &at}, func() error {
		d.Declarations = append(d.Declarations, struct{ Reviewer, SignTime string }{who, clock.ParisTime(at)})
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, `SELECT k.application, k.reviewer, k.reason, k.declared_at FROM conflicts k
		JOIN applications p ON p.name = k.application WHERE p.call = $1 AND k.conflict ORDER BY k.application, k.reviewer`, c.ID)
	if err != nil {
		return nil, err
	}
	var app, reason string
	if _, err := pgx.ForEachRow(rows, []any{&app, &who, &reason, &at}, func() error {
		d.Deports = append(d.Deports, struct{ Application, Reviewer, Reason, Time string }{app, who, reason, clock.ParisTime(at)})
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = q.Query(ctx, `SELECT d.application, d.decision, d.reason, d.rank FROM decisions d
		JOIN applications p ON p.name = d.application WHERE p.call = $1 ORDER BY d.rank, d.application`, c.ID)
	if err != nil {
		return nil, err
	}
	var decision string
	var rank int
	if _, err := pgx.ForEachRow(rows, []any{&app, &decision, &reason, &rank}, func() error {
		d.Decisions = append(d.Decisions, struct {
			Application, Decision, Reason string
			Rank                          int
		}{app, decision, reason, rank})
		return nil
	}); err != nil {
		return nil, err
	}
	var html, text bytes.Buffer
	if err := minutesHTML.Execute(&html, d); err != nil {
		return nil, err
	}
	if err := minutesText.Execute(&text, d); err != nil {
		return nil, err
	}
	return &reviewv1.Minutes{Name: d.Call + "/minutes", Html: html.String(), Text: text.String()}, nil
}

// GetMinutes returns the call's signed minutes, or minutes generated now from its records while
// they are unsigned.
func (s *Service) GetMinutes(ctx context.Context, req *reviewv1.GetMinutesRequest) (*reviewv1.Minutes, error) {
	p := auth.FromContext(ctx)
	ids, err := resource.Parse(req.GetName(), "calls/*/minutes")
	if err != nil {
		return nil, badName("name", req.GetName(), "calls/*/minutes")
	}
	var out *reviewv1.Minutes
	err = pg.Tx(ctx, s.pool, pgx.RepeatableRead, func(tx pgx.Tx) error {
		c, ok, err := loadCall(ctx, tx, ids[0], noLock)
		if err != nil {
			return err
		}
		// A chair reads its own call's minutes only.
		if !ok || (p.Role == auth.JuryChair && !c.chairedBy(p)) {
			return notFound("minutes %s not found", req.GetName())
		}
		if m, signed, err := signedMinutes(ctx, tx, c.ID); err != nil || signed {
			out = m
			return err
		}
		out, err = generateMinutes(ctx, tx, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SignMinutes freezes the call's minutes: their content and SHA-256 are stored, audited, and
// returned from then on. Signing again returns the signed minutes unchanged.
func (s *Service) SignMinutes(ctx context.Context, req *reviewv1.SignMinutesRequest) (*reviewv1.Minutes, error) {
	p := auth.FromContext(ctx)
	ids, err := resource.Parse(req.GetName(), "calls/*/minutes")
	if err != nil {
		return nil, badName("name", req.GetName(), "calls/*/minutes")
	}
	now := s.now()
	var out *reviewv1.Minutes
	err = pg.Tx(ctx, s.pool, pgx.ReadCommitted, func(tx pgx.Tx) error {
		// The call's lock orders the signature with ranking runs and promotions.
		c, ok, err := loadCall(ctx, tx, ids[0], forUpdate)
		if err != nil {
			return err
		}
		// The policy admits chairs only; the chair of another call sees no such minutes.
		if !ok || !c.chairedBy(p) {
			return notFound("minutes %s not found", req.GetName())
		}
		if m, signed, err := signedMinutes(ctx, tx, c.ID); err != nil || signed {
			out = m
			return err
		}
		m, err := generateMinutes(ctx, tx, c)
		if err != nil {
			return err
		}
		m.Sha256, m.SignedBy, m.SignTime = minutesHash(m.GetHtml(), m.GetText()), p.Subject, timestamppb.New(now)
		if _, err := tx.Exec(ctx, `INSERT INTO minutes (call, html, text, sha256, signed_by, sign_time) VALUES ($1, $2, $3, $4, $5, $6)`,
			c.ID, m.GetHtml(), m.GetText(), m.GetSha256(), p.Subject, now); err != nil {
			return err
		}
		out = m
		return audit.Append(ctx, tx, audit.Entry{At: now, Action: "minutes.signed", Object: m.GetName(),
			After: map[string]any{"sha256": m.GetSha256()}}.FromPrincipal(p))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
