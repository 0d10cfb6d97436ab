package evidence

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestScheduleFollowsLocalCalendarAcrossDST(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	sydney, _ := time.LoadLocation("Australia/Sydney")
	// Started on 31 January 2027, 16:30 in London (GMT): 3 months later is 30 April (BST),
	// 9 months 31 October (GMT again); in Sydney the start is already 1 February, 03:30.
	start := time.Date(2027, 1, 31, 16, 30, 0, 0, london)
	p := Pairing{ID: "p1", ProgrammeID: "prog", MentorID: "mentor", MenteeIDs: []string{"mentee"}, Status: "active", ActivatedAt: &start}
	plan := DefaultPlan("prog")
	type due struct {
		Occasion, DueOn string
		OpensAt         time.Time
	}
	got := func(loc *time.Location) []due {
		var out []due
		for _, c := range schedule(plan, p, "mentee", SideMentee, loc, start) {
			out = append(out, due{c.Occasion, c.DueOn, c.OpensAt})
		}
		return out
	}
	wantLondon := []due{
		{"baseline", "2027-01-31", start.UTC()},
		{"m3", "2027-04-30", time.Date(2027, 4, 30, 8, 0, 0, 0, time.UTC)},  // 09:00 BST
		{"m6", "2027-07-31", time.Date(2027, 7, 31, 8, 0, 0, 0, time.UTC)},  // 09:00 BST
		{"m9", "2027-10-31", time.Date(2027, 10, 31, 9, 0, 0, 0, time.UTC)}, // 09:00 GMT, the day the clocks go back
	}
	if d := cmp.Diff(wantLondon, got(london)); d != "" {
		t.Errorf("London schedule (-want +got):\n%s", d)
	}
	wantSydney := []due{
		{"baseline", "2027-02-01", start.UTC()},
		{"m3", "2027-05-01", time.Date(2027, 4, 30, 23, 0, 0, 0, time.UTC)}, // 09:00 AEST (+10)
		{"m6", "2027-08-01", time.Date(2027, 7, 31, 23, 0, 0, 0, time.UTC)},
		{"m9", "2027-11-01", time.Date(2027, 10, 31, 22, 0, 0, 0, time.UTC)}, // 09:00 AEDT (+11)
	}
	if d := cmp.Diff(wantSydney, got(sydney)); d != "" {
		t.Errorf("Sydney schedule (-want +got):\n%s", d)
	}
}

func TestScheduleEndsWithThePairing(t *testing.T) {
	start := time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)
	p := Pairing{ID: "p1", MentorID: "m", MenteeIDs: []string{"e"}, Status: "active", ActivatedAt: &start, EndsOn: "2027-08-15"}
	var occ []string
	for _, c := range schedule(DefaultPlan("x"), p, "e", SideMentee, time.UTC, start) {
		occ = append(occ, c.Occasion+" "+c.DueOn)
	}
	want := []string{"baseline 2027-03-01", "m3 2027-06-01", "end 2027-08-15"}
	if d := cmp.Diff(want, occ); d != "" {
		t.Errorf("agreed end (-want +got):\n%s", d)
	}
	ended := start.AddDate(0, 2, 0)
	p.Status, p.EndedAt = PairingEnded, &ended
	cs := schedule(DefaultPlan("x"), p, "e", SideMentee, time.UTC, ended)
	last := cs[len(cs)-1]
	if len(cs) != 2 || last.Occasion != "end" || !last.OpensAt.Equal(ended) {
		t.Errorf("ended early: %+v, want baseline and the end opening when it ended", cs)
	}
}

func TestPlanValidationNamesTheField(t *testing.T) {
	p := DefaultPlan("x")
	p.Occasions[2].OffsetMonths = 2 // before m3
	p.Enabling = append(p.Enabling, Factor{Key: "Bad Key", Label: "x"})
	p.Scale.Labels = p.Scale.Labels[:4]
	err := p.Validate()
	if err == nil {
		t.Fatal("invalid plan accepted")
	}
	for _, want := range []string{"/occasions/2/offsetMonths", "/enabling/10/key", "/scale/labels"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}
