package insight_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// touchStore is a Store that keeps only what Recompute's evaluation pass needs: the touches
// it makes. Nothing is ever due, so the sweep after the touches evaluates nothing. (Any other
// Store method panics: Recompute must not need it here.)
type touchStore struct {
	insight.Store
	rebuild insight.RebuildState
	touches []touch
}

type touch struct {
	programmeID string
	ids         []string
}

func (s *touchStore) SetRebuild(_ context.Context, r insight.RebuildState) error {
	s.rebuild = r
	return nil
}
func (s *touchStore) Rebuild(context.Context) (insight.RebuildState, error) { return s.rebuild, nil }
func (s *touchStore) ResetLearning(context.Context) error                   { return nil }
func (s *touchStore) ResetCounts(context.Context) error                     { return nil }
func (s *touchStore) PutLearners(context.Context, []insight.Learner) error  { return nil }
func (s *touchStore) PutAggregates(context.Context, []insight.Contribution) error {
	return nil
}
func (s *touchStore) EachSubject(context.Context, func(insight.Subject) error) error { return nil }
func (s *touchStore) Held(context.Context, int) ([]learning.Event, error)            { return nil, nil }
func (s *touchStore) Due(_ context.Context, now time.Time, _ int) ([]string, time.Time, error) {
	return nil, now, nil
}
func (s *touchStore) Swept(context.Context, time.Time) error { return nil }
func (s *touchStore) Touch(_ context.Context, ids []string, programmeID string, _ time.Time) error {
	s.touches = append(s.touches, touch{programmeID, append([]string(nil), ids...)})
	return nil
}

// roster is programmes of n members (u00000...) and n pairings each; reads counts its reads
// of each programme's members and pairings, pages and streams alike (what each costs the
// database: one command).
type roster struct {
	size  map[string]int
	reads map[string]int
}

func (r *roster) ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%05d", prefix, i)
	}
	return out
}

func (r *roster) page(key, prefix string, n int, after string, limit int) []string {
	r.reads[key]++
	var out []string
	for _, id := range r.ids(prefix, n) {
		if id > after && len(out) < limit {
			out = append(out, id)
		}
	}
	return out
}

func (r *roster) stream(key, prefix string, n int, fn func(string) error) error {
	r.reads[key]++
	for _, id := range r.ids(prefix, n) {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

func (r *roster) Location(context.Context, string) (*time.Location, error) { return time.UTC, nil }
func (r *roster) Membership(context.Context, string, string) (insight.Membership, error) {
	return insight.Membership{}, apperr.ErrNotFound
}
func (r *roster) ProgrammesPage(_ context.Context, after string, _ int) ([]string, error) {
	var out []string
	for p := range r.size {
		if p > after {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}
func (r *roster) MembersPage(_ context.Context, pid, after string, limit int) ([]string, error) {
	return r.page("members "+pid, "u", r.size[pid], after, limit), nil
}
func (r *roster) PairingsPage(_ context.Context, pid, after string, limit int) ([]string, error) {
	return r.page("pairings "+pid, pid+"-", r.size[pid], after, limit), nil
}
func (r *roster) Pairing(context.Context, string) (insight.Pairing, error) {
	return insight.Pairing{}, apperr.ErrNotFound
}
func (r *roster) Cadence(context.Context, insight.Pairing) (insight.Cadence, error) {
	return insight.Cadence{}, nil
}
func (r *roster) OpenGoals(context.Context, insight.Pairing) ([]insight.Goal, error) { return nil, nil }
func (r *roster) Mentored(context.Context, string, string) ([]insight.Pairing, error) {
	return nil, nil
}

// streamingRoster also lists a programme's members and pairings in one read each.
type streamingRoster struct{ *roster }

func (r streamingRoster) EachMember(_ context.Context, pid string, fn func(string) error) error {
	return r.stream("members "+pid, "u", r.size[pid], fn)
}
func (r streamingRoster) EachPairingID(_ context.Context, pid string, fn func(string) error) error {
	return r.stream("pairings "+pid, pid+"-", r.size[pid], fn)
}

type emptyLog struct{}

func (emptyLog) Replay(context.Context, func(learning.Event) error) error { return nil }

// The rebuild touches every member and every pairing of every programme exactly once, in
// Touches of at most 500, and, where the edges can stream (as app's do), reads each
// programme's members and pairings once whatever their number: 1,201 members used to take
// three pages, each of which reads the whole programme on the embedded engine. Edges that
// can only page still have everyone touched.
func TestRecomputeReadsEachProgrammesListsOnce(t *testing.T) {
	sizes := map[string]int{"small": 10, "big": 1201}
	for _, tc := range []struct {
		name      string
		streaming bool
		bigReads  int
	}{{"streams", true, 1}, {"pages", false, 3}} {
		t.Run(tc.name, func(t *testing.T) {
			r := &roster{size: sizes, reads: map[string]int{}}
			st := &touchStore{}
			svc := &insight.Service{Store: st, Programmes: r, Pairings: r, Now: time.Now}
			if tc.streaming {
				svc.Programmes, svc.Pairings = streamingRoster{r}, streamingRoster{r}
			}
			if _, err := svc.Recompute(context.Background(), emptyLog{}, 0); err != nil {
				t.Fatal(err)
			}
			want := map[string]int{"members small": 1, "pairings small": 1, "members big": tc.bigReads, "pairings big": tc.bigReads}
			if diff := cmp.Diff(want, r.reads); diff != "" {
				t.Errorf("reads of each programme's lists (-want +got):\n%s", diff)
			}
			checkTouchedOnce(t, st.touches, sizes)
		})
	}
}

// checkTouchedOnce checks that touches name every member and pairing of the programmes once,
// each with its programme, at most 500 a Touch.
func checkTouchedOnce(t *testing.T, touches []touch, sizes map[string]int) {
	t.Helper()
	seen := map[string]int{}
	for _, tc := range touches {
		if len(tc.ids) > 500 {
			t.Errorf("a Touch of %d subjects, want at most 500", len(tc.ids))
		}
		for _, id := range tc.ids {
			kind, pid, _, pairingID, ok := insight.ParseSubject(id)
			if kind == insight.KindPairing {
				pid, _, _ = strings.Cut(pairingID, "-")
			}
			if !ok || pid != tc.programmeID {
				t.Errorf("subject %s touched in programme %q", id, tc.programmeID)
			}
			seen[id]++
		}
	}
	want := map[string]int{}
	for pid, n := range sizes {
		for i := range n {
			want[insight.PersonSubject(pid, fmt.Sprintf("u%05d", i))] = 1
			want[insight.PairingSubject(fmt.Sprintf("%s-%05d", pid, i))] = 1
		}
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("subjects touched, times (-want +got):\n%s", diff)
	}
}
