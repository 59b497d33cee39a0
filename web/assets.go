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

// staticAsset is one file of static/, kept with its gzip form and a content hash as its ETag.
type staticAsset struct {
	plain, gz   []byte
	etag, ctype string
}

// staticHandler serves static/ compressed (gzip when accepted) and cached by browsers for a day,
// revalidated by ETag.
func staticHandler() http.Handler {
	files := map[string]staticAsset{}
	_ = fs.WalkDir(assets, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		_, _ = zw.Write(data)
		_ = zw.Close()
		sum := sha256.Sum256(data)
		files["/"+p] = staticAsset{plain: data, gz: gz.Bytes(), etag: `"` + hex.EncodeToString(sum[:8]) + `"`,
			ctype: mime.TypeByExtension(path.Ext(p))}
		return nil
	})
	return serveAssets(files)
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
