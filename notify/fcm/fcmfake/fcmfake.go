// Package fcmfake is a local stand-in for the FCM HTTP v1 API (POST
// /v1/projects/{project}/messages:send) for tests: the real Admin SDK talks to it over plain
// HTTP. It checks each payload, records it, and answers what the test scripted per token:
// success, UNREGISTERED, INVALID_ARGUMENT, 429 with Retry-After, 500 or 503.
package fcmfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Answer is one scripted reply.
type Answer struct {
	Status     int
	Code       string // FCM error code (UNREGISTERED, INVALID_ARGUMENT, QUOTA_EXCEEDED, UNAVAILABLE, INTERNAL)
	Message    string
	RetryAfter string // Retry-After header value
}

// Scripted answers.
var (
	Unregistered   = Answer{Status: 404, Code: "UNREGISTERED", Message: "Requested entity was not found."}
	InvalidToken   = Answer{Status: 400, Code: "INVALID_ARGUMENT", Message: "The registration token is not a valid FCM registration token"}
	InvalidPayload = Answer{Status: 400, Code: "INVALID_ARGUMENT", Message: "Invalid value at 'message.android.ttl'"}
	Internal       = Answer{Status: 500, Code: "INTERNAL", Message: "Internal error encountered."}
)

// TooMany is a 429 QUOTA_EXCEEDED asking to retry after retryAfter (seconds).
func TooMany(retryAfter string) Answer {
	return Answer{Status: 429, Code: "QUOTA_EXCEEDED", Message: "Quota exceeded for quota metric 'Messages sent'", RetryAfter: retryAfter}
}

// Unavailable is a 503 UNAVAILABLE. The Admin SDK itself retries a 503 up to four times
// unless Retry-After asks for more than two minutes; scripts that want the sender's own
// retry to be exercised give a long Retry-After.
func Unavailable(retryAfter string) Answer {
	return Answer{Status: 503, Code: "UNAVAILABLE", Message: "The service is currently unavailable.", RetryAfter: retryAfter}
}

// Request is one recorded send.
type Request struct {
	Project string
	Token   string
	Message Message
	// Problems lists what was wrong with the payload (empty when it is well formed).
	Problems []string
	Answered int
	// Client is the SDK's X-Firebase-Client header ("fire-admin-go/<version>").
	Client string
}

// Message is the subset of the FCM v1 message the product sends.
type Message struct {
	Token        string                        `json:"token"`
	Notification *struct{ Title, Body string } `json:"notification"`
	Data         map[string]string             `json:"data"`
	Android      *struct {
		CollapseKey string `json:"collapse_key"`
		Priority    string `json:"priority"`
		TTL         string `json:"ttl"`
	} `json:"android"`
	APNS *struct {
		Headers map[string]string `json:"headers"`
	} `json:"apns"`
	Webpush *struct {
		Headers map[string]string `json:"headers"`
	} `json:"webpush"`
}

// Server is a running fake.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	script   map[string][]Answer
	requests []Request
	n        int
}

// New starts a fake; it stops with Close.
func New() *Server {
	s := &Server{script: map[string][]Answer{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// Endpoint is the value for FCM_ENDPOINT (option.WithEndpoint).
func (s *Server) Endpoint() string { return s.URL + "/v1" }

// Script queues answers for token; when they run out, the token succeeds.
func (s *Server) Script(token string, answers ...Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script[token] = append(s.script[token], answers...)
}

// Requests returns what was received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// For returns the requests sent to token.
func (s *Server) For(token string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Token == token {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	project, ok := strings.CutPrefix(r.URL.Path, "/v1/projects/")
	if r.Method != http.MethodPost || !ok || !strings.HasSuffix(project, "/messages:send") {
		http.Error(w, `{"error":{"code":404,"message":"not found","status":"NOT_FOUND"}}`, http.StatusNotFound)
		return
	}
	project = strings.TrimSuffix(project, "/messages:send")
	var body struct {
		Message      Message `json:"message"`
		ValidateOnly bool    `json:"validate_only"`
	}
	req := Request{Project: project, Client: r.Header.Get("X-Firebase-Client")}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		req.Problems = append(req.Problems, "body is not JSON: "+err.Error())
	}
	req.Message, req.Token = body.Message, body.Message.Token
	req.Problems = append(req.Problems, check(body.Message)...)
	if r.Header.Get("Authorization") != "" {
		req.Problems = append(req.Problems, "an Authorization header reached the fake (credentials in a test?)")
	}

	s.mu.Lock()
	answer := Answer{Status: 200}
	if q := s.script[req.Token]; len(q) > 0 {
		answer, s.script[req.Token] = q[0], q[1:]
	}
	s.n++
	n := s.n
	req.Answered = answer.Status
	s.requests = append(s.requests, req)
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	if answer.RetryAfter != "" {
		w.Header().Set("Retry-After", answer.RetryAfter)
	}
	w.WriteHeader(answer.Status)
	if answer.Status == 200 {
		fmt.Fprintf(w, `{"name":"projects/%s/messages/fake-%d"}`, project, n)
		return
	}
	status := map[int]string{400: "INVALID_ARGUMENT", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}[answer.Status]
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": answer.Status, "message": answer.Message, "status": status,
		"details": []any{map[string]any{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": answer.Code}}}})
	_, _ = w.Write(b)
}

// check returns what is wrong with a message the product sent.
func check(m Message) []string {
	var p []string
	if m.Token == "" {
		p = append(p, "message.token is empty")
	}
	if m.Notification == nil || m.Notification.Title == "" || m.Notification.Body == "" {
		p = append(p, "message.notification needs a title and a body")
	}
	for _, k := range []string{"type", "notificationId", "link"} {
		if m.Data[k] == "" {
			p = append(p, "message.data."+k+" is missing")
		}
	}
	if !strings.HasPrefix(m.Data["link"], "microlearn://") {
		p = append(p, "message.data.link is not a microlearn:// deep link")
	}
	if m.Android == nil || m.Android.CollapseKey == "" || !strings.HasSuffix(m.Android.TTL, "s") {
		p = append(p, "message.android needs a collapse_key and a ttl")
	}
	if m.APNS == nil || m.APNS.Headers["apns-collapse-id"] == "" || m.APNS.Headers["apns-expiration"] == "" {
		p = append(p, "message.apns needs apns-collapse-id and apns-expiration headers")
	}
	if m.Webpush == nil || m.Webpush.Headers["TTL"] == "" || m.Webpush.Headers["Topic"] == "" {
		p = append(p, "message.webpush needs TTL and Topic headers")
	}
	return p
}
