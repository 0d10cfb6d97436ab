package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/mail"
	"github.com/microlearn/microlearn/mail/maildb"
	"github.com/microlearn/microlearn/mail/smtp"
	"github.com/microlearn/microlearn/programme"
)

func loadMailConfig(env *config.Env, c *Config) {
	c.SMTPHost = env.String("SMTP_HOST", "")
	c.SMTPTLS = env.OneOf("SMTP_TLS", smtp.TLSStartTLS, smtp.TLSStartTLS, smtp.TLSImplicit, smtp.TLSNone)
	port := 587
	switch c.SMTPTLS {
	case smtp.TLSImplicit:
		port = 465
	case smtp.TLSNone:
		port = 25
	}
	c.SMTPPort = env.Int("SMTP_PORT", port, 1, 65535)
	c.SMTPUsername = env.String("SMTP_USERNAME", "")
	c.SMTPPassword = env.String("SMTP_PASSWORD", "")
	if f := env.String("SMTP_PASSWORD_FILE", ""); f != "" && c.SMTPPassword == "" {
		if b, err := os.ReadFile(f); err == nil {
			c.SMTPPassword = strings.TrimRight(string(b), "\r\n")
		}
	}
	c.SMTPAuth = env.OneOf("SMTP_AUTH", "auto", "auto", "plain", "login")
	c.SMTPFrom = env.String("SMTP_FROM", "")
	c.SMTPCAFile = env.String("SMTP_CA_FILE", "")
	c.SMTPHELO = env.String("SMTP_HELO", "")
	c.MailLease = env.Duration("MAIL_LEASE", 2*time.Minute, 10*time.Second, time.Hour)
	c.MailSendTimeout = env.Duration("MAIL_SEND_TIMEOUT", 30*time.Second, time.Second, 5*time.Minute)
	c.MailPollInterval = env.Duration("MAIL_POLL_INTERVAL", 5*time.Second, 100*time.Millisecond, 10*time.Minute)
	c.MailMaxAttempts = env.Int("MAIL_MAX_ATTEMPTS", 8, 1, 100)
	c.MailRetryBase = env.Duration("MAIL_RETRY_BASE", time.Minute, time.Second, time.Hour)
	c.MailRetryMax = env.Duration("MAIL_RETRY_MAX", time.Hour, time.Second, 24*time.Hour)
	c.MailRecordRetention = env.Duration("MAIL_RECORD_RETENTION", 90*24*time.Hour, 24*time.Hour, 3650*24*time.Hour)
}

// checkMailConfig validates what LoadConfig cannot check one variable at a time.
func checkMailConfig(c Config) error {
	if !c.MailOn() {
		return nil
	}
	switch {
	case c.PublicURL == "":
		return fmt.Errorf("invalid PUBLIC_URL=\"\": required when SMTP_HOST is set, for the links in the emails (e.g. https://learn.example.org)")
	case !strings.HasPrefix(c.PublicURL, "https://") && !strings.HasPrefix(c.PublicURL, "http://"):
		return fmt.Errorf("invalid PUBLIC_URL=%q: must start with https:// (or http://)", c.PublicURL)
	case c.SMTPFrom == "":
		return fmt.Errorf("invalid SMTP_FROM=\"\": required when SMTP_HOST is set (e.g. \"microlearn <no-reply@example.org>\")")
	case c.MailLease < 2*c.MailSendTimeout:
		return fmt.Errorf("invalid MAIL_LEASE=%q: must be at least twice MAIL_SEND_TIMEOUT (%s), or a slow send could be claimed twice",
			c.MailLease.String(), c.MailSendTimeout)
	case c.MailRetryMax < c.MailRetryBase:
		return fmt.Errorf("invalid MAIL_RETRY_MAX=%q: must be at least MAIL_RETRY_BASE (%s)", c.MailRetryMax.String(), c.MailRetryBase)
	}
	return nil
}

// inviteKey derives the invitation-token secret from the key file's refresh secret (domain
// separated, so neither secret reveals the other's use).
func (a *App) inviteKey() []byte {
	m := hmac.New(sha256.New, a.Tokens.Keys.RefreshSecret())
	m.Write([]byte("microlearn invitation tokens v1"))
	return m.Sum(nil)
}

// mailWorkers builds the SMTP transport and the mail sender and janitor; with no SMTP_HOST
// it says at start-up that mail is off and runs nothing.
func (a *App) mailWorkers(store *maildb.Store) ([]func(context.Context), error) {
	c := a.Cfg
	if !c.MailOn() {
		a.Log.Warn("email is OFF: no SMTP_HOST is configured, so invitations are not emailed; each pending invitation's " +
			"join link is shown to the programme's owners (GET /v1/programmes/{id}/invites, and the console) to pass on")
		return nil, nil
	}
	tr, err := smtp.New(smtp.Config{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUsername, Password: c.SMTPPassword,
		TLS: c.SMTPTLS, Auth: c.SMTPAuth, CAFile: c.SMTPCAFile, From: c.SMTPFrom, HELO: c.SMTPHELO})
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	sender := &mail.Sender{Store: meteredMail{store, a.Metrics}, Transport: tr, Now: a.Now, Log: a.Log.With("component", "mail-sender"),
		ID:       host + "-" + strconv.Itoa(os.Getpid()),
		Handlers: map[mail.Kind]mail.Handler{mail.KindInvitation: invitationMail{programmes: a.Programmes, identity: a.Identity, publicURL: c.PublicURL}},
		Cfg: mail.SenderConfig{Lease: c.MailLease, SendTimeout: c.MailSendTimeout, Batch: 100, RetryBase: c.MailRetryBase,
			RetryMax: c.MailRetryMax, MaxAttempts: c.MailMaxAttempts, Grace: 10 * time.Minute, From: c.SMTPFrom}}
	janitor := &mail.Janitor{Store: store, Now: a.Now, Log: a.Log.With("component", "mail-janitor"), Retention: c.MailRecordRetention}
	a.Log.Info("email goes out through SMTP", "host", c.SMTPHost, "port", c.SMTPPort, "tls", c.SMTPTLS,
		"auth", c.SMTPUsername != "", "from", c.SMTPFrom)
	return []func(context.Context){
		func(ctx context.Context) { sender.Run(ctx, a.Mail.Wake(), c.MailPollInterval) },
		func(ctx context.Context) { every(ctx, 24*time.Hour, func() { janitor.RunOnce(ctx) }) },
	}, nil
}

// inviteMailer lets programmes queue invitation emails in the mail outbox.
type inviteMailer struct{ m *mail.Service }

func (i inviteMailer) Enabled() bool { return i.m.Enabled() }

func (i inviteMailer) QueueInvites(ctx context.Context, refs []programme.InviteRef) error {
	ms := make([]mail.Message, len(refs))
	for k, r := range refs {
		g := strconv.Itoa(r.Generation)
		ms[k] = mail.Message{DedupKey: "invitation:" + r.ID + ":" + g, Kind: mail.KindInvitation,
			Refs: map[string]string{"inviteId": r.ID, "generation": g}}
	}
	return i.m.EnqueueAll(ctx, ms)
}

// invitationMail fills invitation emails in from programmes (and the inviter's name from
// identity) when they go out, and records how they ended on the invitation.
type invitationMail struct {
	programmes *programme.Service
	identity   *identity.Service
	publicURL  string
}

func inviteRef(p mail.Pending) programme.InviteRef {
	g, _ := strconv.Atoi(p.Refs["generation"])
	return programme.InviteRef{ID: p.Refs["inviteId"], Generation: g}
}

func (h invitationMail) Resolve(ctx context.Context, p mail.Pending) (mail.Content, error) {
	inv, token, verdict, err := h.programmes.InviteForMail(ctx, inviteRef(p))
	switch {
	case err != nil:
		return mail.Content{}, err
	case verdict == programme.MailGone:
		return mail.Content{}, mail.ErrGone
	case verdict == programme.MailNotYet:
		return mail.Content{}, mail.ErrNotYet
	}
	prog, err := h.programmes.Programme(ctx, inv.ProgrammeID)
	if err != nil {
		return mail.Content{}, err
	}
	inviter := ""
	if u, err := h.identity.User(ctx, inv.InvitedBy); err == nil {
		inviter = u.DisplayName
	}
	return mail.Content{To: inv.Email, ToName: inv.Name, Locale: inv.Locale, Vars: map[string]string{
		"name": inv.Name, "inviter": inviter, "programme": prog.Name, "role": string(inv.Role),
		"link":    strings.TrimRight(h.publicURL, "/") + "/join?token=" + token,
		"expires": inv.ExpiresAt.Format(time.RFC3339), "expiresZone": prog.Timezone}}, nil
}

func (h invitationMail) Finished(ctx context.Context, p mail.Pending, r mail.Record) error {
	return h.programmes.InviteMailed(ctx, inviteRef(p), r.Status == mail.StatusSent, r.Reason, r.At)
}
