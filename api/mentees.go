package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/gamification"
)

// GET /v1/me/mentees: a mentor's view of the cohort, in a fixed number of database reads
// whatever the number of mentees (docs/benchmarks.md).

type menteePairingJSON struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Status string `json:"status"`
}

type menteeAssignmentsJSON struct {
	Open      int `json:"open"`
	Overdue   int `json:"overdue"`
	Completed int `json:"completed"`
}

type menteeQuizJSON struct {
	ItemID string `json:"itemId"`
	Title  string `json:"title"`
	// Result is passed, failed or not_attempted.
	Result string `json:"result"`
}

type meetingRefJSON struct {
	ID        string    `json:"id"`
	PairingID string    `json:"pairingId"`
	StartAt   time.Time `json:"startAt"`
	Timezone  string    `json:"timezone"`
}

type menteeJSON struct {
	Mentee      personResponse        `json:"mentee"`
	ProgrammeID string                `json:"programmeId"`
	Pairings    []menteePairingJSON   `json:"pairings"`
	LastActive  string                `json:"lastActive,omitempty"`
	Streak      int                   `json:"streak"`
	XPThisWeek  int64                 `json:"xpThisWeek"`
	Assignments menteeAssignmentsJSON `json:"assignments"`
	Quizzes     []menteeQuizJSON      `json:"quizzes"`
	NextMeeting *meetingRefJSON       `json:"nextMeeting,omitempty"`
}

type menteeList struct {
	Items []menteeJSON `json:"items"`
}

func (s *Server) myMentees(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	ovs, err := s.deps.Mentoring.MyMentees(ctx, cl.UserID)
	if err != nil {
		return err
	}
	keys := make([]gamification.PlayerKey, len(ovs))
	ids := make([]string, len(ovs))
	for i, o := range ovs {
		keys[i], ids[i] = gamification.PlayerKey{ProgrammeID: o.ProgrammeID, UserID: o.MenteeID}, o.MenteeID
	}
	standings, err := s.deps.Gamification.MenteeStandings(ctx, keys)
	if err != nil {
		return err
	}
	users, err := s.deps.Identity.Users(ctx, ids)
	if err != nil {
		return err
	}
	out := menteeList{Items: make([]menteeJSON, len(ovs))}
	for i, o := range ovs {
		st := standings[keys[i]]
		m := menteeJSON{Mentee: personResponse{UserID: o.MenteeID, DisplayName: users[o.MenteeID].DisplayName}, ProgrammeID: o.ProgrammeID,
			Pairings: make([]menteePairingJSON, len(o.Pairings)), LastActive: st.LastActive, Streak: st.Streak, XPThisWeek: st.WeekXP,
			Assignments: menteeAssignmentsJSON{Open: o.Open, Overdue: o.Overdue, Completed: o.Completed}, Quizzes: []menteeQuizJSON{}}
		for j, p := range o.Pairings {
			m.Pairings[j] = menteePairingJSON{ID: p.ID, Type: string(p.Type), Status: string(p.Status)}
		}
		for _, q := range o.Quizzes {
			res := "not_attempted"
			if passed, tried := st.Quizzes[q.Ref.ID]; tried {
				res = map[bool]string{true: "passed", false: "failed"}[passed]
			}
			m.Quizzes = append(m.Quizzes, menteeQuizJSON{ItemID: q.Ref.ID, Title: q.Title, Result: res})
		}
		if n := o.NextMeeting; n != nil {
			m.NextMeeting = &meetingRefJSON{ID: n.ID, PairingID: n.PairingID, StartAt: n.StartAt, Timezone: n.Timezone}
		}
		out.Items[i] = m
	}
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	return respond(c, http.StatusOK, out)
}
