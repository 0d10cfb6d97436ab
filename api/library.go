package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/programme"
)

// nextCursor returns the opaque cursor after cur, nil at the end of the list.
func nextCursor(cur content.Cursor) *string {
	if cur.ID == "" {
		return nil
	}
	s := encodeCursor(cur.SortKey, cur.ID)
	return &s
}

// listFilter reads the listing query: kind, domain, tag, q, status (authors only), limit
// 1..100 and the opaque cursor.
func listFilter(c *fiber.Ctx, author bool) (content.ListFilter, error) {
	var f apperr.Fields
	lf := content.ListFilter{Limit: 20}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		f.Check(err == nil && n >= 1 && n <= 100, "/limit", "must be a whole number from 1 to 100")
		lf.Limit = n
	}
	if v := c.Query("kind"); v != "" {
		lf.Kind = content.Kind(v)
		f.Check(lf.Kind.Valid(), "/kind", "must be one of lesson, quiz, checklist, path")
	}
	if v := c.Query("domain"); v != "" {
		lf.Domain = content.Domain(v)
		f.Check(lf.Domain.Valid(), "/domain", "must be one of cognitive, skill-based, affective, social-networks")
	}
	// Text parameters must be UTF-8: anything else cannot be compared with titles or tags
	// (and once reached the database as an invalid pattern).
	if v := c.Query("tag"); v != "" {
		lf.Tag = strings.ToLower(strings.TrimSpace(v))
		f.Check(utf8.ValidString(v), "/tag", "must be UTF-8 text")
		f.Check(utf8.RuneCountInString(lf.Tag) <= 40, "/tag", "must be at most 40 characters")
	}
	if v := c.Query("q"); v != "" {
		lf.TitleContains = strings.TrimSpace(v)
		f.Check(utf8.ValidString(v), "/q", "must be UTF-8 text")
		f.Check(utf8.RuneCountInString(lf.TitleContains) <= 100, "/q", "must be at most 100 characters")
	}
	if v := c.Query("status"); v != "" {
		st := content.Status(v)
		f.Check(st.Valid(), "/status", "must be one of draft, published, archived")
		f.Check(author || st == content.StatusPublished, "/status", "only authors can list items that are not published")
		lf.Statuses = []content.Status{st}
	} else if !author {
		lf.Statuses = []content.Status{content.StatusPublished}
	}
	if v := c.Query("cursor"); v != "" {
		key, id, ok := decodeCursor(v)
		f.Check(ok, "/cursor", "is not a cursor this API gave out")
		lf.After = content.Cursor{SortKey: key, ID: id}
	}
	if err := f.Err(); err != nil {
		var ve *apperr.ValidationError
		if errors.As(err, &ve) {
			ve.Unprocessable = false
		}
		return lf, err
	}
	return lf, nil
}

func (s *Server) listContent(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, pid)
	if err != nil {
		return err
	}
	author := cl.Admin || cl.Role == programme.RoleOwner || cl.Role == programme.RoleMentor
	f, err := listFilter(c, author)
	if err != nil {
		return err
	}
	f.ProgrammeID, f.IncludeGlobal = pid, true
	return s.list(c, f)
}

func (s *Server) listLibrary(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	f, err := listFilter(c, cl.Admin)
	if err != nil {
		return err
	}
	return s.list(c, f)
}

func (s *Server) list(c *fiber.Ctx, f content.ListFilter) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	items, next, err := s.deps.Content.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	mine, err := s.deps.Content.Standings(c.UserContext(), cl.UserID, items)
	if err != nil {
		return err
	}
	out := contentList{Items: make([]summaryJSON, len(items)), NextCursor: nextCursor(next)}
	for i, it := range items {
		st := toStandingJSON(mine[it.ID])
		out.Items[i] = summaryJSON{contentCommon: toCommon(it), MyProgress: &st}
	}
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	return respond(c, http.StatusOK, out)
}
