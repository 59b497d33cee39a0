package pg

import (
	"embed"
	"fmt"
	"io/fs"
	"testing/fstest"
)

//go:embed migrations/*.sql
var platformMigrations embed.FS

// withPlatform merges the platform's migrations (outbox, audit log) with a service's.
func withPlatform(service fs.FS) (fs.FS, error) {
	merged := fstest.MapFS{}
	for _, src := range []fs.FS{platformMigrations, service} {
		err := fs.WalkDir(src, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(src, path)
			if err != nil {
				return err
			}
			name := d.Name()
			if _, dup := merged[name]; dup {
				return fmt.Errorf("migration %s defined twice", name)
			}
			merged[name] = &fstest.MapFile{Data: data}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return merged, nil
}
