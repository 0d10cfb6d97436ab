package evidence

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Worker keeps check-ins on schedule: it follows pairings as they start, change and end,
// opens check-ins whose time has come (telling their person), and finishes the steps a
// crashed request or worker left pending. Every step is idempotent, so several workers side
// by side are safe.
type Worker struct {
	Service  *Service
	Interval time.Duration
	// Overlap is how far back each round re-reads pairing changes, so that a change whose
	// write raced the previous round's read is not missed.
	Overlap time.Duration
}

// Run works every Interval until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	for {
		if err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.Service.log().Error("evidence worker round failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.Interval):
		}
	}
}

// RunOnce does one round: pairings changed since the last round, check-ins due to open,
// and pending steps.
func (w *Worker) RunOnce(ctx context.Context) error {
	return errors.Join(w.followPairings(ctx), w.openDue(ctx), w.sweep(ctx))
}

func (w *Worker) followPairings(ctx context.Context) error {
	s := w.Service
	mark, err := s.Store.Watermark(ctx)
	if err != nil {
		return err
	}
	from := Cursor{At: mark.At.Add(-w.Overlap)}
	if mark.At.IsZero() {
		from = Cursor{}
	}
	for {
		ps, err := s.Pairings.ChangedSince(ctx, from, 200)
		if err != nil {
			return fmt.Errorf("changed pairings: %w", err)
		}
		for _, p := range ps {
			if err := s.SyncPairing(ctx, p); err != nil {
				return fmt.Errorf("pairing %s: %w", p.ID, err)
			}
			from = Cursor{At: p.UpdatedAt, ID: p.ID}
		}
		if len(ps) > 0 && from.At.After(mark.At) {
			if err := s.Store.SetWatermark(ctx, from); err != nil {
				return err
			}
		}
		if len(ps) < 200 {
			return nil
		}
	}
}

func (w *Worker) openDue(ctx context.Context) error {
	s := w.Service
	for {
		cs, err := s.Store.DueToOpen(ctx, s.now(), 200)
		if err != nil {
			return fmt.Errorf("check-ins due: %w", err)
		}
		for _, c := range cs {
			if err := s.open(ctx, c, true); err != nil {
				return fmt.Errorf("open check-in %s: %w", c.ID, err)
			}
		}
		if len(cs) < 200 {
			return nil
		}
	}
}

// sweep finishes openings and answers whose steps a crash left undone.
func (w *Worker) sweep(ctx context.Context) error {
	s := w.Service
	cs, err := s.Store.PendingCheckins(ctx, 200)
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range cs {
		errs = append(errs, s.finishOpening(ctx, c, true))
	}
	as, err := s.Store.PendingAnswers(ctx, 200)
	if err != nil {
		return err
	}
	for _, a := range as {
		errs = append(errs, s.finishAnswer(ctx, a))
	}
	return errors.Join(errs...)
}
