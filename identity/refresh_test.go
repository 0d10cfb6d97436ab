package identity

import (
	"testing"
	"time"
)

// What a presented refresh token does depends only on its generation, the session's state
// and the time since the last rotation: the rule behind rotation, the 10-second retry and
// reuse detection.
func TestRefreshActionFor(t *testing.T) {
	rotated := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	live := Session{ID: "s", Generation: 5, RotatedAt: rotated, ExpiresAt: rotated.Add(30 * 24 * time.Hour)}
	revoked := live
	revoked.Revoked = true
	tests := []struct {
		name  string
		ss    Session
		gen   int
		after time.Duration // since the rotation
		want  refreshAction
	}{
		{"the current generation rotates", live, 5, time.Hour, refreshRotate},
		{"the previous one at once is a retry", live, 4, 0, refreshReplay},
		{"the previous one at exactly the grace is a retry", live, 4, RefreshGrace, refreshReplay},
		{"the previous one after the grace is a reuse", live, 4, RefreshGrace + time.Nanosecond, refreshReuse},
		{"two generations back is a reuse, even at once", live, 3, 0, refreshReuse},
		{"the first generation, long after, is a reuse", live, 1, 24 * time.Hour, refreshReuse},
		{"a generation never issued is refused", live, 6, 0, refreshRefuse},
		{"a revoked session refuses its current token", revoked, 5, time.Second, refreshRefuse},
		{"a revoked session refuses a retry too", revoked, 4, 0, refreshRefuse},
		{"an expired session refuses its current token", live, 5, 30 * 24 * time.Hour, refreshRefuse},
		{"an expired session does not call an old token reuse", live, 2, 31 * 24 * time.Hour, refreshRefuse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := refreshActionFor(tc.ss, tc.gen, rotated.Add(tc.after)); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}
