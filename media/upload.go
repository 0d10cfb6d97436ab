package media

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
)

// UploadState is where an upload session is.
type UploadState string

// The states. An upload becomes visible media only in completed; every other state is
// invisible, and expired sessions are swept with their chunks.
const (
	UploadOpen       UploadState = "open"
	UploadCompleting UploadState = "completing"
	UploadCompleted  UploadState = "completed"
	UploadFailed     UploadState = "failed"
)

// Upload is a resumable upload session: the bytes arrive in parts at increasing offsets and
// are written straight into GridFS chunks of a file that has no files document (so no
// GridFS reader sees it) and no media item until the last part arrives and every check passes.
type Upload struct {
	ID          string
	ProgrammeID string
	UserID      string
	FileID      string
	Filename    string
	ContentType string
	Size        int64
	Offset      int64
	ChunkSize   int
	// SHA256 is the hash the uploader declared (optional); the bytes must match it.
	SHA256                string
	Alt, Caption, Title   string
	HashState             []byte
	State                 UploadState
	MediaID               string
	FailCode, FailMessage string
	CreatedAt, ExpiresAt  time.Time
}

// NewUpload is what an uploader declares before sending bytes.
type NewUpload struct {
	Filename    string
	ContentType string
	Size        int64
	SHA256      string
	Alt         string
	Caption     string
	Title       string
}

// Limits on descriptions.
const (
	MaxAlt      = 300
	MaxCaption  = 500
	MaxTitle    = 120
	MaxFilename = 200
)

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Started is the answer to starting an upload: the session, or, when the programme already
// holds a file with the declared SHA-256, that item (nothing needs sending).
type Started struct {
	Upload   Upload
	Existing *Media
}

// StartUpload opens an upload session in a programme's library. The caller has checked that
// userID may add media to the programme.
func (s *Service) StartUpload(ctx context.Context, userID, programmeID string, in NewUpload) (Started, error) {
	ct, err := s.checkNewUpload(&in)
	if err != nil {
		return Started{}, err
	}
	if in.SHA256 != "" {
		m, err := s.Media(ctx, DeriveID(programmeID, in.SHA256))
		if err == nil && m.ProgrammeID == programmeID {
			return Started{Existing: &m}, nil
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Started{}, err
		}
	}
	now := s.now()
	u := Upload{ID: randomID(), ProgrammeID: programmeID, UserID: userID, FileID: s.Store.NewFileID(), Filename: in.Filename,
		ContentType: ct, Size: in.Size, ChunkSize: s.chunkSize(), SHA256: in.SHA256, Alt: in.Alt, Caption: in.Caption, Title: in.Title,
		HashState: emptyHashState(), State: UploadOpen, CreatedAt: now, ExpiresAt: now.Add(s.uploadTTL())}
	if err := s.Store.CreateUpload(ctx, u); err != nil {
		return Started{}, fmt.Errorf("start upload: %w", err)
	}
	return Started{Upload: u}, nil
}

func (s *Service) checkNewUpload(in *NewUpload) (string, error) {
	var f apperr.Fields
	in.Filename = cleanFilename(in.Filename)
	in.Alt, in.Caption, in.Title = strings.TrimSpace(in.Alt), strings.TrimSpace(in.Caption), strings.TrimSpace(in.Title)
	in.SHA256 = strings.ToLower(strings.TrimSpace(in.SHA256))
	ct, ok := NormalizeType(in.ContentType)
	f.Check(ok, "/contentType", "must be one of "+strings.Join(AcceptedTypes(), ", "))
	f.Check(in.Filename != "", "/filename", fmt.Sprintf("is required: 1 to %d characters", MaxFilename))
	lim := s.limits()
	if ok {
		maxBytes := lim.maxBytesFor(ct)
		f.Check(in.Size >= 1 && in.Size <= maxBytes, "/size", fmt.Sprintf("must be 1 to %d bytes: %s files may be at most %s", maxBytes, KindOfType(ct), FormatBytes(maxBytes)))
		visual := KindOfType(ct) == KindImage || KindOfType(ct) == KindAnimation
		f.Check(!visual || in.Alt != "", "/alt", "is required for images and animations: describe what the picture shows for people who cannot see it")
	}
	f.Check(in.SHA256 == "" || sha256Hex.MatchString(in.SHA256), "/sha256", "must be 64 hexadecimal digits")
	f.Check(utf8.RuneCountInString(in.Alt) <= MaxAlt, "/alt", fmt.Sprintf("must be at most %d characters", MaxAlt))
	f.Check(utf8.RuneCountInString(in.Caption) <= MaxCaption, "/caption", fmt.Sprintf("must be at most %d characters", MaxCaption))
	f.Check(utf8.RuneCountInString(in.Title) <= MaxTitle, "/title", fmt.Sprintf("must be at most %d characters", MaxTitle))
	return ct, f.Err()
}

// cleanFilename keeps the last path element of a client's file name, without control
// characters, at most MaxFilename characters.
func cleanFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(strings.TrimSpace(name))
	if name == "." || name == "/" {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	return truncate(name, MaxFilename)
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func emptyHashState() []byte {
	b, _ := sha256.New().(encoding.BinaryMarshaler).MarshalBinary()
	return b
}

// Part is one part of an upload: bytes [Offset, Offset+len(Data)) of a file of Total bytes.
type Part struct {
	Offset int64
	Total  int64
	Data   []byte
}

// Progress is an upload after a part: the session, and the media item once it completed
// (Deduplicated when the programme already held the same bytes).
type Progress struct {
	Upload       Upload
	Media        *Media
	Deduplicated bool
}

var errOffset = func(have int64) error {
	return &apperr.Error{Kind: apperr.KindConflict, Code: "upload_offset_mismatch",
		Message: fmt.Sprintf("the upload holds %d bytes: send the part that starts at byte %d", have, have)}
}

// Session returns an upload session of userID (ErrNotUploader for anyone else).
func (s *Service) Session(ctx context.Context, userID, uploadID string) (Upload, error) {
	u, err := s.UploadSession(ctx, uploadID)
	if err != nil {
		return Upload{}, err
	}
	if u.UserID != userID {
		return Upload{}, ErrNotUploader
	}
	return u, nil
}

// UploadSession returns an upload session whoever started it; ErrUploadNotFound once it
// expired.
func (s *Service) UploadSession(ctx context.Context, uploadID string) (Upload, error) {
	u, err := s.Store.Upload(ctx, uploadID)
	if err != nil {
		return Upload{}, err
	}
	if !s.now().Before(u.ExpiresAt) {
		return Upload{}, ErrUploadNotFound
	}
	return u, nil
}

// PutPart stores one part of an upload. Parts arrive in order; each but the last is a whole
// number of chunks. A part the session already holds (a retry after a lost answer) changes
// nothing. The last part runs the checks: the file becomes a media item, or the upload fails
// with a problem naming what is wrong and its chunks are deleted.
func (s *Service) PutPart(ctx context.Context, u Upload, p Part) (Progress, error) {
	switch u.State {
	case UploadCompleted:
		m, err := s.Media(ctx, u.MediaID)
		return Progress{Upload: u, Media: &m}, err
	case UploadFailed:
		return Progress{Upload: u}, Rejected(u.FailCode, "%s", u.FailMessage)
	case UploadCompleting:
		return s.complete(ctx, u)
	}
	end := p.Offset + int64(len(p.Data))
	var f apperr.Fields
	f.Check(p.Total == u.Size, "/Content-Range", fmt.Sprintf("says the file has %d bytes; the upload was started with size %d", p.Total, u.Size))
	f.Check(len(p.Data) > 0, "", "the part is empty")
	f.Check(end <= u.Size, "/Content-Range", fmt.Sprintf("runs past the end of the file (%d bytes)", u.Size))
	if err := f.Err(); err != nil {
		return Progress{}, err
	}
	if p.Offset < u.Offset && end <= u.Offset {
		if u.Offset == u.Size {
			return s.complete(ctx, u) // a retry of the last part after an interrupted check
		}
		return Progress{Upload: u}, nil
	}
	if p.Offset != u.Offset {
		return Progress{}, errOffset(u.Offset)
	}
	if end < u.Size && len(p.Data)%u.ChunkSize != 0 {
		return Progress{}, apperr.Invalid("", fmt.Sprintf("every part but the last must be a whole number of chunks (%d bytes each); this one has %d bytes", u.ChunkSize, len(p.Data)))
	}
	if p.Offset == 0 {
		if _, err := CheckHead(p.Data[:min(len(p.Data), sniffLen)], u.ContentType); err != nil {
			return Progress{}, s.fail(ctx, u, err)
		}
	}
	if err := s.Store.WriteChunks(ctx, u.FileID, int(p.Offset/int64(u.ChunkSize)), split(p.Data, u.ChunkSize)); err != nil {
		return Progress{}, fmt.Errorf("write chunks: %w", err)
	}
	state, err := advanceHash(u.HashState, p.Data)
	if err != nil {
		return Progress{}, err
	}
	next := u
	next.Offset, next.HashState = end, state
	if err := s.Store.AdvanceUpload(ctx, next, u.Offset); err != nil {
		if errors.Is(err, ErrConflict) {
			return Progress{}, errOffset(end)
		}
		return Progress{}, err
	}
	if end == u.Size {
		return s.complete(ctx, next)
	}
	return Progress{Upload: next}, nil
}

func split(data []byte, size int) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		n := min(size, len(data))
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

func advanceHash(state, data []byte) ([]byte, error) {
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		return nil, fmt.Errorf("restore upload hash: %w", err)
	}
	h.Write(data)
	return h.(encoding.BinaryMarshaler).MarshalBinary()
}

func finalHash(state []byte) (string, error) {
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		return "", fmt.Errorf("restore upload hash: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// complete checks a fully received upload and turns it into a media item. Every step is
// idempotent, so a retry after a crash at any point finishes the same item: the session
// records the media ID before the files document and the item are written, and the sweep
// keeps the chunks of a session only when its item points at them.
func (s *Service) complete(ctx context.Context, u Upload) (Progress, error) {
	sum, err := finalHash(u.HashState)
	if err != nil {
		return Progress{}, err
	}
	if u.SHA256 != "" && u.SHA256 != sum {
		return Progress{}, s.fail(ctx, u, Rejected("checksum_mismatch", "the received bytes have SHA-256 %s, not %s as declared: the file was changed or cut off on the way; upload it again", sum, u.SHA256))
	}
	checked, err := s.inspect(ctx, u)
	if err != nil {
		if apperr.KindOf(err) == apperr.KindUnprocessable {
			return Progress{}, s.fail(ctx, u, err)
		}
		return Progress{}, fmt.Errorf("check upload: %w", err)
	}
	now := s.now()
	u.State, u.MediaID = UploadCompleting, DeriveID(u.ProgrammeID, sum)
	if err := s.Store.SetUploadState(ctx, u); err != nil {
		return Progress{}, err
	}
	if err := s.Store.FinishFile(ctx, File{ID: u.FileID, Length: u.Size, ChunkSize: u.ChunkSize, Filename: u.Filename,
		ContentType: checked.ContentType, ProgrammeID: u.ProgrammeID, SHA256: sum, UploadedAt: now}); err != nil {
		return Progress{}, fmt.Errorf("finish file: %w", err)
	}
	m := Media{ID: u.MediaID, ProgrammeID: u.ProgrammeID, FileID: u.FileID, Kind: checked.Kind, ContentType: checked.ContentType,
		Filename: u.Filename, Bytes: u.Size, ChunkSize: u.ChunkSize, SHA256: sum, Info: checked.Info, Alt: u.Alt, Caption: u.Caption,
		Title: u.Title, UploadedBy: u.UserID, CreatedAt: now, UpdatedAt: now, Version: 1}
	dedup := false
	existing, err := s.Store.InsertMedia(ctx, m)
	switch {
	case errors.Is(err, ErrDuplicate):
		if existing.FileID != u.FileID {
			dedup = true
			if err := s.Store.DeleteFile(ctx, u.FileID, Chunks(u.Size, u.ChunkSize)); err != nil {
				return Progress{}, err
			}
		}
		m = existing
	case err != nil:
		return Progress{}, fmt.Errorf("insert media: %w", err)
	}
	u.State = UploadCompleted
	if err := s.Store.SetUploadState(ctx, u); err != nil {
		return Progress{}, err
	}
	s.remember(m)
	return Progress{Upload: u, Media: &m, Deduplicated: dedup}, nil
}

func (s *Service) inspect(ctx context.Context, u Upload) (Checked, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return Checked{}, err
	}
	defer release()
	r := newChunkReader(ctx, s.Store, u.FileID, u.Size, u.ChunkSize)
	return Inspect(r, u.Size, u.ContentType, s.limits())
}

// fail records that an upload was refused and deletes its chunks; it returns the refusal.
func (s *Service) fail(ctx context.Context, u Upload, refusal error) error {
	var ae *apperr.Error
	if errors.As(refusal, &ae) {
		u.FailCode, u.FailMessage = ae.Code, ae.Message
	} else {
		u.FailCode, u.FailMessage = "invalid_file", refusal.Error()
	}
	u.State = UploadFailed
	if err := s.Store.SetUploadState(ctx, u); err != nil {
		return err
	}
	if err := s.Store.DeleteFile(ctx, u.FileID, Chunks(u.Size, u.ChunkSize)); err != nil {
		return err
	}
	return refusal
}

// CancelUpload ends an upload that has not completed and deletes its chunks. Cancelling a
// completed upload forgets the session and keeps the media item.
func (s *Service) CancelUpload(ctx context.Context, u Upload) error {
	if u.State != UploadCompleted {
		if err := s.Store.DeleteFile(ctx, u.FileID, Chunks(u.Size, u.ChunkSize)); err != nil {
			return err
		}
	}
	return s.Store.DeleteUpload(ctx, u.ID)
}

// sweepGrace keeps a session a little past its expiry, so that a check that started just
// before the expiry finishes before the sweep looks at it.
const sweepGrace = 10 * time.Minute

// SweepUploads deletes the sessions that expired and the chunks no media item uses: those of
// uploads never finished, refused, or finished as a duplicate of an item already stored. It
// returns how many sessions it removed.
func (s *Service) SweepUploads(ctx context.Context) (int, error) {
	n := 0
	for {
		batch, err := s.Store.ExpiredUploads(ctx, s.now().Add(-sweepGrace), 100)
		if err != nil {
			return n, err
		}
		for _, u := range batch {
			if err := s.sweepOne(ctx, u); err != nil {
				return n, err
			}
			n++
		}
		if len(batch) < 100 {
			return n, nil
		}
	}
}

func (s *Service) sweepOne(ctx context.Context, u Upload) error {
	keep := false
	if u.MediaID != "" {
		m, err := s.Store.Media(ctx, u.MediaID)
		switch {
		case err == nil:
			keep = m.FileID == u.FileID
		case !errors.Is(err, ErrNotFound):
			return err
		}
	}
	if !keep {
		if err := s.Store.DeleteFile(ctx, u.FileID, Chunks(u.Size, u.ChunkSize)); err != nil {
			return fmt.Errorf("sweep upload %s: %w", u.ID, err)
		}
	}
	return s.Store.DeleteUpload(ctx, u.ID)
}
