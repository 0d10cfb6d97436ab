package console

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/media"
)

// A lesson's media blocks in the browser: an <img>, a <video> with its captions tracks, or a
// document link, each fetched from the API's own media route (GET /v1/media/{id}) with a
// short-lived signed URL, the way the API hands media to players that cannot send a Bearer
// header. The console signs only items of the lesson's own programme, for a caller who may
// read the lesson (readItem has checked that before).

// blockMedia is one block's media item as the learn page shows it.
type blockMedia struct {
	Kind        string
	URL         string
	SrcSet      string
	ContentType string
	Filename    string
	Size        string
	Width       int
	Height      int
	Alt         string
	Caption     string
	Title       string
	Captions    []captionTrack
}

type captionTrack struct {
	URL, Language, Label string
}

// signedMediaURL is the API's media route for an item at width w (0: the original), signed.
func (c *Console) signedMediaURL(id string, w int) string {
	u := c.deps.Media.Sign(id, w)
	q := url.Values{}
	if w > 0 {
		q.Set("w", strconv.Itoa(w))
	}
	q.Set("exp", strconv.FormatInt(u.Expires.Unix(), 10))
	q.Set("sig", u.Sig)
	return "/v1/media/" + url.PathEscape(id) + "?" + q.Encode()
}

// lessonMedia describes the media items an item's blocks show, by media ID. Items of another
// programme, or deleted ones, are left out (their blocks show a note instead).
func (c *Console) lessonMedia(ctx context.Context, it content.Item) (map[string]blockMedia, error) {
	ids := it.MediaIDs()
	if len(ids) == 0 || c.deps.Media == nil {
		return nil, nil
	}
	found, err := c.deps.Media.Items(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]blockMedia, len(found))
	for id, m := range found {
		if m.ProgrammeID != it.ProgrammeID {
			continue
		}
		bm, err := c.blockMedia(ctx, m)
		if err != nil {
			return nil, err
		}
		out[id] = bm
	}
	return out, nil
}

func (c *Console) blockMedia(ctx context.Context, m media.Media) (blockMedia, error) {
	bm := blockMedia{Kind: string(m.Kind), URL: c.signedMediaURL(m.ID, 0), ContentType: m.ContentType, Filename: m.Filename,
		Size: humanBytes(m.Bytes), Width: m.Info.Width, Height: m.Info.Height, Alt: m.Alt, Caption: m.Caption, Title: m.Title}
	if m.Raster() {
		var set []string
		for _, w := range media.VariantWidths {
			if w < m.Info.Width {
				set = append(set, c.signedMediaURL(m.ID, w)+" "+strconv.Itoa(w)+"w")
			}
		}
		if len(set) > 0 {
			set = append(set, bm.URL+" "+strconv.Itoa(m.Info.Width)+"w")
			bm.SrcSet = strings.Join(set, ", ")
		}
	}
	for _, t := range m.Captions {
		cm, err := c.deps.Media.Media(ctx, t.MediaID)
		if apperr.KindOf(err) == apperr.KindNotFound || (err == nil && cm.ProgrammeID != m.ProgrammeID) {
			continue
		}
		if err != nil {
			return bm, err
		}
		bm.Captions = append(bm.Captions, captionTrack{URL: c.signedMediaURL(cm.ID, 0), Language: t.Language, Label: t.Label})
	}
	return bm, nil
}

// humanBytes is a size as people read it (1.4 MB).
func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// mediaView is what the "media-block" template gets: the page, the block and its item (nil
// when the item is gone).
type mediaView struct {
	V     *view
	Block content.Block
	Media *blockMedia
}

func init() {
	templateFuncs["mediaBlock"] = func(v *view, b content.Block) mediaView {
		mv := mediaView{V: v, Block: b}
		if d, ok := v.Page.(learnData); ok {
			if m, ok := d.Media[b.MediaID]; ok {
				mv.Media = &m
			}
		}
		return mv
	}
}
