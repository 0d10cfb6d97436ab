// Package fcm is the Firebase Cloud Messaging transport: the Firebase Admin SDK v4's
// messaging client (HTTP v1, SendEach) and the translation of its answers into what the
// sender should do (accept, retry, drop the token, give up).
package fcm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"

	"github.com/microlearn/microlearn/notify"
)

// Config says how to reach FCM.
type Config struct {
	// ProjectID is the Firebase project. Optional with a service-account file (which names
	// its project); required otherwise.
	ProjectID string
	// CredentialsFile is a service-account JSON file. Empty uses Application Default
	// Credentials, unless Endpoint is set.
	CredentialsFile string
	// Endpoint replaces https://fcm.googleapis.com/v1 (tests, local fakes). With an endpoint
	// and no credentials file, requests carry no credentials at all.
	Endpoint string
	// HTTPClient, when set, is used as it is (no credentials are added).
	HTTPClient *http.Client
}

// Transport sends through the Admin SDK.
type Transport struct {
	client *messaging.Client
}

// New builds the messaging client the way firebase.App.Messaging does (the SDK's own
// messaging.NewClient with the App's scopes, project and version), with options for the
// endpoint and credentials. It does not go through the SDK's root package: that package
// also links Firestore, Cloud Storage and their gRPC stacks, which microlearn never uses,
// and cutting them shortens the first build (docs/benchmarks.md, "Cold build").
func New(ctx context.Context, cfg Config) (*Transport, error) {
	opts := []option.ClientOption{option.WithScopes(firebaseScopes...)}
	switch {
	case cfg.HTTPClient != nil:
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	case cfg.CredentialsFile != "":
		opts = append(opts, option.WithCredentialsFile(cfg.CredentialsFile))
	case cfg.Endpoint != "":
		opts = append(opts, option.WithoutAuthentication())
	}
	if cfg.Endpoint != "" {
		opts = append(opts, option.WithEndpoint(strings.TrimSuffix(cfg.Endpoint, "/")))
	}
	conf := configOf(messaging.NewClient)
	conf.ProjectID = projectID(ctx, cfg.ProjectID, opts)
	conf.Opts = opts
	conf.Version = SDKVersion
	client, err := messaging.NewClient(ctx, conf)
	if err != nil {
		return nil, fmt.Errorf("firebase messaging (set FIREBASE_PROJECT_ID?): %w", err)
	}
	return &Transport{client: client}, nil
}

// Name implements notify.Transport.
func (*Transport) Name() string { return "fcm" }

// Send implements notify.Transport with SendEach, at most 500 messages per call.
func (t *Transport) Send(ctx context.Context, msgs []notify.Message) ([]notify.Result, error) {
	out := make([]notify.Result, 0, len(msgs))
	for start := 0; start < len(msgs); start += notify.MaxBatch {
		end := min(start+notify.MaxBatch, len(msgs))
		batch := make([]*messaging.Message, 0, end-start)
		for _, m := range msgs[start:end] {
			batch = append(batch, toFCM(m))
		}
		resp, err := t.client.SendEach(ctx, batch)
		if err != nil {
			return nil, fmt.Errorf("fcm SendEach: %w", err)
		}
		for _, r := range resp.Responses {
			if r.Success {
				out = append(out, notify.Result{MessageID: r.MessageID})
			} else {
				out = append(out, notify.Result{Err: Classify(r.Error)})
			}
		}
	}
	return out, nil
}

// toFCM builds the FCM message: the visible notification, the data payload with the deep
// link, and per platform the collapse key, the time to live and the priority.
func toFCM(m notify.Message) *messaging.Message {
	ttl := m.TTL
	if ttl < time.Second {
		ttl = time.Second
	}
	androidPriority, apnsPriority := "normal", "5"
	if m.High {
		androidPriority, apnsPriority = "high", "10"
	}
	return &messaging.Message{
		Token:        m.Token,
		Notification: &messaging.Notification{Title: m.Title, Body: m.Body},
		Data:         m.Data,
		Android: &messaging.AndroidConfig{CollapseKey: m.CollapseKey, Priority: androidPriority, TTL: &ttl,
			Notification: &messaging.AndroidNotification{Tag: m.CollapseKey}},
		APNS: &messaging.APNSConfig{Headers: map[string]string{
			"apns-collapse-id": m.CollapseKey,
			"apns-expiration":  strconv.FormatInt(time.Now().Add(ttl).Unix(), 10),
			"apns-priority":    apnsPriority,
		}, Payload: &messaging.APNSPayload{Aps: &messaging.Aps{ThreadID: string(m.Kind)}}},
		Webpush: &messaging.WebpushConfig{Headers: map[string]string{
			"TTL":     strconv.Itoa(int(ttl.Seconds())),
			"Topic":   m.CollapseKey,
			"Urgency": map[bool]string{true: "high", false: "normal"}[m.High],
		}},
	}
}

// Classify turns an error the SDK returned for one message into what the sender should do.
// Retried: 429 (QUOTA_EXCEEDED), 5xx (UNAVAILABLE, INTERNAL) and network errors, honouring
// Retry-After. The token is dropped for UNREGISTERED, SENDER_ID_MISMATCH and an
// INVALID_ARGUMENT that is about the registration token. Everything else is permanent.
func Classify(err error) *notify.SendError {
	e := &notify.SendError{Class: notify.Permanent, Code: "UNKNOWN", Detail: err.Error()}
	status := 0
	if resp := errorutils.HTTPResponse(err); resp != nil {
		status = resp.StatusCode
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	e.Class, e.Code = classOf(err, status)
	return e
}

// classOf classifies err (answered with HTTP status, 0 for none): first what is wrong with
// the token, then what is worth a retry, then what is permanent.
func classOf(err error, status int) (notify.ErrorClass, string) {
	switch {
	case messaging.IsUnregistered(err):
		return notify.BadToken, "UNREGISTERED"
	case messaging.IsSenderIDMismatch(err):
		return notify.BadToken, "SENDER_ID_MISMATCH"
	case messaging.IsInvalidArgument(err) || errorutils.IsInvalidArgument(err):
		if aboutToken(err.Error()) {
			return notify.BadToken, "INVALID_ARGUMENT"
		}
		return notify.Permanent, "INVALID_ARGUMENT"
	}
	if code := transientCode(err, status); code != "" {
		return notify.Transient, code
	}
	switch {
	case messaging.IsThirdPartyAuthError(err):
		return notify.Permanent, "THIRD_PARTY_AUTH_ERROR"
	case errorutils.IsUnauthenticated(err) || errorutils.IsPermissionDenied(err):
		return notify.Permanent, "FCM_AUTH"
	}
	return notify.Permanent, "UNKNOWN"
}

// transientCode names a failure worth a retry, or returns "".
func transientCode(err error, status int) string {
	switch {
	case messaging.IsQuotaExceeded(err) || errorutils.IsResourceExhausted(err) || status == http.StatusTooManyRequests:
		return "QUOTA_EXCEEDED"
	case messaging.IsUnavailable(err) || errorutils.IsUnavailable(err):
		return "UNAVAILABLE"
	case messaging.IsInternal(err) || errorutils.IsInternal(err):
		return "INTERNAL"
	case status >= 500:
		return "HTTP_" + strconv.Itoa(status)
	case status == 0 && (errorutils.IsUnknown(err) || errorutils.IsDeadlineExceeded(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)):
		// No HTTP answer at all: the network or our deadline. FCM may or may not have
		// received it; retrying is the at-least-once window docs/decisions.md describes.
		return "NETWORK"
	}
	return ""
}

// aboutToken reports whether an INVALID_ARGUMENT message blames the registration token
// ("The registration token is not a valid FCM registration token") rather than the payload.
func aboutToken(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "registration token") || strings.Contains(m, "message.token")
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
