package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"time"

	"github.com/guichet/guichet/platform/clock"
)

// Mailer sends messages from one address: a *Sender, which the workflows' activities take through
// this interface so that their tests can put a refusing relay in its place.
type Mailer interface {
	From() *mail.Address
	Send(ctx context.Context, m Message) error
}

var _ Mailer = (*Sender)(nil)

// Sender sends messages through one SMTP server.
type Sender struct {
	cfg   Config
	from  *mail.Address
	clock clock.Clock
}

// NewSender checks cfg and returns a sender whose messages are dated by clk.
func NewSender(cfg Config, clk clock.Clock) (*Sender, error) {
	from, err := ParseFrom(cfg.From)
	if err != nil {
		return nil, err
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("smtp address %q: %w", cfg.Addr, err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = time.Minute
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	return &Sender{cfg: cfg, from: from, clock: clk}, nil
}

// From is the sender's address.
func (s *Sender) From() *mail.Address { return s.from }

// Send delivers m to the SMTP server. A message without ID gets a random one, without Date the
// clock's instant.
func (s *Sender) Send(ctx context.Context, m Message) error {
	if m.ID == "" {
		m.ID = randomID(s.from)
	}
	if m.Date.IsZero() {
		m.Date = s.clock.Now()
	}
	raw, err := compose(s.from, m)
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.Timeout)
		defer cancel()
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", s.cfg.Addr, err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	// Cancelling the context interrupts a conversation in progress.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := s.converse(conn, m, raw); err != nil {
		_ = conn.Close()
		if ctx.Err() != nil {
			return fmt.Errorf("smtp %s: %w (%w)", s.cfg.Addr, ctx.Err(), err)
		}
		return fmt.Errorf("smtp %s: %w", s.cfg.Addr, err)
	}
	return nil
}

func (s *Sender) converse(conn net.Conn, m Message, raw []byte) error {
	host, _, _ := net.SplitHostPort(s.cfg.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	if err := c.Hello(s.cfg.HelloName); err != nil {
		return err
	}
	if s.cfg.StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("the server does not offer STARTTLS, which is required")
		}
		tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		if s.cfg.TLS != nil {
			tc = s.cfg.TLS.Clone()
			if tc.ServerName == "" {
				tc.ServerName = host
			}
		}
		if err := c.StartTLS(tc); err != nil {
			return err
		}
	}
	if s.cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, host)); err != nil {
			return err
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	for _, to := range m.To {
		if err := c.Rcpt(to.Address); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// Permanent reports whether err is a permanent SMTP refusal (a 5xx reply, e.g. an unknown mailbox):
// sending the same message again would be refused again.
func Permanent(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500 && te.Code < 600
}

func randomID(from *mail.Address) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b) + "@" + domain(from)
}
