package app

import (
	"context"

	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/insight"
)

// The reports' sweeper reads a batch of members' facts at once (insight/prefetch.go): these
// are the domains' batch reads, one command each for up to 1,000 members.
var (
	_ insight.MembershipsReader     = insightProgrammes{}
	_ insight.OpenAssignmentsReader = insightAssignments{}
	_ insight.StreaksReader         = insightStreaks{}
)

// Memberships implements insight.MembershipsReader.
func (p insightProgrammes) Memberships(ctx context.Context, programmeID string, userIDs []string) (map[string]insight.Membership, error) {
	ms, err := p.store.MembershipsIn(ctx, programmeID, userIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]insight.Membership, len(ms))
	for _, m := range ms {
		out[m.UserID] = insight.Membership{Role: string(m.Role), JoinedAt: m.JoinedAt}
	}
	return out, nil
}

// OpenOf implements insight.OpenAssignmentsReader.
func (a insightAssignments) OpenOf(ctx context.Context, programmeID string, menteeIDs []string) (map[string][]insight.OpenAssignment, error) {
	as, err := a.mentoring.Store.OpenAssignmentsOf(ctx, menteeIDs)
	if err != nil {
		return nil, err
	}
	out := map[string][]insight.OpenAssignment{}
	for _, x := range as {
		if x.ProgrammeID == programmeID {
			out[x.MenteeID] = append(out[x.MenteeID], insight.OpenAssignment{ID: x.ID, PairingID: x.PairingID, DueAt: x.DueAt})
		}
	}
	return out, nil
}

// StreaksOf implements insight.StreaksReader.
func (s insightStreaks) StreaksOf(ctx context.Context, programmeID string, userIDs []string) (map[string]insight.Streak, error) {
	keys := make([]gamification.PlayerKey, len(userIDs))
	for i, u := range userIDs {
		keys[i] = gamification.PlayerKey{ProgrammeID: programmeID, UserID: u}
	}
	ps, err := s.players.Players(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := map[string]insight.Streak{}
	if len(ps) == 0 {
		return out, nil
	}
	pr, err := s.programmes.Programme(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	for k, p := range ps {
		if p.Streak.LastActive == "" {
			continue
		}
		v, loc := p.StreakAt(s.now(), pr.Location())
		out[k.UserID] = insight.Streak{Current: v.Current, Length: p.Streak.Current, Freezes: p.Streak.Freezes, LastActive: p.Streak.LastActive, Location: loc}
	}
	return out, nil
}
