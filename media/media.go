// Package media holds a programme's media library: the images, short videos, animations,
// one-sheet PDFs and WebVTT captions that lessons show. It checks every file from its bytes
// (type, size, dimensions, duration, safety) before anything becomes visible, stores it in
// GridFS through a Store, names it by its content (the same file in a programme is stored
// once), serves byte ranges and resized image variants, and signs expiring URLs for players
// that cannot send a Bearer header.
package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Sentinel errors.
var (
	ErrNotFound       = apperr.New(apperr.KindNotFound, "media_not_found", "media not found")
	ErrUploadNotFound = apperr.New(apperr.KindNotFound, "upload_not_found", "upload not found (it finished, was cancelled or expired)")
	ErrConflict       = apperr.New(apperr.KindConflict, "media_changed", "the media item was changed by someone else; reload it and try again")
	ErrNotUploader    = apperr.New(apperr.KindForbidden, "not_uploader", "only the person who started an upload can continue it")
	ErrBadSignature   = apperr.New(apperr.KindUnauthenticated, "invalid_signature", "the signed URL is malformed, altered or expired: ask for a new one")
)

// Kind is what sort of media something is; each kind has its own size limit.
type Kind string

// The kinds.
const (
	KindImage     Kind = "image"
	KindVideo     Kind = "video"
	KindAnimation Kind = "animation"
	KindDocument  Kind = "document"
	KindCaptions  Kind = "captions"
)

// Kinds lists every kind.
var Kinds = []Kind{KindImage, KindVideo, KindAnimation, KindDocument, KindCaptions}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// The content types the library accepts, as detected from the bytes.
const (
	TypePNG    = "image/png"
	TypeJPEG   = "image/jpeg"
	TypeWebP   = "image/webp"
	TypeSVG    = "image/svg+xml"
	TypeGIF    = "image/gif"
	TypeLottie = "application/json"
	TypeMP4    = "video/mp4"
	TypeWebM   = "video/webm"
	TypePDF    = "application/pdf"
	TypeVTT    = "text/vtt"
)

// Media is one file of a programme's library. Its bytes never change: ID is derived from the
// programme and the SHA-256 of the bytes, so a URL naming it is content-addressed. Alt,
// Caption, Title and Captions are descriptions that authors may edit (Version counts edits).
type Media struct {
	ID          string
	ProgrammeID string
	FileID      string
	Kind        Kind
	ContentType string
	Filename    string
	Bytes       int64
	ChunkSize   int
	SHA256      string
	Info        Info
	Alt         string
	Caption     string
	Title       string
	// Captions are the WebVTT tracks of a video (media items of kind captions).
	Captions   []Track
	UploadedBy string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int
	// Deleted marks an item being deleted: gone for readers, its files not yet removed.
	Deleted bool
}

// Track is one WebVTT captions or subtitles track of a video.
type Track struct {
	MediaID  string
	Language string
	Label    string
}

// Info is what the checks read from the bytes.
type Info struct {
	Width, Height int
	// DurationMillis is the length of a video or of one loop of an animation.
	DurationMillis int64
	// Codec names a video's codec (avc1, vp8, vp9, av1).
	Codec string
	// Frames counts the frames of an animation.
	Frames int
	// Cues counts the cues of a captions file.
	Cues int
	// Blurhash and DominantColor (#rrggbb) are placeholders for raster images.
	Blurhash      string
	DominantColor string
	// Alpha reports whether a raster image has transparency (variants keep it as PNG).
	Alpha bool
}

// DurationSeconds is the duration rounded up to whole seconds, as lesson budgets count it.
func (i Info) DurationSeconds() int {
	return int((i.DurationMillis + 999) / 1000)
}

// Raster reports whether m is a still raster image, the kind that has resized variants.
func (m Media) Raster() bool {
	return m.Kind == KindImage && m.ContentType != TypeSVG
}

// DeriveID returns the ID of the media item holding bytes with this SHA-256 in a programme.
func DeriveID(programmeID, sha256Hex string) string {
	sum := sha256.Sum256([]byte("media\x00" + programmeID + "\x00" + sha256Hex))
	return "md" + hex.EncodeToString(sum[:12])
}

// Cursor is a position in a library listing ordered by (CreatedAt desc, ID).
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

// ListFilter selects media of one programme.
type ListFilter struct {
	ProgrammeID string
	Kind        Kind
	After       *Cursor
	Limit       int
}

// Library holds a programme's library settings.
type Library struct {
	ProgrammeID string
	// Public lets anyone fetch the library's media without signing in (the owner publishes).
	Public    bool
	UpdatedAt time.Time
}

// Rejected is a file that fails a check: a 422 problem whose code and message name what is wrong.
func Rejected(code, format string, args ...any) *apperr.Error {
	return &apperr.Error{Kind: apperr.KindUnprocessable, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Store keeps media items, their GridFS files and upload sessions.
type Store interface {
	// CreateUpload stores a new upload session; ErrConflict when its ID exists.
	CreateUpload(ctx context.Context, u Upload) error
	// Upload returns a session; ErrUploadNotFound when absent.
	Upload(ctx context.Context, id string) (Upload, error)
	// AdvanceUpload moves a session's offset from `from` to u.Offset (with its hash state)
	// when it is still at from; ErrConflict otherwise.
	AdvanceUpload(ctx context.Context, u Upload, from int64) error
	// SetUploadState records a session's state, media ID and failure.
	SetUploadState(ctx context.Context, u Upload) error
	// DeleteUpload removes a session (not its chunks).
	DeleteUpload(ctx context.Context, id string) error
	// ExpiredUploads lists up to limit sessions that expired before now.
	ExpiredUploads(ctx context.Context, now time.Time, limit int) ([]Upload, error)

	// NewFileID returns a fresh GridFS file ID.
	NewFileID() string
	// WriteChunks stores chunks firstN, firstN+1, ... of a file; writing a chunk again
	// replaces it (a part re-sent after a crash).
	WriteChunks(ctx context.Context, fileID string, firstN int, chunks [][]byte) error
	// ReadChunk returns chunk n of a file; ErrNotFound when absent.
	ReadChunk(ctx context.Context, fileID string, n int) ([]byte, error)
	// FinishFile writes the GridFS files document that makes the chunks a file (idempotent).
	FinishFile(ctx context.Context, f File) error
	// DeleteFile removes a file's files document and its chunks 0..chunks-1.
	DeleteFile(ctx context.Context, fileID string, chunks int) error

	// InsertMedia stores a new item. When an item with its ID exists it returns that item
	// and ErrDuplicate.
	InsertMedia(ctx context.Context, m Media) (Media, error)
	// Media returns an item; ErrNotFound when absent.
	Media(ctx context.Context, id string) (Media, error)
	// ReplaceMedia stores m when the stored item is at prevVersion; ErrConflict otherwise.
	ReplaceMedia(ctx context.Context, m Media, prevVersion int) error
	// DeleteMedia removes an item (not its file).
	DeleteMedia(ctx context.Context, id string) error
	// ListMedia lists a programme's items (not deleted ones), newest first.
	ListMedia(ctx context.Context, f ListFilter) ([]Media, error)
	// DeletedMedia lists up to limit items marked deleted.
	DeletedMedia(ctx context.Context, limit int) ([]Media, error)

	// Variant returns a resized image; ErrNotFound when it has not been made yet.
	Variant(ctx context.Context, mediaID string, width int) (Variant, error)
	// InsertVariant stores a variant; when one exists it returns it and ErrDuplicate.
	InsertVariant(ctx context.Context, v Variant) (Variant, error)
	// DeleteVariants removes the variant records of an item and returns them.
	DeleteVariants(ctx context.Context, mediaID string, widths []int) ([]Variant, error)

	// Library returns a programme's library settings (the zero settings when none are stored).
	Library(ctx context.Context, programmeID string) (Library, error)
	// SetLibrary stores a programme's library settings.
	SetLibrary(ctx context.Context, l Library) error
}

// ErrDuplicate reports an insert whose key exists.
var ErrDuplicate = apperr.New(apperr.KindConflict, "duplicate", "exists already")

// File is a GridFS file as the files collection records it.
type File struct {
	ID          string
	Length      int64
	ChunkSize   int
	Filename    string
	ContentType string
	ProgrammeID string
	SHA256      string
	UploadedAt  time.Time
}

// Chunks returns how many chunks a file of length bytes has.
func Chunks(length int64, chunkSize int) int {
	if length <= 0 {
		return 0
	}
	return int((length + int64(chunkSize) - 1) / int64(chunkSize))
}
