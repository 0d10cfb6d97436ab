package content

import (
	"context"
	"testing"
	"time"
	"unsafe"
)

// itemStore serves Item from a map and counts the reads; the rest of Store is not needed.
type itemStore struct {
	Store
	items map[string]Item
	reads int
}

func (s *itemStore) Item(_ context.Context, id string) (Item, error) {
	s.reads++
	if it, ok := s.items[id]; ok {
		return it, nil
	}
	return Item{}, ErrNotFound
}

// The API hands Item the ID of the request path, a string over Fiber's request buffer,
// which the connection's next request writes over. The cache must not keep that memory as
// its key: it did, so after a lesson's request the next request's quiz ID turned the
// lesson's key into the quiz's, and a quiz attempt now and then found the lesson under the
// quiz's ID ("content item not found": not a quiz).
func TestItemCacheKeepsItsOwnKey(t *testing.T) {
	lesson := Item{ID: "aaaaaaaaaaaaaaaaaaaaaaaa", Kind: KindLesson, Status: StatusPublished}
	quiz := Item{ID: "bbbbbbbbbbbbbbbbbbbbbbbb", Kind: KindQuiz, Status: StatusPublished}
	st := &itemStore{items: map[string]Item{lesson.ID: lesson, quiz.ID: quiz}}
	now := time.Date(2026, 10, 21, 8, 0, 0, 0, time.UTC)
	s := &Service{Store: st, Now: func() time.Time { return now }}
	ctx := context.Background()

	buf := []byte(lesson.ID)
	if _, err := s.Item(ctx, unsafe.String(&buf[0], len(buf))); err != nil {
		t.Fatal(err)
	}
	copy(buf, quiz.ID) // the buffer reused for the next request
	reads := st.reads
	if got, err := s.Item(ctx, lesson.ID); err != nil || got.ID != lesson.ID || st.reads != reads {
		t.Errorf("the lesson after its caller's buffer changed: %s %v, %d store reads (want it cached under its own ID, 0 reads)",
			got.ID, err, st.reads-reads)
	}
	if got, err := s.Item(ctx, quiz.ID); err != nil || got.Kind != KindQuiz {
		t.Errorf("the quiz: %s %s %v", got.ID, got.Kind, err)
	}
}
