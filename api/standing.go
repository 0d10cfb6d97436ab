package api

import (
	"time"

	"github.com/microlearn/microlearn/content"
)

// standingJSON is the caller's progress on one item as every list shows it (library,
// assignments, home).
type standingJSON struct {
	State            string     `json:"state"`
	Done             int        `json:"done"`
	Total            int        `json:"total"`
	Percent          int        `json:"percent"`
	CompletedAt      *time.Time `json:"completedAt,omitempty"`
	LastActiveAt     *time.Time `json:"lastActiveAt,omitempty"`
	SecondsSpent     int        `json:"secondsSpent"`
	Attempts         *int       `json:"attempts,omitempty"`
	BestScorePercent *int       `json:"bestScorePercent,omitempty"`
}

func toStandingJSON(st content.Standing) standingJSON {
	if st.State == "" {
		st = content.Standing{State: content.StateNotStarted, Total: 1}
	}
	out := standingJSON{State: st.State, Done: st.Done, Total: st.Total, Percent: st.Percent, CompletedAt: st.CompletedAt,
		LastActiveAt: st.LastActiveAt, SecondsSpent: st.SecondsSpent}
	if st.Attempts > 0 {
		n, best := st.Attempts, st.BestScorePercent
		out.Attempts, out.BestScorePercent = &n, &best
	}
	return out
}
