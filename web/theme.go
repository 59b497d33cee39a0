package web

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Themes of the console. The neutral theme is the project's own and the default: the State design
// system (DSFR) is for State deployments only, and its terms must be accepted before it is
// installed (`make dsfr ACCEPT_DSFR_TERMS=yes`), so it is never bundled (docs/console.md).
const (
	ThemeNeutral = "neutral"
	ThemeDSFR    = "dsfr"
)

// dsfrRequired are the files of DSFR's dist/ folder the console serves: the compiled CSS and the
// Marianne fonts it loads (its icons are inlined as data: URIs in that CSS).
var dsfrRequired = []string{
	"dsfr.min.css",
	"fonts/Marianne-Regular.woff2", "fonts/Marianne-Bold.woff2", "fonts/Marianne-Medium.woff2", "fonts/Marianne-Light.woff2",
}

// dsfrDist finds DSFR's dist/ folder in dir: dir itself, or the folder npm installed the package
// into (dir/node_modules/@gouvfr/dsfr/dist, as `make dsfr` does with --prefix).
func dsfrDist(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("web: theme dsfr needs GUICHET_DSFR_DIR, the folder where `make dsfr ACCEPT_DSFR_TERMS=yes` installed @gouvfr/dsfr")
	}
	candidates := []string{dir, filepath.Join(dir, "node_modules", "@gouvfr", "dsfr", "dist")}
	for _, c := range candidates {
		var missing []string
		for _, f := range dsfrRequired {
			if st, err := os.Stat(filepath.Join(c, filepath.FromSlash(f))); err != nil || st.IsDir() {
				missing = append(missing, f)
			}
		}
		if len(missing) == 0 {
			return c, nil
		}
		if c == candidates[len(candidates)-1] {
			return "", fmt.Errorf("web: theme dsfr: %s lacks %s (looked in %s): run `make dsfr ACCEPT_DSFR_TERMS=yes` and point GUICHET_DSFR_DIR at its .dsfr folder",
				dir, strings.Join(missing, ", "), strings.Join(candidates, " and "))
		}
	}
	return "", nil // unreachable: the last candidate returns
}

// dsfrHandler serves DSFR's CSS and fonts under /static/dsfr/, read once at start, compressed
// (CSS) and cached like the console's own assets. Nothing else of the folder is served.
func dsfrHandler(dist string) (http.Handler, error) {
	root := os.DirFS(dist)
	fonts, err := fs.Glob(root, "fonts/*.woff*")
	if err != nil {
		return nil, err
	}
	return assetHandler(root, "/static/dsfr/", append([]string{"dsfr.min.css"}, fonts...))
}
