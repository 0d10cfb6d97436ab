package app

import (
	"context"
	"fmt"

	"github.com/microlearn/microlearn/insight"
)

// The reports' rebuild lists every member and pairing of every programme; these adapters let
// it do so in one read per programme and kind (insight.MemberStream, insight.PairingStream)
// instead of pages after an ID, each of which reads the whole programme on the embedded engine.
var (
	_ insight.MemberStream  = insightProgrammes{}
	_ insight.PairingStream = insightPairings{}
)

// EachMember implements insight.MemberStream over programmedb.
func (p insightProgrammes) EachMember(ctx context.Context, programmeID string, fn func(userID string) error) error {
	return p.store.EachMember(ctx, programmeID, fn)
}

// pairingStream is the mentoring store's one-read list of a programme's pairings
// (mentoringdb.Store.EachPairingID).
type pairingStream interface {
	EachPairingID(ctx context.Context, programmeID string, fn func(id string) error) error
}

// EachPairingID implements insight.PairingStream over the mentoring store under the insight
// watch (app/insight_watch.go), which only adds touches to writes. A store that cannot stream
// is an error, not a silent return to paging: the rebuild then says so.
func (x insightPairings) EachPairingID(ctx context.Context, programmeID string, fn func(pairingID string) error) error {
	st := x.mentoring.Store
	if w, ok := st.(watchedMentoring); ok {
		st = w.Store
	}
	ps, ok := st.(pairingStream)
	if !ok {
		return fmt.Errorf("list pairings: the mentoring store %T cannot list a programme's pairings in one read", st)
	}
	return ps.EachPairingID(ctx, programmeID, fn)
}
