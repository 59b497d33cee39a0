module github.com/guichet/guichet/gateway

go 1.26.0
