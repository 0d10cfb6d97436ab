package content

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// Pack is a content pack: a folder of items with stable keys (contentpack parses one).
type Pack struct {
	ID    string
	Title string
	Items []PackItem
	// Files are the pack's media files (media/...) by path; lesson blocks show them.
	Files map[string][]byte
	// Problems are the files that could not be read; Import reports them together with
	// the problems it finds in the items, so that an author sees everything at once.
	Problems []FileError
}

// PackItem is one item of a pack. Source names the file it came from, for error messages.
// A path's Items name other pack items by kind and key (learning.ItemRef{Kind, ID: key}).
type PackItem struct {
	Source string
	Item   Item
	// Media are the blocks that show one of the pack's files.
	Media []PackMedia
}

// PackMedia says that block Block of a lesson shows the pack's file File (with, for a
// video, captions tracks from other files of the pack).
type PackMedia struct {
	Block int
	// Pointer names the entry in the lesson's front matter (/media/0).
	Pointer  string
	File     string
	Captions []PackCaptions
}

// PackCaptions is a WebVTT file of the pack captioning a video.
type PackCaptions struct {
	File     string
	Language string
	Label    string
}

// ImportOutcome says what an import did to one item.
type ImportOutcome string

// The outcomes.
const (
	ImportCreated   ImportOutcome = "created"
	ImportUpdated   ImportOutcome = "updated"
	ImportUnchanged ImportOutcome = "unchanged"
)

// ImportedItem is one item of an import and what happened to it.
type ImportedItem struct {
	Item    Item
	Outcome ImportOutcome
}

// PackItemID is the stable ID of a pack item in a programme's library: the same programme,
// pack and key always give the same ID, which is what makes importing idempotent.
func PackItemID(programmeID, packID string, kind Kind, key string) string {
	sum := sha256.Sum256([]byte(programmeID + "\x00" + packID + "\x00" + string(kind) + "\x00" + key))
	return "pk" + hex.EncodeToString(sum[:11])
}

// FileError is a validation error found in one file of a pack.
type FileError struct {
	Source  string
	Pointer string
	Detail  string
}

// PackErrors lists every problem found in a pack. It is a 422 validation error whose field
// pointers name the files (/files/<path>, escaped per RFC 6901).
type PackErrors struct{ Errors []FileError }

func (e *PackErrors) Error() string {
	parts := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		parts[i] = f.Source + ": " + strings.TrimPrefix(f.Pointer+": ", ": ") + f.Detail
	}
	return "invalid content pack: " + strings.Join(parts, "; ")
}

// Validation returns the errors as an API validation error.
func (e *PackErrors) Validation() *apperr.ValidationError {
	v := &apperr.ValidationError{Unprocessable: true}
	for _, f := range e.Errors {
		detail := f.Detail
		if f.Pointer != "" {
			detail = f.Pointer + ": " + detail
		}
		v.Fields = append(v.Fields, apperr.FieldError{Pointer: "/files/" + escapePointer(f.Source), Detail: detail})
	}
	return v
}

// Unwrap lets errors.As find the validation error (and the API map it to 422).
func (e *PackErrors) Unwrap() error { return e.Validation() }

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// SortKey is the key listings are ordered by: the title, case-folded.
func SortKey(title string) string {
	return strings.Map(unicode.ToLower, title)
}

// Import brings a pack into a programme's library ("" for the global library) and publishes
// its items. Each item's ID is derived from (programme, pack, key), so importing the same
// pack again changes nothing (no new versions), and importing a changed pack updates the
// items that changed. The whole pack is validated before anything is written: an invalid
// pack writes nothing.
func (s *Service) Import(ctx context.Context, authorID, programmeID string, p Pack) ([]ImportedItem, error) {
	errs := PackErrors{Errors: slices.Clone(p.Problems)}
	addErr := func(src string, err error) {
		var ve *apperr.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				errs.Errors = append(errs.Errors, FileError{src, f.Pointer, f.Detail})
			}
			return
		}
		errs.Errors = append(errs.Errors, FileError{src, "", err.Error()})
	}
	if !ValidKey(p.ID) {
		errs.Errors = append(errs.Errors, FileError{"pack.yaml", "/id", "must be 1 to 64 lower-case letters, digits, '-' or '_'"})
	}
	keys := map[learning.ItemRef]string{}
	items := make([]Item, len(p.Items))
	plan := mediaPlan{checked: map[string]MediaInfo{}}
	for i, pi := range p.Items {
		it := pi.Item
		ref := learning.ItemRef{Kind: string(it.Kind), ID: it.Key}
		if !ValidKey(it.Key) {
			errs.Errors = append(errs.Errors, FileError{pi.Source, "/key", "must be 1 to 64 lower-case letters, digits, '-' or '_'"})
		} else if other, dup := keys[ref]; dup {
			errs.Errors = append(errs.Errors, FileError{pi.Source, "/key", fmt.Sprintf("the key %q is also used by %s", it.Key, other)})
		}
		keys[ref] = pi.Source
		it.ID = PackItemID(programmeID, p.ID, it.Kind, it.Key)
		it.PackID, it.ProgrammeID = p.ID, programmeID
		items[i] = it
	}
	for i := range items {
		it := &items[i]
		if it.Path != nil {
			refs := make([]learning.ItemRef, len(it.Path.Items))
			for j, r := range it.Path.Items {
				if _, ok := keys[r]; !ok || r.Kind == string(KindPath) {
					errs.Errors = append(errs.Errors, FileError{p.Items[i].Source, fmt.Sprintf("/items/%d", j), fmt.Sprintf("the pack has no %s with key %q", r.Kind, r.ID)})
				}
				refs[j] = learning.ItemRef{Kind: r.Kind, ID: PackItemID(programmeID, p.ID, Kind(r.Kind), r.ID)}
			}
			it.Path = &Path{Items: refs}
		}
		it.Normalize()
		if fe := s.planPackMedia(ctx, programmeID, p, p.Items[i], it, &plan); len(fe) > 0 {
			errs.Errors = append(errs.Errors, fe...)
			continue
		}
		if err := it.Validate(); err != nil {
			addErr(p.Items[i].Source, err)
			continue
		}
		if err := it.CheckBudget(); err != nil {
			addErr(p.Items[i].Source, err)
		}
	}
	if len(errs.Errors) > 0 {
		return nil, &errs
	}
	if err := s.storePackMedia(ctx, programmeID, authorID, p, plan); err != nil {
		return nil, err
	}
	return s.importItems(ctx, authorID, items)
}

// importItems writes a validated pack's items, paths last, so that the items they name are
// published first.
func (s *Service) importItems(ctx context.Context, authorID string, items []Item) ([]ImportedItem, error) {
	var out []ImportedItem
	for _, paths := range []bool{false, true} {
		for _, it := range items {
			if (it.Kind == KindPath) != paths {
				continue
			}
			res, err := s.importItem(ctx, authorID, it)
			if err != nil {
				return out, fmt.Errorf("import %s %s: %w", it.Kind, it.Key, err)
			}
			out = append(out, res)
		}
	}
	return out, nil
}

func (s *Service) importItem(ctx context.Context, authorID string, it Item) (ImportedItem, error) {
	cur, err := s.Store.Item(ctx, it.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		now := s.now()
		it.AuthorID, it.Version, it.Status, it.CreatedAt, it.UpdatedAt, it.PublishedAt = authorID, 1, StatusPublished, now, now, &now
		if err := s.add(ctx, it); err != nil {
			return ImportedItem{}, err
		}
		return ImportedItem{Item: it, Outcome: ImportCreated}, nil
	case err != nil:
		return ImportedItem{}, err
	case cur.ContentHash == it.ContentHash:
		return ImportedItem{Item: cur, Outcome: ImportUnchanged}, nil
	}
	next := cur
	next.Title, next.Summary, next.Tags, next.Domain, next.Locale = it.Title, it.Summary, it.Tags, it.Domain, it.Locale
	next.DeclaredMinutes, next.EstimatedMinutes, next.ContentHash = it.DeclaredMinutes, it.EstimatedMinutes, it.ContentHash
	next.Lesson, next.Quiz, next.Checklist, next.Path = it.Lesson, it.Quiz, it.Checklist, it.Path
	if next.Status != StatusPublished {
		now := s.now()
		next.Status, next.PublishedAt = StatusPublished, &now
	}
	next, err = s.replace(ctx, cur, next)
	if err != nil {
		return ImportedItem{}, err
	}
	return ImportedItem{Item: next, Outcome: ImportUpdated}, nil
}
