package mediadb_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/internal/dbcount"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/media"
	"github.com/microlearn/microlearn/media/mediadb"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// chunk is a small chunk size, so that small test files span several chunks.
const chunk = 1024

func newService(t *testing.T) (*media.Service, *mongo.Database, *clock) {
	t.Helper()
	db := mongotest.DB(t)
	if err := mongodb.EnsureIndexes(context.Background(), db.DB, mediadb.Indexes()); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	return &media.Service{Store: mediadb.New(db.DB), Now: c.now, ChunkSize: chunk, URLKey: []byte("k")}, db.DB, c
}

func testPNG(t *testing.T, w, h int) []byte {
	// Noise, so that the PNG does not compress and spans many chunks.
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// upload sends data in parts of partChunks chunks and returns the final progress.
func upload(t *testing.T, s *media.Service, prog, ct string, data []byte, partChunks int) media.Progress {
	t.Helper()
	ctx := context.Background()
	st, err := s.StartUpload(ctx, "u1", prog, media.NewUpload{Filename: "f", ContentType: ct, Size: int64(len(data)), Alt: "alt text"})
	if err != nil {
		t.Fatal(err)
	}
	u := st.Upload
	var p media.Progress
	for off := 0; off < len(data); off += partChunks * chunk {
		end := min(len(data), off+partChunks*chunk)
		u, err = s.Session(ctx, "u1", u.ID)
		if err != nil {
			t.Fatal(err)
		}
		p, err = s.PutPart(ctx, u, media.Part{Offset: int64(off), Total: int64(len(data)), Data: data[off:end]})
		if err != nil {
			t.Fatalf("part at %d: %v", off, err)
		}
	}
	return p
}

func TestUploadInPartsIsGridFSReadableAndDeduplicated(t *testing.T) {
	s, db, _ := newService(t)
	ctx := context.Background()
	data := testPNG(t, 120, 80)
	if len(data) < 3*chunk {
		t.Fatalf("test image too small: %d bytes", len(data))
	}
	p := upload(t, s, "p1", media.TypePNG, data, 2)
	if p.Media == nil || p.Deduplicated {
		t.Fatalf("progress %+v", p)
	}
	m := *p.Media
	if m.ID != media.DeriveID("p1", sum(data)) || m.Info.Width != 120 || m.Kind != media.KindImage || m.Bytes != int64(len(data)) {
		t.Fatalf("media %+v", m)
	}
	// The official driver's GridFS bucket reads our file as an ordinary GridFS file.
	oid, _ := bson.ObjectIDFromHex(m.FileID)
	var got bytes.Buffer
	bucket := db.GridFSBucket(options.GridFSBucket().SetName(mediadb.Bucket))
	stream, err := bucket.OpenDownloadStream(ctx, oid)
	if err != nil {
		t.Fatalf("GridFS bucket: %v", err)
	}
	if _, err := io.Copy(&got, stream); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("GridFS returned %d bytes, want the %d uploaded", got.Len(), len(data))
	}
	// The same bytes again (from another uploader, in one part) give the same item and leave
	// no second copy of the chunks.
	again := upload(t, s, "p1", media.TypePNG, data, 100)
	if again.Media.ID != m.ID || !again.Deduplicated || again.Media.FileID != m.FileID {
		t.Fatalf("dedup: %+v", again)
	}
	n, err := db.Collection(mediadb.Chunks).CountDocuments(ctx, bson.D{})
	if err != nil || n != int64(media.Chunks(int64(len(data)), chunk)) {
		t.Fatalf("%d chunks stored (%v), want %d", n, err, media.Chunks(int64(len(data)), chunk))
	}
	// Another programme gets its own item.
	other := upload(t, s, "p2", media.TypePNG, data, 100)
	if other.Media.ID == m.ID {
		t.Fatal("two programmes share a media item")
	}
	// A declared SHA-256 of stored bytes answers at once.
	st, err := s.StartUpload(ctx, "u2", "p1", media.NewUpload{Filename: "g", ContentType: media.TypePNG, Size: int64(len(data)), SHA256: sum(data), Alt: "x"})
	if err != nil || st.Existing == nil || st.Existing.ID != m.ID {
		t.Fatalf("declared hash: %+v %v", st, err)
	}
}

func rejectedCode(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// A part whose bytes are not what the upload claimed is refused at once, and nothing of it
// is stored.
func TestMismatchedTypeIsRefusedAtTheFirstPart(t *testing.T) {
	s, db, _ := newService(t)
	ctx := context.Background()
	data := testPNG(t, 40, 40)
	st, err := s.StartUpload(ctx, "u1", "p1", media.NewUpload{Filename: "a.jpg", ContentType: "image/jpeg", Size: int64(len(data)), Alt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.PutPart(ctx, st.Upload, media.Part{Offset: 0, Total: int64(len(data)), Data: data})
	if rejectedCode(err) != "type_mismatch" {
		t.Fatalf("err = %v", err)
	}
	if n, _ := db.Collection(mediadb.Chunks).CountDocuments(ctx, bson.D{}); n != 0 {
		t.Fatalf("%d chunks stored for a refused upload", n)
	}
	// The session stays refused: a retry gets the same problem.
	u, _ := s.Session(ctx, "u1", st.Upload.ID)
	if _, err := s.PutPart(ctx, u, media.Part{Offset: 0, Total: int64(len(data)), Data: data}); rejectedCode(err) != "type_mismatch" {
		t.Fatalf("retry: %v", err)
	}
}

// An interrupted upload resumes from the offset the session holds; a part sent twice changes
// nothing; a part out of order is refused naming the offset to resume from.
func TestResumeAfterInterruption(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	data := testPNG(t, 100, 100)
	total := int64(len(data))
	st, err := s.StartUpload(ctx, "u1", "p1", media.NewUpload{Filename: "a.png", ContentType: "image/png", Size: total, Alt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	put := func(off, end int) (media.Progress, error) {
		u, err := s.Session(ctx, "u1", st.Upload.ID)
		if err != nil {
			t.Fatal(err)
		}
		return s.PutPart(ctx, u, media.Part{Offset: int64(off), Total: total, Data: data[off:end]})
	}
	if _, err := put(0, chunk); err != nil {
		t.Fatal(err)
	}
	if p, err := put(0, chunk); err != nil || p.Upload.Offset != chunk {
		t.Fatalf("repeat: %+v %v", p.Upload.Offset, err)
	}
	if _, err := put(3*chunk, 4*chunk); rejectedCodeConflict(err) != "upload_offset_mismatch" {
		t.Fatalf("gap: %v", err)
	}
	if _, err := put(chunk, chunk+10); err == nil {
		t.Fatal("a part that is not whole chunks was taken")
	}
	p, err := put(chunk, len(data))
	if err != nil || p.Media == nil {
		t.Fatalf("last part: %+v %v", p, err)
	}
	// The last part again (its answer was lost) returns the same item.
	again, err := put(chunk, len(data))
	if err != nil || again.Media == nil || again.Media.ID != p.Media.ID {
		t.Fatalf("last part again: %+v %v", again, err)
	}
	if _, err := s.Session(ctx, "u2", st.Upload.ID); !errors.Is(err, media.ErrNotUploader) {
		t.Fatalf("someone else continued the upload: %v", err)
	}
}

func rejectedCodeConflict(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Kind == apperr.KindConflict {
		return ae.Code
	}
	return ""
}

// An upload that never finishes leaves no media item and no GridFS file; once it expires the
// sweep deletes its chunks. A truncated file (a declared SHA-256 that the bytes do not match)
// is refused and its chunks go at once.
func TestInterruptedUploadsAreInvisibleAndSwept(t *testing.T) {
	s, db, c := newService(t)
	ctx := context.Background()
	data := testPNG(t, 100, 100)
	st, err := s.StartUpload(ctx, "u1", "p1", media.NewUpload{Filename: "a.png", ContentType: "image/png", Size: int64(len(data)), Alt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutPart(ctx, st.Upload, media.Part{Offset: 0, Total: int64(len(data)), Data: data[:2*chunk]}); err != nil {
		t.Fatal(err)
	}
	count := func(coll string) int64 {
		n, err := db.Collection(coll).CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count(mediadb.Chunks) != 2 || count(mediadb.Files) != 0 || count(mediadb.Items) != 0 {
		t.Fatalf("chunks %d files %d items %d", count(mediadb.Chunks), count(mediadb.Files), count(mediadb.Items))
	}
	if _, err := s.Media(ctx, media.DeriveID("p1", sum(data))); !errors.Is(err, media.ErrNotFound) {
		t.Fatalf("half an upload is visible: %v", err)
	}
	if n, err := s.SweepUploads(ctx); err != nil || n != 0 {
		t.Fatalf("sweep before expiry: %d %v", n, err)
	}
	c.add(25 * time.Hour)
	if n, err := s.SweepUploads(ctx); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if count(mediadb.Chunks) != 0 || count(mediadb.Uploads) != 0 {
		t.Fatalf("after the sweep: chunks %d uploads %d", count(mediadb.Chunks), count(mediadb.Uploads))
	}

	// Truncated on the way: the declared hash is of the whole file, the bytes are not.
	cut := data[:len(data)-100]
	st, err = s.StartUpload(ctx, "u1", "p1", media.NewUpload{Filename: "b.png", ContentType: "image/png", Size: int64(len(cut)), SHA256: sum(data), Alt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.PutPart(ctx, st.Upload, media.Part{Offset: 0, Total: int64(len(cut)), Data: cut})
	if rejectedCode(err) != "checksum_mismatch" {
		t.Fatalf("err = %v", err)
	}
	if count(mediadb.Chunks) != 0 || count(mediadb.Items) != 0 || count(mediadb.Files) != 0 {
		t.Fatalf("a refused upload left chunks %d items %d files %d", count(mediadb.Chunks), count(mediadb.Items), count(mediadb.Files))
	}
}

// A crash after the files document was written but before the media item: the sweep finds
// no item pointing at the file and deletes it; with the item in place it keeps the chunks.
func TestSweepKeepsChunksOfFinishedUploads(t *testing.T) {
	s, db, c := newService(t)
	ctx := context.Background()
	data := testPNG(t, 60, 60)
	p := upload(t, s, "p1", media.TypePNG, data, 100)
	st := mediadb.New(db)
	ghost := media.Upload{ID: "ghost", ProgrammeID: "p1", UserID: "u1", FileID: st.NewFileID(), ContentType: media.TypePNG,
		Size: int64(len(data)), ChunkSize: chunk, State: media.UploadCompleting, MediaID: "md-never-written",
		CreatedAt: c.now(), ExpiresAt: c.now().Add(time.Hour)}
	if err := st.CreateUpload(ctx, ghost); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteChunks(ctx, ghost.FileID, 0, [][]byte{data[:chunk]}); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishFile(ctx, media.File{ID: ghost.FileID, Length: int64(len(data)), ChunkSize: chunk}); err != nil {
		t.Fatal(err)
	}
	c.add(25 * time.Hour)
	if n, err := s.SweepUploads(ctx); err != nil || n != 2 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if _, err := st.ReadChunk(ctx, ghost.FileID, 0); !errors.Is(err, media.ErrNotFound) {
		t.Fatalf("the ghost's chunk survived: %v", err)
	}
	if _, err := st.ReadChunk(ctx, p.Media.FileID, 0); err != nil {
		t.Fatalf("the finished upload lost its chunks: %v", err)
	}
}

func TestRangesAndVariants(t *testing.T) {
	s, db, _ := newService(t)
	ctx := context.Background()
	data := testPNG(t, 400, 120)
	m := *upload(t, s, "p1", media.TypePNG, data, 8).Media
	r, err := s.Open(ctx, m.Original(), 1500, 2000)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(got, data[1500:3500]) {
		t.Fatalf("range read %d bytes that differ from the file", len(got))
	}
	// A seek costs one command: chunk n of the offset, by _id, whatever the offset.
	for _, off := range []int64{0, int64(len(data)) / 2, int64(len(data)) - 5} {
		cctx, counter := dbcount.WithCounter(ctx)
		r, err := s.Open(cctx, m.Original(), off, 5)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if !bytes.Equal(got, data[off:off+5]) || counter.Load() != 1 {
			t.Fatalf("seek to %d: %d commands, bytes %v", off, counter.Load(), got)
		}
	}
	if err := media.CheckWidth(500); err == nil {
		t.Fatal("width 500 is not in the set")
	}
	// Concurrent first requests make one variant.
	var wg sync.WaitGroup
	blobs := make([]media.Blob, 4)
	for i := range blobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := s.Sized(ctx, m, 320)
			if err != nil {
				t.Error(err)
			}
			blobs[i] = b
		}()
	}
	wg.Wait()
	for _, b := range blobs[1:] {
		if b.FileID != blobs[0].FileID {
			t.Fatal("concurrent first requests made two variants")
		}
	}
	v := blobs[0]
	if v.Width != 320 || v.Height != 96 || v.ContentType != media.TypePNG {
		t.Fatalf("variant %+v", v)
	}
	body, err := s.ReadAll(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil || img.Bounds().Dx() != 320 || sum(body) != v.SHA256 {
		t.Fatalf("variant bytes: %v %v", img.Bounds(), err)
	}
	if n, _ := db.Collection(mediadb.Variants).CountDocuments(ctx, bson.D{}); n != 1 {
		t.Fatalf("%d variants stored", n)
	}
	// Wider than the image: the original.
	if b, _ := s.Sized(ctx, m, 640); b.FileID != m.FileID {
		t.Fatal("a variant wider than the image was made")
	}
	// Deleting the item removes it, its variant and every chunk.
	if err := s.Delete(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	for _, coll := range []string{mediadb.Chunks, mediadb.Files, mediadb.Items, mediadb.Variants} {
		if n, _ := db.Collection(coll).CountDocuments(ctx, bson.D{}); n != 0 {
			t.Errorf("%s holds %d documents after the delete", coll, n)
		}
	}
	if _, err := s.Media(ctx, m.ID); !errors.Is(err, media.ErrNotFound) {
		t.Fatalf("deleted item: %v", err)
	}
}

func TestSignedURLs(t *testing.T) {
	s, _, c := newService(t)
	u := s.Sign("md1", 320)
	exp := u.Expires.Unix()
	ok := func(id string, w int, sig string) error { return s.Verify(id, w, itoa(exp), sig) }
	if err := ok("md1", 320, u.Sig); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"other item":   ok("md2", 320, u.Sig),
		"other width":  ok("md1", 640, u.Sig),
		"altered":      ok("md1", 320, u.Sig[:len(u.Sig)-1]+"A"),
		"later expiry": s.Verify("md1", 320, itoa(exp+3600), u.Sig),
	} {
		if !errors.Is(err, media.ErrBadSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
	c.add(61 * time.Minute)
	if err := ok("md1", 320, u.Sig); !errors.Is(err, media.ErrBadSignature) {
		t.Fatalf("expired URL accepted: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Resizing that would not make the file smaller (black-and-white dots resample to greys
// that compress worse) serves the original, and remembers that, so it is not resized again.
func TestVariantNoSmallerServesTheOriginal(t *testing.T) {
	s, db, _ := newService(t)
	ctx := context.Background()
	img := image.NewNRGBA(image.Rect(0, 0, 400, 100))
	rng := rand.New(rand.NewPCG(3, 4))
	for y := 0; y < 100; y++ {
		for x := 0; x < 400; x++ {
			if rng.IntN(2) == 0 {
				img.Set(x, y, color.NRGBA{0, 0, 0, 255})
			} else {
				img.Set(x, y, color.NRGBA{255, 255, 255, 255})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	m := *upload(t, s, "p1", media.TypePNG, b.Bytes(), 100).Media
	for i := 0; i < 2; i++ {
		blob, err := s.Sized(ctx, m, 320)
		if err != nil || blob.FileID != m.FileID || blob.Bytes != m.Bytes {
			t.Fatalf("round %d: %+v %v", i, blob, err)
		}
	}
	if n, _ := db.Collection(mediadb.Variants).CountDocuments(ctx, bson.D{}); n != 1 {
		t.Fatalf("%d variant records, want the one saying the original serves", n)
	}
	if err := s.Delete(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	for _, coll := range []string{mediadb.Chunks, mediadb.Files, mediadb.Variants} {
		if n, _ := db.Collection(coll).CountDocuments(ctx, bson.D{}); n != 0 {
			t.Errorf("%s holds %d documents after the delete", coll, n)
		}
	}
}
