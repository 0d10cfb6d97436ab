package apitest

import (
	"testing"
	"time"
)

// The suite clock runs two hours behind only when the binary starts in the hour before a
// London midnight (GMT in winter, BST in summer), and APITEST_CLOCK_SHIFT overrides it.
func TestSuiteClockKeepsRunsOffMidnightInLondon(t *testing.T) {
	for _, c := range []struct {
		wall string
		env  string
		want time.Duration
	}{
		{"2026-12-02T22:59:59Z", "", 0},
		{"2026-12-02T23:00:00Z", "", -2 * time.Hour},
		{"2026-12-02T23:59:59Z", "", -2 * time.Hour},
		{"2026-12-03T00:00:00Z", "", 0},
		{"2026-07-01T22:30:00Z", "", -2 * time.Hour}, // 23:30 BST
		{"2026-07-01T23:30:00Z", "", 0},              // 00:30 BST
		{"2026-12-02T23:30:00Z", "9h", 9 * time.Hour},
		{"2026-12-02T12:00:00Z", "-2h", -2 * time.Hour},
	} {
		wall, err := time.Parse(time.RFC3339, c.wall)
		if err != nil {
			t.Fatal(err)
		}
		if got := shiftFor(wall, c.env); got != c.want {
			t.Errorf("wall %s, APITEST_CLOCK_SHIFT=%q: shift %v, want %v", c.wall, c.env, got, c.want)
		}
	}
}

// A demo template serves clocks from the end of its seeding to ten minutes after, on the day
// in London it was seeded on.
func TestDemoTemplateServesOnlyItsOwnDay(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	d := &demoTemplate{from: at("2026-12-02T23:50:00Z"), to: at("2026-12-02T23:50:05Z")}
	for _, c := range []struct {
		now  string
		want bool
	}{
		{"2026-12-02T23:50:04Z", false}, // before seeding ended
		{"2026-12-02T23:50:05Z", true},
		{"2026-12-02T23:59:59Z", true},
		{"2026-12-03T00:00:00Z", false}, // the next day in London
	} {
		if got := d.serves(at(c.now)); got != c.want {
			t.Errorf("serves(%s) = %v, want %v", c.now, got, c.want)
		}
	}
	d = &demoTemplate{from: at("2026-12-02T10:00:00Z"), to: at("2026-12-02T10:00:05Z")}
	if d.serves(at("2026-12-02T10:10:05Z")) != true || d.serves(at("2026-12-02T10:10:06Z")) != false {
		t.Error("a template serves for exactly demoTemplateMaxAge after its seeding")
	}
}
