// Package mail sends guichet's notifications by SMTP: messages in French and English (French first)
// as multipart/alternative text and HTML in UTF-8, built from templates. In development and tests
// the SMTP server is mailpit (devstack), in production the State's relay.
package mail

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Config says where and how messages are sent.
type Config struct {
	// Addr is the SMTP server, host:port.
	Addr string
	// From is the sender, e.g. "guichet <noreply@guichet.localhost>"; its domain names the messages.
	From string
	// Username and Password authenticate with AUTH PLAIN when Username is set. net/smtp refuses to
	// send them over an unencrypted connection except to localhost.
	Username, Password string
	// StartTLS requires the server to offer STARTTLS and upgrades the connection before anything
	// else is said (the production relay).
	StartTLS bool
	// TLS configures the STARTTLS handshake (tests set RootCAs); nil verifies against the system's
	// roots with the host of Addr as server name.
	TLS *tls.Config
	// HelloName is the name given in EHLO; "localhost" when empty.
	HelloName string
	// Timeout bounds one whole SMTP conversation when the context has no earlier deadline.
	Timeout time.Duration
}

// Message is one notification. Text and HTML carry the same content.
type Message struct {
	To      []*mail.Address
	Subject string
	Text    string
	HTML    string
	// ID is the Message-ID without angle brackets. A message that may be sent again (a retried
	// activity) derives it from what it is about, so a repeat is recognisable as the same message.
	ID string
	// Date is when the message was written; the sender's clock when zero.
	Date time.Time
}

// ParseFrom parses a From address and checks it has a domain (Message-IDs are built from it).
func ParseFrom(from string) (*mail.Address, error) {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail from %q: %w", from, err)
	}
	if domain(a) == "" {
		return nil, fmt.Errorf("mail from %q: no domain", from)
	}
	return a, nil
}

func domain(a *mail.Address) string {
	i := strings.LastIndex(a.Address, "@")
	if i < 0 {
		return ""
	}
	return a.Address[i+1:]
}

// DerivedID returns a Message-ID for key (e.g. "receipt" and an application's name) in the
// sender's domain: "receipt.calls.c1.applications.a1@guichet.localhost". Characters that a
// Message-ID may not hold become dashes.
func DerivedID(from *mail.Address, parts ...string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('.')
		}
		for _, r := range p {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
				b.WriteRune(r)
			case r == '/' || r == '.':
				b.WriteByte('.')
			default:
				b.WriteByte('-')
			}
		}
	}
	local := strings.Trim(b.String(), ".")
	for strings.Contains(local, "..") {
		local = strings.ReplaceAll(local, "..", ".")
	}
	return local + "@" + domain(from)
}

// ErrNoRecipient is returned for a message without recipients.
var ErrNoRecipient = errors.New("mail: no recipient")
