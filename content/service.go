package content

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// Service is the content library and the progress people make on it.
//
// It keeps an in-memory cache of the latest version of each item it has read and of every
// old version (versions never change), so that a warm read of a lesson touches no database.
// Writes through this Service invalidate the cache at once; writes made by another process
// (another API replica) are picked up within CacheTTL.
type Service struct {
	Store  Store
	Events learning.Publisher
	// Media looks up the media items lesson blocks show (nil: no block may name one).
	Media MediaCatalog
	Now   func() time.Time
	// CacheTTL bounds how long another process's change can go unseen (default 30s).
	CacheTTL time.Duration

	cache caches
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Item returns the latest version of an item, whatever its status; ErrNotFound when absent.
// A path's minutes are its steps' (pathminutes.go). The result shares slices with the
// cache: callers must not modify them.
func (s *Service) Item(ctx context.Context, id string) (Item, error) {
	it, err := s.item(ctx, id)
	if err != nil {
		return Item{}, err
	}
	return s.withPathMinutes(ctx, it)
}

// item is Item as stored (a path's minutes not derived).
func (s *Service) item(ctx context.Context, id string) (Item, error) {
	return s.cached().items.Load(ctx, id, func(ctx context.Context) (Item, error) { return s.Store.Item(ctx, id) })
}

// ItemVersion returns one version of an item: old versions stay readable for the attempts
// made against them. ErrVersionNotFound when the item never had that version.
func (s *Service) ItemVersion(ctx context.Context, id string, version int) (Item, error) {
	latest, err := s.Item(ctx, id)
	if err != nil {
		return Item{}, err
	}
	if version == latest.Version || version == 0 {
		return latest, nil
	}
	if version < 1 || version > latest.Version {
		return Item{}, ErrVersionNotFound
	}
	it, err := s.cached().versions.Load(ctx, versionKey(id, version), func(ctx context.Context) (Item, error) {
		return s.Store.ItemVersion(ctx, id, version)
	})
	if err != nil {
		return Item{}, err
	}
	return s.withPathMinutes(ctx, it)
}

// Create adds a draft item to a programme's library (programmeID "" for the global library),
// version 1.
func (s *Service) Create(ctx context.Context, authorID, programmeID string, it Item) (Item, error) {
	it.Normalize()
	if err := s.resolveMedia(ctx, programmeID, &it); err != nil {
		return Item{}, err
	}
	if err := it.Validate(); err != nil {
		return Item{}, err
	}
	if err := s.checkPathRefs(ctx, programmeID, it, false); err != nil {
		return Item{}, err
	}
	now := s.now()
	it.ID, it.ProgrammeID, it.AuthorID = newID(), programmeID, authorID
	it.Version, it.Status, it.CreatedAt, it.UpdatedAt, it.PublishedAt = 1, StatusDraft, now, now, nil
	if err := s.add(ctx, it); err != nil {
		return Item{}, err
	}
	return s.withPathMinutes(ctx, it)
}

func (s *Service) add(ctx context.Context, it Item) error {
	if err := s.Store.CreateItem(ctx, it); err != nil {
		return fmt.Errorf("create item: %w", err)
	}
	s.forget(it)
	// The latest version is always readable from the item itself; the version copy is for
	// later, once the item has moved on. A crash before it is written is repaired by the
	// next update, which saves the version it replaces.
	if err := s.Store.SaveVersion(ctx, it); err != nil {
		return fmt.Errorf("save version: %w", err)
	}
	return nil
}

// Update replaces the authored content of an item with a new version. Status is kept: an
// update to a published item is live at once and must itself fit the budget. Old versions
// stay readable. prevVersion, when not 0, is the version the author edited (ErrConflict when
// the item has moved on since).
func (s *Service) Update(ctx context.Context, id string, prevVersion int, in Item) (Item, error) {
	cur, err := s.Store.Item(ctx, id)
	if err != nil {
		return Item{}, err
	}
	if prevVersion != 0 && prevVersion != cur.Version {
		return Item{}, ErrConflict
	}
	if cur.Status == StatusArchived {
		return Item{}, ErrArchived
	}
	in.Normalize()
	if err := s.resolveMedia(ctx, cur.ProgrammeID, &in); err != nil {
		return Item{}, err
	}
	var f apperr.Fields
	in.validateInto(&f)
	f.Check(in.Kind == cur.Kind, "/kind", fmt.Sprintf("cannot change: the item is a %s", cur.Kind))
	if err := f.Err(); err != nil {
		return Item{}, err
	}
	next := cur
	next.Title, next.Summary, next.Tags, next.Domain, next.Locale = in.Title, in.Summary, in.Tags, in.Domain, in.Locale
	next.DeclaredMinutes, next.EstimatedMinutes, next.ContentHash = in.DeclaredMinutes, in.EstimatedMinutes, in.ContentHash
	next.Lesson, next.Quiz, next.Checklist, next.Path = in.Lesson, in.Quiz, in.Checklist, in.Path
	return s.replace(ctx, cur, next)
}

func (s *Service) replace(ctx context.Context, cur, next Item) (Item, error) {
	published := next.Status == StatusPublished
	if published {
		if err := next.CheckBudget(); err != nil {
			return Item{}, err
		}
	}
	if err := s.checkPathRefs(ctx, next.ProgrammeID, next, published); err != nil {
		return Item{}, err
	}
	next.Version = cur.Version + 1
	next.UpdatedAt = s.now()
	// Keep the version being replaced first (it may be missing after a crash), then move the
	// item on; a crash in between leaves the old version saved twice, which is harmless.
	if err := s.Store.SaveVersion(ctx, cur); err != nil {
		return Item{}, fmt.Errorf("save version: %w", err)
	}
	if err := s.Store.ReplaceItem(ctx, next, cur.Version); err != nil {
		s.forget(cur)
		return Item{}, err
	}
	s.forget(next)
	if err := s.Store.SaveVersion(ctx, next); err != nil {
		return Item{}, fmt.Errorf("save version: %w", err)
	}
	return s.withPathMinutes(ctx, next)
}

// Publish makes an item visible to mentees. It must fit the ten-minute budget (a 422 says by
// how much it does not), and a path's items must all be published. Publishing a published
// item changes nothing.
func (s *Service) Publish(ctx context.Context, id string) (Item, error) {
	return s.setStatus(ctx, id, StatusPublished)
}

// Archive hides an item from mentees; their progress on it is kept.
func (s *Service) Archive(ctx context.Context, id string) (Item, error) {
	return s.setStatus(ctx, id, StatusArchived)
}

func (s *Service) setStatus(ctx context.Context, id string, st Status) (Item, error) {
	cur, err := s.Store.Item(ctx, id)
	if err != nil {
		return Item{}, err
	}
	if cur.Status == st {
		return s.withPathMinutes(ctx, cur)
	}
	next := cur
	next.Status = st
	if st == StatusPublished {
		if err := next.CheckBudget(); err != nil {
			return Item{}, err
		}
		if err := s.checkPathRefs(ctx, next.ProgrammeID, next, true); err != nil {
			return Item{}, err
		}
		now := s.now()
		next.PublishedAt = &now
	}
	next.UpdatedAt = s.now()
	if err := s.Store.ReplaceItem(ctx, next, cur.Version); err != nil {
		s.forget(cur)
		return Item{}, err
	}
	s.forget(next)
	return s.withPathMinutes(ctx, next)
}

// checkPathRefs checks that the items a path names exist in the same library or the global
// one (and are published, when the path is to be published).
func (s *Service) checkPathRefs(ctx context.Context, programmeID string, it Item, published bool) error {
	if it.Path == nil || len(it.Path.Items) == 0 {
		return nil
	}
	ids := make([]string, len(it.Path.Items))
	for i, r := range it.Path.Items {
		ids[i] = r.ID
	}
	found, err := s.Store.Items(ctx, ids)
	if err != nil {
		return err
	}
	byID := map[string]Item{}
	for _, f := range found {
		byID[f.ID] = f
	}
	var f apperr.Fields
	for i, r := range it.Path.Items {
		x, ok := byID[r.ID]
		switch {
		case !ok || string(x.Kind) != r.Kind || (x.ProgrammeID != programmeID && !x.Global()):
			f.Add(fmt.Sprintf("/steps/%d", i), fmt.Sprintf("no %s with this id in this library or the global one", r.Kind))
		case published && x.Status != StatusPublished:
			f.Add(fmt.Sprintf("/steps/%d", i), "must be published before the path is published")
		}
	}
	return f.Err()
}

// List lists a library. A page holds up to f.Limit items; next is the cursor of the page
// after, zero when this is the last.
func (s *Service) List(ctx context.Context, f ListFilter) ([]Item, Cursor, error) {
	if f.Limit < 1 || f.Limit > 100 {
		f.Limit = 20
	}
	want := f.Limit
	f.Limit = want + 1
	items, err := s.Store.ListItems(ctx, f)
	if err != nil {
		return nil, Cursor{}, err
	}
	if err := s.withPathsMinutes(ctx, items); err != nil {
		return nil, Cursor{}, err
	}
	var next Cursor
	if len(items) > want {
		items = items[:want]
		last := items[want-1]
		next = Cursor{SortKey: SortKey(last.Title), ID: last.ID}
	}
	return items, next, nil
}

// Completed implements learning.CompletionReader: a lesson is complete once reported
// completed, a quiz once passed, a checklist while every required item is ticked, a path
// when every published item on it is complete.
func (s *Service) Completed(ctx context.Context, userID string, refs []learning.ItemRef) (map[learning.ItemRef]bool, error) {
	all, err := s.CompletedMany(ctx, map[string][]learning.ItemRef{userID: refs})
	if err != nil {
		return nil, err
	}
	return all[userID], nil
}

// CompletedMany implements learning.CompletionReader for several people with one read of
// their activity on the items (and on the items of the paths among them).
func (s *Service) CompletedMany(ctx context.Context, wants map[string][]learning.ItemRef) (map[string]map[learning.ItemRef]bool, error) {
	out := make(map[string]map[learning.ItemRef]bool, len(wants))
	var users []string
	for u, refs := range wants {
		out[u] = make(map[learning.ItemRef]bool, len(refs))
		if len(refs) > 0 {
			users = append(users, u)
		}
	}
	if len(users) == 0 {
		return out, nil
	}
	ids, paths, err := s.completionScope(ctx, wants)
	if err != nil {
		return nil, err
	}
	acts, err := s.Store.ActivitiesOf(ctx, users, ids)
	if err != nil {
		return nil, err
	}
	byUser := map[string][]Activity{}
	for _, a := range acts {
		byUser[a.UserID] = append(byUser[a.UserID], a)
	}
	for _, u := range users {
		if err := s.judgeCompletions(ctx, wants[u], byUser[u], paths, out[u]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// completionScope lists the item IDs whose activity decides the wanted completions: each
// wanted item, and for a wanted path the items on it (the paths are returned by reference;
// a path that no longer exists, or is not a path, is left out and so never complete).
func (s *Service) completionScope(ctx context.Context, wants map[string][]learning.ItemRef) ([]string, map[learning.ItemRef]Item, error) {
	var ids []string
	add := func(id string) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	paths := map[learning.ItemRef]Item{}
	for _, refs := range wants {
		for _, r := range refs {
			add(r.ID)
			if _, seen := paths[r]; seen || r.Kind != string(KindPath) {
				continue
			}
			p, err := s.item(ctx, r.ID)
			if errors.Is(err, ErrNotFound) || (err == nil && p.Path == nil) {
				continue
			}
			if err != nil {
				return nil, nil, err
			}
			paths[r] = p
			for _, pr := range p.Path.Items {
				add(pr.ID)
			}
		}
	}
	return ids, paths, nil
}

// judgeCompletions decides one person's wanted completions from their activity: an item by
// its folded progress (of the wanted kind), a path when every published item on it is done.
func (s *Service) judgeCompletions(ctx context.Context, refs []learning.ItemRef, acts []Activity, paths map[learning.ItemRef]Item, out map[learning.ItemRef]bool) error {
	prog, err := s.fold(ctx, acts)
	if err != nil {
		return err
	}
	for _, r := range refs {
		if p, ok := paths[r]; ok {
			pp, err := s.pathProgress(ctx, p, prog, false)
			if err != nil {
				return err
			}
			out[r] = pp.Total > 0 && pp.Done == pp.Total
			continue
		}
		ip := prog[r.ID]
		out[r] = ip != nil && string(ip.Kind) == r.Kind && ip.Completed
	}
	return nil
}

// progressOf folds a user's activities on the items (all, when ids is nil).
func (s *Service) progressOf(ctx context.Context, userID string, ids []string) (map[string]*ItemProgress, error) {
	acts, err := s.Store.Activities(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	return s.fold(ctx, acts)
}

// fold sums up one person's activities item by item (checklists need their definition).
func (s *Service) fold(ctx context.Context, acts []Activity) (map[string]*ItemProgress, error) {
	checklists := map[string]*Checklist{}
	for _, a := range acts {
		if a.ItemKind != KindChecklist {
			continue
		}
		if _, ok := checklists[a.ItemID]; ok {
			continue
		}
		it, err := s.Item(ctx, a.ItemID)
		if errors.Is(err, ErrNotFound) {
			checklists[a.ItemID] = nil
			continue
		}
		if err != nil {
			return nil, err
		}
		checklists[a.ItemID] = it.Checklist
	}
	return summarize(acts, checklists), nil
}

// PathStep is one item on a path with whether the person has completed it.
type PathStep struct {
	Item Item
	Done bool
}

// PathProgress is one person's progress along a path.
type PathProgress struct {
	Steps   []PathStep
	Done    int
	Total   int
	Percent int
	// Next is the first step not done; nil when the path is complete.
	Next *PathStep
}

func (s *Service) pathProgress(ctx context.Context, path Item, prog map[string]*ItemProgress, includeUnpublished bool) (PathProgress, error) {
	var pp PathProgress
	for _, r := range path.Path.Items {
		it, err := s.Item(ctx, r.ID)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return pp, err
		}
		if it.Status != StatusPublished && !includeUnpublished {
			continue
		}
		ip := prog[it.ID]
		pp.Steps = append(pp.Steps, PathStep{Item: it, Done: ip != nil && ip.Completed})
	}
	for i := range pp.Steps {
		pp.Total++
		if pp.Steps[i].Done {
			pp.Done++
		} else if pp.Next == nil {
			pp.Next = &pp.Steps[i]
		}
	}
	if pp.Total > 0 {
		pp.Percent = pp.Done * 100 / pp.Total
	}
	return pp, nil
}

// PathFor returns userID's progress along path. A complete path is recorded as a learning
// event (once: its ID is derived from the path and the user), which also repairs one missed
// by a crash right after the last step was recorded.
func (s *Service) PathFor(ctx context.Context, userID string, path Item, author bool) (PathProgress, error) {
	ids := make([]string, 0, len(path.Path.Items))
	for _, r := range path.Path.Items {
		ids = append(ids, r.ID)
	}
	prog, err := s.progressOf(ctx, userID, ids)
	if err != nil {
		return PathProgress{}, err
	}
	pp, err := s.pathProgress(ctx, path, prog, author)
	if err != nil {
		return PathProgress{}, err
	}
	if !author && path.Status == StatusPublished && pp.Total > 0 && pp.Done == pp.Total {
		if err := s.publishPathCompleted(ctx, userID, path, pp, prog); err != nil {
			return PathProgress{}, err
		}
	}
	return pp, nil
}

func (s *Service) publishPathCompleted(ctx context.Context, userID string, path Item, pp PathProgress, prog map[string]*ItemProgress) error {
	var last time.Time
	for _, st := range pp.Steps {
		if ip := prog[st.Item.ID]; ip != nil && ip.CompletedAt != nil && ip.CompletedAt.After(last) {
			last = *ip.CompletedAt
		}
	}
	return s.Events.Publish(ctx, learning.Event{ID: "path_completed:" + path.ID + ":" + userID, Kind: learning.PathCompleted,
		UserID: userID, ProgrammeID: path.ProgrammeID, ItemKind: string(KindPath), ItemID: path.ID, Domain: string(path.Domain),
		OccurredAt: last, RecordedAt: s.now()})
}

// publishedPaths returns the published paths of a programme's library and the global one.
func (s *Service) publishedPaths(ctx context.Context, programmeID string) ([]Item, error) {
	return s.cached().paths.Load(ctx, programmeID, func(ctx context.Context) ([]Item, error) {
		return s.Store.PublishedPaths(ctx, programmeID)
	})
}

// PathsContaining returns the published paths available to programmeID (its library and
// the global one) that include the item (served from the in-process path cache).
func (s *Service) PathsContaining(ctx context.Context, programmeID string, ref learning.ItemRef) ([]Item, error) {
	paths, err := s.publishedPaths(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	var containing []Item
	for _, p := range paths {
		if slices.ContainsFunc(p.Path.Items, func(r learning.ItemRef) bool { return r.ID == ref.ID }) {
			containing = append(containing, p)
		}
	}
	return containing, nil
}

// LibrarySize counts the published lessons, quizzes and checklists available to
// programmeID: the total of the programme's progress bar.
func (s *Service) LibrarySize(ctx context.Context, programmeID string) (int, error) {
	return s.Store.CountPublished(ctx, programmeID, []Kind{KindLesson, KindQuiz, KindChecklist})
}

// afterCompletion records path completions that the completion of it may have caused.
func (s *Service) afterCompletion(ctx context.Context, userID string, it Item) error {
	containing, err := s.PathsContaining(ctx, it.ProgrammeID, learning.ItemRef{Kind: string(it.Kind), ID: it.ID})
	if err != nil {
		return err
	}
	var ids []string
	for _, p := range containing {
		for _, r := range p.Path.Items {
			ids = append(ids, r.ID)
		}
	}
	if len(containing) == 0 {
		return nil
	}
	prog, err := s.progressOf(ctx, userID, ids)
	if err != nil {
		return err
	}
	for _, p := range containing {
		pp, err := s.pathProgress(ctx, p, prog, false)
		if err != nil {
			return err
		}
		if pp.Total > 0 && pp.Done == pp.Total {
			if err := s.publishPathCompleted(ctx, userID, p, pp, prog); err != nil {
				return err
			}
		}
	}
	return nil
}

// Progress returns everything userID has done, item by item.
func (s *Service) Progress(ctx context.Context, userID string) ([]ItemProgress, error) {
	prog, err := s.progressOf(ctx, userID, nil)
	if err != nil {
		return nil, err
	}
	out := make([]ItemProgress, 0, len(prog))
	for _, p := range prog {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b ItemProgress) int {
		if c := b.LastActiveAt.Compare(a.LastActiveAt); c != 0 {
			return c
		}
		return compareStrings(a.ItemID, b.ItemID)
	})
	return out, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Recorded is the outcome of recording one activity: the activity as first recorded, and
// whether this call was a replay of an event already recorded.
type Recorded struct {
	Activity  Activity
	Duplicate bool
	// Event is the learning event published for the activity (nil for a replay, and for
	// progress that is not a learning event, such as a tick completing nothing).
	Event *learning.Event
	// Revealed, for a quiz attempt, says the person now sees the correct options
	// (RevealsAnswers).
	Revealed bool
}

// record publishes the learning event (when there is one), then stores the activity. The
// order makes a crash between the two harmless: the client did not get an answer, so it
// retries with the same event ID; the event is then already stored (publishing it again
// changes nothing) and the activity is written. A replay whose activity is already stored
// returns that activity and publishes nothing new.
func (s *Service) record(ctx context.Context, it Item, a Activity, ev *learning.Event) (Recorded, error) {
	if ev != nil {
		if err := s.Events.Publish(ctx, *ev); err != nil {
			return Recorded{}, err
		}
	}
	stored, err := s.Store.InsertActivity(ctx, a)
	if errors.Is(err, ErrDuplicateActivity) {
		return s.replayed(ctx, it, stored, a)
	}
	if err != nil {
		return Recorded{}, err
	}
	if a.Completes {
		if err := s.afterCompletion(ctx, a.UserID, it); err != nil {
			return Recorded{}, err
		}
	}
	return Recorded{Activity: a, Event: ev}, nil
}

// replayed answers a replayed event with the activity first recorded for it, and repeats
// the steps that follow recording (idempotent), in case a crash interrupted them.
func (s *Service) replayed(ctx context.Context, it Item, stored, a Activity) (Recorded, error) {
	if stored.Type != a.Type || stored.ItemID != a.ItemID {
		return Recorded{}, ErrEventIDReused
	}
	if stored.Completes {
		if err := s.afterCompletion(ctx, stored.UserID, it); err != nil {
			return Recorded{}, err
		}
	}
	return Recorded{Activity: stored, Duplicate: true}, nil
}

func (s *Service) event(kind learning.Kind, it Item, a Activity) *learning.Event {
	return &learning.Event{ID: a.EventID, Kind: kind, UserID: a.UserID, ProgrammeID: it.ProgrammeID, ItemKind: string(it.Kind),
		ItemID: it.ID, Domain: string(it.Domain), OccurredAt: a.OccurredAt, RecordedAt: a.RecordedAt, SecondsSpent: a.SecondsSpent}
}

func (s *Service) base(userID string, t ActivityType, it Item, eventID string, occurredAt time.Time, seconds int) Activity {
	return Activity{UserID: userID, EventID: normalizeEventID(eventID), Type: t, ItemID: it.ID, ItemKind: it.Kind,
		ProgrammeID: it.ProgrammeID, ItemVersion: it.Version, OccurredAt: occurredAt.UTC().Truncate(time.Millisecond), RecordedAt: s.now(), SecondsSpent: seconds}
}

// Attempts returns userID's attempts at a quiz in the order they were recorded (attempt 1
// first), each with the quiz version it
// was made against (old versions stay readable for this).
func (s *Service) Attempts(ctx context.Context, userID string, quiz Item) ([]Activity, map[int]Item, error) {
	acts, err := s.Store.Activities(ctx, userID, []string{quiz.ID})
	if err != nil {
		return nil, nil, err
	}
	slices.SortStableFunc(acts, func(a, b Activity) int { return a.Attempt - b.Attempt })
	versions := map[int]Item{}
	out := acts[:0]
	for _, a := range acts {
		if a.Type != ActivityQuizAttempt {
			continue
		}
		out = append(out, a)
		if _, ok := versions[a.ItemVersion]; !ok {
			v, err := s.ItemVersion(ctx, quiz.ID, a.ItemVersion)
			if err != nil {
				return nil, nil, err
			}
			versions[a.ItemVersion] = v
		}
	}
	return out, versions, nil
}

// now is the service clock at the precision the database keeps (milliseconds), so that an
// answer computed now and the same answer read back later are identical.
func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// ChecklistFor returns the keys of the checklist items userID has ticked now, in checklist
// order, and whether every required item is ticked.
func (s *Service) ChecklistFor(ctx context.Context, userID string, cl Item) ([]string, bool, error) {
	acts, err := s.Store.Activities(ctx, userID, []string{cl.ID})
	if err != nil {
		return nil, false, err
	}
	sortActivities(acts)
	t := checklistTicks(acts)
	return tickedList(cl.Checklist, t), checklistComplete(cl.Checklist, t), nil
}

// ItemByKey returns the item a content pack imported into a programme's library under kind
// and key (the demo seeds of other domains find demo items this way); ErrNotFound when absent.
func (s *Service) ItemByKey(ctx context.Context, programmeID string, kind Kind, key string) (Item, error) {
	return s.Store.ItemByKey(ctx, programmeID, kind, key)
}
