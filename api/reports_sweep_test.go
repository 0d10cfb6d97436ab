package api_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The at-risk sweeper misses no one across a long gap: the server is down for 96 days (the
// injected clock jumps, no sweep runs meanwhile); the first round after it puts everyone who
// crossed a threshold in between on the list, with the reasons' real "since" (Ada's last
// lesson, her assignment's due date) and their days, and the health counts follow.
func TestAtRiskAfterTheServerWasDownForMonths(t *testing.T) {
	t.Parallel()
	w := newReportWorld(t)
	w.assignAdaChecklist(t, "2026-10-23")
	w.setClock(t, w.clock.Now().Add(2*time.Hour))
	w.lessonDone(t, w.ada, 60)
	lesson := w.clock.Now().Add(-time.Minute)
	w.settle(t)
	if h := w.health(t); h.AtRisk["mentees"] != 0 || h.AtRisk["pairings"] != 0 {
		t.Fatalf("at risk on day one: %v", h.AtRisk)
	}

	w.setClock(t, time.Date(2027, 1, 25, 9, 0, 0, 0, time.UTC))
	w.settle(t)
	var risk atRiskBody
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/at-risk", w.owner.Token, nil, 200).JSON(t, &risk)
	want := map[string][]string{w.ada.ID: {"inactive", "assignments_overdue"}, w.ben.ID: {"inactive"}, w.cara.ID: {"inactive"},
		w.formula.ID: {"inactive"}, w.adaPairing: {"meeting_overdue"}, w.benPairing: {"meeting_overdue"}, w.niaPr: {"meeting_overdue"}}
	if diff := cmp.Diff(want, risk.codes()); diff != "" {
		t.Fatalf("at risk after 96 days without a sweep (-want +got):\n%s", diff)
	}
	for _, it := range risk.Items {
		if it.ID != w.ada.ID {
			continue
		}
		inactive, overdue := it.Reasons[0], it.Reasons[1]
		if !inactive.Since.Equal(lesson) || inactive.Days != 96 {
			t.Errorf("Ada inactive since %s for %d days, want since her lesson at %s, 96 days", inactive.Since, inactive.Days, lesson)
		}
		if dueEnd := time.Date(2026, 10, 23, 22, 59, 59, 0, time.UTC); !overdue.Since.Equal(dueEnd) || overdue.Count == nil || *overdue.Count != 1 {
			t.Errorf("Ada's overdue assignment since %s (count %v), want since %s", overdue.Since, overdue.Count, dueEnd)
		}
	}
	if h := w.health(t); h.AtRisk["mentees"] != 4 || h.AtRisk["pairings"] != 3 || h.Assignments.Overdue != 1 || h.Meetings.PairingsOverdue != 3 {
		t.Errorf("health after the gap: at risk %v, overdue assignments %d, pairings overdue %d", h.AtRisk, h.Assignments.Overdue, h.Meetings.PairingsOverdue)
	}
}
