package api_test

import (
	"testing"
	"time"

	"github.com/microlearn/microlearn/notify"
)

// The agreement's notices name the programme they are about, as every other programme
// notification does: the inbox entry and the push's data carry the pairing's programme.
func TestAgreementNoticesNameTheirProgramme(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	path := "/v1/pairings/" + w.one + "/agreement"
	w.do(t, "PATCH", path, w.mentor.Token, map[string]string{"boundaries": "Confidential"}, 200)
	changed := findEntry(t, waitForInbox(t, w.env, w.ada.ID, 1), notify.KindAgreementChanged)
	w.do(t, "POST", path+"/versions/2/acknowledgement", w.ada.Token, nil, 200)
	acked := findEntry(t, waitForInbox(t, w.env, w.mentor.ID, 1), notify.KindAgreementAcknowledged)
	for _, e := range []notify.Entry{changed, acked} {
		if e.ProgrammeID != w.pid || e.Refs["programmeId"] != w.pid || e.Refs["pairingId"] != w.one {
			t.Errorf("%s: programme %q, refs %v; want programme %s", e.Kind, e.ProgrammeID, e.Refs, w.pid)
		}
	}
}

func findEntry(t *testing.T, es []notify.Entry, kind notify.Kind) notify.Entry {
	t.Helper()
	for _, e := range es {
		if e.Kind == kind {
			return e
		}
	}
	t.Fatalf("no %s notification among %+v", kind, es)
	return notify.Entry{}
}

// A member of the programme outside the pairing (Ben, of the group pairing) reaches none of
// Ada's meeting's routes: each says the meeting does not exist, a malformed body included
// (the rule is applied before the body is read).
func TestMeetingsAreNotFoundOutsideTheirPairing(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	var m meetingJSON
	w.do(t, "POST", "/v1/pairings/"+w.one+"/meetings", w.mentor.Token, map[string]any{"start": "2026-10-13T15:00"}, 201).JSON(t, &m)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/meetings/" + m.ID, nil},
		{"PATCH", "/v1/meetings/" + m.ID, map[string]string{"place": "x"}},
		{"PATCH", "/v1/meetings/" + m.ID, "{not json"},
		{"POST", "/v1/meetings/" + m.ID + "/confirmation", nil},
		{"POST", "/v1/meetings/" + m.ID + "/actions", map[string]any{"actions": []map[string]string{{"text": "x", "ownerId": w.ben.ID, "due": "2026-10-20"}}}},
	} {
		r := w.do(t, c.method, c.path, w.ben.Token, c.body, 404)
		var p problemJSON
		r.JSON(t, &p)
		if p.Code != "meeting_not_found" {
			t.Errorf("%s %s by Ben: %s, want meeting_not_found", c.method, c.path, r.Body)
		}
	}
	w.do(t, "GET", "/v1/meetings/"+m.ID, w.owner.Token, nil, 200)
}

// In a group pairing the mentor's change waits for every mentee: one acknowledgement leaves
// the earlier version in force (and the pairing's agreement unchanged); the last puts it in
// force.
func TestGroupAgreementChangeWaitsForEveryMentee(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	path := "/v1/pairings/" + w.group + "/agreement"
	var v agreementViewJSON
	w.do(t, "PATCH", path, w.mentor.Token, map[string]string{"boundaries": "What is said in the group stays in the group"}, 200).JSON(t, &v)
	if v.Pending == nil || len(v.Pending.Awaiting) != 2 {
		t.Fatalf("the mentor's change: %+v", v)
	}
	w.do(t, "POST", path+"/versions/2/acknowledgement", w.ben.Token, nil, 200).JSON(t, &v)
	if v.Current.Version != 1 || v.Pending == nil || v.Pending.Version != 2 {
		t.Fatalf("after Ben alone: current %d, pending %+v; want 1 in force and 2 pending", v.Current.Version, v.Pending)
	}
	var pairing struct{ Agreement struct{ Boundaries string } }
	w.do(t, "GET", "/v1/pairings/"+w.group, w.chlo.Token, nil, 200).JSON(t, &pairing)
	if pairing.Agreement.Boundaries != "" {
		t.Errorf("the pairing's agreement took the change before Chloe acknowledged: %+v", pairing.Agreement)
	}
	w.do(t, "POST", path+"/versions/2/acknowledgement", w.chlo.Token, nil, 200).JSON(t, &v)
	w.do(t, "GET", "/v1/pairings/"+w.group, w.chlo.Token, nil, 200).JSON(t, &pairing)
	if v.Current.Version != 2 || v.Pending != nil || pairing.Agreement.Boundaries == "" {
		t.Errorf("after both: current %d, pending %+v, pairing %+v; want 2 in force", v.Current.Version, v.Pending, pairing.Agreement)
	}
}
