package api_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/notify/notifydb"
)

// queuedNotification says where the notification with dedupKey is: "outbox" (with when it is
// due), or its inbox status once the sender finished it, or "" when there is none.
func queuedNotification(t *testing.T, env *apitest.Env, dedupKey string) (string, time.Time) {
	t.Helper()
	ctx := context.Background()
	id := notify.NotificationID(dedupKey)
	var out struct {
		DueAt time.Time `bson:"dueAt"`
	}
	err := env.App.DB.DB.Collection(notifydb.Outbox).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&out)
	if err == nil {
		return "outbox", out.DueAt
	}
	if !mongodb.IsNotFound(err) {
		t.Fatal(err)
	}
	var in struct {
		Status string `bson:"status"`
	}
	err = env.App.DB.DB.Collection(notifydb.Inbox).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&in)
	if mongodb.IsNotFound(err) {
		return "", time.Time{}
	}
	if err != nil {
		t.Fatal(err)
	}
	return in.Status, time.Time{}
}

// countKind counts the notifications of kind (queued or finished) in the database.
func countKind(t *testing.T, env *apitest.Env, kind notify.Kind) int {
	t.Helper()
	n := 0
	for _, coll := range []string{notifydb.Outbox, notifydb.Inbox} {
		c, err := env.App.DB.DB.Collection(coll).CountDocuments(context.Background(), bson.D{{Key: "kind", Value: string(kind)}})
		if err != nil {
			t.Fatal(err)
		}
		n += int(c)
	}
	return n
}

// A week of mentoring, through the HTTP API on the test's clock, as each side sees it: the
// mentor (in Berlin) plans a meeting that Ada (in London) confirms; both are reminded an hour
// before; the mentor logs it as held and Ada confirms that; both reflect, each with a private
// note the other never sees; Ada's goal moves; Ada proposes meeting fortnightly and the
// mentor acknowledges; the cadence and the calendar feed follow. Then two weeks pass without
// a meeting, across the end of summer time: both are nudged once, at 09:00 of their own
// zone, and planning a meeting withholds the nudge.
func TestAWeekOfMentoring(t *testing.T) {
	t.Parallel()
	// Monday 19 October 2026, 09:00 in London (BST).
	w := newRecordWorld(t, time.Date(2026, 10, 19, 8, 0, 0, 0, time.UTC))
	w.do(t, "PATCH", "/v1/me", w.ada.Token, map[string]any{"timezone": "Europe/London"}, 200)
	w.do(t, "PATCH", "/v1/me", w.mentor.Token, map[string]any{"timezone": "Europe/Berlin"}, 200)
	pairing := "/v1/pairings/" + w.one

	// Monday: the mentor plans Wednesday 15:00 London; Ada is asked to confirm, and does.
	var m meetingJSON
	w.do(t, "POST", pairing+"/meetings", w.mentor.Token, map[string]any{"start": "2026-10-21T15:00", "timezone": "Europe/London",
		"durationMinutes": 45, "format": "video", "objectives": []string{"Agree how to run the huddle"}}, 201).JSON(t, &m)
	if m.Status != "planned" || m.Start != "2026-10-21T14:00:00Z" || m.Awaiting != "mentee" {
		t.Fatalf("planned meeting: %+v", m)
	}
	w.do(t, "POST", "/v1/meetings/"+m.ID+"/confirmation", w.mentor.Token, nil, 422)
	w.do(t, "POST", "/v1/meetings/"+m.ID+"/confirmation", w.ada.Token, map[string]int{"revision": m.Revision}, 200).JSON(t, &m)
	if !m.Confirmed || m.Evidence {
		t.Fatalf("confirmed plan: %+v (a plan is not evidence)", m)
	}
	var goal goalJSON
	w.do(t, "POST", pairing+"/goals", w.mentor.Token, map[string]any{"ownerId": w.ada.ID, "specific": "Run the morning huddle on my own",
		"measure": "Three huddles run, with feedback", "targetDate": "2026-12-18"}, 201).JSON(t, &goal)

	// Ada's calendar shows the meeting at 14:00 UTC.
	var tok struct{ Token string }
	w.do(t, "POST", "/v1/me/calendar-token", w.ada.Token, nil, 201).JSON(t, &tok)
	feed := func() map[string]*ics.VEvent {
		t.Helper()
		r := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me/calendar.ics?token=" + tok.Token})
		cal, err := ics.ParseCalendar(strings.NewReader(string(r.Body)))
		if r.Status != 200 || err != nil {
			t.Fatalf("feed: %d %v\n%s", r.Status, err, r.Body)
		}
		out := map[string]*ics.VEvent{}
		for _, e := range cal.Events() {
			out[e.Id()] = e
		}
		return out
	}
	ev := feed()["meeting-"+m.ID+"@microlearn"]
	if ev == nil {
		t.Fatal("the planned meeting is not in Ada's calendar")
	}
	if start, err := ev.GetStartAt(); err != nil || !start.Equal(time.Date(2026, 10, 21, 14, 0, 0, 0, time.UTC)) {
		t.Errorf("calendar start %v (%v)", start, err)
	}

	// Wednesday 13:50 London: the reminder round plans one reminder each, for 14:00 London.
	w.set(t, time.Date(2026, 10, 21, 12, 50, 0, 0, time.UTC))
	for range 2 { // a second round (or a restart) adds nothing
		if err := w.env.App.PlanNotifications(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	start := strconv.FormatInt(time.Date(2026, 10, 21, 14, 0, 0, 0, time.UTC).Unix(), 10)
	for _, u := range []string{w.ada.ID, w.mentor.ID} {
		if where, at := queuedNotification(t, w.env, "meeting_reminder:"+m.ID+":"+u+":"+start); where != "outbox" || !at.Equal(time.Date(2026, 10, 21, 13, 0, 0, 0, time.UTC)) {
			t.Errorf("reminder of %s: %s at %v, want queued for 13:00 UTC", u, where, at)
		}
	}
	if n := countKind(t, w.env, notify.KindMeetingReminder); n != 2 {
		t.Errorf("%d meeting reminders, want 2", n)
	}

	// 15:50 London: the mentor logs it as held with what was discussed and an action for
	// Ada; his side cannot confirm it, Ada can.
	w.set(t, time.Date(2026, 10, 21, 14, 50, 0, 0, time.UTC))
	w.do(t, "PATCH", "/v1/meetings/"+m.ID, w.mentor.Token, map[string]any{"status": "held", "topics": []string{"Huddle agenda", "Handling interruptions"}}, 200).JSON(t, &m)
	w.do(t, "POST", "/v1/meetings/"+m.ID+"/actions", w.mentor.Token, map[string]any{"actions": []map[string]string{
		{"text": "Write the huddle agenda", "ownerId": w.ada.ID, "due": "2026-10-23"}}}, 201)
	if m.Status != "held" || m.Evidence || m.Awaiting != "mentee" {
		t.Fatalf("held, unconfirmed: %+v", m)
	}
	w.do(t, "POST", "/v1/meetings/"+m.ID+"/confirmation", w.mentor.Token, nil, 422)
	w.do(t, "GET", "/v1/meetings/"+m.ID, w.ada.Token, nil, 200).JSON(t, &m)
	w.do(t, "POST", "/v1/meetings/"+m.ID+"/confirmation", w.ada.Token, map[string]int{"revision": m.Revision}, 200).JSON(t, &m)
	if !m.Evidence || m.Confirmation == nil || m.Confirmation.By != w.ada.ID {
		t.Fatalf("confirmed as held: %+v", m)
	}
	var actions struct{ Items []actionJSON }
	w.do(t, "GET", "/v1/me/actions", w.ada.Token, nil, 200).JSON(t, &actions)
	if len(actions.Items) != 1 || actions.Items[0].DueLocal != "2026-10-23" {
		t.Errorf("Ada's actions: %+v", actions.Items)
	}

	// Both reflect on the meeting, and each keeps a private note.
	notes := pairing + "/notes"
	w.do(t, "POST", notes, w.ada.Token, map[string]any{"kind": "reflection", "meetingId": m.ID, "learned": "ADA-SHARED: say the agenda first",
		"apply": "at Friday's huddle", "domains": []string{"skill-based"}, "visibility": "pairing"}, 201)
	w.do(t, "POST", notes, w.ada.Token, map[string]any{"body": "ADA-PRIVATE: nervous about the consultant", "meetingId": m.ID}, 201)
	w.do(t, "POST", notes, w.mentor.Token, map[string]any{"kind": "reflection", "meetingId": m.ID, "learned": "MENTOR-SHARED: she has the plan already",
		"apply": "ask before advising", "domains": []string{"affective"}, "visibility": "pairing"}, 201)
	w.do(t, "POST", notes, w.mentor.Token, map[string]any{"body": "MENTOR-PRIVATE: raise confidence next time", "meetingId": m.ID}, 201)
	sees := func(who apitest.User, want, not []string) {
		t.Helper()
		body := string(w.do(t, "GET", notes, who.Token, nil, 200).Body)
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Errorf("%s does not see %q: %s", who.Email, s, body)
			}
		}
		for _, s := range not {
			if strings.Contains(body, s) {
				t.Errorf("%s sees %q: %s", who.Email, s, body)
			}
		}
	}
	sees(w.ada, []string{"ADA-SHARED", "ADA-PRIVATE", "MENTOR-SHARED"}, []string{"MENTOR-PRIVATE", "raise confidence"})
	sees(w.mentor, []string{"ADA-SHARED", "MENTOR-SHARED", "MENTOR-PRIVATE"}, []string{"ADA-PRIVATE", "nervous"})
	sees(w.owner, nil, []string{"ADA-PRIVATE", "MENTOR-PRIVATE", "ADA-SHARED", "MENTOR-SHARED"})
	var ownerView struct{ Items []noteJSON }
	w.do(t, "GET", notes, w.owner.Token, nil, 200).JSON(t, &ownerView)
	if len(ownerView.Items) != 4 {
		t.Errorf("the owner sees %d notes exist, want 4 (all redacted)", len(ownerView.Items))
	}
	for _, n := range ownerView.Items {
		if !n.Redacted || n.Body != nil || n.Learned != nil {
			t.Errorf("owner's view of a pairing-only or private note: %+v", n)
		}
	}

	// Thursday: Ada moves her goal to 40%; the mentor sees it, with its history.
	w.set(t, time.Date(2026, 10, 22, 16, 0, 0, 0, time.UTC))
	w.do(t, "PATCH", "/v1/goals/"+goal.ID, w.ada.Token, map[string]any{"progress": 40, "note": "Ran one huddle with help"}, 200)
	w.do(t, "GET", "/v1/goals/"+goal.ID, w.mentor.Token, nil, 200).JSON(t, &goal)
	if goal.Progress != 40 || goal.Status != "in_progress" {
		t.Errorf("the mentor's view of Ada's goal: %+v", goal)
	}
	var history struct {
		Items []struct{ Revision, Progress int }
	}
	w.do(t, "GET", "/v1/goals/"+goal.ID+"/history", w.mentor.Token, nil, 200).JSON(t, &history)
	if len(history.Items) != 2 || history.Items[1].Progress != 40 {
		t.Errorf("goal history: %+v", history.Items)
	}

	// Friday: Ada proposes meeting fortnightly. Monthly stays in force until the mentor
	// acknowledges; then the cadence is fortnightly, due two weeks after Wednesday's meeting
	// (15:00 London, GMT by then: 15:00 UTC).
	w.set(t, time.Date(2026, 10, 23, 9, 0, 0, 0, time.UTC))
	var agreement agreementViewJSON
	w.do(t, "PATCH", pairing+"/agreement", w.ada.Token, map[string]string{"meetingFrequency": "fortnightly"}, 200).JSON(t, &agreement)
	if agreement.Current.Agreement.MeetingFrequency != "monthly" || agreement.Pending == nil || len(agreement.Pending.Awaiting) != 1 || agreement.Pending.Awaiting[0] != w.mentor.ID {
		t.Fatalf("Ada's change: %+v", agreement)
	}
	var cadence struct {
		MeetingFrequency string `json:"meetingFrequency"`
		MeetingDueAt     string `json:"meetingDueAt"`
		LastMeetingAt    string `json:"lastMeetingAt"`
	}
	w.do(t, "GET", pairing+"/cadence", w.mentor.Token, nil, 200).JSON(t, &cadence)
	if cadence.MeetingFrequency != "monthly" || cadence.MeetingDueAt != "2026-11-21T15:00:00Z" || cadence.LastMeetingAt != "2026-10-21T14:00:00Z" {
		t.Errorf("cadence before the acknowledgement: %+v", cadence)
	}
	w.do(t, "GET", pairing+"/agreement", w.mentor.Token, nil, 200).JSON(t, &agreement)
	if agreement.Pending == nil || agreement.Pending.By != w.ada.ID {
		t.Fatalf("the mentor's view of the pending change: %+v", agreement)
	}
	w.do(t, "POST", pairing+"/agreement/versions/"+strconv.Itoa(agreement.Pending.Version)+"/acknowledgement", w.mentor.Token, nil, 200).JSON(t, &agreement)
	if agreement.Current.Agreement.MeetingFrequency != "fortnightly" || agreement.Pending != nil {
		t.Fatalf("after the acknowledgement: %+v", agreement)
	}
	w.do(t, "GET", pairing+"/cadence", w.ada.Token, nil, 200).JSON(t, &cadence)
	if cadence.MeetingFrequency != "fortnightly" || cadence.MeetingDueAt != "2026-11-04T15:00:00Z" {
		t.Errorf("cadence after the acknowledgement: %+v", cadence)
	}
	if _, ok := feed()["meeting-"+m.ID+"@microlearn"]; !ok {
		t.Errorf("the held meeting left Ada's calendar")
	}

	// Two weeks without a meeting. Wednesday 4 November, 15:05 UTC: the round finds the
	// pairing due and plans one nudge each, at 09:00 tomorrow in each one's zone (09:00 UTC in
	// London, 08:00 UTC in Berlin, both back on winter time); another round adds nothing.
	w.set(t, time.Date(2026, 11, 4, 15, 5, 0, 0, time.UTC))
	for range 2 {
		if err := w.env.App.PlanNotifications(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	due := strconv.FormatInt(time.Date(2026, 11, 4, 15, 0, 0, 0, time.UTC).Unix(), 10)
	adaKey := "meeting_due:" + w.one + ":" + w.ada.ID + ":" + due
	for key, at := range map[string]time.Time{
		adaKey: time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC),
		"meeting_due:" + w.one + ":" + w.mentor.ID + ":" + due: time.Date(2026, 11, 5, 8, 0, 0, 0, time.UTC),
	} {
		if where, got := queuedNotification(t, w.env, key); where != "outbox" || !got.Equal(at) {
			t.Errorf("%s: %s at %v, want queued for %v", key, where, got, at)
		}
	}
	if n := countKind(t, w.env, notify.KindMeetingDue); n != 2 {
		t.Errorf("%d meeting-due nudges, want 2 (one each, once)", n)
	}
	// That evening Ada plans the next meeting: the cadence moves on and her nudge is
	// withheld in the morning.
	w.set(t, time.Date(2026, 11, 4, 19, 0, 0, 0, time.UTC))
	w.do(t, "POST", pairing+"/meetings", w.ada.Token, map[string]any{"start": "2026-11-10T15:00"}, 201)
	w.do(t, "GET", pairing+"/cadence", w.mentor.Token, nil, 200).JSON(t, &cadence)
	if cadence.MeetingDueAt != "2026-11-24T15:00:00Z" {
		t.Errorf("cadence once a meeting is planned: %+v", cadence)
	}
	w.set(t, time.Date(2026, 11, 5, 9, 1, 0, 0, time.UTC))
	deadline := time.Now().Add(15 * time.Second)
	for {
		where, _ := queuedNotification(t, w.env, adaKey)
		if where == string(notify.StatusSuppressed) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ada's nudge after she planned a meeting: %q, want suppressed", where)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := w.env.App.PlanNotifications(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := countKind(t, w.env, notify.KindMeetingDue); n != 2 {
		t.Errorf("%d meeting-due nudges after the meeting was planned, want still 2", n)
	}
}
