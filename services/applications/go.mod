module github.com/guichet/guichet/services/applications

go 1.26.0
