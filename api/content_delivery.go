package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/content"
)

// Delivery caching: phones may reuse an item for a minute without asking, and for ten more
// while they revalidate in the background (offline-friendly); ETags make revalidation cheap.
const contentCacheControl = "private, max-age=60, stale-while-revalidate=600"

// sendItem answers with a delivered item, honouring If-None-Match with 304.
func sendItem(c *fiber.Ctx, cv contentView) error {
	c.Set(fiber.HeaderETag, cv.etag)
	c.Set(fiber.HeaderCacheControl, contentCacheControl)
	c.Set(fiber.HeaderVary, "Authorization")
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), cv.etag) {
		return c.SendStatus(http.StatusNotModified)
	}
	c.Status(http.StatusOK)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(cv.body)
}

// etagMatches implements the weak comparison If-None-Match uses.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == want {
			return true
		}
	}
	return false
}

func view(acc itemAccess) string {
	if acc.author {
		return "a"
	}
	return "l"
}

// deliver sends an item whose representation depends only on the item and the view.
func (s *Server) deliver(c *fiber.Ctx, param string, kind content.Kind) error {
	acc, err := s.accessItem(c, c.Params(param), kind)
	if err != nil {
		return err
	}
	it := acc.item
	found, stamp, err := s.itemMedia(c.UserContext(), it)
	if err != nil {
		return err
	}
	key := it.ID + "@" + strconv.Itoa(it.Version) + ":" + string(it.Status) + ":" + view(acc) + stamp
	cv, ok := s.deps.ContentViews.get(key)
	if !ok {
		r := toItemResponse(it, acc.author)
		attachMedia(&r, found)
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		cv = contentView{body: b, etag: fmt.Sprintf(`W/"%s-v%d-%s-%s%s"`, it.ID, it.Version, it.Status, view(acc), stamp)}
		s.deps.ContentViews.put(key, cv)
	}
	return sendItem(c, cv)
}

func (s *Server) getLesson(c *fiber.Ctx) error { return s.deliver(c, "lessonId", content.KindLesson) }
func (s *Server) getQuiz(c *fiber.Ctx) error   { return s.deliver(c, "quizId", content.KindQuiz) }

// deliverPersonal sends a representation that includes the caller's own progress; its ETag
// is the item version plus a hash of the bytes.
func deliverPersonal(c *fiber.Ctx, it content.Item, v string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return sendItem(c, contentView{body: b, etag: fmt.Sprintf(`W/"%s-v%d-%s-%x"`, it.ID, it.Version, v, fnv64(b))})
}

func fnv64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, x := range b {
		h ^= uint64(x)
		h *= 1099511628211
	}
	return h
}

func (s *Server) getChecklist(c *fiber.Ctx) error {
	acc, err := s.accessItem(c, c.Params("checklistId"), content.KindChecklist)
	if err != nil {
		return err
	}
	r, err := s.renderChecklist(c.UserContext(), acc)
	if err != nil {
		return err
	}
	return deliverPersonal(c, acc.item, view(acc), r)
}

// renderChecklist renders a checklist with the caller's ticks.
func (s *Server) renderChecklist(ctx context.Context, acc itemAccess) (itemResponse, error) {
	ticked, complete, err := s.deps.Content.ChecklistFor(ctx, acc.cl.UserID, acc.item)
	if err != nil {
		return itemResponse{}, err
	}
	r := toItemResponse(acc.item, acc.author)
	r.MyProgress = &checklistProgressJSON{TickedItems: ticked, Complete: complete}
	return r, nil
}

func toStep(st content.PathStep) stepJSON {
	return stepJSON{Kind: string(st.Item.Kind), ID: st.Item.ID, Title: st.Item.Title, EstimatedMinutes: st.Item.EstimatedMinutes, Done: st.Done}
}

func (s *Server) getPath(c *fiber.Ctx) error {
	acc, err := s.accessItem(c, c.Params("pathId"), content.KindPath)
	if err != nil {
		return err
	}
	r, _, err := s.renderPath(c.UserContext(), acc)
	if err != nil {
		return err
	}
	return deliverPersonal(c, acc.item, view(acc), r)
}

// renderPath renders a path with the caller's progress along it.
func (s *Server) renderPath(ctx context.Context, acc itemAccess) (itemResponse, content.PathProgress, error) {
	pp, err := s.deps.Content.PathFor(ctx, acc.cl.UserID, acc.item, acc.author)
	if err != nil {
		return itemResponse{}, pp, err
	}
	r := toItemResponse(acc.item, acc.author)
	r.Steps = make([]stepJSON, len(pp.Steps))
	for i, st := range pp.Steps {
		r.Steps[i] = toStep(st)
		if acc.author {
			r.Steps[i].Status = string(st.Item.Status)
		}
	}
	r.Progress = &pathProgressJSON{Done: pp.Done, Total: pp.Total, Percent: pp.Percent}
	if pp.Next != nil {
		n := toStep(*pp.Next)
		r.Progress.Next = &n
	}
	return r, pp, nil
}
