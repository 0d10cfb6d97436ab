package api

import (
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/learning"
)

// What to do next, for the home screen: what the mentor assigned (soonest due first), then
// the next step of a path the caller is on, then something new from the library. Up to
// homeNextCount items, each with the caller's progress and its minutes.

const homeNextCount = 3

// The reasons an item is suggested.
const (
	nextAssigned = "assigned"
	nextPath     = "path"
	nextNew      = "new"
)

type homeNext struct {
	Why              string       `json:"why"`
	Kind             string       `json:"kind"`
	ID               string       `json:"id"`
	Title            string       `json:"title"`
	EstimatedMinutes int          `json:"estimatedMinutes"`
	AssignmentID     string       `json:"assignmentId,omitempty"`
	DueAt            *time.Time   `json:"dueAt,omitempty"`
	PathID           string       `json:"pathId,omitempty"`
	PathTitle        string       `json:"pathTitle,omitempty"`
	MyProgress       standingJSON `json:"myProgress"`
}

// homeCatalog is the programmes' paths and first library items with the caller's standing
// on them, their steps and their assignments' items, from one read of the caller's activity.
type homeCatalog struct {
	paths, starters map[string][]content.Item
	steps           map[string]content.Item
	standing        map[string]content.Standing
}

// readCatalog reads the catalogue of each programme (cached by content) and the caller's
// standing on everything the home may show.
func (s *Server) readCatalog(c *fiber.Ctx, userID string, programmeIDs []string, assignments []assignmentViewResponse) (homeCatalog, error) {
	ctx := c.UserContext()
	hc := homeCatalog{paths: map[string][]content.Item{}, starters: map[string][]content.Item{}, steps: map[string]content.Item{}}
	var refs []learning.ItemRef
	for _, pid := range programmeIDs {
		ps, err := s.deps.Content.PublishedPaths(ctx, pid)
		if err != nil {
			return hc, err
		}
		st, err := s.deps.Content.Starters(ctx, pid)
		if err != nil {
			return hc, err
		}
		hc.paths[pid], hc.starters[pid] = ps, st
		for _, it := range append(slices.Clone(ps), st...) {
			refs = append(refs, it.Ref())
			if it.Path != nil {
				refs = append(refs, it.Path.Items...)
			}
		}
	}
	for _, a := range assignments {
		for _, it := range a.Items {
			refs = append(refs, learning.ItemRef{Kind: it.Kind, ID: it.ID})
		}
	}
	var err error
	if hc.standing, err = s.deps.Content.StandingsOfRefs(ctx, userID, refs); err != nil {
		return hc, err
	}
	return hc, s.readSteps(c, refs, &hc)
}

// readSteps keeps the definitions (titles, minutes) of the items among refs (cached).
func (s *Server) readSteps(c *fiber.Ctx, refs []learning.ItemRef, hc *homeCatalog) error {
	items, err := s.deps.Content.Items(c.UserContext(), refs)
	if err != nil {
		return err
	}
	for _, it := range items {
		hc.steps[it.ID] = it
	}
	return nil
}

// homeNext picks what to do next in one programme.
func homeNextOf(pid string, assignments []assignmentViewResponse, hc homeCatalog) []homeNext {
	out := []homeNext{}
	seen := map[string]bool{}
	add := func(n homeNext) {
		if len(out) < homeNextCount && !seen[n.ID] {
			seen[n.ID] = true
			out = append(out, n)
		}
	}
	done := func(id string) bool { return hc.standing[id].State == content.StateCompleted }
	for _, a := range assignments {
		for _, it := range a.Items {
			if (it.Done != nil && *it.Done) || done(it.ID) {
				continue
			}
			due := a.DueAt
			n := hc.next(nextAssigned, learning.ItemRef{Kind: it.Kind, ID: it.ID})
			n.Title, n.AssignmentID, n.DueAt = it.Title, a.ID, &due
			add(n)
		}
	}
	for _, p := range hc.paths[pid] {
		if hc.standing[p.ID].State != content.StateInProgress {
			continue
		}
		for _, r := range p.Path.Items {
			if step, ok := hc.steps[r.ID]; ok && step.Status == content.StatusPublished && !done(r.ID) {
				n := hc.next(nextPath, r)
				n.PathID, n.PathTitle = p.ID, p.Title
				add(n)
				break
			}
		}
	}
	for _, it := range hc.starters[pid] {
		if hc.standing[it.ID].State == content.StateNotStarted {
			add(hc.next(nextNew, it.Ref()))
		}
	}
	return out
}

// next describes one suggested item.
func (hc homeCatalog) next(why string, r learning.ItemRef) homeNext {
	n := homeNext{Why: why, Kind: r.Kind, ID: r.ID, MyProgress: toStandingJSON(hc.standing[r.ID])}
	if it, ok := hc.steps[r.ID]; ok {
		n.Title, n.EstimatedMinutes = it.Title, it.EstimatedMinutes
	}
	return n
}
