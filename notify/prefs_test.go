package notify_test

import (
	"testing"
	"time"

	"github.com/microlearn/microlearn/notify"
)

// Switching off "assignment_due" (the preference key people set in PATCH /v1/me) stops the
// reminder the day before an assignment is due, whose kind is assignment_due_tomorrow: the
// reminder is kept in the history as push_off and no push goes out.
func TestAssignmentDuePreferenceStopsDueTomorrowPushes(t *testing.T) {
	h := newHarness(t)
	token := h.user("u1", "Europe/London")
	r, _ := h.people.Recipient(h.ctx, "u1")
	r.Prefs = map[string]bool{"assignment_due": false}
	h.people.put(r)
	h.assignments.list = []notify.Assignment{{ID: "as1", MenteeID: "u1", Title: "SMART goals", DueAt: t0.Add(20 * time.Hour)}}
	h.enqueue(notify.Notification{DedupKey: "due", UserID: "u1", Kind: notify.KindAssignmentDueTomorrow, Refs: map[string]string{"assignmentId": "as1"}})
	h.run()
	if n := len(h.fake.For(token)); n != 0 {
		t.Errorf("%d pushes with assignment_due switched off, want none", n)
	}
	if got := h.entry("due"); got.Status != notify.StatusPushOff {
		t.Errorf("due-tomorrow reminder: %+v, want push_off", got)
	}
}

func TestPreferenceKeys(t *testing.T) {
	for kind, want := range map[notify.Kind]string{notify.KindAssignmentDueTomorrow: "assignment_due", notify.KindLevelUp: "level_up",
		notify.KindAssignmentOverdue: "assignment_overdue"} {
		if got := kind.Preference(); got != want {
			t.Errorf("%s: preference %q, want %q", kind, got, want)
		}
	}
}
