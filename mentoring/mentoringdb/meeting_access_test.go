package mentoringdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
)

// Who reaches a meeting is the record service's rule, so the API and the console cannot
// differ on it: the pairing's members and the programme's owners read it; a member of the
// same programme outside the pairing is told it does not exist, whatever they try; a
// meeting handed over with another pairing (a console path naming the wrong pairing) does
// not exist either; owners read but do not write.
func TestMeetingsReachOnlyTheirPairingAndItsOverseers(t *testing.T) {
	roles := map[string]string{"m": mentoring.RoleMentor, "a": mentoring.RoleMentee, "b": mentoring.RoleMentee}
	w := newWorld(t, roles)
	ctx := context.Background()
	w.mentorProfile(t, "m", 5)
	pair := func(mentee string) mentoring.Pairing {
		p, err := w.svc.CreatePairing(ctx, w.owner, "p", mentoring.NewPairing{MentorID: "m", MenteeIDs: []string{mentee}, Type: mentoring.OneToOne})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	pa, pb := pair("a"), pair("b")
	rec := &mentoring.Record{Pairings: w.svc, Store: w.svc.Store.(*mentoringdb.Store), Now: func() time.Time { return w.now }}
	mentor, ada, ben := mentoring.Actor{UserID: "m", Role: mentoring.RoleMentor}, mentoring.Actor{UserID: "a", Role: mentoring.RoleMentee},
		mentoring.Actor{UserID: "b", Role: mentoring.RoleMentee}
	start := w.now.Add(-2 * time.Hour).Format(time.RFC3339)
	v, err := rec.PlanMeeting(ctx, mentor, pa, mentoring.MeetingInput{Start: &start})
	if err != nil {
		t.Fatal(err)
	}
	m := v.Meeting
	place, text, due := "Room 2", "Book the room", w.now.AddDate(0, 0, 3).Format(time.DateOnly)
	acts := []mentoring.ActionInput{{Text: &text, OwnerID: &ada.UserID, Due: &due}}
	tries := map[string]func(mentoring.Actor, mentoring.Pairing) error{
		"read": func(a mentoring.Actor, p mentoring.Pairing) error {
			_, err := rec.MeetingView(ctx, a, p, m)
			return err
		},
		"edit": func(a mentoring.Actor, p mentoring.Pairing) error {
			_, err := rec.EditMeeting(ctx, a, p, m, mentoring.MeetingInput{Place: &place})
			return err
		},
		"confirm": func(a mentoring.Actor, p mentoring.Pairing) error {
			_, err := rec.ConfirmMeeting(ctx, a, p, m, nil)
			return err
		},
		"add actions": func(a mentoring.Actor, p mentoring.Pairing) error {
			_, err := rec.AddActions(ctx, a, p, m, acts)
			return err
		},
	}
	for name, try := range tries {
		// Ben is in the programme, not in Ada's pairing.
		if err := try(ben, pa); !errors.Is(err, mentoring.ErrMeetingNotFound) {
			t.Errorf("%s by a member outside the pairing: %v, want meeting not found", name, err)
		}
		// Ben's own pairing does not open Ada's meeting, nor does Ada's mentor's other pairing.
		for _, a := range []mentoring.Actor{ben, mentor} {
			if err := try(a, pb); !errors.Is(err, mentoring.ErrMeetingNotFound) {
				t.Errorf("%s by %s through another pairing: %v, want meeting not found", name, a.UserID, err)
			}
		}
		if err := try(w.owner, pa); name == "read" && err != nil {
			t.Errorf("the owner reads the meeting: %v", err)
		} else if name != "read" && apperr.KindOf(err) != apperr.KindForbidden {
			t.Errorf("%s by the owner: %v, want forbidden", name, err)
		}
	}
	if err := mentoring.MeetingReadable(ada, pa, m); err != nil {
		t.Errorf("Ada reaching her meeting: %v", err)
	}
	if _, err := rec.ConfirmMeeting(ctx, ada, pa, m, nil); err != nil {
		t.Errorf("Ada confirming her meeting: %v", err)
	}
}
