// Package smtp delivers mail over SMTP with github.com/wneessen/go-mail: STARTTLS (required,
// never silently skipped), implicit TLS or, for a relay on the same host, no TLS; and
// authentication when a username is configured.
package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"

	"github.com/microlearn/microlearn/mail"
)

// TLS modes.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS; refused when the server does not offer it
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS, usually port 465)
	TLSNone     = "none"     // no encryption: only for a relay on the same host or network
)

// Config is how to reach the mail server.
type Config struct {
	Host     string
	Port     int
	Username string
	Password string
	// TLS is one of TLSStartTLS, TLSImplicit, TLSNone.
	TLS string
	// Auth is "auto" (the strongest mechanism the server offers), "plain" or "login"; used
	// only with a Username.
	Auth string
	// CAFile, optional, holds PEM certificates to trust (a private relay's CA) besides the
	// system's.
	CAFile string
	// RootCAs, when set, replaces the trusted roots (tests).
	RootCAs *x509.CertPool
	// From is the sender address, e.g. `microlearn <no-reply@example.org>`.
	From string
	// HELO is the name this client gives itself (default: go-mail's, the host name).
	HELO string
}

// Transport sends letters to one SMTP server.
type Transport struct {
	cfg    Config
	client *gomail.Client
}

// New checks cfg and returns a transport; it does not connect yet.
func New(cfg Config) (*Transport, error) {
	opts := []gomail.Option{gomail.WithPort(cfg.Port)}
	tc := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12, RootCAs: cfg.RootCAs}
	if cfg.CAFile != "" && tc.RootCAs == nil {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("SMTP_CA_FILE: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("SMTP_CA_FILE %s holds no PEM certificate", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	switch cfg.TLS {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithTLSConfig(tc))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSConfig(tc))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		return nil, fmt.Errorf("invalid SMTP_TLS=%q: want starttls, tls or none", cfg.TLS)
	}
	if cfg.Username != "" {
		mech := gomail.SMTPAuthAutoDiscover
		switch cfg.Auth {
		case "", "auto":
		case "plain":
			mech = gomail.SMTPAuthPlain
		case "login":
			mech = gomail.SMTPAuthLogin
		default:
			return nil, fmt.Errorf("invalid SMTP_AUTH=%q: want auto, plain or login", cfg.Auth)
		}
		opts = append(opts, gomail.WithSMTPAuth(mech), gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	if cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(cfg.HELO))
	}
	if cfg.From == "" {
		return nil, errors.New("SMTP_FROM is required: the address mail is sent from")
	}
	if err := gomail.NewMsg().From(cfg.From); err != nil {
		return nil, fmt.Errorf("invalid SMTP_FROM=%q: %w", cfg.From, err)
	}
	c, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP client: %w", err)
	}
	return &Transport{cfg: cfg, client: c}, nil
}

// Name implements mail.Transport.
func (t *Transport) Name() string {
	return fmt.Sprintf("smtp %s:%d (%s)", t.cfg.Host, t.cfg.Port, t.cfg.TLS)
}

// Open implements mail.Transport: it connects, secures the connection and authenticates.
func (t *Transport) Open(ctx context.Context) (mail.Conn, error) {
	sc, err := t.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to %s:%d: %w", t.cfg.Host, t.cfg.Port, err)
	}
	return &conn{t: t, sc: sc}, nil
}

type conn struct {
	t  *Transport
	sc *gosmtp.Client
}

// Send implements mail.Conn. A 5xx answer is permanent; anything else is worth a retry.
func (c *conn) Send(ctx context.Context, l mail.Letter) error {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := m.From(c.t.cfg.From); err != nil {
		return fmt.Errorf("from: %w: %w", mail.ErrPermanent, err)
	}
	if err := m.AddToFormat(l.ToName, l.To); err != nil {
		return fmt.Errorf("recipient: %w: %w", mail.ErrPermanent, err)
	}
	m.Subject(l.Subject)
	m.SetMessageIDWithValue(l.MessageID)
	m.SetDate()
	m.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	m.SetBodyString(gomail.TypeTextPlain, l.Text)
	if l.HTML != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, l.HTML)
	}
	done := make(chan error, 1)
	go func() { done <- c.t.client.SendWithSMTPClient(c.sc, m) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = c.sc.Close() // unblocks the send
		<-done
		return ctx.Err()
	}
	if err == nil {
		return nil
	}
	var se *gomail.SendError
	if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
		return fmt.Errorf("%w: %w", mail.ErrPermanent, err)
	}
	return err
}

// Close implements mail.Conn.
func (c *conn) Close() error { return c.t.client.CloseWithSMTPClient(c.sc) }
