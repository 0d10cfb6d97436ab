package fcm_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/notify/fcm"
	"github.com/microlearn/microlearn/notify/fcm/fcmfake"
)

func message(token string) notify.Message {
	return notify.Message{NotificationID: "n1", DeviceID: "d1", UserID: "u1", Token: token, Kind: notify.KindBadgeEarned,
		Title: "New badge: Listener", Body: "You earned the Listener badge.", CollapseKey: "badge", TTL: time.Hour, High: true,
		Data: map[string]string{"type": "badge_earned", "notificationId": "n1", "link": "microlearn://programmes/p1/badges/b1"}}
}

// The real Admin SDK, pointed at the fake with FCM_ENDPOINT's option, sends each answer's
// case and the transport classifies it as the sender needs.
func TestClassificationThroughTheSDK(t *testing.T) {
	fake := fcmfake.New()
	defer fake.Close()
	tr, err := fcm.New(context.Background(), fcm.Config{ProjectID: "demo-project", Endpoint: fake.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		Accepted   bool
		Class      notify.ErrorClass
		Code       string
		RetryAfter time.Duration
	}
	tests := []struct {
		name     string
		answers  []fcmfake.Answer
		want     outcome
		requests int
	}{
		{"success", nil, outcome{Accepted: true}, 1},
		{"unregistered token is dropped", []fcmfake.Answer{fcmfake.Unregistered}, outcome{Class: notify.BadToken, Code: "UNREGISTERED"}, 1},
		{"invalid token is dropped", []fcmfake.Answer{fcmfake.InvalidToken}, outcome{Class: notify.BadToken, Code: "INVALID_ARGUMENT"}, 1},
		{"invalid payload is permanent, token kept", []fcmfake.Answer{fcmfake.InvalidPayload}, outcome{Class: notify.Permanent, Code: "INVALID_ARGUMENT"}, 1},
		{"429 is retried after Retry-After", []fcmfake.Answer{fcmfake.TooMany("17")}, outcome{Class: notify.Transient, Code: "QUOTA_EXCEEDED", RetryAfter: 17 * time.Second}, 1},
		{"500 is retried", []fcmfake.Answer{fcmfake.Internal}, outcome{Class: notify.Transient, Code: "INTERNAL"}, 1},
		// A Retry-After beyond two minutes stops the SDK's own 503 retries, so the sender's
		// back-off decides, honouring it.
		{"503 is retried after Retry-After", []fcmfake.Answer{fcmfake.Unavailable("600")}, outcome{Class: notify.Transient, Code: "UNAVAILABLE", RetryAfter: 600 * time.Second}, 1},
		// Without Retry-After the SDK retries a 503 itself, at once: one more request, accepted.
		{"503 once is absorbed by the SDK", []fcmfake.Answer{fcmfake.Unavailable("")}, outcome{Accepted: true}, 2},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token := "token-" + string(rune('a'+i)) + strings.Repeat("x", 20)
			fake.Script(token, tc.answers...)
			res, err := tr.Send(context.Background(), []notify.Message{message(token)})
			if err != nil {
				t.Fatal(err)
			}
			got := outcome{Accepted: res[0].Err == nil && res[0].MessageID != ""}
			if e := res[0].Err; e != nil {
				got.Class, got.Code, got.RetryAfter = e.Class, e.Code, e.RetryAfter
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			reqs := fake.For(token)
			if len(reqs) != tc.requests {
				t.Fatalf("%d requests reached the fake, want %d", len(reqs), tc.requests)
			}
			for _, r := range reqs {
				if len(r.Problems) > 0 {
					t.Errorf("payload problems: %v", r.Problems)
				}
				if r.Project != "demo-project" {
					t.Errorf("project %q", r.Project)
				}
			}
		})
	}
}

func TestPayload(t *testing.T) {
	fake := fcmfake.New()
	defer fake.Close()
	tr, err := fcm.New(context.Background(), fcm.Config{ProjectID: "p", Endpoint: fake.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	m := message("tok-payload")
	if _, err := tr.Send(context.Background(), []notify.Message{m}); err != nil {
		t.Fatal(err)
	}
	r := fake.For("tok-payload")[0].Message
	if r.Android.CollapseKey != "badge" || r.Android.TTL != "3600s" || r.Android.Priority != "high" {
		t.Errorf("android config %+v", r.Android)
	}
	if r.APNS.Headers["apns-collapse-id"] != "badge" || r.Webpush.Headers["Topic"] != "badge" || r.Webpush.Headers["TTL"] != "3600" {
		t.Errorf("apns %v webpush %v", r.APNS.Headers, r.Webpush.Headers)
	}
	if diff := cmp.Diff(m.Data, r.Data); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
}

// More than 500 messages go out in several SendEach calls, each within FCM's limit.
func TestBatchesOfAtMost500(t *testing.T) {
	fake := fcmfake.New()
	defer fake.Close()
	tr, err := fcm.New(context.Background(), fcm.Config{ProjectID: "p", Endpoint: fake.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	msgs := make([]notify.Message, 501)
	for i := range msgs {
		msgs[i] = message("tok-batch")
	}
	res, err := tr.Send(context.Background(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 501 || len(fake.Requests()) != 501 {
		t.Fatalf("%d results, %d requests", len(res), len(fake.Requests()))
	}
}

// The client is built from the SDK's messaging package alone (not its root package), yet
// as firebase.App.Messaging builds it: the SDK names its own version to FCM, and without a
// configured project it takes GOOGLE_CLOUD_PROJECT, as firebase.NewApp does.
func TestClientAsTheAppBuildsIt(t *testing.T) {
	fake := fcmfake.New()
	defer fake.Close()
	t.Setenv("GOOGLE_CLOUD_PROJECT", "env-project")
	t.Setenv("GCLOUD_PROJECT", "")
	tr, err := fcm.New(context.Background(), fcm.Config{Endpoint: fake.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Send(context.Background(), []notify.Message{message("tok-client")}); err != nil {
		t.Fatal(err)
	}
	r := fake.For("tok-client")[0]
	if r.Project != "env-project" {
		t.Errorf("project %q, want env-project", r.Project)
	}
	if r.Client != "fire-admin-go/"+fcm.SDKVersion {
		t.Errorf("X-Firebase-Client %q, want fire-admin-go/%s", r.Client, fcm.SDKVersion)
	}
	if len(r.Problems) > 0 {
		t.Errorf("problems: %v", r.Problems)
	}
}

// Without any project the SDK refuses, as with firebase.App.Messaging.
func TestNoProjectIsRefused(t *testing.T) {
	t.Setenv("GOOGLE_CLOUD_PROJECT", "")
	t.Setenv("GCLOUD_PROJECT", "")
	if _, err := fcm.New(context.Background(), fcm.Config{Endpoint: "http://127.0.0.1:1/v1"}); err == nil {
		t.Fatal("no error without a project")
	}
}

// SDKVersion is the version go.mod links.
func TestSDKVersionIsGoMods(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*firebase\.google\.com/go/v4 v(\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod does not require firebase.google.com/go/v4")
	}
	if string(m[1]) != fcm.SDKVersion {
		t.Errorf("go.mod links the Firebase Admin SDK v%s, fcm.SDKVersion says %s", m[1], fcm.SDKVersion)
	}
}
