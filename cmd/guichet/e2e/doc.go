// Package e2e drives the whole platform through its REST gateway only, on the real components:
// once with every target in one process, once with one process per target.
package e2e
