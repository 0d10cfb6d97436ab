package mentoring

import (
	"context"
	"fmt"
	"time"
)

// nextMeetingAhead is how far ahead the home screen looks for a person's next meeting.
const nextMeetingAhead = 90 * 24 * time.Hour

// NextMeetings returns, for each programme, the next planned meeting userID takes part in
// that has not ended yet (within 90 days): one read of their own meetings, by the
// participant index.
func (r *Record) NextMeetings(ctx context.Context, userID string) (map[string]Meeting, error) {
	now := r.now()
	ms, err := r.Store.PersonMeetings(ctx, userID, now.Add(-4*time.Hour), now.Add(nextMeetingAhead), 50)
	if err != nil {
		return nil, fmt.Errorf("next meetings: %w", err)
	}
	out := map[string]Meeting{}
	for _, m := range ms {
		end := m.StartAt.Add(time.Duration(m.DurationMinutes) * time.Minute)
		if m.Status != MeetingPlanned || !end.After(now) {
			continue
		}
		if cur, ok := out[m.ProgrammeID]; !ok || m.StartAt.Before(cur.StartAt) {
			out[m.ProgrammeID] = m
		}
	}
	return out, nil
}
