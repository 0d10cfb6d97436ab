package content

import (
	"context"
	"fmt"

	"github.com/microlearn/microlearn/internal/apperr"
)

// MediaInfo is what content needs to know of an item of a programme's media library.
type MediaInfo struct {
	ID          string
	ProgrammeID string
	// Kind is image, video, animation, document or captions.
	Kind string
	// DurationSeconds is a video's or an animation's length, read from the file.
	DurationSeconds int
	Alt             string
}

// MediaCatalog is the media library as content uses it (the media domain, wired in app/).
type MediaCatalog interface {
	// MediaInfo returns the items with these IDs that exist.
	MediaInfo(ctx context.Context, ids []string) (map[string]MediaInfo, error)
	// CheckFile checks a content pack's file as an upload is checked, storing nothing, and
	// returns the item it would become; a refusal is an error naming what is wrong.
	CheckFile(ctx context.Context, programmeID string, f MediaFile) (MediaInfo, error)
	// StoreFile stores a checked file (a file the library holds already is kept as it is).
	StoreFile(ctx context.Context, programmeID, authorID string, f MediaFile) (MediaInfo, error)
	// SetCaptions gives a video its captions tracks (changing nothing when they are the same).
	SetCaptions(ctx context.Context, videoID string, tracks []CaptionTrack) error
}

// MediaFile is a file of a content pack to store in the library.
type MediaFile struct {
	Name    string
	Data    []byte
	Alt     string
	Caption string
	Title   string
}

// CaptionTrack is one captions track of a video.
type CaptionTrack struct {
	MediaID  string
	Language string
	Label    string
}

// mediaKinds are the media kinds each block type may show.
var mediaKinds = map[BlockType][]string{
	BlockImage:     {"image"},
	BlockVideo:     {"video"},
	BlockAnimation: {"animation", "video"},
	BlockDocument:  {"document"},
}

// MediaIDs returns the media items a lesson's blocks show, in block order, once each.
func (it Item) MediaIDs() []string {
	if it.Lesson == nil {
		return nil
	}
	var ids []string
	seen := map[string]bool{}
	for _, b := range it.Lesson.Blocks {
		if b.MediaID != "" && !seen[b.MediaID] {
			seen[b.MediaID] = true
			ids = append(ids, b.MediaID)
		}
	}
	return ids
}

// resolveMedia fills in what a lesson's media blocks take from their media items: a video's
// or animation's duration (read from the file, so it counts toward the ten-minute budget as
// it really is) and, when the block gives none, an image's alt text. Blocks naming an item
// that is not in the programme's library, or of the wrong kind, are field errors.
func (s *Service) resolveMedia(ctx context.Context, programmeID string, it *Item) error {
	ids := it.MediaIDs()
	if len(ids) == 0 {
		return nil
	}
	var found map[string]MediaInfo
	if s.Media != nil {
		var err error
		if found, err = s.Media.MediaInfo(ctx, ids); err != nil {
			return err
		}
	}
	var f apperr.Fields
	for i := range it.Lesson.Blocks {
		b := &it.Lesson.Blocks[i]
		if b.MediaID == "" {
			continue
		}
		p := fmt.Sprintf("/blocks/%d", i)
		m, ok := found[b.MediaID]
		kinds, takes := mediaKinds[b.Type]
		switch {
		case programmeID == "":
			f.Add(p+"/mediaId", "the global library cannot show a programme's media: use an https url")
			continue
		case !takes:
			f.Add(p+"/mediaId", fmt.Sprintf("does not apply to a %s block", b.Type))
			continue
		case !ok || m.ProgrammeID != programmeID:
			f.Add(p+"/mediaId", "no media item with this id in the programme's library")
			continue
		case !contains(kinds, m.Kind):
			f.Add(p+"/mediaId", fmt.Sprintf("is a %s, which a %s block cannot show", m.Kind, b.Type))
			continue
		}
		if b.Type == BlockVideo || b.Type == BlockAnimation {
			if b.DurationSeconds != 0 && b.DurationSeconds != m.DurationSeconds {
				f.Add(p+"/durationSeconds", fmt.Sprintf("is read from the file (%d s): leave it out", m.DurationSeconds))
				continue
			}
			b.DurationSeconds = m.DurationSeconds
		}
		if (b.Type == BlockImage || b.Type == BlockAnimation) && b.Alt == "" {
			b.Alt = m.Alt
		}
	}
	return f.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
