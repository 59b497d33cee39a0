package devstack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a throwaway PostgreSQL cluster run by Debian's binaries.
type Postgres struct {
	Dir  string
	Port int
	// URL of the guichet database, as the superuser "guichet" (trust authentication on loopback).
	URL  string
	proc *process
	// cmdPath and args start the server again on the same data (Restart).
	cmdPath string
	args    []string
}

// PostgresBinDir finds the newest /usr/lib/postgresql/N/bin.
func PostgresBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("PostgreSQL is not installed: apt-get install postgresql")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// asPostgresUser runs cmd as the "postgres" system user when this process is root, since
// PostgreSQL refuses to run as root.
func asPostgresUser(cmd *exec.Cmd, dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs the postgres user (apt-get install postgresql): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	return filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}

// StartPostgres initialises dir when empty and starts a server on port. Durable=false turns fsync
// off (tests); the data directory's parents must be traversable by the postgres user.
func StartPostgres(ctx context.Context, dir string, port int, durable bool) (*Postgres, error) {
	bin, err := PostgresBinDir()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", dir, "-U", "guichet", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
		if err := asPostgresUser(initdb, dir); err != nil {
			return nil, err
		}
		if out, err := initdb.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("initdb %s: %w\n%s", dir, err, out)
		}
	}
	args := []string{"-D", dir, "-p", itoa(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"}
	if !durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	pg := &Postgres{Dir: dir, Port: port, cmdPath: filepath.Join(bin, "postgres"), args: args,
		URL: fmt.Sprintf("postgres://guichet@127.0.0.1:%d/guichet?sslmode=disable", port)}
	if err := pg.start(ctx); err != nil {
		return nil, err
	}
	if err := pg.CreateDatabase(ctx, "guichet"); err != nil {
		_ = pg.proc.stop(5 * time.Second)
		return nil, err
	}
	return pg, nil
}

// start runs the server on pg's data directory and port and waits until it accepts connections,
// again if its port was taken (retryTakenPort).
func (pg *Postgres) start(ctx context.Context) error {
	return retryTakenPort(ctx, func() error { return pg.startOnce(ctx) })
}

func (pg *Postgres) startOnce(ctx context.Context) error {
	cmd := exec.Command(pg.cmdPath, pg.args...)
	if err := asPostgresUser(cmd, pg.Dir); err != nil {
		return err
	}
	_ = os.Remove(filepath.Join(pg.Dir, "postmaster.pid")) // left by a killed server
	proc, err := startProcess("postgres", cmd, syscall.SIGINT, filepath.Join(filepath.Dir(pg.Dir), "postgres.log"))
	if err != nil {
		return err
	}
	pg.proc = proc
	if err := pg.waitReady(ctx); err != nil {
		_ = proc.stop(5 * time.Second)
		return err
	}
	return nil
}

func (pg *Postgres) adminURL() string {
	return fmt.Sprintf("postgres://guichet@127.0.0.1:%d/postgres?sslmode=disable", pg.Port)
}

func (pg *Postgres) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, pg.adminURL())
		if err == nil {
			return conn.Close(ctx)
		}
		if pg.proc.exited() {
			return errors.Join(pg.proc.exitedEarly("accepting connections"), err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("postgres not ready: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// CreateDatabase creates database name if it does not exist and returns nil.
func (pg *Postgres) CreateDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, pg.adminURL())
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(ctx) }()
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize())
	return err
}

// DatabaseURL returns the URL of database name on this server.
func (pg *Postgres) DatabaseURL(name string) string {
	return fmt.Sprintf("postgres://guichet@127.0.0.1:%d/%s?sslmode=disable", pg.Port, name)
}

// Stop shuts the server down (fast mode).
func (pg *Postgres) Stop() error { return pg.proc.stop(30 * time.Second) }

// Kill stops the server abruptly, as a crash would.
func (pg *Postgres) Kill() error { return pg.proc.stopWith(syscall.SIGKILL, 10*time.Second) }
