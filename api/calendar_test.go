package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
)

// The calendar feed parses in an independent iCalendar parser (arran4/golang-ical): the
// mentee's planned, held and cancelled meetings and her assignment's due date, at the right
// instants, behind a token that can be revoked.
func TestCalendarFeedParsesAndIsRevocable(t *testing.T) {
	t.Parallel()
	w := newRecordWorld(t, time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC))
	var planned, held, cancelled meetingJSON
	w.do(t, "POST", "/v1/pairings/"+w.one+"/meetings", w.mentor.Token, map[string]any{"start": "2026-10-20T14:30", "durationMinutes": 45,
		"format": "video", "place": "https://meet.example/abc; room 2, floor 3", "objectives": []string{"Review the rota, then feedback"}}, 201).JSON(t, &planned)
	w.do(t, "POST", "/v1/pairings/"+w.one+"/meetings", w.mentor.Token, map[string]any{"start": "2026-10-07T10:00"}, 201).JSON(t, &held)
	w.do(t, "POST", "/v1/pairings/"+w.one+"/meetings", w.ada.Token, map[string]any{"start": "2026-11-03T09:00"}, 201).JSON(t, &cancelled)
	w.do(t, "PATCH", "/v1/meetings/"+cancelled.ID, w.ada.Token, map[string]any{"status": "cancelled"}, 200)
	// Someone else's meeting is not in Ada's feed.
	w.do(t, "POST", "/v1/pairings/"+w.group+"/meetings", w.mentor.Token, map[string]any{"start": "2026-10-21T14:30"}, 201)
	if _, err := w.env.App.Mentoring.Assign(context.Background(), mentoring.Actor{UserID: w.mentor.ID, Role: mentoring.RoleMentor}, w.one,
		mentoring.NewAssignment{Items: []learning.ItemRef{{Kind: "lesson", ID: "lesson-1"}}, Due: "2026-10-23"}); err != nil {
		t.Fatal(err)
	}

	var tok struct{ Token, URL string }
	w.do(t, "POST", "/v1/me/calendar-token", w.ada.Token, nil, 201).JSON(t, &tok)
	if !strings.HasSuffix(tok.URL, "/v1/me/calendar.ics?token="+tok.Token) {
		t.Errorf("feed URL %q", tok.URL)
	}
	r := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me/calendar.ics?token=" + tok.Token})
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	if n := w.env.DBCommands(r); n > 3 {
		t.Errorf("feed: %d database commands, want at most 3", n)
	}
	for _, l := range strings.Split(strings.TrimSuffix(string(r.Body), "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("unfolded line of %d octets: %q", len(l), l)
		}
	}
	cal, err := ics.ParseCalendar(strings.NewReader(string(r.Body)))
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, r.Body)
	}
	events := map[string]*ics.VEvent{}
	for _, e := range cal.Events() {
		events[e.Id()] = e
	}
	if len(events) != 4 {
		t.Fatalf("events: %d, want 4 (three meetings, one due date):\n%s", len(events), r.Body)
	}
	e := events["meeting-"+planned.ID+"@microlearn"]
	if e == nil {
		t.Fatalf("the planned meeting is missing:\n%s", r.Body)
	}
	start, err := e.GetStartAt()
	if err != nil || !start.Equal(time.Date(2026, 10, 20, 13, 30, 0, 0, time.UTC)) {
		t.Errorf("planned start %v (%v), want 13:30 UTC (14:30 in London, BST)", start, err)
	}
	end, _ := e.GetEndAt()
	if end.Sub(start) != 45*time.Minute {
		t.Errorf("duration %v", end.Sub(start))
	}
	if loc := e.GetProperty(ics.ComponentPropertyLocation); loc == nil || loc.Value != "https://meet.example/abc; room 2, floor 3" {
		t.Errorf("location after escaping and unescaping: %+v", loc)
	}
	if s := events["meeting-"+cancelled.ID+"@microlearn"].GetProperty(ics.ComponentPropertyStatus); s == nil || s.Value != "CANCELLED" {
		t.Errorf("cancelled meeting status: %+v", s)
	}
	var due *ics.VEvent
	for id, ev := range events {
		if strings.HasPrefix(id, "assignment-") {
			due = ev
		}
	}
	if d, err := due.GetAllDayStartAt(); err != nil || d.Format(time.DateOnly) != "2026-10-23" {
		t.Errorf("assignment due day %v (%v)", d, err)
	}
	// A new token replaces the old one; revoking ends the feed.
	var tok2 struct{ Token string }
	w.do(t, "POST", "/v1/me/calendar-token", w.ada.Token, nil, 201).JSON(t, &tok2)
	if r := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me/calendar.ics?token=" + tok.Token}); r.Status != 401 {
		t.Errorf("old token after a new one: %d", r.Status)
	}
	w.do(t, "DELETE", "/v1/me/calendar-token", w.ada.Token, nil, 204)
	for _, bad := range []string{tok2.Token, "", "cal_guess", strings.Repeat("x", 300)} {
		if r := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me/calendar.ics?token=" + bad}); r.Status != 401 {
			t.Errorf("token %.20q: %d, want 401", bad, r.Status)
		}
	}
	// Only the hash is stored.
	n, err := w.env.App.DB.DB.Collection("mentoring_feed_tokens").CountDocuments(context.Background(), map[string]any{"_id": tok2.Token})
	if err != nil || n != 0 {
		t.Errorf("a token stored in clear: %d %v", n, err)
	}
}
