package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
)

//go:embed templates/*.html static/*
var assets embed.FS

// pages are parsed once: each page with the shared layout.
var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{"euros": euros, "score": score, "half": halfSteps, "last": lastSegment, "declared": declared,
		"finance": financeRole, "trancheState": trancheState, "trimCommitment": trimCommitment, "paris": parisTime}
	out := map[string]*template.Template{}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" {
			continue
		}
		out[base] = template.Must(template.New(base).Funcs(funcs).ParseFS(assets, "templates/layout.html", n))
	}
	return out
}()

// staticAsset is one served file, kept with its gzip form (when worth compressing) and a content
// hash as its ETag.
type staticAsset struct {
	plain, gz   []byte
	etag, ctype string
}

// newStaticAsset prepares the file served as name: its content type from the extension
// (application/octet-stream when unknown), its ETag, and its gzip form when the type compresses.
func newStaticAsset(name string, data []byte) staticAsset {
	a := staticAsset{plain: data, ctype: mime.TypeByExtension(path.Ext(name))}
	if a.ctype == "" {
		a.ctype = "application/octet-stream"
	}
	if compressible(a.ctype) {
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		_, _ = zw.Write(data)
		_ = zw.Close()
		a.gz = gz.Bytes()
	}
	sum := sha256.Sum256(data)
	a.etag = `"` + hex.EncodeToString(sum[:8]) + `"`
	return a
}

// compressible says whether gzip pays for a content type: text (CSS, JavaScript, SVG) does;
// fonts and images are compressed already (woff2 is Brotli inside), so gzip would only cost.
func compressible(ctype string) bool {
	mt, _, _ := mime.ParseMediaType(ctype)
	return strings.HasPrefix(mt, "text/") || mt == "image/svg+xml" || mt == "application/javascript" || mt == "application/json"
}

// assetHandler serves the named files of fsys under urlPrefix (the file "a/b.css" as
// urlPrefix+"a/b.css"), read once now; any other path is 404.
func assetHandler(fsys fs.FS, urlPrefix string, names []string) (http.Handler, error) {
	files := make(map[string]staticAsset, len(names))
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		files[urlPrefix+n] = newStaticAsset(n, data)
	}
	return serveAssets(files), nil
}

// staticHandler serves the console's embedded static/ folder under /static/.
func staticHandler() http.Handler {
	static, err := fs.Sub(assets, "static")
	if err != nil {
		panic(err)
	}
	var names []string
	if err := fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	}); err != nil {
		panic(err) // embedded at build time: it cannot fail to read
	}
	h, err := assetHandler(static, "/static/", names)
	if err != nil {
		panic(err)
	}
	return h
}

// serveAssets serves files by URL path, cached by browsers for a day and revalidated by ETag,
// gzip-compressed when the asset has a compressed form and the browser accepts it.
func serveAssets(files map[string]staticAsset) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "public, max-age=86400")
		h.Set("ETag", f.etag)
		h.Set("Vary", "Accept-Encoding")
		h.Set("Content-Type", f.ctype)
		if r.Header.Get("If-None-Match") == f.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := f.plain
		if f.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			body = f.gz
		}
		_, _ = w.Write(body)
	})
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// declared reports whether a reviewer has declared its conflict of interest on an assignment
// (NO_CONFLICT or CONFLICT); the review service says UNDECLARED, or nothing, before.
func declared(conflictDeclaration string) bool {
	return conflictDeclaration != "" && conflictDeclaration != "UNDECLARED"
}
