package maildb_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/mail"
	"github.com/microlearn/microlearn/mail/maildb"
	"github.com/microlearn/microlearn/mail/smtp"
	"github.com/microlearn/microlearn/mail/smtp/smtptest"
)

// handler resolves test messages from a map; function fields would do, but a map of what
// exists is closer to a producer that writes after it enqueues.
type handler struct {
	mu       sync.Mutex
	exists   map[string]mail.Content
	gone     map[string]bool
	finished []mail.Record
}

func (h *handler) Resolve(_ context.Context, p mail.Pending) (mail.Content, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := p.Refs["id"]
	if h.gone[id] {
		return mail.Content{}, mail.ErrGone
	}
	c, ok := h.exists[id]
	if !ok {
		return mail.Content{}, mail.ErrNotYet
	}
	return c, nil
}

func (h *handler) Finished(_ context.Context, _ mail.Pending, r mail.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.finished = append(h.finished, r)
	return nil
}

type rig struct {
	t       *testing.T
	smtp    *smtptest.Server
	store   *maildb.Store
	svc     *mail.Service
	h       *handler
	now     time.Time
	mu      sync.Mutex
	senders int
}

func (r *rig) clock() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.now }
func (r *rig) advance(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now = r.now.Add(d)
}

func newRig(t *testing.T) *rig {
	db := mongotest.DB(t)
	if err := mongodb.EnsureIndexes(context.Background(), db.DB, maildb.Indexes()); err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, smtp: smtptest.Start(t), store: maildb.New(db.DB), now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC),
		h: &handler{exists: map[string]mail.Content{}, gone: map[string]bool{}}}
	r.svc = mail.NewService(r.store, true, r.clock, nil)
	return r
}

func (r *rig) sender(password string) *mail.Sender {
	tr, err := smtp.New(smtp.Config{Host: r.smtp.Host, Port: r.smtp.Port, Username: r.smtp.Username, Password: password,
		TLS: smtp.TLSStartTLS, RootCAs: r.smtp.RootCAs, From: "microlearn <no-reply@example.org>"})
	if err != nil {
		r.t.Fatal(err)
	}
	r.senders++
	return &mail.Sender{Store: r.store, Transport: tr, Handlers: map[mail.Kind]mail.Handler{mail.KindInvitation: r.h}, Now: r.clock,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), ID: "test",
		Cfg: mail.SenderConfig{Lease: 2 * time.Minute, SendTimeout: 10 * time.Second, Batch: 50, RetryBase: time.Minute,
			RetryMax: time.Hour, MaxAttempts: 3, Grace: 10 * time.Minute, From: "microlearn <no-reply@example.org>"}}
}

func (r *rig) enqueue(ids ...string) {
	r.t.Helper()
	var ms []mail.Message
	for _, id := range ids {
		ms = append(ms, mail.Message{DedupKey: "invitation:" + id + ":1", Kind: mail.KindInvitation, Refs: map[string]string{"id": id}})
	}
	if err := r.svc.EnqueueAll(context.Background(), ms); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) content(id, to, locale string) {
	r.h.mu.Lock()
	defer r.h.mu.Unlock()
	r.h.exists[id] = mail.Content{To: to, ToName: "Dana " + id, Locale: locale, Vars: map[string]string{"name": "Dana", "inviter": "Olivia Owner",
		"programme": "Ward leaders", "role": "mentee", "link": "https://microlearn.example/join?token=tok-" + id,
		"expires": "2026-11-16T09:00:00Z", "expiresZone": "Europe/London"}}
}

func runOnce(t *testing.T, s *mail.Sender) int {
	t.Helper()
	n, err := s.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Messages go out over STARTTLS with authentication, in the recipient's language, each once:
// enqueueing again, before or after sending, sends nothing more.
func TestSenderDeliversOverSMTPOnce(t *testing.T) {
	r := newRig(t)
	r.content("a", "ada@example.org", "en")
	r.content("b", "bernd@example.org", "de-AT")
	r.content("c", "chloe@example.org", "fr")
	r.enqueue("a", "b", "c", "a")
	s := r.sender(r.smtp.Password)
	if n := runOnce(t, s); n != 3 {
		t.Fatalf("claimed %d, want 3", n)
	}
	got := r.smtp.Wait(t, 3, 5*time.Second)
	want := map[string][]string{
		"ada@example.org":   {"Olivia Owner invites you to Ward leaders", "https://microlearn.example/join?token=tok-a", "16 November 2026"},
		"bernd@example.org": {"Olivia Owner lädt Sie zu Ward leaders ein", "„Ward leaders“ auf microlearn als Mentee", "16. November 2026"},
		"chloe@example.org": {"vous invite", "https://microlearn.example/join?token=tok-c", "16 novembre 2026"},
	}
	for _, m := range got {
		if len(m.To) != 1 {
			t.Fatalf("recipients %v", m.To)
		}
		text := m.Subject() + "\n" + m.Part("text/plain")
		for _, s := range want[m.To[0]] {
			if !strings.Contains(text, s) {
				t.Errorf("mail to %s lacks %q:\n%s", m.To[0], s, text)
			}
		}
		if h := m.Part("text/html"); !strings.Contains(h, `href="https://microlearn.example/join?token=tok-`) {
			t.Errorf("HTML part without the link:\n%s", h)
		}
		if !strings.HasPrefix(m.Header.Get("Message-Id"), "<") || m.From != "no-reply@example.org" {
			t.Errorf("headers: Message-Id %q, from %q", m.Header.Get("Message-Id"), m.From)
		}
	}
	r.enqueue("a", "b")
	if n := runOnce(t, s); n != 0 {
		t.Errorf("a second round claimed %d", n)
	}
	if len(r.smtp.Messages()) != 3 || len(r.h.finished) != 3 {
		t.Errorf("%d messages, %d finished, want 3 and 3", len(r.smtp.Messages()), len(r.h.finished))
	}
}

// A temporary refusal is retried after a back-off; a permanent one is recorded failed and
// the producer told; a wrong password loses nothing (the message waits for the next round).
func TestSenderRetriesAndFails(t *testing.T) {
	r := newRig(t)
	r.content("t", "temp@example.org", "en")
	r.content("p", "perm@example.org", "en")
	r.smtp.RejectWith(func(to string) error {
		switch to {
		case "temp@example.org":
			return smtptest.ErrTemporary
		case "perm@example.org":
			return smtptest.ErrPermanent
		}
		return nil
	})
	r.enqueue("t", "p")
	s := r.sender(r.smtp.Password)
	runOnce(t, s)
	if len(r.h.finished) != 1 || r.h.finished[0].Status != mail.StatusFailed || !strings.Contains(r.h.finished[0].Reason, "550") {
		t.Fatalf("finished %+v, want the permanent refusal recorded failed", r.h.finished)
	}
	if n := runOnce(t, s); n != 0 {
		t.Fatalf("the temporary failure was retried at once (%d)", n)
	}
	r.smtp.RejectWith(nil)
	r.advance(2 * time.Minute) // past the first back-off (at most RetryBase)
	if n := runOnce(t, s); n != 1 {
		t.Fatalf("retry claimed %d, want 1", n)
	}
	if ms := r.smtp.Messages(); len(ms) != 1 || ms[0].To[0] != "temp@example.org" {
		t.Fatalf("messages %+v", ms)
	}

	r.content("w", "wrong-password@example.org", "en")
	r.enqueue("w")
	bad := r.sender("not-the-password")
	runOnce(t, bad)
	if len(r.smtp.Messages()) != 1 {
		t.Fatal("sent despite the wrong password")
	}
	r.advance(2 * time.Minute)
	runOnce(t, s)
	if ms := r.smtp.Messages(); len(ms) != 2 || ms[1].To[0] != "wrong-password@example.org" {
		t.Fatalf("after fixing the password: %d messages", len(ms))
	}
}

// A sender that dies holding a message loses it for one lease only; a message whose subject
// does not exist yet waits, and is dropped after the grace period; a gone one is dropped.
func TestSenderCrashAndProducerOrder(t *testing.T) {
	r := newRig(t)
	r.content("x", "x@example.org", "en")
	r.enqueue("x")
	// "Crash": claim and walk away.
	if _, err := r.store.Claim(context.Background(), r.now, "dead-sender", r.now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	s := r.sender(r.smtp.Password)
	if n := runOnce(t, s); n != 0 {
		t.Fatal("claimed a leased message")
	}
	r.advance(2*time.Minute + time.Second)
	runOnce(t, s)
	if len(r.smtp.Messages()) != 1 {
		t.Fatalf("after the lease: %d messages, want 1", len(r.smtp.Messages()))
	}

	r.enqueue("later", "never", "revoked")
	r.h.gone["revoked"] = true
	runOnce(t, s)
	r.content("later", "later@example.org", "en")
	r.advance(time.Minute)
	runOnce(t, s)
	r.advance(11 * time.Minute)
	runOnce(t, s)
	var to []string
	for _, m := range r.smtp.Messages() {
		to = append(to, m.To[0])
	}
	if strings.Join(to, ",") != "x@example.org,later@example.org" {
		t.Errorf("delivered to %v", to)
	}
	if n := runOnce(t, s); n != 0 {
		t.Errorf("%d messages still in the outbox", n)
	}
	// Dropped messages leave no record, so the producer can enqueue them again later.
	done, err := r.store.FinishedAmong(context.Background(), []string{mail.MessageID("invitation:never:1"), mail.MessageID("invitation:later:1")})
	if err != nil {
		t.Fatal(err)
	}
	if done[mail.MessageID("invitation:never:1")] || !done[mail.MessageID("invitation:later:1")] {
		t.Errorf("records %v", done)
	}
}
