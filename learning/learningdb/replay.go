package learningdb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/learning"
)

// Replay calls fn with every event a worker has claimed, each once, without reading them all
// into memory: the kept leases (processed events, and those being processed now) and then
// the log. Parked events (their lease holds the parked copy's token) and events still only
// queued are left out: they are delivered to observers when they are processed. Operator
// tools (the reports' rebuild) use it; it reads whole collections.
func (s *Store) Replay(ctx context.Context, fn func(learning.Event) error) error {
	parked, err := s.parkedTokens(ctx)
	if err != nil {
		return err
	}
	fromLeases := map[string]struct{}{}
	cur, err := s.db.Collection(Claims).Find(ctx, bson.D{}, options.Find().SetComment("scan: a replay reads every kept lease"))
	if err != nil {
		return fmt.Errorf("replay learning events: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var l claimDoc
		if err := cur.Decode(&l); err != nil {
			return fmt.Errorf("replay learning events: %w", err)
		}
		if len(l.Event) == 0 || parked[l.ID] == l.Token {
			continue
		}
		var d EventDoc
		if err := bson.Unmarshal(l.Event, &d); err != nil {
			return fmt.Errorf("replay learning events: decode %s: %w", l.ID, err)
		}
		fromLeases[l.ID] = struct{}{}
		if err := fn(d.ToEvent()); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("replay learning events: %w", err)
	}
	return s.replayLog(ctx, fromLeases, fn)
}

// replayLog replays the permanent log, skipping events a lease still holds (the sweep writes
// the log before it deletes the leases).
func (s *Store) replayLog(ctx context.Context, skip map[string]struct{}, fn func(learning.Event) error) error {
	cur, err := s.db.Collection(Events).Find(ctx, bson.D{}, options.Find().SetComment("scan: a replay reads the whole log"))
	if err != nil {
		return fmt.Errorf("replay learning events: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d EventDoc
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("replay learning events: %w", err)
		}
		if _, ok := skip[d.ID]; ok {
			continue
		}
		if err := fn(d.ToEvent()); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("replay learning events: %w", err)
	}
	return nil
}

// parkedTokens maps each parked event to the token of its publication.
func (s *Store) parkedTokens(ctx context.Context) (map[string]string, error) {
	cur, err := s.db.Collection(Dead).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "token", Value: 1}}).
		SetComment("scan: a replay leaves the parked events out"))
	if err != nil {
		return nil, fmt.Errorf("replay learning events: %w", err)
	}
	var docs []struct {
		ID    string `bson:"_id"`
		Token string `bson:"token"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("replay learning events: %w", err)
	}
	out := make(map[string]string, len(docs))
	for _, d := range docs {
		out[d.ID] = d.Token
	}
	return out, nil
}
