package app

import (
	"context"

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

// EachPairingID implements insight.PairingStream over mentoringdb (a read: the store under
// the insight watch, app/insight_watch.go, differs only in its writes).
func (x insightPairings) EachPairingID(ctx context.Context, programmeID string, fn func(pairingID string) error) error {
	return x.store.EachPairingID(ctx, programmeID, fn)
}
