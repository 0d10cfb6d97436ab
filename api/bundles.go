package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/media"
)

// BundleFormat names the offline bundle format (docs/bundles.md).
const BundleFormat = "microlearn-bundle/1"

// bundleJSON is everything a phone needs to show an item offline: the items as their GET
// routes render them for the caller, and a manifest of the media they show, each with a
// content-addressed URL, its size and its SHA-256, so the app can prefetch on Wi-Fi and
// verify what it stored.
type bundleJSON struct {
	Format      string            `json:"format"`
	Root        bundleRootJSON    `json:"root"`
	Width       int               `json:"width,omitempty"`
	GeneratedAt time.Time         `json:"generatedAt"`
	Items       []json.RawMessage `json:"items"`
	Media       []bundleMediaJSON `json:"media"`
	TotalBytes  int64             `json:"totalBytes"`
}

type bundleRootJSON struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

type bundleMediaJSON struct {
	MediaID     string   `json:"mediaId"`
	URL         string   `json:"url"`
	Role        string   `json:"role"`
	ContentType string   `json:"contentType"`
	Bytes       int64    `json:"bytes"`
	SHA256      string   `json:"sha256"`
	Width       int      `json:"width,omitempty"`
	Height      int      `json:"height,omitempty"`
	UsedBy      []string `json:"usedBy"`
}

// bundler collects a bundle's items and media.
type bundler struct {
	s     *Server
	c     *fiber.Ctx
	width int
	out   bundleJSON
	seen  map[string]bool
	media map[string]int // URL -> index in out.Media
}

func (s *Server) newBundler(c *fiber.Ctx, kind, id string) (*bundler, error) {
	b := &bundler{s: s, c: c, seen: map[string]bool{}, media: map[string]int{},
		out: bundleJSON{Format: BundleFormat, Root: bundleRootJSON{Kind: kind, ID: id}, GeneratedAt: s.now().UTC().Truncate(time.Millisecond),
			Items: []json.RawMessage{}, Media: []bundleMediaJSON{}}}
	if v := c.Query("width"); v != "" {
		w, err := strconv.Atoi(v)
		if err != nil {
			return nil, apperr.Invalid("/width", "must be a whole number")
		}
		if err := media.CheckWidth(w); err != nil {
			return nil, apperr.Invalid("/width", strings.TrimPrefix(err.Error(), "invalid input: /w: "))
		}
		b.width = w
	}
	b.out.Width = b.width
	return b, nil
}

// add renders one item for the caller (a path brings its steps) and notes its media.
func (b *bundler) add(acc itemAccess) error {
	if b.seen[acc.item.ID] {
		return nil
	}
	b.seen[acc.item.ID] = true
	ctx := b.c.UserContext()
	var r itemResponse
	var steps []content.PathStep
	var err error
	switch acc.item.Kind {
	case content.KindChecklist:
		r, err = b.s.renderChecklist(ctx, acc)
	case content.KindPath:
		var pp content.PathProgress
		r, pp, err = b.s.renderPath(ctx, acc)
		steps = pp.Steps
	default:
		r = toItemResponse(acc.item, acc.author)
		var found map[string]media.Media
		if found, _, err = b.s.itemMedia(ctx, acc.item); err == nil {
			attachMedia(&r, found)
			err = b.addMedia(ctx, acc.item.ID, acc.item.MediaIDs(), found)
		}
	}
	if err != nil {
		return err
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	b.out.Items = append(b.out.Items, raw)
	for _, st := range steps {
		if err := b.addRef(learning.ItemRef{Kind: string(st.Item.Kind), ID: st.Item.ID}); err != nil {
			return err
		}
	}
	return nil
}

// addRef adds an item by reference, as the caller may see it (items they may not see are
// left out, as a path leaves out steps that are not published).
func (b *bundler) addRef(ref learning.ItemRef) error {
	acc, err := b.s.accessItem(b.c, ref.ID, content.Kind(ref.Kind))
	if apperr.KindOf(err) == apperr.KindNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	return b.add(acc)
}

// addMedia lists an item's media: images at the bundle's width (resized now if that
// variant was never asked for), everything else as stored, and every video's captions.
func (b *bundler) addMedia(ctx context.Context, itemID string, ids []string, found map[string]media.Media) error {
	for _, id := range ids {
		m, ok := found[id]
		if !ok {
			continue
		}
		blob, role := m.Original(), "original"
		if b.width > 0 && m.Raster() {
			sized, err := b.s.deps.Media.Sized(ctx, m, b.width)
			if err != nil {
				return err
			}
			if sized.FileID != m.FileID {
				blob, role = sized, "variant"
			}
		}
		url := mediaURL(m.ID, 0)
		if role == "variant" {
			url = mediaURL(m.ID, b.width)
		}
		b.note(itemID, m.ID, url, role, blob)
		for _, t := range m.Captions {
			cm, err := b.s.deps.Media.Media(ctx, t.MediaID)
			if apperr.KindOf(err) == apperr.KindNotFound || (err == nil && cm.ProgrammeID != m.ProgrammeID) {
				continue
			}
			if err != nil {
				return err
			}
			b.note(itemID, cm.ID, mediaURL(cm.ID, 0), "captions", cm.Original())
		}
	}
	return nil
}

func (b *bundler) note(itemID, mediaID, url, role string, blob media.Blob) {
	if i, ok := b.media[url]; ok {
		if !contains(b.out.Media[i].UsedBy, itemID) {
			b.out.Media[i].UsedBy = append(b.out.Media[i].UsedBy, itemID)
		}
		return
	}
	b.media[url] = len(b.out.Media)
	b.out.Media = append(b.out.Media, bundleMediaJSON{MediaID: mediaID, URL: url, Role: role, ContentType: blob.ContentType,
		Bytes: blob.Bytes, SHA256: blob.SHA256, Width: blob.Width, Height: blob.Height, UsedBy: []string{itemID}})
	b.out.TotalBytes += blob.Bytes
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// send answers with the bundle; its ETag is a hash of everything in it but the time it was made.
func (b *bundler) send() error {
	at := b.out.GeneratedAt
	b.out.GeneratedAt = time.Time{}
	stable, err := json.Marshal(b.out)
	if err != nil {
		return err
	}
	b.out.GeneratedAt = at
	etag := fmt.Sprintf(`W/"bundle-%x"`, fnv64(stable))
	b.c.Set(fiber.HeaderETag, etag)
	b.c.Set(fiber.HeaderCacheControl, "private, no-cache")
	if etagMatches(b.c.Get(fiber.HeaderIfNoneMatch), etag) {
		return b.c.SendStatus(http.StatusNotModified)
	}
	return respond(b.c, http.StatusOK, b.out)
}

func (s *Server) itemBundle(c *fiber.Ctx, param string, kind content.Kind) error {
	id := strings.Clone(c.Params(param))
	acc, err := s.accessItem(c, id, kind)
	if err != nil {
		return err
	}
	b, err := s.newBundler(c, string(kind), id)
	if err != nil {
		return err
	}
	if err := b.add(acc); err != nil {
		return err
	}
	return b.send()
}

func (s *Server) lessonBundle(c *fiber.Ctx) error {
	return s.itemBundle(c, "lessonId", content.KindLesson)
}
func (s *Server) pathBundle(c *fiber.Ctx) error { return s.itemBundle(c, "pathId", content.KindPath) }

// assignmentBundle bundles a mentee's assignment (its id as /me/assignments lists it): every
// item assigned, paths with their steps.
func (s *Server) assignmentBundle(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	id := strings.Clone(c.Params("assignmentId"))
	a, err := s.deps.Mentoring.MenteeAssignment(c.UserContext(), mentoringActor(cl), id)
	if err != nil {
		return err
	}
	b, err := s.newBundler(c, "assignment", id)
	if err != nil {
		return err
	}
	for _, it := range a.Items {
		if err := b.addRef(it.Ref); err != nil {
			return err
		}
	}
	return b.send()
}
