package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
)

func TestDeviceRegistration(t *testing.T) {
	t.Parallel()
	// The clock is read by request handlers and by the notification workers in the
	// background, so it is guarded.
	var mu sync.Mutex
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	env := apitest.New(t, apitest.WithClock(clock))
	u := env.Register("Eve Mentee")
	put := func(inst string, body any) *apitest.Response {
		return env.Do(apitest.Req{Method: "PUT", Path: "/v1/me/devices/" + inst, Token: u.Token, Body: body})
	}
	tests := []struct {
		name   string
		inst   string
		body   any
		status int
	}{
		{"first registration", "phone-1", deviceBody("tok-1"), http.StatusCreated},
		{"refresh", "phone-1", deviceBody("tok-1b"), http.StatusOK},
		{"unknown platform", "phone-2", map[string]string{"token": "t", "platform": "symbian", "appVersion": "1"}, http.StatusUnprocessableEntity},
		{"missing token", "phone-2", map[string]string{"platform": "ios", "appVersion": "1"}, http.StatusUnprocessableEntity},
		{"operator instead of a token", "phone-2", map[string]any{"token": map[string]any{"$ne": nil}, "platform": "ios", "appVersion": "1"}, http.StatusBadRequest},
		{"unknown field", "phone-2", map[string]string{"token": "t", "platform": "ios", "appVersion": "1", "userId": "x"}, http.StatusBadRequest},
		{"bad installation id", "a%20b", deviceBody("tok-2"), http.StatusUnprocessableEntity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if r := put(tc.inst, tc.body); r.Status != tc.status {
				t.Errorf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
		})
	}
	var d struct {
		InstallationID, Platform, AppVersion string
		LastSeen                             time.Time
		Token                                *string
	}
	put("phone-1", deviceBody("tok-1b")).JSON(t, &d)
	if d.Token != nil || d.InstallationID != "phone-1" || !d.LastSeen.Equal(clock()) {
		t.Errorf("device %+v", d)
	}

	// The eleventh device evicts the one seen least recently (phone-1, registered first).
	for i := 2; i <= 11; i++ {
		advance(time.Minute)
		if r := put(fmt.Sprintf("phone-%d", i), deviceBody(fmt.Sprintf("tok-%d", i))); r.Status != http.StatusCreated {
			t.Fatalf("phone-%d: %d", i, r.Status)
		}
	}
	del := func(inst string) int {
		return env.Do(apitest.Req{Method: "DELETE", Path: "/v1/me/devices/" + inst, Token: u.Token}).Status
	}
	if s := del("phone-1"); s != http.StatusNotFound {
		t.Errorf("phone-1 still there after the eleventh device (%d)", s)
	}
	if s := del("phone-2"); s != http.StatusNoContent {
		t.Errorf("DELETE phone-2: %d", s)
	}
	if s := del("phone-2"); s != http.StatusNotFound {
		t.Errorf("DELETE phone-2 again: %d", s)
	}
}
