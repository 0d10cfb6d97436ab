package app

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/microlearn/microlearn/evidence/xapi"
	"github.com/microlearn/microlearn/internal/config"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/learning"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/evidence/evidencedb"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/programme"
)

// newEvidence builds check-ins, outcomes, the CPD record and the xAPI statements over
// mentoring's pairings, identity's people and notify's outbox (issue 12).
func (a *App) newEvidence() *evidence.Service {
	store := evidencedb.New(a.DB.DB)
	svc := &evidence.Service{
		Store:      a.watchEvidence(store),
		Activity:   store,
		Record:     evidenceRecord{a.Record},
		Catalog:    evidenceCatalog{a.Content},
		Programmes: evidenceProgrammes{a.Programmes},
		Pairings:   evidencePairings{store: mentoringdb.New(a.DB.DB), programmes: a.Programmes, now: a.Now},
		People:     evidencePeople{a.Identity},
		Notifier:   evidenceNotifier{a.Notify},
		Now:        a.Now,
		Log:        a.Log.With("component", "evidence"),
	}
	r := &evidence.Recorder{IRIs: xapi.IRIs{Base: a.Cfg.XAPI.BaseIRI}, Store: store, Pairings: svc.Pairings, Catalog: svc.Catalog,
		Forward: a.Cfg.XAPI.LRSEndpoint != "", Now: a.Now}
	svc.XAPI, svc.LearningStatements, svc.Statements = r, r, r
	return svc
}

// evidencePairings reads mentoring's pairings for evidence.
type evidencePairings struct {
	store      *mentoringdb.Store
	programmes *programme.Service
	now        func() time.Time
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
	ps, err := e.store.ChangedSince(ctx, after.At, after.ID, e.now(), limit)
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
// With an LRS configured, it forwards the xAPI statements too.
func (a *App) evidenceWorker() func(context.Context) {
	w := &evidence.Worker{Service: a.Evidence, Interval: a.Cfg.EvidenceInterval, Overlap: 2 * time.Minute}
	fwd := a.xapiForwarder(evidencedb.New(a.DB.DB))
	if fwd == nil {
		return w.Run
	}
	return func(ctx context.Context) {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); fwd(ctx) }()
		w.Run(ctx)
		wg.Wait()
	}
}

// XAPIConfig is the xAPI configuration (README: Configuration).
type XAPIConfig struct {
	// BaseIRI roots every IRI the statements use; set it once and keep it (XAPI_BASE_IRI,
	// else PUBLIC_URL).
	BaseIRI                string
	LRSEndpoint            string
	LRSUsername            string
	LRSPassword            string
	Batch                  int
	RetryBase, RetryMax    time.Duration
	MaxAttempts            int
	Lease, Poll, SendLimit time.Duration
}

func loadXAPIConfig(env *config.Env, publicURL string) XAPIConfig {
	base := env.String("XAPI_BASE_IRI", publicURL)
	if base == "" {
		base = "https://microlearn.invalid"
	}
	return XAPIConfig{BaseIRI: base, LRSEndpoint: env.String("LRS_ENDPOINT", ""), LRSUsername: env.String("LRS_USERNAME", ""),
		LRSPassword: env.String("LRS_PASSWORD", ""), Batch: env.Int("LRS_BATCH", 50, 1, 500),
		RetryBase:   env.Duration("LRS_RETRY_BASE", 30*time.Second, 10*time.Millisecond, time.Hour),
		RetryMax:    env.Duration("LRS_RETRY_MAX", time.Hour, 10*time.Millisecond, 24*time.Hour),
		MaxAttempts: env.Int("LRS_MAX_ATTEMPTS", 50, 1, 10000), Lease: env.Duration("LRS_LEASE", time.Minute, time.Second, time.Hour),
		Poll: env.Duration("LRS_POLL_INTERVAL", 5*time.Second, 10*time.Millisecond, time.Hour), SendLimit: 30 * time.Second}
}

// xapiForwarder forwards statements to the configured LRS; nil without one.
func (a *App) xapiForwarder(store *evidencedb.Store) func(context.Context) {
	c := a.Cfg.XAPI
	if c.LRSEndpoint == "" {
		return nil
	}
	a.Log.Info("xAPI statements are forwarded to an LRS", "endpoint", c.LRSEndpoint)
	f := &evidence.Forwarder{Store: store, LRS: &xapi.LRS{Endpoint: c.LRSEndpoint, Username: c.LRSUsername, Password: c.LRSPassword,
		Client: &http.Client{Timeout: c.SendLimit}}, Now: a.Now, Log: a.Log.With("component", "xapi-forwarder"), Batch: c.Batch,
		Lease: c.Lease, RetryBase: c.RetryBase, RetryMax: c.RetryMax, MaxAttempts: c.MaxAttempts, Poll: c.Poll}
	return f.Run
}

// evidenceRecord reads the mentoring record for the CPD record.
type evidenceRecord struct{ r *mentoring.Record }

func (e evidenceRecord) ConfirmedMeetings(ctx context.Context, userID string, from, to time.Time) ([]evidence.CPDMeeting, error) {
	ms, err := e.r.Store.PersonMeetings(ctx, userID, from, to, 2000)
	if err != nil {
		return nil, err
	}
	var held []mentoring.Meeting
	var ids []string
	for _, m := range ms {
		if m.Evidence() && slices.Contains(m.AttendeeIDs, userID) {
			held = append(held, m)
			ids = append(ids, m.ID)
		}
	}
	actions := map[string][]mentoring.Action{}
	if len(ids) > 0 {
		if actions, err = e.r.Store.MeetingActions(ctx, ids); err != nil {
			return nil, err
		}
	}
	out := make([]evidence.CPDMeeting, len(held))
	for i, m := range held {
		out[i] = evidence.CPDMeeting{ID: m.ID, ProgrammeID: m.ProgrammeID, PairingID: m.PairingID, StartAt: m.StartAt, Timezone: m.Timezone,
			DurationMinutes: m.DurationMinutes, Format: string(m.Format), Place: m.Place, Objectives: m.Objectives, Topics: m.Topics,
			Attendees: m.AttendeeIDs, ConfirmedBy: m.Confirmation.By}
		for _, a := range actions[m.ID] {
			out[i].Actions = append(out[i].Actions, evidence.CPDAction{Text: a.Text, OwnerID: a.OwnerID, DueOn: a.DueLocal, Done: a.Done})
		}
	}
	return out, nil
}

func (e evidenceRecord) ReadableNotes(ctx context.Context, userID string, pairingIDs []string) ([]evidence.CPDNote, error) {
	var out []evidence.CPDNote
	for _, pid := range pairingIDs {
		var after *mentoring.Cursor
		for {
			ns, err := e.r.Store.Notes(ctx, mentoring.NoteQuery{PairingID: pid, Reader: userID, After: after, Limit: 200})
			if err != nil {
				return nil, err
			}
			for _, n := range ns {
				if n.AuthorID != userID && n.Visibility == mentoring.VisibilityPrivate {
					continue // never another's private note
				}
				c := evidence.CPDNote{ID: n.ID, PairingID: n.PairingID, MeetingID: n.MeetingID, AuthorID: n.AuthorID, Body: n.Body, CreatedAt: n.CreatedAt}
				if r := n.Reflection; r != nil {
					c.Reflection, c.Learned, c.Apply, c.Domains = true, r.Learned, r.Apply, r.Domains
				}
				out = append(out, c)
			}
			if len(ns) < 200 {
				break
			}
			last := ns[len(ns)-1]
			after = &mentoring.Cursor{At: last.CreatedAt, ID: last.ID}
		}
	}
	return out, nil
}

func (e evidenceRecord) Goals(ctx context.Context, userID string) ([]evidence.CPDGoal, error) {
	gs, err := e.r.Store.Goals(ctx, mentoring.GoalQuery{OwnerID: userID, Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := make([]evidence.CPDGoal, len(gs))
	for i, g := range gs {
		out[i] = evidence.CPDGoal{ID: g.ID, PairingID: g.PairingID, Specific: g.Specific, Measure: g.Measure, TargetDate: g.TargetDate,
			Status: string(g.Status), Progress: g.Progress, CreatedAt: g.CreatedAt, AchievedAt: g.AchievedAt}
	}
	return out, nil
}

// evidenceCatalog looks content items up for the CPD activity log.
type evidenceCatalog struct{ c *content.Service }

func (e evidenceCatalog) Item(ctx context.Context, ref learning.ItemRef) (evidence.CatalogItem, error) {
	it, err := e.c.Item(ctx, ref.ID)
	if err != nil {
		return evidence.CatalogItem{}, err
	}
	return evidence.CatalogItem{Title: it.Title, Minutes: it.EstimatedMinutes, Domain: string(it.Domain)}, nil
}

// evidenceProgrammes names programmes.
type evidenceProgrammes struct{ p *programme.Service }

func (e evidenceProgrammes) ProgrammeName(ctx context.Context, id string) (string, error) {
	p, err := e.p.Programme(ctx, id)
	if errors.Is(err, programme.ErrNotFound) {
		return "", nil
	}
	return p.Name, err
}
