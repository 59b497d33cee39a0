// Package server runs guichet's targets: each service, the workflow worker, the gateway and the web
// console, alone or all in one process (each still a separate gRPC server on its own port, talking
// to the others over gRPC), in the manner of Grafana Loki's and Temporal's own -target flag.
package server

import (
	"fmt"
	"slices"
	"strings"
)

// Target is one deployable part of guichet.
type Target string

// The targets.
const (
	All          Target = "all"
	Applications Target = "applications"
	Review       Target = "review"
	Payments     Target = "payments"
	Worker       Target = "worker"
	Gateway      Target = "gateway"
	Web          Target = "web"
)

// Order is the start order of the targets in one process: services first, then their clients.
var Order = []Target{Applications, Review, Payments, Worker, Gateway, Web}

// ParseTargets reads a comma-separated list of targets; "all" means every one.
func ParseTargets(s string) ([]Target, error) {
	var out []Target
	for _, part := range strings.Split(s, ",") {
		t := Target(strings.TrimSpace(part))
		switch {
		case t == All:
			return Order, nil
		case slices.Contains(Order, t):
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		default:
			return nil, fmt.Errorf("unknown target %q: use all, applications, review, payments, worker, gateway or web", part)
		}
	}
	slices.SortFunc(out, func(a, b Target) int { return slices.Index(Order, a) - slices.Index(Order, b) })
	return out, nil
}
