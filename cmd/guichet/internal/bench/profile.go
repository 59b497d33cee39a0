package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// CPUProfiles starts taking a CPU profile of length d from each target's pprof address (target →
// host:port) and returns a function that waits for them and writes DIR/<target>.<name>.cpu.pprof.
// With no addresses it does nothing.
func CPUProfiles(ctx context.Context, addrs map[string]string, dir, name string, d time.Duration) (wait func() error) {
	if len(addrs) == 0 {
		return func() error { return nil }
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for target, addr := range addrs {
		wg.Go(func() {
			if err := cpuProfile(ctx, addr, filepath.Join(dir, target+"."+name+".cpu.pprof"), d); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("profile of %s: %w", target, err))
				mu.Unlock()
			}
		})
	}
	return func() error {
		wg.Wait()
		return errors.Join(errs...)
	}
}

func cpuProfile(ctx context.Context, addr, file string, d time.Duration) error {
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, max(1, int(d.Seconds())))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: d + 30*time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
