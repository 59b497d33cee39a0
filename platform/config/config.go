// Package config reads guichet's configuration from the environment. Every variable has a default
// that works on one machine (README.md lists them).
package config

import (
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Config is the configuration of every target.
type Config struct {
	// DataDir holds the development components' data and the development issuer's key.
	DataDir string
	// PostgresURL of the database holding the services' schemas.
	PostgresURL string
	// RedisURL of the Redis server (rate limits, idempotency, sessions).
	RedisURL string
	// TemporalAddress and TemporalNamespace of the Temporal frontend.
	TemporalAddress   string
	TemporalNamespace string
	// TaskQueue of guichet's workflows and activities (tests give each run its own).
	TaskQueue string
	// Listen addresses.
	GatewayAddr      string
	WebAddr          string
	ApplicationsAddr string
	ReviewAddr       string
	PaymentsAddr     string
	// OIDCIssuer is the issuer whose tokens are accepted; OIDCAudience the expected audience.
	OIDCIssuer   string
	OIDCAudience string
	// WebURL is the console's public address (its OIDC redirect URI is WebURL/callback); empty
	// means http:// and the web listen address. WebClientID and WebClientSecret are the console's
	// registration at the issuer.
	WebURL          string
	WebClientID     string
	WebClientSecret string
	// DevIssuer serves the built-in development issuer from the gateway at OIDCIssuer.
	DevIssuer bool
	// DevIssuerKeyFile is the development issuer's signing key.
	DevIssuerKeyFile string
	// RateLimitPerMinute is the number of requests one principal (or address) may make per minute.
	RateLimitPerMinute int
	// IdempotencyTTL is how long an Idempotency-Key is remembered.
	IdempotencyTTL time.Duration
	// RegistryURL is the base URL of the company registry ("API Recherche d'entreprises") that the
	// eligibility check asks; RegistryOff skips that check, saying so in every eligibility outcome
	// (development and the end-to-end tests, which have no internet).
	RegistryURL string
	// SMTPAddr is the SMTP server of the notifications (mailpit in development, the relay in
	// production); MailFrom their sender.
	SMTPAddr string
	MailFrom string
	// ProgrammeOfficeEmail is told of overdue milestone reports.
	ProgrammeOfficeEmail string
	// SMTPUsername and SMTPPassword log in to the relay when the username is set; SMTPStartTLS
	// requires STARTTLS before anything else.
	SMTPUsername string
	SMTPPassword string
	SMTPStartTLS bool
	// WebTheme is the console's theme: "neutral" (the project's own, the default) or "dsfr", the
	// State design system, which the operator installs in DSFRDir after accepting its terms
	// (`make dsfr ACCEPT_DSFR_TERMS=yes`).
	WebTheme string
	DSFRDir  string
}

// DefaultRegistryURL is the public company registry, RegistryOff the value that turns its check off.
const (
	DefaultRegistryURL = "https://recherche-entreprises.api.gouv.fr"
	RegistryOff        = "off"
)

// FromEnv reads the configuration.
func FromEnv() Config {
	dataDir := env("GUICHET_DATA_DIR", ".data")
	gateway := env("GUICHET_GATEWAY_ADDR", "127.0.0.1:8080")
	return Config{
		DataDir:              dataDir,
		PostgresURL:          env("GUICHET_POSTGRES_URL", "postgres://guichet@127.0.0.1:5432/guichet?sslmode=disable"),
		RedisURL:             env("GUICHET_REDIS_URL", "redis://127.0.0.1:6379/0"),
		TemporalAddress:      env("GUICHET_TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		TemporalNamespace:    env("GUICHET_TEMPORAL_NAMESPACE", "default"),
		TaskQueue:            env("GUICHET_TEMPORAL_TASK_QUEUE", "guichet"),
		GatewayAddr:          gateway,
		WebAddr:              env("GUICHET_WEB_ADDR", "127.0.0.1:8081"),
		ApplicationsAddr:     env("GUICHET_APPLICATIONS_ADDR", "127.0.0.1:9101"),
		ReviewAddr:           env("GUICHET_REVIEW_ADDR", "127.0.0.1:9102"),
		PaymentsAddr:         env("GUICHET_PAYMENTS_ADDR", "127.0.0.1:9103"),
		OIDCIssuer:           env("GUICHET_OIDC_ISSUER", "http://"+gateway+"/dev-issuer"),
		OIDCAudience:         env("GUICHET_OIDC_AUDIENCE", "guichet"),
		WebURL:               os.Getenv("GUICHET_WEB_URL"),
		WebClientID:          env("GUICHET_WEB_CLIENT_ID", "guichet-web"),
		WebClientSecret:      os.Getenv("GUICHET_WEB_CLIENT_SECRET"),
		DevIssuer:            envBool("GUICHET_DEV_ISSUER", true),
		DevIssuerKeyFile:     env("GUICHET_DEV_ISSUER_KEY", filepath.Join(dataDir, "dev-issuer-key.json")),
		RateLimitPerMinute:   envInt("GUICHET_RATE_LIMIT_PER_MINUTE", 600),
		IdempotencyTTL:       envDuration("GUICHET_IDEMPOTENCY_TTL", 24*time.Hour),
		RegistryURL:          env("GUICHET_REGISTRY_URL", DefaultRegistryURL),
		SMTPAddr:             env("GUICHET_SMTP_ADDR", "127.0.0.1:1025"),
		MailFrom:             env("GUICHET_MAIL_FROM", "guichet <noreply@guichet.localhost>"),
		ProgrammeOfficeEmail: env("GUICHET_PROGRAMME_OFFICE_EMAIL", "programme@guichet.localhost"),
		SMTPUsername:         os.Getenv("GUICHET_SMTP_USERNAME"),
		SMTPPassword:         os.Getenv("GUICHET_SMTP_PASSWORD"),
		SMTPStartTLS:         envBool("GUICHET_SMTP_STARTTLS", false),
		WebTheme:             env("GUICHET_WEB_THEME", "neutral"),
		DSFRDir:              os.Getenv("GUICHET_DSFR_DIR"),
	}
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func envBool(key string, def bool) bool {
	if b, err := strconv.ParseBool(os.Getenv(key)); err == nil {
		return b
	}
	return def
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return d
	}
	return def
}

// Environ is the environment that makes FromEnv return c: what a process passes to the targets it
// starts (the benchmark, the end-to-end tests), so that they share its configuration.
func (c Config) Environ() []string {
	kv := [][2]string{
		{"GUICHET_DATA_DIR", c.DataDir},
		{"GUICHET_POSTGRES_URL", c.PostgresURL},
		{"GUICHET_REDIS_URL", c.RedisURL},
		{"GUICHET_TEMPORAL_ADDRESS", c.TemporalAddress},
		{"GUICHET_TEMPORAL_NAMESPACE", c.TemporalNamespace},
		{"GUICHET_TEMPORAL_TASK_QUEUE", c.TaskQueue},
		{"GUICHET_GATEWAY_ADDR", c.GatewayAddr},
		{"GUICHET_WEB_ADDR", c.WebAddr},
		{"GUICHET_APPLICATIONS_ADDR", c.ApplicationsAddr},
		{"GUICHET_REVIEW_ADDR", c.ReviewAddr},
		{"GUICHET_PAYMENTS_ADDR", c.PaymentsAddr},
		{"GUICHET_OIDC_ISSUER", c.OIDCIssuer},
		{"GUICHET_OIDC_AUDIENCE", c.OIDCAudience},
		{"GUICHET_WEB_URL", c.WebURL},
		{"GUICHET_WEB_CLIENT_ID", c.WebClientID},
		{"GUICHET_WEB_CLIENT_SECRET", c.WebClientSecret},
		{"GUICHET_DEV_ISSUER", strconv.FormatBool(c.DevIssuer)},
		{"GUICHET_DEV_ISSUER_KEY", c.DevIssuerKeyFile},
		{"GUICHET_RATE_LIMIT_PER_MINUTE", strconv.Itoa(c.RateLimitPerMinute)},
		{"GUICHET_IDEMPOTENCY_TTL", c.IdempotencyTTL.String()},
		{"GUICHET_REGISTRY_URL", c.RegistryURL},
		{"GUICHET_SMTP_ADDR", c.SMTPAddr},
		{"GUICHET_MAIL_FROM", c.MailFrom},
		{"GUICHET_PROGRAMME_OFFICE_EMAIL", c.ProgrammeOfficeEmail},
		{"GUICHET_SMTP_USERNAME", c.SMTPUsername},
		{"GUICHET_SMTP_PASSWORD", c.SMTPPassword},
		{"GUICHET_SMTP_STARTTLS", strconv.FormatBool(c.SMTPStartTLS)},
		{"GUICHET_WEB_THEME", c.WebTheme},
		{"GUICHET_DSFR_DIR", c.DSFRDir},
	}
	out := make([]string, 0, len(kv))
	for _, e := range kv {
		out = append(out, e[0]+"="+e[1])
	}
	return out
}
