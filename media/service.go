package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/singleflight"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/internal/cache"
)

// DefaultChunkSize is GridFS's default chunk size (255 KiB): four chunks fit a 1 MiB
// request body, so a part of four chunks passes the API's default body limit.
const DefaultChunkSize = 255 << 10

// Service is the media library.
//
// Items are cached in memory (their bytes never change; descriptions edited through this
// Service invalidate at once, another process's edits are seen within CacheTTL), so serving
// a file costs one _id lookup per chunk and nothing else.
type Service struct {
	Store  Store
	Limits Limits
	Now    func() time.Time
	// ChunkSize is the GridFS chunk size of new files (DefaultChunkSize when 0).
	ChunkSize int
	// UploadTTL is how long an upload session may take (24 hours when 0).
	UploadTTL time.Duration
	// URLKey signs expiring URLs; SignedURLTTL is how long they last (1 hour when 0).
	URLKey       []byte
	SignedURLTTL time.Duration
	// CacheTTL bounds how long another process's edit can go unseen (30 s when 0).
	CacheTTL time.Duration
	// Decoders bounds how many images are decoded at once (2 when 0): a 40-megapixel image
	// takes 160 MB to decode.
	Decoders int

	initOnce  sync.Once
	sem       chan struct{}
	items     *cache.Cache[string, Media]
	libraries *cache.Cache[string, Library]
	flights   singleflight.Group
}

func (s *Service) init() {
	s.initOnce.Do(func() {
		n := s.Decoders
		if n <= 0 {
			n = 2
		}
		s.sem = make(chan struct{}, n)
		cfg := cache.Config{Max: 20_000, TTL: s.cacheTTL(), Now: s.Now}
		s.items, s.libraries = cache.New[string, Media](cfg), cache.New[string, Library](cfg)
	})
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

func (s *Service) limits() Limits { return s.Limits.WithDefaults() }

func (s *Service) chunkSize() int {
	if s.ChunkSize > 0 {
		return s.ChunkSize
	}
	return DefaultChunkSize
}

func (s *Service) uploadTTL() time.Duration {
	if s.UploadTTL > 0 {
		return s.UploadTTL
	}
	return 24 * time.Hour
}

func (s *Service) cacheTTL() time.Duration {
	if s.CacheTTL > 0 {
		return s.CacheTTL
	}
	return 30 * time.Second
}

// ChunkBytes is the chunk size of new uploads: every part but the last is a multiple of it.
func (s *Service) ChunkBytes() int { return s.chunkSize() }

// MaxBytes returns the size limit of each kind.
func (s *Service) MaxBytes() map[Kind]int64 { return s.limits().MaxBytes }

// acquire takes one of the decoding slots, waiting at most as long as ctx allows.
func (s *Service) acquire(ctx context.Context) (func(), error) {
	s.init()
	select {
	case s.sem <- struct{}{}:
		return func() { <-s.sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Service) remember(m Media) {
	s.init()
	s.items.Put(m.ID, m)
}

func (s *Service) forget(id string) {
	s.init()
	s.items.Delete(id)
}

// Media returns an item; ErrNotFound when absent. The result is shared with the cache.
func (s *Service) Media(ctx context.Context, id string) (Media, error) {
	s.init()
	if m, ok := s.items.Get(id); ok {
		return m, nil
	}
	m, err := s.Store.Media(ctx, id)
	if err != nil {
		return Media{}, err
	}
	if m.Deleted {
		return Media{}, ErrNotFound
	}
	s.remember(m)
	return m, nil
}

// Items returns the items with these IDs that exist (any programme: callers check).
func (s *Service) Items(ctx context.Context, ids []string) (map[string]Media, error) {
	out := make(map[string]Media, len(ids))
	for _, id := range ids {
		if _, done := out[id]; done {
			continue
		}
		m, err := s.Media(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = m
	}
	return out, nil
}

// List lists a programme's library, newest first; next is the cursor of the next page (nil
// at the end).
func (s *Service) List(ctx context.Context, f ListFilter) ([]Media, *Cursor, error) {
	if f.Limit < 1 || f.Limit > 100 {
		f.Limit = 20
	}
	want := f.Limit
	f.Limit++
	items, err := s.Store.ListMedia(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	var next *Cursor
	if len(items) > want {
		items = items[:want]
		last := items[want-1]
		next = &Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	return items, next, nil
}

// Patch changes the descriptions of an item; nil fields stay as they are.
type Patch struct {
	Alt, Caption, Title *string
	Captions            *[]Track
	// Version, when not 0, is the version the editor saw (ErrConflict when it moved on).
	Version int
}

var languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// MaxTracks is how many captions tracks a video may have.
const MaxTracks = 10

// Update applies a patch to an item's descriptions.
func (s *Service) Update(ctx context.Context, id string, p Patch) (Media, error) {
	cur, err := s.Store.Media(ctx, id)
	if err != nil || cur.Deleted {
		return Media{}, ErrNotFound
	}
	if p.Version != 0 && p.Version != cur.Version {
		return Media{}, ErrConflict
	}
	next := cur
	var f apperr.Fields
	set := func(dst *string, v *string, ptr string, limit int) {
		if v == nil {
			return
		}
		*dst = strings.TrimSpace(*v)
		f.Check(utf8.RuneCountInString(*dst) <= limit, ptr, fmt.Sprintf("must be at most %d characters", limit))
	}
	set(&next.Alt, p.Alt, "/alt", MaxAlt)
	set(&next.Caption, p.Caption, "/caption", MaxCaption)
	set(&next.Title, p.Title, "/title", MaxTitle)
	visual := next.Kind == KindImage || next.Kind == KindAnimation
	f.Check(!visual || next.Alt != "", "/alt", "is required for images and animations")
	if p.Captions != nil {
		if err := s.checkTracks(ctx, &f, cur, *p.Captions); err != nil {
			return Media{}, err
		}
		next.Captions = *p.Captions
	}
	if err := f.Err(); err != nil {
		return Media{}, err
	}
	next.Version, next.UpdatedAt = cur.Version+1, s.now()
	if err := s.Store.ReplaceMedia(ctx, next, cur.Version); err != nil {
		s.forget(id)
		return Media{}, err
	}
	s.remember(next)
	return next, nil
}

func (s *Service) checkTracks(ctx context.Context, f *apperr.Fields, video Media, tracks []Track) error {
	f.Check(video.Kind == KindVideo || len(tracks) == 0, "/captions", "only videos have captions tracks")
	f.Check(len(tracks) <= MaxTracks, "/captions", fmt.Sprintf("at most %d tracks", MaxTracks))
	seen := map[string]bool{}
	for i, t := range tracks {
		p := fmt.Sprintf("/captions/%d", i)
		f.Check(languageTag.MatchString(t.Language), p+"/language", "must be a language tag such as en or pt-BR")
		f.Check(utf8.RuneCountInString(t.Label) <= 60, p+"/label", "must be at most 60 characters")
		key := strings.ToLower(t.Language + "\x00" + t.Label)
		f.Check(!seen[key], p, "the same language and label appear twice")
		seen[key] = true
		c, err := s.Media(ctx, t.MediaID)
		switch {
		case errors.Is(err, ErrNotFound) || (err == nil && c.ProgrammeID != video.ProgrammeID):
			f.Add(p+"/mediaId", "no media item with this id in the programme's library")
		case err != nil:
			return err
		case c.Kind != KindCaptions:
			f.Add(p+"/mediaId", fmt.Sprintf("is %s, not a WebVTT captions file", Describe(c.ContentType)))
		}
	}
	return nil
}

// Delete removes an item, its variants and its file. The item is first marked deleted (so
// it is gone for readers at once); a crash part-way leaves the mark, and SweepDeleted
// finishes the job.
func (s *Service) Delete(ctx context.Context, id string) error {
	cur, err := s.Store.Media(ctx, id)
	if err != nil {
		return err
	}
	if !cur.Deleted {
		next := cur
		next.Deleted, next.Version, next.UpdatedAt = true, cur.Version+1, s.now()
		if err := s.Store.ReplaceMedia(ctx, next, cur.Version); err != nil {
			return err
		}
		cur = next
	}
	s.forget(id)
	return s.purge(ctx, cur)
}

func (s *Service) purge(ctx context.Context, m Media) error {
	vs, err := s.Store.DeleteVariants(ctx, m.ID, VariantWidths)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if v.FileID == m.FileID {
			continue // the original served this width
		}
		if err := s.Store.DeleteFile(ctx, v.FileID, Chunks(v.Bytes, v.ChunkSize)); err != nil {
			return err
		}
	}
	if err := s.Store.DeleteFile(ctx, m.FileID, Chunks(m.Bytes, m.ChunkSize)); err != nil {
		return err
	}
	return s.Store.DeleteMedia(ctx, m.ID)
}

// SweepDeleted finishes deletions a crash interrupted; it returns how many it finished.
func (s *Service) SweepDeleted(ctx context.Context) (int, error) {
	items, err := s.Store.DeletedMedia(ctx, 100)
	if err != nil {
		return 0, err
	}
	for i, m := range items {
		if err := s.purge(ctx, m); err != nil {
			return i, err
		}
	}
	return len(items), nil
}

// Library returns a programme's library settings.
func (s *Service) Library(ctx context.Context, programmeID string) (Library, error) {
	s.init()
	if l, ok := s.libraries.Get(programmeID); ok {
		return l, nil
	}
	l, err := s.Store.Library(ctx, programmeID)
	if err != nil {
		return Library{}, err
	}
	s.libraries.Put(programmeID, l)
	return l, nil
}

// SetPublic publishes a programme's library (anyone may fetch its media) or makes it
// private again (members only).
func (s *Service) SetPublic(ctx context.Context, programmeID string, public bool) (Library, error) {
	s.init()
	l := Library{ProgrammeID: programmeID, Public: public, UpdatedAt: s.now()}
	if err := s.Store.SetLibrary(ctx, l); err != nil {
		return Library{}, err
	}
	s.libraries.Put(programmeID, l)
	return l, nil
}

// Blob is a stored file to serve: a media item's original or one of its variants.
type Blob struct {
	FileID      string
	ContentType string
	Bytes       int64
	ChunkSize   int
	SHA256      string
	Width       int
	Height      int
}

// Original returns the blob of an item's own bytes.
func (m Media) Original() Blob {
	return Blob{FileID: m.FileID, ContentType: m.ContentType, Bytes: m.Bytes, ChunkSize: m.ChunkSize, SHA256: m.SHA256,
		Width: m.Info.Width, Height: m.Info.Height}
}

// Open returns a reader of bytes [start, start+length) of a blob. It reads one chunk at a time
// (an _id lookup each) as the response is written, under ctx; Close ends it.
func (s *Service) Open(ctx context.Context, b Blob, start, length int64) (io.ReadCloser, error) {
	if start < 0 || length < 0 || start+length > b.Bytes {
		return nil, fmt.Errorf("open: range %d+%d outside %d bytes", start, length, b.Bytes)
	}
	ctx, cancel := context.WithCancel(ctx)
	r := newChunkReader(ctx, s.Store, b.FileID, b.Bytes, b.ChunkSize)
	if _, err := r.Seek(start, io.SeekStart); err != nil {
		cancel()
		return nil, err
	}
	return rangeReader{Reader: io.LimitReader(r, length), cancel: cancel}, nil
}

// ReadAll returns a whole blob (for small files: captions, bundles' checks).
func (s *Service) ReadAll(ctx context.Context, b Blob) ([]byte, error) {
	r := newChunkReader(ctx, s.Store, b.FileID, b.Bytes, b.ChunkSize)
	out := make([]byte, b.Bytes)
	if _, err := io.ReadFull(r, out); err != nil {
		return nil, err
	}
	return out, nil
}
