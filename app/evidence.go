package app

import (
	"context"
	"errors"
	"time"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/evidence/evidencedb"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/programme"
)

// newEvidence builds check-ins, outcomes and the CPD record over mentoring's pairings,
// identity's people and notify's outbox (issue 12).
func (a *App) newEvidence() *evidence.Service {
	return &evidence.Service{
		Store:    evidencedb.New(a.DB.DB),
		Pairings: evidencePairings{store: mentoringdb.New(a.DB.DB), programmes: a.Programmes},
		People:   evidencePeople{a.Identity},
		Notifier: evidenceNotifier{a.Notify},
		Now:      a.Now,
		Log:      a.Log.With("component", "evidence"),
	}
}

// evidencePairings reads mentoring's pairings for evidence.
type evidencePairings struct {
	store      *mentoringdb.Store
	programmes *programme.Service
}

func toEvidencePairing(p mentoring.Pairing) evidence.Pairing {
	return evidence.Pairing{ID: p.ID, ProgrammeID: p.ProgrammeID, MentorID: p.MentorID, MenteeIDs: p.MenteeIDs, Status: string(p.Status),
		ActivatedAt: p.ActivatedAt, EndedAt: p.EndedAt, EndsOn: p.Agreement.EndsOn, UpdatedAt: p.UpdatedAt}
}

func toEvidencePairings(ps []mentoring.Pairing) []evidence.Pairing {
	out := make([]evidence.Pairing, len(ps))
	for i, p := range ps {
		out[i] = toEvidencePairing(p)
	}
	return out
}

func (e evidencePairings) Pairing(ctx context.Context, id string) (evidence.Pairing, error) {
	p, err := e.store.Pairing(ctx, id)
	if errors.Is(err, mentoring.ErrPairingNotFound) {
		return evidence.Pairing{}, evidence.ErrPairingNotFound
	}
	return toEvidencePairing(p), err
}

func (e evidencePairings) ChangedSince(ctx context.Context, after evidence.Cursor, limit int) ([]evidence.Pairing, error) {
	ps, err := e.store.ChangedSince(ctx, after.At, after.ID, limit)
	return toEvidencePairings(ps), err
}

func (e evidencePairings) ProgrammePairings(ctx context.Context, programmeID, afterID string, limit int) ([]evidence.Pairing, error) {
	// Pages by (createdAt, _id) descending; afterID names the last pairing of the page before.
	q := mentoring.PairingQuery{ProgrammeID: programmeID, Limit: limit}
	if afterID != "" {
		last, err := e.store.Pairing(ctx, afterID)
		if err != nil {
			return nil, err
		}
		q.After = &mentoring.Cursor{At: last.CreatedAt, ID: last.ID}
	}
	ps, err := e.store.Pairings(ctx, q)
	return toEvidencePairings(ps), err
}

func (e evidencePairings) PersonPairings(ctx context.Context, userID string) ([]evidence.Pairing, error) {
	progs, _, err := e.programmes.Mine(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []evidence.Pairing
	seen := map[string]bool{}
	for _, p := range progs {
		for _, q := range []mentoring.PairingQuery{{ProgrammeID: p.ID, MentorID: userID}, {ProgrammeID: p.ID, MenteeID: userID}} {
			q.Limit = 100
			ps, err := e.store.Pairings(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, x := range ps {
				if !seen[x.ID] {
					seen[x.ID] = true
					out = append(out, toEvidencePairing(x))
				}
			}
		}
	}
	return out, nil
}

// evidencePeople tells evidence people's zones and names, from identity.
type evidencePeople struct{ identity *identity.Service }

func (p evidencePeople) Location(ctx context.Context, userID string) (*time.Location, error) {
	u, err := p.identity.User(ctx, userID)
	if errors.Is(err, identity.ErrNotFound) {
		return time.UTC, nil
	}
	if err != nil {
		return nil, err
	}
	return u.Location(), nil
}

func (p evidencePeople) Names(ctx context.Context, ids []string) (map[string]string, error) {
	return mentoringDirectory{identity: p.identity}.DisplayNames(ctx, ids)
}

// evidenceNotifier tells people their check-in is due, through the notification outbox.
type evidenceNotifier struct{ n *notify.Service }

func (e evidenceNotifier) CheckinDue(ctx context.Context, c evidence.CheckIn) error {
	return e.n.CheckinDue(ctx, notify.CheckinNotice{CheckinID: c.ID, ProgrammeID: c.ProgrammeID, UserID: c.UserID, Occasion: c.Label,
		OpensAt: c.OpensAt, ExpiresAt: c.OverdueAt})
}

// evidenceWorker keeps check-ins on schedule in the background.
func (a *App) evidenceWorker() func(context.Context) {
	w := &evidence.Worker{Service: a.Evidence, Interval: a.Cfg.EvidenceInterval, Overlap: 2 * time.Minute}
	return w.Run
}
