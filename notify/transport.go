package notify

import (
	"context"
	"log/slog"
	"strconv"
	"time"
)

// Message is one push to one device.
type Message struct {
	NotificationID string
	DeviceID       string
	UserID         string
	Token          string
	TokenHash      string
	Platform       Platform
	Kind           Kind
	Title, Body    string
	// Data is the payload the app reads: type, notificationId, link and the refs.
	Data        map[string]string
	CollapseKey string
	TTL         time.Duration
	High        bool
}

// ErrorClass says what the sender should do about a refused message.
type ErrorClass int

// The classes of send error.
const (
	// Permanent: the message will never be accepted as it is; record the reason, do not retry.
	Permanent ErrorClass = iota
	// Transient: FCM may accept it later (429, 5xx, UNAVAILABLE, INTERNAL, a network error);
	// retry with back-off, honouring RetryAfter.
	Transient
	// BadToken: the token is dead (UNREGISTERED, an invalid registration token, a token of
	// another sender); delete the device at once, never retry.
	BadToken
)

// SendError is why a message was not accepted.
type SendError struct {
	Class ErrorClass
	// Code is FCM's error code (UNREGISTERED, QUOTA_EXCEEDED, ...) or a short reason.
	Code       string
	RetryAfter time.Duration
	Detail     string
}

func (e *SendError) Error() string { return e.Code + ": " + e.Detail }

// Result is the outcome of one message: a MessageID when accepted, else Err.
type Result struct {
	MessageID string
	Err       *SendError
}

// Transport delivers messages. Send returns one Result per message, in order; it returns an
// error only when nothing could be attempted (then every message counts as transient).
type Transport interface {
	Send(ctx context.Context, msgs []Message) ([]Result, error)
	// Name says where messages go, for start-up logs ("fcm", "log").
	Name() string
}

// MaxBatch is the most messages one Send may carry (FCM's SendEach limit).
const MaxBatch = 500

// LogTransport "delivers" each notification by writing one log line, for running without
// FCM credentials. Tokens never reach the log: only a prefix of their hash.
type LogTransport struct {
	Log *slog.Logger
}

// Name implements Transport.
func (LogTransport) Name() string { return "log" }

// Send implements Transport: one line per notification, listing the devices it went to.
func (t LogTransport) Send(ctx context.Context, msgs []Message) ([]Result, error) {
	out := make([]Result, len(msgs))
	type group struct {
		first  int
		hashes []string
	}
	groups := map[string]*group{}
	var order []string
	for i, m := range msgs {
		out[i] = Result{MessageID: "log/" + m.NotificationID + "/" + strconv.Itoa(i)}
		g, ok := groups[m.NotificationID]
		if !ok {
			g = &group{first: i}
			groups[m.NotificationID] = g
			order = append(order, m.NotificationID)
		}
		g.hashes = append(g.hashes, short(m.TokenHash))
	}
	for _, id := range order {
		g := groups[id]
		m := msgs[g.first]
		t.Log.LogAttrs(ctx, slog.LevelInfo, "notification delivered to the log (no FCM credentials configured)",
			slog.String("notificationId", id), slog.String("userId", m.UserID), slog.String("kind", string(m.Kind)),
			slog.String("title", m.Title), slog.String("body", m.Body), slog.String("link", m.Data["link"]),
			slog.String("collapseKey", m.CollapseKey), slog.Any("tokenHashes", g.hashes))
	}
	return out, nil
}

// short returns the first 12 characters of a token hash: enough to tell devices apart in
// a log, useless to anyone who reads it.
func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}
