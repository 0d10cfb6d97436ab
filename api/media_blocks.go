package api

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/media"
)

// blockMediaJSON is what a phone needs to show a block's media item: where to fetch it
// (content-addressed, so it may be cached for good), how large it is and its hash (to
// verify what it stored), its size and a placeholder (to lay the page out before the bytes
// arrive), and its descriptions and captions tracks.
type blockMediaJSON struct {
	ID              string      `json:"id"`
	URL             string      `json:"url"`
	ContentType     string      `json:"contentType"`
	Bytes           int64       `json:"bytes"`
	SHA256          string      `json:"sha256"`
	Width           int         `json:"width,omitempty"`
	Height          int         `json:"height,omitempty"`
	DurationSeconds int         `json:"durationSeconds,omitempty"`
	Blurhash        string      `json:"blurhash,omitempty"`
	DominantColor   string      `json:"dominantColor,omitempty"`
	Alt             string      `json:"alt,omitempty"`
	Caption         string      `json:"caption,omitempty"`
	Captions        []trackJSON `json:"captions,omitempty"`
	VariantWidths   []int       `json:"variantWidths,omitempty"`
}

func toBlockMedia(m media.Media) *blockMediaJSON {
	j := toMediaJSON(m)
	out := &blockMediaJSON{ID: m.ID, URL: j.URL, ContentType: m.ContentType, Bytes: m.Bytes, SHA256: m.SHA256, Width: j.Width,
		Height: j.Height, DurationSeconds: j.DurationSeconds, Blurhash: j.Blurhash, DominantColor: j.DominantColor, Alt: m.Alt,
		Caption: m.Caption, VariantWidths: j.Variants}
	if len(j.Captions) > 0 {
		out.Captions = j.Captions
	}
	return out
}

// itemMedia returns the media items an item's blocks show and a stamp of their versions, so
// that a cached rendering is replaced when an item's descriptions change.
func (s *Server) itemMedia(ctx context.Context, it content.Item) (map[string]media.Media, string, error) {
	ids := it.MediaIDs()
	if len(ids) == 0 || s.deps.Media == nil {
		return nil, "", nil
	}
	found, err := s.deps.Media.Items(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(id)
		if m, ok := found[id]; ok && m.ProgrammeID == it.ProgrammeID {
			b.WriteString("@" + strconv.Itoa(m.Version))
		} else {
			delete(found, id)
		}
		b.WriteByte(',')
	}
	return found, fmt.Sprintf("m%x", fnv64([]byte(b.String()))), nil
}

// attachMedia describes each media block's item in a rendered lesson (a block whose item
// was deleted keeps its mediaId and has no media).
func attachMedia(r *itemResponse, found map[string]media.Media) {
	for i := range r.Blocks {
		if m, ok := found[r.Blocks[i].MediaID]; ok {
			r.Blocks[i].Media = toBlockMedia(m)
		}
	}
}
