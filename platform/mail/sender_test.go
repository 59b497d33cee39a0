package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guichet/guichet/platform/clock"
	"github.com/guichet/guichet/platform/devstack"
	"github.com/guichet/guichet/platform/ids"
	"github.com/guichet/guichet/platform/mail"
	"github.com/guichet/guichet/platform/mail/mailpit"
	"github.com/guichet/guichet/platform/testenv"
)

const from = "guichet <noreply@guichet.localhost>"

func sender(t *testing.T, cfg mail.Config, clk clock.Clock) *mail.Sender {
	t.Helper()
	if cfg.From == "" {
		cfg.From = from
	}
	s, err := mail.NewSender(cfg, clk)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestReceiptThroughMailpit sends a receipt through the real SMTP server and reads it back through
// its HTTP API, as the applicant's mail client would show it.
func TestReceiptThroughMailpit(t *testing.T) {
	if testing.Short() {
		t.Skip("uses mailpit")
	}
	env := testenv.Get(t)
	written := time.Date(2026, 11, 30, 16, 19, 23, 0, time.UTC)
	s := sender(t, mail.Config{Addr: env.SMTPAddr}, clock.NewFixed(written))
	name := "calls/mail-test/applications/" + ids.New()
	r := mail.Receipt{
		To: &netmail.Address{Name: "Élodie Durand", Address: "elodie@example.org"}, Application: name,
		Title: "Prédire les défaillances d'entreprises", CallName: "calls/mail-test", CallTitle: "Données publiques",
		Organisation: "Direction interministérielle du numérique", Siret: "13002526500013",
		SubmitTime:    time.Date(2026, 11, 30, 16, 19, 22, 254046825, time.UTC),
		ContentSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	}
	m, err := r.Message(s.From())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx(t), m); err != nil {
		t.Fatal(err)
	}
	box := &mailpit.Client{URL: env.MailpitURL}
	got, err := box.Await(ctx(t), name)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "Accusé de réception : Prédire les défaillances d'entreprises / Acknowledgement of receipt" {
		t.Errorf("subject %q", got.Subject)
	}
	if got.From.Address != "noreply@guichet.localhost" || got.From.Name != "guichet" {
		t.Errorf("from %+v", got.From)
	}
	if len(got.To) != 1 || got.To[0].Address != "elodie@example.org" || got.To[0].Name != "Élodie Durand" {
		t.Errorf("to %+v", got.To)
	}
	if want := "receipt." + strings.ReplaceAll(name, "/", ".") + "@guichet.localhost"; got.MessageID != want {
		t.Errorf("message id %q, want %q", got.MessageID, want)
	}
	if !got.Date.Equal(written) {
		t.Errorf("date %v, want the clock's %v", got.Date, written)
	}
	for _, want := range []string{"Bonjour Élodie Durand,", "Nous accusons réception", "lundi 30 novembre 2026 à 17:19:22",
		"Hello Élodie Durand,", "We acknowledge receipt", "Monday 30 November 2026 at 17:19:22", r.ContentSHA256, name} {
		if !strings.Contains(got.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, got.Text)
		}
		if !strings.Contains(got.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, got.HTML)
		}
	}
	if strings.Index(got.Text, "Nous accusons réception") > strings.Index(got.Text, "We acknowledge receipt") {
		t.Error("English before French")
	}
	h, err := box.Headers(ctx(t), got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ct := strings.Join(h["Content-Type"], ""); !strings.HasPrefix(ct, "multipart/alternative;") {
		t.Errorf("content type %q", ct)
	}

	// A retried send is the same message again: same Message-ID, so the mailbox can tell.
	if err := s.Send(ctx(t), m); err != nil {
		t.Fatal(err)
	}
	var same []mailpit.Summary
	for deadline := time.Now().Add(10 * time.Second); len(same) < 2 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if same, err = box.Search(ctx(t), "message-id:"+got.MessageID); err != nil {
			t.Fatal(err)
		}
	}
	if len(same) != 2 {
		t.Fatalf("%d messages with id %s after two sends", len(same), got.MessageID)
	}
}

func plain(subject string) mail.Message {
	return mail.Message{To: []*netmail.Address{{Address: "alice@example.org"}}, Subject: subject, Text: "texte", HTML: "<p>texte</p>"}
}

func TestLoginAndRequiredStartTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("uses mailpit")
	}
	env := testenv.Get(t)
	box := &mailpit.Client{URL: env.MailpitURL}
	subject := "login " + ids.New()
	if err := sender(t, mail.Config{Addr: env.SMTPAddr, Username: "relay-user", Password: "secret"}, clock.System{}).Send(ctx(t), plain(subject)); err != nil {
		t.Fatal(err)
	}
	if _, err := box.Await(ctx(t), subject); err != nil {
		t.Fatal(err)
	}
	found, err := box.Search(ctx(t), subject)
	if err != nil || len(found) != 1 || found[0].Username != "relay-user" {
		t.Fatalf("login not used: %v %+v", err, found)
	}

	// A relay that must be reached over TLS is never spoken to in clear.
	err = sender(t, mail.Config{Addr: env.SMTPAddr, StartTLS: true}, clock.System{}).Send(ctx(t), plain("never sent "+ids.New()))
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("sent without STARTTLS: %v", err)
	}
}

// TestStartTLSRelay runs a mailpit of its own that requires STARTTLS and accepts only alice, like a
// production relay: the sender upgrades the connection, and a refused recipient is a permanent error.
func TestStartTLSRelay(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mailpit")
	}
	bin, err := devstack.MailpitBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	roots := selfSigned(t, dir)
	relay, err := devstack.StartMailpit(ctx(t), bin, dir, 0, 0, "", 0,
		"--smtp-tls-cert", filepath.Join(dir, "cert.pem"), "--smtp-tls-key", filepath.Join(dir, "key.pem"),
		"--smtp-require-starttls", "--smtp-allowed-recipients", "^alice@example\\.org$",
		// Logins only over TLS (mailpit refuses to require TLS while allowing them in clear).
		"--smtp-auth-allow-insecure=false")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = relay.Stop() }()

	tlsSender := sender(t, mail.Config{Addr: relay.SMTPAddr, StartTLS: true, TLS: &tls.Config{RootCAs: roots},
		Username: "guichet", Password: "secret"}, clock.System{})
	if err := tlsSender.Send(ctx(t), plain("over TLS")); err != nil {
		t.Fatal(err)
	}
	box := &mailpit.Client{URL: relay.URL}
	if _, err := box.Await(ctx(t), "over TLS"); err != nil {
		t.Fatal(err)
	}

	bob := plain("to bob")
	bob.To = []*netmail.Address{{Address: "bob@example.org"}}
	err = tlsSender.Send(ctx(t), bob)
	if err == nil || !mail.Permanent(err) {
		t.Fatalf("a refused recipient: %v (permanent %v)", err, mail.Permanent(err))
	}

	// An unknown certificate is refused: the sender does not fall back to clear text.
	err = sender(t, mail.Config{Addr: relay.SMTPAddr, StartTLS: true}, clock.System{}).Send(ctx(t), plain("untrusted"))
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("untrusted certificate: %v", err)
	}
	list, err := box.Messages(ctx(t))
	if err != nil || len(list) != 1 {
		t.Fatalf("relay holds %d messages (%v), want 1", len(list), err)
	}
}

func TestUnreachableServer(t *testing.T) {
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	s := sender(t, mail.Config{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}, clock.System{})
	err = s.Send(ctx(t), plain("nowhere"))
	if err == nil || mail.Permanent(err) {
		t.Fatalf("unreachable server: %v (a retry may succeed, so not permanent)", err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(cancelled, plain("cancelled")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// selfSigned writes cert.pem and key.pem for 127.0.0.1 into dir and returns a pool trusting it.
func selfSigned(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay.test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return pool
}
