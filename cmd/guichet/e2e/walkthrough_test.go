package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/cmd/guichet/internal/seed"
	"github.com/guichet/guichet/platform/auth"
	"github.com/guichet/guichet/platform/grpcx"
	"github.com/guichet/guichet/platform/testenv"
	appv1 "github.com/guichet/guichet/proto/gen/guichet/applications/v1"
)

// shellBlocks returns the ```sh blocks of a Markdown file, in order.
func shellBlocks(t *testing.T, path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```sh":
			in = true
		case in && strings.TrimSpace(line) == "```":
			in = false
		case in:
			script.WriteString(line + "\n")
		}
	}
	return script.String()
}

// TestApplicantWalkthroughWorksAsWritten runs the curl walk-through of docs/applicant-api.md
// against a platform seeded like `make run`.
func TestApplicantWalkthroughWorksAsWritten(t *testing.T) {
	env := testenv.Get(t)
	cfg := testConfig(t, env)
	a := startPlatform(t, cfg)
	ctx := context.Background()
	conn, err := grpcx.Dial(cfg.ApplicationsAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	if _, err := seed.Run(ctx, appv1.NewCallServiceClient(conn), a.token(auth.ProgrammeOfficer, "officer-1", ""), time.Now()); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "guichet")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/guichet/guichet/cmd/guichet").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	script := shellBlocks(t, "../../../docs/applicant-api.md")
	if !strings.Contains(script, ":submit") {
		t.Fatalf("the walk-through lost its submission step:\n%s", script)
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Env = append(os.Environ(), "API="+a.base, "GUICHET="+bin,
		"GUICHET_OIDC_ISSUER="+cfg.OIDCIssuer, "GUICHET_DEV_ISSUER_KEY="+cfg.DevIssuerKeyFile)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the walk-through failed: %v\n%s", err, out)
	}
	for _, want := range []string{`"state": "SUBMITTED"`, `"contentSha256"`, `"application.bankAccount.iban"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("walk-through output lacks %s:\n%s", want, out)
		}
	}
}
