package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEnvironRoundTrips(t *testing.T) {
	c := Config{DataDir: "/tmp/d", PostgresURL: "postgres://x@127.0.0.1:1/db", RedisURL: "redis://127.0.0.1:2/0", TemporalAddress: "127.0.0.1:3",
		TemporalNamespace: "default", TaskQueue: "q", GatewayAddr: "127.0.0.1:4", WebAddr: "127.0.0.1:5", ApplicationsAddr: "127.0.0.1:6",
		ReviewAddr: "127.0.0.1:7", PaymentsAddr: "127.0.0.1:8", OIDCIssuer: "http://127.0.0.1:4/dev-issuer", OIDCAudience: "guichet",
		WebURL: "http://127.0.0.1:5", WebClientID: "guichet-web", WebClientSecret: "s", DevIssuer: true, DevIssuerKeyFile: "/tmp/d/k.json",
		RateLimitPerMinute: 42, IdempotencyTTL: time.Hour, RegistryURL: "off", SMTPAddr: "127.0.0.1:9", MailFrom: "g <n@x.example>",
		ProgrammeOfficeEmail: "p@x.example", SMTPUsername: "u", SMTPPassword: "pw", SMTPStartTLS: true,
		WebTheme: "dsfr", DSFRDir: "/opt/dsfr"}
	for _, kv := range c.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	if got := FromEnv(); !reflect.DeepEqual(got, c) {
		t.Fatalf("FromEnv(Environ()) =\n%+v\nwant\n%+v", got, c)
	}
}
