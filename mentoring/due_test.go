package mentoring_test

import (
	"testing"
	"time"

	"github.com/microlearn/microlearn/mentoring"
)

func TestParseDueInProgrammeZone(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	tests := []struct {
		in        string
		want      time.Time
		wantLocal string
	}{
		// The clocks go back at 02:00 on 25 October 2026: the 24th ends in BST, the 25th in GMT.
		{"2026-10-24", time.Date(2026, 10, 24, 22, 59, 59, 0, time.UTC), "2026-10-24"},
		{"2026-10-25", time.Date(2026, 10, 25, 23, 59, 59, 0, time.UTC), "2026-10-25"},
		{"2026-07-01T09:30", time.Date(2026, 7, 1, 8, 30, 0, 0, time.UTC), "2026-07-01T09:30"},
		{"2026-12-01T09:30:00", time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC), "2026-12-01T09:30"},
		// 01:30 on 29 March 2026 does not exist in London (clocks jump 01:00 -> 02:00).
		{"2026-03-29T01:30", time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), "2026-03-29T02:30"},
		{"2026-12-01T17:00:00+01:00", time.Date(2026, 12, 1, 16, 0, 0, 0, time.UTC), "2026-12-01T16:00"},
	}
	for _, tc := range tests {
		got, local, ok := mentoring.ParseDue(tc.in, london)
		if !ok || !got.Equal(tc.want) || local != tc.wantLocal {
			t.Errorf("ParseDue(%q) = %v %q %v; want %v %q", tc.in, got, local, ok, tc.want, tc.wantLocal)
		}
	}
	for _, bad := range []string{"", "tomorrow", "2026-02-30", "01/12/2026", "2026-12-01T25:00"} {
		if _, _, ok := mentoring.ParseDue(bad, london); ok {
			t.Errorf("ParseDue(%q) accepted", bad)
		}
	}
}
