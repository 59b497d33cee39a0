module github.com/guichet/guichet/workflows

go 1.26.0
