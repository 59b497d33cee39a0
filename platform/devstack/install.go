package devstack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Requirement is a program the stack needs and the Debian package that provides it.
type Requirement struct {
	// Present reports whether the program is installed.
	Present func() bool
	Package string
}

// onPath reports whether a program is on the PATH.
func onPath(name string) func() bool {
	return func() bool { _, err := exec.LookPath(name); return err == nil }
}

// Requirements are the Debian packages of the development stack and its tests.
var Requirements = []Requirement{
	{Present: func() bool { _, err := PostgresBinDir(); return err == nil }, Package: "postgresql"},
	{Present: onPath("redis-server"), Package: "redis-server"},
	{Present: onPath("xmllint"), Package: "libxml2-utils"},
	// The applicant walk-through (docs/applicant-api.md) runs curl and jq; its test runs it as written.
	{Present: onPath("curl"), Package: "curl"},
	{Present: onPath("jq"), Package: "jq"},
	// The jury console's browser tests (tests/browser, run by cmd/guichet/e2e) drive Debian's
	// chromium with playwright-core, which never downloads a browser of its own.
	{Present: onFile("/usr/bin/chromium"), Package: "chromium"},
	{Present: onPath("node"), Package: "nodejs"},
	{Present: onPath("npm"), Package: "npm"},
}

// onFile reports whether a program is installed at a fixed path.
func onFile(path string) func() bool {
	return func() bool { info, err := os.Stat(path); return err == nil && !info.IsDir() }
}

// EnsureInstalled installs the missing packages with apt-get when running as root on Debian;
// otherwise it names them.
func EnsureInstalled(ctx context.Context, reqs []Requirement) error {
	var missing []string
	for _, r := range reqs {
		if !r.Present() {
			missing = append(missing, r.Package)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := exec.LookPath("apt-get"); err != nil || os.Geteuid() != 0 {
		return fmt.Errorf("missing packages: install %s (Debian: apt-get install %s)", strings.Join(missing, ", "), strings.Join(missing, " "))
	}
	for _, args := range [][]string{{"update", "-qq"}, append([]string{"install", "-y", "-qq", "--no-install-recommends"}, missing...)} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("apt-get %s: %w", strings.Join(args, " "), err)
		}
	}
	return nil
}
