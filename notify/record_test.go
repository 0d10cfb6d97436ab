package notify_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microlearn/microlearn/notify"
)

type plannedMeetings struct {
	mu sync.Mutex
	ms map[string]notify.Meeting
}

func (p *plannedMeetings) PlannedBetween(_ context.Context, from, to time.Time) ([]notify.Meeting, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []notify.Meeting
	for _, m := range p.ms {
		if !m.StartAt.Before(from) && m.StartAt.Before(to) {
			out = append(out, m)
		}
	}
	return out, nil
}

func (p *plannedMeetings) StillPlanned(_ context.Context, id string, startAt time.Time) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.ms[id]
	return ok && m.StartAt.Equal(startAt), nil
}

// A planned meeting reminds each participant an hour before it, in their language and at
// their local time; quiet hours defer it (and drop it if they last past the start); an
// opt-out keeps it off the phone; a rescheduled meeting's old reminder is withheld.
func TestMeetingRemindersRespectQuietHoursOptOutsAndMoves(t *testing.T) {
	h := newHarness(t)
	meetings := &plannedMeetings{ms: map[string]notify.Meeting{}}
	h.sender.Meetings = meetings
	de := h.user("mentee", "Europe/Berlin")
	uk := h.user("mentor", "Europe/London")
	r, _ := h.people.Recipient(h.ctx, "mentee")
	r.Locale = "de"
	h.people.put(r)
	sched := &notify.Scheduler{Service: h.svc, Recipients: h.people, Meetings: meetings, Now: h.clock.Now,
		Cfg: notify.SchedulerConfig{Interval: 10 * time.Minute, Horizon: 20 * time.Minute}}
	start := t0.Add(70 * time.Minute) // 13:10 UTC: 14:10 in Berlin, 13:10 in London
	meetings.ms["m1"] = notify.Meeting{ID: "m1", ProgrammeID: "p", PairingID: "pr", Participants: []string{"mentor", "mentee"}, StartAt: start, Format: "video"}
	if err := sched.RunOnce(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.run()
	if got := h.fake.For(de); len(got) != 0 {
		t.Fatalf("reminded 70 minutes ahead: %+v", got)
	}
	h.clock.Advance(10 * time.Minute) // an hour before
	h.run()
	msgs := h.fake.For(de)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Message.Notification.Title, "Mentoring um 14:10") {
		t.Fatalf("German reminder: %+v", msgs)
	}
	if got := h.fake.For(uk); len(got) != 1 || !strings.Contains(got[0].Message.Notification.Body, "13:10 (video)") {
		t.Fatalf("English reminder: %+v", got)
	}
	// Quiet hours until after the start drop the reminder; an opt-out keeps it in the inbox.
	r.QuietHours = &notify.QuietHours{Start: "12:00", End: "23:00"}
	h.people.put(r)
	u, _ := h.people.Recipient(h.ctx, "mentor")
	u.Prefs = map[string]bool{string(notify.KindMeetingReminder): false}
	h.people.put(u)
	start2 := h.clock.Now().Add(time.Hour + 5*time.Minute)
	meetings.ms["m2"] = notify.Meeting{ID: "m2", ProgrammeID: "p", PairingID: "pr", Participants: []string{"mentor", "mentee"}, StartAt: start2, Format: "phone"}
	if err := sched.RunOnce(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(5 * time.Minute)
	h.run()
	h.clock.Set(start2.Add(time.Minute))
	h.run()
	key := func(id, user string, at time.Time) string {
		return "meeting_reminder:" + id + ":" + user + ":" + strconv.FormatInt(at.Unix(), 10)
	}
	if e := h.entry(key("m2", "mentee", start2)); e.Status != notify.StatusExpired {
		t.Errorf("reminder in quiet hours past the start: %+v", e)
	}
	if e := h.entry(key("m2", "mentor", start2)); e.Status != notify.StatusPushOff {
		t.Errorf("opted-out reminder: %+v", e)
	}
	// Moved after its reminder was planned: withheld.
	r.QuietHours = nil
	h.people.put(r)
	start3 := h.clock.Now().Add(time.Hour + 5*time.Minute)
	meetings.ms["m3"] = notify.Meeting{ID: "m3", ProgrammeID: "p", Participants: []string{"mentee"}, StartAt: start3, Format: "chat"}
	if err := sched.RunOnce(h.ctx); err != nil {
		t.Fatal(err)
	}
	meetings.ms["m3"] = notify.Meeting{ID: "m3", ProgrammeID: "p", Participants: []string{"mentee"}, StartAt: start3.Add(24 * time.Hour), Format: "chat"}
	h.clock.Advance(5 * time.Minute)
	h.run()
	if e := h.entry(key("m3", "mentee", start3)); e.Status != notify.StatusSuppressed {
		t.Errorf("reminder of a moved meeting: %+v", e)
	}
	for _, loc := range notify.Locales() {
		for _, k := range []notify.Kind{notify.KindMeetingReminder, notify.KindMeetingToConfirm, notify.KindAgreementChanged, notify.KindAgreementAcknowledged} {
			title, body := notify.Render(k, loc, nil)
			if title == string(k) || strings.Contains(title+body, "{") {
				t.Errorf("%s in %s: %q %q", k, loc, title, body)
			}
		}
	}
}
