module github.com/guichet/guichet/cmd/guichet

go 1.26.0
