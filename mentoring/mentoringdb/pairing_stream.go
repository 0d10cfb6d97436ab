package mentoringdb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// StreamBatch is how many pairings one reply of EachPairingID carries: a programme of fewer
// pairings comes whole in the find's first reply (one command); each further StreamBatch
// pairings cost one getMore. The engines' defaults (FerretDB: 101 to a find, 250 to a
// getMore) would make the command count grow with the programme.
const StreamBatch = 10_000

// EachPairingID calls fn with the ID of every pairing of programmeID (any status), each once,
// in no particular order, from ONE find on the equality programmeId, which the (programmeId,
// createdAt, _id) index serves, on the embedded engine too. Pairings' pages after a cursor are
// a range, which the embedded engine does not search: each page would read the whole
// programme's pairings. fn's error stops the walk and is returned.
func (s *Store) EachPairingID(ctx context.Context, programmeID string, fn func(id string) error) error {
	cur, err := s.c(Pairings).Find(ctx, k("programmeId", programmeID), options.Find().SetProjection(k("_id", 1)).SetBatchSize(StreamBatch))
	if err != nil {
		return fmt.Errorf("list pairing ids: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d struct {
			ID string `bson:"_id"`
		}
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("list pairing ids: %w", err)
		}
		if err := fn(d.ID); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("list pairing ids: %w", err)
	}
	return nil
}
