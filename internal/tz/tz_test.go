package tz_test

import (
	"testing"
	"time"

	"github.com/microlearn/microlearn/internal/tz"
)

func TestLoadAnswersAsTimeLoadLocation(t *testing.T) {
	for _, name := range []string{"Europe/London", "Europe/London", "America/Sao_Paulo", "UTC", ""} {
		got, err := tz.Load(name)
		want, _ := time.LoadLocation(name)
		if err != nil || got.String() != want.String() {
			t.Errorf("%q: %v %v, want %v", name, got, err, want)
		}
	}
	at := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC) // the hour British Summer Time starts
	london, _ := tz.Load("Europe/London")
	if h := at.In(london).Hour(); h != 2 {
		t.Errorf("01:30 UTC on the last Sunday of March is %d:30 in London, want 2:30", h)
	}
	for _, bad := range []string{"Mars/Olympus", "../etc/passwd", "Europe/London\x00"} {
		if loc, err := tz.Load(bad); err == nil {
			t.Errorf("%q loaded as %v", bad, loc)
		}
	}
}
