package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/microlearn/microlearn/programme"
)

// freshness is the bound: a report's figures are at most this old.
const freshness = 60 * time.Second

// Every report that counts learning or people follows a change within a minute, with only the
// server's own background workers running (the gamification worker's observers, the
// sweeper's rounds): nothing here waits for a queue or runs a sweep by hand. A lesson and a
// quiz attempt reach health, learning, items and questions; a new member reaches the members
// by role; the owner's new thresholds are read back at once.
func TestReportsAreFreshWithinAMinute(t *testing.T) {
	t.Parallel()
	w := newReportWorld(t)
	ctx := context.Background()
	base := "/v1/programmes/" + w.pid + "/reports/"
	start := time.Now()
	w.lessonDone(t, w.ada, 300)
	w.quizAttempt(t, w.ada, "a", 120)
	newcomer := quickUser(t, w.env, "Nell Newcomer")
	if err := w.env.App.Programmes.AddMember(ctx, w.pid, newcomer.ID, programme.RoleMentee); err != nil {
		t.Fatal(err)
	}
	body := map[string]int{"inactiveDays": 21, "overdueAssignments": 2, "streakLostDays": 7, "meetingGraceDays": 7, "goalGraceDays": 0, "checkinGraceDays": 7}
	w.do(t, "PUT", base+"settings", w.owner.Token, body, 200)

	checks := map[string]func() bool{
		"health": func() bool {
			h := w.health(t)
			return h.Learning["thisWeek"].Completions["lesson"] == 1 && h.Learning["thisWeek"].QuizAttempts == 1 && h.Members["mentee"] == 5
		},
		"learning": func() bool {
			return strings.Contains(string(w.do(t, "GET", base+"learning?weeks=1&format=csv", w.owner.Token, nil, 200).Body), "2026-10-19,all,2,")
		},
		"items": func() bool {
			for _, line := range strings.Split(string(w.do(t, "GET", base+"items?format=csv", w.owner.Token, nil, 200).Body), "\r\n") {
				if strings.HasPrefix(line, w.lesson.ID+",lesson,Listening,") && strings.Contains(line, ",1,1,1.0000,") { // reach, completed, rate
					return true
				}
			}
			return false
		},
		"questions": func() bool {
			csv := string(w.do(t, "GET", base+"questions?format=csv", w.owner.Token, nil, 200).Body)
			return strings.Contains(csv, ",q1,") && strings.Contains(csv, ",1,0,0.0000")
		},
		"settings": func() bool {
			return strings.Contains(string(w.do(t, "GET", base+"settings", w.owner.Token, nil, 200).Body), `"inactiveDays":21`)
		},
	}
	seen := map[string]time.Duration{}
	for len(seen) < len(checks) && time.Since(start) <= freshness {
		for name, ok := range checks {
			if _, done := seen[name]; !done && ok() {
				seen[name] = time.Since(start)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	for name := range checks {
		if at, ok := seen[name]; !ok || at > freshness {
			t.Errorf("%s did not show the change within %s (seen: %v)", name, freshness, seen)
		}
	}
	t.Logf("figures fresh after %v", seen)
}
