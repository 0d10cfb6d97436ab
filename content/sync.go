package content

import (
	"context"
	"slices"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// SyncEvent is one event of an offline batch, resolved to its item (the caller has checked
// that the person may see it and that it is published). Exactly one of Lesson, Quiz and Tick
// is set.
type SyncEvent struct {
	Item   Item
	Lesson *LessonProgress
	Quiz   *QuizSubmission
	Tick   *ChecklistTick
}

// SyncResult is what became of one event of a batch: recorded (or a replay), refused (Err),
// or not reached before the batch had to answer (Err is ErrNotReached).
type SyncResult struct {
	Recorded Recorded
	// Version is the quiz version an attempt was graded against.
	Version Item
	Err     error
}

// ErrNotReached marks the events of a batch left unprocessed when its time ran out: nothing
// of them was written, and sending them again records them.
var ErrNotReached = apperr.New(apperr.KindUnprocessable, "not_reached", "not processed in time; send this event again")

// syncChunk is how many events Sync records per round of writes.
const syncChunk = 100

// Sync records a batch of one person's events, in the order given (the caller sorts them by
// occurredAt, so that state folds as it happened on the device), with the same outcome per
// event as the single-event methods, but a handful of commands per hundred events: one read
// of the person's activity on the batch's items (and on the items of paths they are on),
// the attempt-number reservations, one insert of the learning events, one of the activity
// records, and a path check per completed path. Events go first and records second, as in
// record. Chunks of a hundred are recorded while more (nil: always) says there is time for
// another; the events not reached are answered ErrNotReached. An error of the database ends the batch: the events of
// its chunk and after are ErrNotReached when the context is done, otherwise it is returned.
func (s *Service) Sync(ctx context.Context, userID string, events []SyncEvent, more func() bool) ([]SyncResult, error) {
	out := make([]SyncResult, len(events))
	b := &syncBatch{s: s, userID: userID, known: map[string][]Activity{}, read: map[string]bool{}}
	for start := 0; start < len(events); start += syncChunk {
		end := min(len(events), start+syncChunk)
		if more != nil && !more() {
			notReached(out[start:])
			break
		}
		if err := b.chunk(ctx, events[start:end], out[start:end]); err != nil {
			if ctx.Err() == nil {
				return nil, err
			}
			notReached(out[start:])
			break
		}
	}
	b.reveal(events, out)
	return out, nil
}

// reveal says of each recorded quiz attempt whether the person now sees the correct options
// (RevealsAnswers, on their activity as the batch left it).
func (sb *syncBatch) reveal(events []SyncEvent, out []SyncResult) {
	for i, e := range events {
		if e.Quiz != nil && out[i].Err == nil {
			out[i].Recorded.Revealed = RevealsAnswers(e.Item.Quiz, sb.known[e.Item.ID])
		}
	}
}

func notReached(rs []SyncResult) {
	for i := range rs {
		rs[i] = SyncResult{Err: ErrNotReached}
	}
}

// syncBatch is what a Sync knows between its chunks: the person's activity on every item
// read so far, including what the batch recorded.
type syncBatch struct {
	s      *Service
	userID string
	known  map[string][]Activity
	read   map[string]bool
}

// pending is a built activity waiting for the chunk's writes.
type pending struct {
	i    int
	item Item
	b    built
}

func (sb *syncBatch) chunk(ctx context.Context, events []SyncEvent, out []SyncResult) error {
	s := sb.s
	if err := sb.readItems(ctx, events); err != nil {
		return err
	}
	var todo []pending
	var err error
	completed := map[string]Item{}
	for i, e := range events {
		id := e.Item.ID
		var b built
		switch {
		case e.Lesson != nil:
			b, err = s.buildLesson(sb.userID, e.Item, *e.Lesson, sb.known[id])
		case e.Quiz != nil:
			b, err = s.buildAttempt(ctx, sb.userID, e.Item, *e.Quiz, sb.known[id])
		case e.Tick != nil:
			b, err = s.buildTick(sb.userID, e.Item, *e.Tick, sb.known[id])
		default:
			err = apperr.Invalid("/type", "is not an event content records")
		}
		if err != nil {
			if ctx.Err() != nil || apperr.KindOf(err) == apperr.KindInternal {
				return err
			}
			out[i] = SyncResult{Err: err}
			continue
		}
		if b.replay != nil {
			out[i] = sb.replay(b, e.Item, completed)
			continue
		}
		if e.Lesson != nil && b.a.Completes { // time on the lesson, from the activity read
			if err := s.measure(ctx, b.ev, e.Item, b.a, nonNil(sb.known[id])); err != nil {
				return err
			}
		}
		sb.known[id] = append(sb.known[id], b.a)
		todo = append(todo, pending{i, e.Item, b})
	}
	if todo, err = sb.reserve(ctx, todo, out); err != nil {
		return err
	}
	for _, p := range todo {
		if p.b.a.Completes {
			completed[p.item.ID] = p.item
		}
	}
	if err := sb.write(ctx, todo, out, completed); err != nil {
		return err
	}
	return sb.pathChecks(ctx, completed)
}

// reserve takes the attempt numbers of the chunk's quiz attempts with one write. A number
// another event took meanwhile (an attempt from another device) leaves its attempt
// unrecorded and answered ErrNotReached: sent again, it is numbered after the other.
func (sb *syncBatch) reserve(ctx context.Context, todo []pending, out []SyncResult) ([]pending, error) {
	var rs []AttemptReservation
	var at []int
	for j, p := range todo {
		if p.b.a.Type == ActivityQuizAttempt {
			rs = append(rs, AttemptReservation{UserID: sb.userID, QuizID: p.item.ID, N: p.b.a.Attempt, EventID: p.b.a.EventID})
			at = append(at, j)
		}
	}
	if len(rs) == 0 {
		return todo, nil
	}
	holders, err := sb.s.Store.ReserveAttempts(ctx, rs)
	if err != nil {
		return nil, err
	}
	lost := map[int]bool{}
	for k, holder := range holders {
		if holder != rs[k].EventID {
			lost[at[k]] = true
			p := todo[at[k]]
			out[p.i] = SyncResult{Err: ErrNotReached}
			sb.known[p.item.ID] = slices.DeleteFunc(sb.known[p.item.ID], func(a Activity) bool { return a.EventID == p.b.a.EventID })
		}
	}
	if len(lost) == 0 {
		return todo, nil
	}
	kept := todo[:0]
	for j, p := range todo {
		if !lost[j] {
			kept = append(kept, p)
		}
	}
	return kept, nil
}

// replay answers an event already recorded with its first record (the repair of its path
// checks included, as replayed does).
func (sb *syncBatch) replay(b built, it Item, completed map[string]Item) SyncResult {
	r := *b.replay
	if r.Type != b.a.Type || r.ItemID != b.a.ItemID {
		return SyncResult{Err: ErrEventIDReused}
	}
	if r.Completes {
		completed[it.ID] = it
	}
	return SyncResult{Recorded: Recorded{Activity: r, Duplicate: true}, Version: b.version}
}

// readItems reads, once per batch, the person's activity on the items of events and on the
// items of the paths those are on.
func (sb *syncBatch) readItems(ctx context.Context, events []SyncEvent) error {
	var ids []string
	want := func(id string) {
		if !sb.read[id] {
			sb.read[id] = true
			ids = append(ids, id)
		}
	}
	for _, e := range events {
		want(e.Item.ID)
		paths, err := sb.s.PathsContaining(ctx, e.Item.ProgrammeID, e.Item.Ref())
		if err != nil {
			return err
		}
		for _, p := range paths {
			for _, r := range p.Path.Items {
				want(r.ID)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	acts, err := sb.s.Store.ActivitiesOf(ctx, []string{sb.userID}, ids)
	if err != nil {
		return err
	}
	for _, a := range acts {
		sb.known[a.ItemID] = append(sb.known[a.ItemID], a)
	}
	return nil
}

// write publishes the chunk's learning events with one insert, then records its activities
// with another; an activity another request recorded meanwhile is answered as that replay.
func (sb *syncBatch) write(ctx context.Context, todo []pending, out []SyncResult, completed map[string]Item) error {
	if len(todo) == 0 {
		return nil
	}
	var evs []learning.Event
	acts := make([]Activity, len(todo))
	for j, p := range todo {
		if p.b.ev != nil {
			evs = append(evs, *p.b.ev)
		}
		acts[j] = p.b.a
	}
	if err := sb.s.publishMany(ctx, evs); err != nil {
		return err
	}
	taken, err := sb.s.Store.InsertActivities(ctx, acts)
	if err != nil {
		return err
	}
	for j, p := range todo {
		if stored, ok := taken[j]; ok {
			out[p.i] = sb.replay(built{a: p.b.a, replay: &stored, version: p.b.version}, p.item, completed)
			continue
		}
		out[p.i] = SyncResult{Recorded: Recorded{Activity: p.b.a, Event: p.b.ev}, Version: p.b.version}
	}
	return nil
}

// pathChecks publishes path_completed for every path the batch's completions finished
// (from the activity read and recorded, with no further read).
func (sb *syncBatch) pathChecks(ctx context.Context, completed map[string]Item) error {
	checked := map[string]bool{}
	for _, it := range completed {
		paths, err := sb.s.PathsContaining(ctx, it.ProgrammeID, it.Ref())
		if err != nil {
			return err
		}
		for _, p := range paths {
			if checked[p.ID] {
				continue
			}
			checked[p.ID] = true
			var acts []Activity
			for _, r := range p.Path.Items {
				acts = append(acts, sb.known[r.ID]...)
			}
			prog, err := sb.s.fold(ctx, acts)
			if err != nil {
				return err
			}
			pp, err := sb.s.pathProgress(ctx, p, prog, false)
			if err != nil {
				return err
			}
			if pp.Total > 0 && pp.Done == pp.Total {
				if err := sb.s.publishPathCompleted(ctx, sb.userID, p, pp, prog); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// publishMany publishes events with one write when the publisher can.
func (s *Service) publishMany(ctx context.Context, evs []learning.Event) error {
	if len(evs) == 0 {
		return nil
	}
	if bp, ok := s.Events.(learning.BatchPublisher); ok {
		return bp.PublishMany(ctx, evs)
	}
	for _, e := range evs {
		if err := s.Events.Publish(ctx, e); err != nil {
			return err
		}
	}
	return nil
}
