package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/mentoring"
)

// resume rebuilds the bench's view of a programme a kept run built (-keep, then -from) from
// the database: the build's mentors and mentees are the people of the demo programme's
// pairings whose mentor is not a demo account (every generated mentee has a pairing; the
// people the freshness measurement joined have none), the groups its group pairings. Tokens
// are minted as for a build (w.token): the generated accounts have no usable password.
func (w *world) resume(ctx context.Context) error {
	demo := map[string]bool{}
	for _, acc := range app.DemoAccounts {
		u, _, err := w.a.Identity.Store.UserByEmail(ctx, acc.Email)
		if err != nil {
			return fmt.Errorf("demo account %s: %w", acc.Email, err)
		}
		demo[u.ID] = true
	}
	ps, err := w.a.Mentoring.Store.Pairings(ctx, mentoring.PairingQuery{ProgrammeID: w.pid})
	if err != nil {
		return err
	}
	// Oldest first, as the build created them (the store answers newest first).
	slices.Reverse(ps)
	mentors, mentees := map[string]bool{}, map[string]bool{}
	for _, p := range ps {
		if demo[p.MentorID] {
			continue
		}
		if !mentors[p.MentorID] {
			mentors[p.MentorID] = true
			w.mentors = append(w.mentors, p.MentorID)
		}
		for _, m := range p.MenteeIDs {
			if !mentees[m] {
				mentees[m] = true
				w.mentees = append(w.mentees, m)
			}
		}
		if p.Type == mentoring.Group {
			w.groups = append(w.groups, pairing{p.ID, p.MentorID})
		}
	}
	if len(w.mentees) == 0 || len(w.groups) == 0 {
		return fmt.Errorf("the data holds no programme a build made (%d pairings, %d generated mentees, %d group pairings)", len(ps), len(w.mentees), len(w.groups))
	}
	logf("resumed: %d pairings, %d mentors, %d mentees, %d group pairings", len(ps), len(w.mentors), len(w.mentees), len(w.groups))
	return nil
}

// runFrom measures the programme kept in o.from at its size, as runSizes measures each size.
// With -recompute-max -1 (there is no previous size to extrapolate the rebuild from) the
// reports are not recomputed; -recompute-max N at or above the size rebuilds them first.
func (w *world) runFrom(ctx context.Context, o options, opened time.Duration) error {
	t0 := time.Now()
	if err := w.resume(ctx); err != nil {
		return fmt.Errorf("resume from %s: %w", o.from, err)
	}
	resumed := opened + time.Since(t0)
	size := len(w.mentees)
	o.sizes = []int{size}
	if o.autoRecompute {
		o.recomputeMax = 0
		logf("  -recompute-max -1 with -from: no previous size to extrapolate the rebuild from; set -recompute-max %d to run it", size)
	}
	rec, err := w.recompute(ctx, size, o)
	if err != nil {
		return err
	}
	logf("measuring at %d mentees", size)
	r, err := w.measure(ctx, o)
	if err != nil {
		return fmt.Errorf("measure at %d mentees: %w", size, err)
	}
	r.mentees, r.recompute, r.resumed = size, rec, resumed
	r.fresh = w.freshness(ctx)
	logf("  freshness: %s", freshCell(r.fresh))
	r.dbBytes, r.rssBytes = dirSize(o.from), rss()
	printSize(os.Stdout, r)
	loads, err := w.loads(ctx, o)
	if err != nil {
		return err
	}
	printReport(os.Stdout, o, []sizeResult{r}, loads)
	return nil
}
