package evidencedb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/internal/mongodb"
)

// A page of a programme's pairing outcomes is the next limit pairing aggregates by _id. As
// an equality on (programmeId, level) sorted and limited, the embedded engine decodes every
// pairing aggregate of the programme for each page (689 ms at 10,000 mentees, 6,002
// pairings). So each pairing aggregate also carries its band, the first two characters of
// its pairing ID (an order-keeping prefix: every ID of a lower band sorts before every ID of
// a higher one), and the programme's band directory (one document, _id "bands:<programme>")
// lists the bands in use. A page reads the directory, then the bands from the cursor's on,
// a few at a time by an equality $in, until it holds a page: it decodes a few pages' worth at most
// of aggregates, whatever the programme's size. A band is added to the directory before the
// first aggregate of it is inserted (so a band listed may be empty, never the reverse); a
// directory missing, or not yet complete (data from before bands), is built once from a
// read of the programme's pairing aggregates.

// bandsLevel is the level of the band directory documents: no aggregate read matches it.
const bandsLevel = "bands"

// firstBands is how many bands a page reads first; the next read takes as many as the
// aggregates per band found so far say the rest of the page needs (nextBands).
const firstBands = 8

func bandOf(pairingID string) string {
	if len(pairingID) <= 2 {
		return pairingID
	}
	return pairingID[:2]
}

func bandsID(programmeID string) string { return "bands:" + programmeID }

type bandsDoc struct {
	Bands    []string `bson:"b"`
	Complete bool     `bson:"complete"`
}

// addBand lists band in the programme's directory (idempotent).
func (s *Store) addBand(ctx context.Context, programmeID, band string) error {
	_, err := s.c(Outcomes).UpdateOne(ctx, k("_id", bandsID(programmeID)),
		k("$addToSet", k("b", band), "$setOnInsert", k("level", bandsLevel, "programmeId", programmeID)), options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("list an outcomes band: %w", err)
	}
	return nil
}

// PairingAggregates implements evidence.Store: the directory, then the bands from afterID's.
func (s *Store) PairingAggregates(ctx context.Context, programmeID, afterID string, limit int) ([]evidence.Aggregate, error) {
	bands, err := s.bands(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	from := ""
	if afterID != "" {
		from = bandOf(strings.TrimPrefix(afterID, evidence.AggregateKey{Level: evidence.LevelPairing}.ID()))
	}
	i, _ := slices.BinarySearch(bands, from)
	var docs []aggregateDoc
	for n := firstBands; i < len(bands) && len(docs) < limit; {
		chunk := bands[i:min(len(bands), i+n)]
		i += len(chunk)
		cur, err := s.c(Outcomes).Find(ctx, k("programmeId", programmeID, "level", evidence.LevelPairing, "band", k("$in", chunk)))
		got, err := all[aggregateDoc](ctx, cur, err, "list pairing outcomes")
		if err != nil {
			return nil, err
		}
		before := len(docs)
		for _, d := range got {
			if d.ID > afterID {
				docs = append(docs, d)
			}
		}
		n = nextBands(len(chunk), len(docs)-before, limit-len(docs))
	}
	slices.SortFunc(docs, func(a, b aggregateDoc) int { return strings.Compare(a.ID, b.ID) })
	out := make([]evidence.Aggregate, 0, min(limit, len(docs)))
	for _, d := range docs[:min(limit, len(docs))] {
		out = append(out, d.toAggregate())
	}
	return out, nil
}

// nextBands is how many bands the next read of a page takes, after a read of read bands found
// found aggregates and need more make the page: a quarter more than that density says, or
// four times as many bands when it found none.
func nextBands(read, found, need int) int {
	if found == 0 {
		return read * 4
	}
	est := (need*read + found - 1) / found
	return est + est/4 + 1
}

// bands returns the programme's bands in order, building the directory first when it is
// missing or was begun before the bands existed.
func (s *Store) bands(ctx context.Context, programmeID string) ([]string, error) {
	var d bandsDoc
	err := s.c(Outcomes).FindOne(ctx, k("_id", bandsID(programmeID))).Decode(&d)
	if err != nil && !mongodb.IsNotFound(err) {
		return nil, fmt.Errorf("read the outcomes bands: %w", err)
	}
	if err != nil || !d.Complete {
		if d.Bands, err = s.buildBands(ctx, programmeID); err != nil {
			return nil, err
		}
	}
	slices.Sort(d.Bands)
	return slices.Compact(d.Bands), nil
}

// buildBands gives every pairing aggregate of the programme its band and lists them all:
// once per programme (data written before bands), one read of its pairing aggregates.
func (s *Store) buildBands(ctx context.Context, programmeID string) ([]string, error) {
	cur, err := s.c(Outcomes).Find(ctx, k("programmeId", programmeID, "level", evidence.LevelPairing),
		options.Find().SetProjection(k("_id", 1, "pairingId", 1, "band", 1)))
	docs, err := all[aggregateDoc](ctx, cur, err, "band the pairing outcomes")
	if err != nil {
		return nil, err
	}
	missing := map[string][]string{}
	var bands []string
	for _, d := range docs {
		b := bandOf(d.PairingID)
		bands = append(bands, b)
		if d.Band != b {
			missing[b] = append(missing[b], d.ID)
		}
	}
	for b, ids := range missing {
		for i := 0; i < len(ids); i += 1000 {
			_, err := s.c(Outcomes).UpdateMany(ctx, k("_id", k("$in", ids[i:min(len(ids), i+1000)])), k("$set", k("band", b)))
			if err != nil {
				return nil, fmt.Errorf("band the pairing outcomes: %w", err)
			}
		}
	}
	_, err = s.c(Outcomes).UpdateOne(ctx, k("_id", bandsID(programmeID)), k("$addToSet", k("b", k("$each", append([]string{}, bands...))),
		"$set", k("complete", true), "$setOnInsert", k("level", bandsLevel, "programmeId", programmeID)), options.UpdateOne().SetUpsert(true))
	if err != nil {
		return nil, fmt.Errorf("list the outcomes bands: %w", err)
	}
	return bands, nil
}
