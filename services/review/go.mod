module github.com/guichet/guichet/services/review

go 1.26.0
