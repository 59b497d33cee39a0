// Package workflows holds guichet's Temporal workflows. Each domain process has its own package
// with the same files: api.go (inputs, results, names), workflows.go, activities.go, worker.go.
package workflows
