package contentdb_test

import (
	"context"
	"testing"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/content/contentdb"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

// A library listing (GET /v1/programmes/{id}/content, the console's library, the item
// report's catalogue) is an index search on the embedded engine, with or without the global
// library, a kind, a tag or a page cursor: it reads the programme's (and the global
// library's) items, never every programme's.
func TestListingsAreIndexSearches(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	if err := mongodb.EnsureIndexes(ctx, db.DB, contentdb.Indexes()); err != nil {
		t.Fatal(err)
	}
	s := contentdb.New(db.DB)
	for _, it := range []content.Item{item("a", "p1", content.KindLesson, "Active listening", content.StatusPublished),
		item("g", "", content.KindLesson, "Giving feedback", content.StatusPublished), item("x", "p2", content.KindLesson, "Other", content.StatusPublished)} {
		if err := s.CreateItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	published := []content.Status{content.StatusPublished}
	for _, f := range []content.ListFilter{
		{ProgrammeID: "p1", IncludeGlobal: true, Statuses: published, Limit: 20},
		{ProgrammeID: "p1", IncludeGlobal: true, Kind: content.KindLesson, Tag: "feedback", Limit: 20},
		{ProgrammeID: "p1", Statuses: published, After: content.Cursor{SortKey: "active listening", ID: "a"}, Limit: 20},
		{ProgrammeID: "", Statuses: published, Limit: 20},
	} {
		got, err := s.ListItems(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range got {
			if it.ProgrammeID != f.ProgrammeID && (it.ProgrammeID != "" || !f.IncludeGlobal) {
				t.Errorf("%+v listed %s of programme %q", f, it.ID, it.ProgrammeID)
			}
		}
	}
	if scans := mongotest.ScannedFinds(db); len(scans) > 0 {
		t.Errorf("listings the embedded engine scans:\n%v", scans)
	}
}
