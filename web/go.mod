module github.com/guichet/guichet/web

go 1.26.0
