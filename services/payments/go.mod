module github.com/guichet/guichet/services/payments

go 1.26.0
