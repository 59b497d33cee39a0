// Package platform is the shared code of guichet's services: configuration, telemetry, gRPC server
// and client setup, authentication, PostgreSQL, Redis, the transactional outbox and the audit log.
package platform
