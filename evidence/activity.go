package evidence

import (
	"context"
	"errors"
	"fmt"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// CatalogItem is what evidence needs to know of a content item.
type CatalogItem struct {
	Title string
	// Minutes is what the item is expected to take (the author's estimate or the derived one).
	Minutes int
	Domain  string
}

// Catalog looks content items up (content implements it).
type Catalog interface {
	// Item returns the item; a NotFound-kind error when it no longer exists.
	Item(ctx context.Context, ref learning.ItemRef) (CatalogItem, error)
}

// ActivityStore keeps the log of content a person completed, one entry per learning event.
type ActivityStore interface {
	ActivityLog
	// RecordActivity stores c for userID; an entry already stored for c.EventID is kept.
	RecordActivity(ctx context.Context, userID string, c CPDContent) error
}

// contentKinds are the learning events that are content completed (or attempted) for the
// CPD record.
var contentKinds = map[learning.Kind]bool{learning.LessonCompleted: true, learning.QuizAttempted: true, learning.ChecklistCompleted: true}

// ObserveLearningEvent records content activity in the CPD activity log and hands every
// event to the xAPI statements (gamification's worker calls it at least once per event;
// every write is keyed by the event, so it is idempotent).
func (s *Service) ObserveLearningEvent(ctx context.Context, e learning.Event) error {
	if contentKinds[e.Kind] && s.Activity != nil {
		c, err := s.contentEntry(ctx, e)
		if err != nil {
			return err
		}
		if err := s.Activity.RecordActivity(ctx, e.UserID, c); err != nil {
			return fmt.Errorf("record activity: %w", err)
		}
	}
	if s.LearningStatements != nil {
		if err := s.LearningStatements.LearningEvent(ctx, e); err != nil {
			return fmt.Errorf("xAPI statement: %w", err)
		}
	}
	return nil
}

// LearningSink is told about every learning event (the xAPI statements); idempotent per event.
type LearningSink interface {
	LearningEvent(ctx context.Context, e learning.Event) error
}

// contentEntry is the activity log entry of a content event: its minutes are the time the
// person reported spending, or the item's estimate when they reported none.
func (s *Service) contentEntry(ctx context.Context, e learning.Event) (CPDContent, error) {
	c := CPDContent{EventID: e.ID, ProgrammeID: e.ProgrammeID, Kind: string(e.Kind), ItemID: e.ItemID, Domain: e.Domain, OccurredAt: e.OccurredAt}
	if e.Kind == learning.QuizAttempted {
		score := e.ScorePercent
		c.Score, c.Passed = &score, e.Passed
	}
	if s.Catalog != nil {
		it, err := s.Catalog.Item(ctx, learning.ItemRef{Kind: e.ItemKind, ID: e.ItemID})
		switch {
		case err == nil:
			c.Title, c.Minutes = it.Title, it.Minutes
			if c.Domain == "" {
				c.Domain = it.Domain
			}
		case apperr.KindOf(err) == apperr.KindNotFound || errors.Is(err, ErrPairingNotFound):
			c.Title = "(removed item)"
		default:
			return c, fmt.Errorf("content item: %w", err)
		}
	}
	if e.SecondsSpent > 0 {
		c.Minutes = (e.SecondsSpent + 59) / 60
	}
	return c, nil
}
