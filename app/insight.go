package app

import (
	"context"
	"errors"
	"time"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/gamification/gamificationdb"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/insight/insightdb"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
	"github.com/microlearn/microlearn/programme"
	"github.com/microlearn/microlearn/programme/programmedb"
)

// newInsightEdge builds the reports' store and the edge the domains' stores touch subjects
// through: before the domains, whose stores app/insight_watch.go wraps.
func (a *App) newInsightEdge() (*insightdb.Store, insight.Touches) {
	store := insightdb.New(a.DB.DB)
	return store, insight.Touches{Store: store, Now: a.Now}
}

// newInsightAndGamification builds the reports and the gamification service with its worker:
// the reports read gamification's players (streaks) and observe the events its worker
// processes, so both share one players store.
func (a *App) newInsightAndGamification() (*insight.Service, *gamification.Service, *gamification.Worker) {
	players := gamificationdb.New(a.DB.DB)
	a.Insight = a.newInsight(players)
	g := a.newGamification(players)
	return a.Insight, g, gamification.NewWorker(g, workerID())
}

// newInsight builds the programme reports (issue 13) over the domains they read: programmes
// and people, mentoring's assignments, pairings and record, gamification's streaks, content's
// catalogue. The gamification worker tells it about every learning event (an observer); the
// domains' stores tell it what changed through a.Touches (app/insight_watch.go).
func (a *App) newInsight(players gamification.Store) *insight.Service {
	return &insight.Service{
		Store:       a.insightStore,
		Programmes:  insightProgrammes{svc: a.Programmes, store: programmedb.New(a.DB.DB)},
		People:      insightPeople{a.Identity},
		Assignments: insightAssignments{a.Mentoring},
		Streaks:     insightStreaks{players: players, programmes: a.Programmes, now: a.Now},
		Pairings:    insightPairings{mentoring: a.Mentoring, record: a.Record, identity: a.Identity, store: mentoringdb.New(a.DB.DB)},
		Checkins:    insightCheckins{a.Evidence.Store},
		Responses:   insightResponses{a.Evidence.Store},
		Catalog:     insightCatalog{a.Content},
		Now:         a.Now,
		Log:         a.Log.With("component", "insight"),
	}
}

// RecomputeReports rebuilds the reports' aggregates from the logs (`api reports recompute`).
func (a *App) RecomputeReports(ctx context.Context, grace time.Duration) (insight.RecomputeReport, error) {
	return a.Insight.Recompute(ctx, a.Learning, grace)
}

// insightProgrammes answers insight's questions about programmes and members.
type insightProgrammes struct {
	svc   *programme.Service
	store *programmedb.Store
}

func (p insightProgrammes) Location(ctx context.Context, programmeID string) (*time.Location, error) {
	pr, err := p.svc.Programme(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	return pr.Location(), nil
}

func (p insightProgrammes) Membership(ctx context.Context, programmeID, userID string) (insight.Membership, error) {
	m, err := p.store.Membership(ctx, programmeID, userID)
	if err != nil {
		return insight.Membership{}, err
	}
	return insight.Membership{Role: string(m.Role), JoinedAt: m.JoinedAt}, nil
}

func (p insightProgrammes) MembersPage(ctx context.Context, programmeID, after string, limit int) ([]string, error) {
	ms, err := p.store.Members(ctx, programmeID, nil, "", after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.UserID
	}
	return out, nil
}

func (p insightProgrammes) ProgrammesPage(ctx context.Context, after string, limit int) ([]string, error) {
	return p.store.ProgrammeIDs(ctx, after, limit)
}

// insightPeople names people for reports, from identity.
type insightPeople struct{ identity *identity.Service }

func (p insightPeople) People(ctx context.Context, ids []string) (map[string]insight.Person, error) {
	out := map[string]insight.Person{}
	if len(ids) == 0 {
		return out, nil
	}
	us, err := p.identity.Users(ctx, ids)
	if err != nil {
		return nil, err
	}
	for id, u := range us {
		out[id] = insight.Person{ID: id, DisplayName: u.DisplayName, Email: u.Email}
	}
	return out, nil
}

// insightAssignments reads a mentee's open assignments from mentoring.
type insightAssignments struct{ mentoring *mentoring.Service }

func (a insightAssignments) Open(ctx context.Context, programmeID, menteeID string) ([]insight.OpenAssignment, error) {
	as, err := a.mentoring.Store.MenteeAssignments(ctx, mentoring.AssignmentQuery{MenteeID: menteeID, State: mentoring.AssignmentOpen, Limit: 1000})
	if err != nil {
		return nil, err
	}
	var out []insight.OpenAssignment
	for _, x := range as {
		if x.ProgrammeID == programmeID {
			out = append(out, insight.OpenAssignment{ID: x.ID, PairingID: x.PairingID, DueAt: x.DueAt})
		}
	}
	return out, nil
}

// insightStreaks reads streaks from gamification's players.
type insightStreaks struct {
	players    gamification.Store
	programmes *programme.Service
	now        func() time.Time
}

func (s insightStreaks) Streak(ctx context.Context, programmeID, userID string) (insight.Streak, bool, error) {
	sts, err := s.StreaksOf(ctx, programmeID, []string{userID})
	st, ok := sts[userID]
	return st, ok, err
}

// insightCatalog lists a programme's published content for the per-item report.
type insightCatalog struct{ content *content.Service }

func (c insightCatalog) Items(ctx context.Context, programmeID, kind string, after insight.ItemCursor, limit int) ([]insight.CatalogItem, error) {
	items, err := c.content.Store.ListItems(ctx, content.ListFilter{ProgrammeID: programmeID, Kind: content.Kind(kind),
		Statuses: []content.Status{content.StatusPublished}, After: content.Cursor{SortKey: after.SortKey, ID: after.ID}, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]insight.CatalogItem, len(items))
	for i, it := range items {
		ci := insight.CatalogItem{ID: it.ID, SortKey: content.SortKey(it.Title), Kind: string(it.Kind), Title: it.Title, Domain: string(it.Domain)}
		if it.Quiz != nil {
			for _, q := range it.Quiz.Questions {
				ci.Questions = append(ci.Questions, insight.CatalogQuestion{Key: q.Key, Prompt: q.Prompt})
			}
		}
		out[i] = ci
	}
	return out, nil
}

// insightPairings reads pairings, their cadence and goals from mentoring and its record.
type insightPairings struct {
	mentoring *mentoring.Service
	record    *mentoring.Record
	identity  *identity.Service
	store     *mentoringdb.Store // reads only: the streamed lists (app/insight_streams.go)
}

func toInsightPairing(p mentoring.Pairing) insight.Pairing {
	return insight.Pairing{ID: p.ID, ProgrammeID: p.ProgrammeID, MentorID: p.MentorID, MenteeIDs: p.MenteeIDs,
		Type: string(p.Type), Status: string(p.Status)}
}

func (x insightPairings) Pairing(ctx context.Context, id string) (insight.Pairing, error) {
	p, err := x.mentoring.Store.Pairing(ctx, id)
	if err != nil {
		return insight.Pairing{}, err
	}
	return toInsightPairing(p), nil
}

func (x insightPairings) Cadence(ctx context.Context, ip insight.Pairing) (insight.Cadence, error) {
	p, err := x.mentoring.Store.Pairing(ctx, ip.ID)
	if err != nil {
		return insight.Cadence{}, err
	}
	c, err := x.record.Cadence(ctx, mentoring.Actor{Admin: true}, p)
	if err != nil {
		return insight.Cadence{}, err
	}
	out := insight.Cadence{Frequency: string(c.Frequency), Elapsed: c.Elapsed, Kept: c.Kept, DueAt: c.DueAt}
	for _, per := range c.Periods {
		out.Held += per.Held
		if !per.Complete {
			end := per.End
			out.NextPeriodEnd = &end
		}
	}
	return out, nil
}

func (x insightPairings) OpenGoals(ctx context.Context, p insight.Pairing) ([]insight.Goal, error) {
	gs, err := x.record.Store.Goals(ctx, mentoring.GoalQuery{PairingID: p.ID, Limit: 500})
	if err != nil {
		return nil, err
	}
	var owners []string
	for _, g := range gs {
		owners = append(owners, g.OwnerID)
	}
	users, err := x.identity.Users(ctx, owners)
	if err != nil {
		return nil, err
	}
	var out []insight.Goal
	for _, g := range gs {
		if !g.Status.Open() || g.TargetDate == "" {
			continue
		}
		loc := time.UTC
		if u, ok := users[g.OwnerID]; ok {
			if l, err := time.LoadLocation(u.Timezone); err == nil {
				loc = l
			}
		}
		out = append(out, insight.Goal{ID: g.ID, OwnerID: g.OwnerID, DueAt: insight.StartOfDay(insight.AddDays(g.TargetDate, 1), loc)})
	}
	return out, nil
}

func (x insightPairings) Mentored(ctx context.Context, programmeID, mentorID string) ([]insight.Pairing, error) {
	ps, err := x.mentoring.Store.Pairings(ctx, mentoring.PairingQuery{ProgrammeID: programmeID, MentorID: mentorID, Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := make([]insight.Pairing, len(ps))
	for i, p := range ps {
		out[i] = toInsightPairing(p)
	}
	return out, nil
}

func (x insightPairings) PairingsPage(ctx context.Context, programmeID, afterID string, limit int) ([]string, error) {
	q := mentoring.PairingQuery{ProgrammeID: programmeID, Limit: limit}
	if afterID != "" {
		last, err := x.mentoring.Store.Pairing(ctx, afterID)
		if err != nil && !errors.Is(err, mentoring.ErrPairingNotFound) {
			return nil, err
		}
		q.After = &mentoring.Cursor{At: last.CreatedAt, ID: last.ID}
	}
	ps, err := x.mentoring.Store.Pairings(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out, nil
}

// insightObserver is the insight service as the gamification worker's observer.
var _ learning.Observer = (*insight.Service)(nil)
