package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/content/contentpack"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/programme"
)

// Delivery caching: phones may reuse an item for a minute without asking, and for ten more
// while they revalidate in the background (offline-friendly); ETags make revalidation cheap.
const contentCacheControl = "private, max-age=60, stale-while-revalidate=600"

// ContentViews caches the rendered JSON of delivered items by (item, version, status, view),
// so that a warm lesson read neither touches the database nor re-encodes the lesson. Entries
// never go stale (a new version or status is a new key); the map is dropped when it grows
// past its bound.
type ContentViews struct {
	mu sync.RWMutex
	m  map[string]contentView
}

type contentView struct {
	body []byte
	etag string
}

const contentViewsMax = 4096

func (v *ContentViews) get(key string) (contentView, bool) {
	if v == nil {
		return contentView{}, false
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	cv, ok := v.m[key]
	return cv, ok
}

func (v *ContentViews) put(key string, cv contentView) {
	if v == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= contentViewsMax {
		v.m = map[string]contentView{}
	}
	v.m[key] = cv
}

// ---- request and response types ----

type blockJSON struct {
	Type            string     `json:"type"`
	Markdown        string     `json:"markdown,omitempty"`
	URL             string     `json:"url,omitempty"`
	Alt             string     `json:"alt,omitempty"`
	Caption         string     `json:"caption,omitempty"`
	Title           string     `json:"title,omitempty"`
	DurationSeconds int        `json:"durationSeconds,omitempty"`
	StartsAt        *time.Time `json:"startsAt,omitempty"`
}

type optionRequest struct {
	Key     string `json:"key"`
	Text    string `json:"text"`
	Correct bool   `json:"correct"`
}

type questionRequest struct {
	Key         string          `json:"key"`
	Type        string          `json:"type"`
	Prompt      string          `json:"prompt"`
	Options     []optionRequest `json:"options"`
	Explanation string          `json:"explanation"`
}

type checklistItemJSON struct {
	Key      string `json:"key"`
	Text     string `json:"text"`
	Required bool   `json:"required"`
}

type stepRequest struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// contentRequest creates or updates an item. Which kind-specific fields apply depends on
// kind: blocks (lesson); questions, passPercent, maxAttempts (quiz); items (checklist);
// steps (path).
type contentRequest struct {
	Kind             string              `json:"kind"`
	Title            string              `json:"title"`
	Summary          string              `json:"summary"`
	Tags             []string            `json:"tags"`
	Domain           string              `json:"domain"`
	EstimatedMinutes int                 `json:"estimatedMinutes"`
	Locale           string              `json:"locale"`
	Version          int                 `json:"version"`
	Blocks           []blockJSON         `json:"blocks"`
	Questions        []questionRequest   `json:"questions"`
	PassPercent      *int                `json:"passPercent"`
	MaxAttempts      *int                `json:"maxAttempts"`
	Items            []checklistItemJSON `json:"items"`
	Steps            []stepRequest       `json:"steps"`
}

func (r contentRequest) toItem() (content.Item, error) {
	it := content.Item{Kind: content.Kind(r.Kind), Title: r.Title, Summary: r.Summary, Tags: r.Tags, Domain: content.Domain(r.Domain),
		DeclaredMinutes: r.EstimatedMinutes, Locale: r.Locale}
	var f apperr.Fields
	other := func(field string, set bool) { f.Check(!set, "/"+field, fmt.Sprintf("does not apply to a %s", r.Kind)) }
	switch it.Kind {
	case content.KindLesson:
		l := &content.Lesson{}
		for _, b := range r.Blocks {
			l.Blocks = append(l.Blocks, content.Block{Type: content.BlockType(b.Type), Markdown: b.Markdown, URL: b.URL, Alt: b.Alt,
				Caption: b.Caption, Title: b.Title, DurationSeconds: b.DurationSeconds, StartsAt: b.StartsAt})
		}
		it.Lesson = l
	case content.KindQuiz:
		q := &content.Quiz{PassPercent: 70}
		if r.PassPercent != nil {
			q.PassPercent = *r.PassPercent
		}
		if r.MaxAttempts != nil {
			q.MaxAttempts = *r.MaxAttempts
		}
		for _, qr := range r.Questions {
			qu := content.Question{Key: qr.Key, Type: content.QuestionType(qr.Type), Prompt: qr.Prompt, Explanation: qr.Explanation}
			for _, o := range qr.Options {
				qu.Options = append(qu.Options, content.Option{Key: o.Key, Text: o.Text, Correct: o.Correct})
			}
			q.Questions = append(q.Questions, qu)
		}
		it.Quiz = q
	case content.KindChecklist:
		c := &content.Checklist{}
		for _, ci := range r.Items {
			c.Items = append(c.Items, content.ChecklistItem{Key: ci.Key, Text: ci.Text, Required: ci.Required})
		}
		it.Checklist = c
	case content.KindPath:
		p := &content.Path{}
		for _, s := range r.Steps {
			p.Items = append(p.Items, learning.ItemRef{Kind: s.Kind, ID: s.ID})
		}
		it.Path = p
	default:
		f.Add("/kind", "must be one of lesson, quiz, checklist, path")
	}
	if it.Kind != content.KindLesson {
		other("blocks", r.Blocks != nil)
	}
	if it.Kind != content.KindQuiz {
		other("questions", r.Questions != nil)
		other("passPercent", r.PassPercent != nil)
		other("maxAttempts", r.MaxAttempts != nil)
	}
	if it.Kind != content.KindChecklist {
		other("items", r.Items != nil)
	}
	if it.Kind != content.KindPath {
		other("steps", r.Steps != nil)
	}
	return it, f.Err()
}

// contentCommon is what every item response carries.
type contentCommon struct {
	ID               string     `json:"id"`
	Kind             string     `json:"kind"`
	ProgrammeID      *string    `json:"programmeId,omitempty"`
	Title            string     `json:"title"`
	Summary          string     `json:"summary"`
	Tags             []string   `json:"tags"`
	Domain           string     `json:"domain"`
	EstimatedMinutes int        `json:"estimatedMinutes"`
	Locale           string     `json:"locale"`
	Status           string     `json:"status"`
	Version          int        `json:"version"`
	AuthorID         string     `json:"authorId"`
	CreatedAt        time.Time  `json:"createdAt"`
	UpdatedAt        time.Time  `json:"updatedAt"`
	PublishedAt      *time.Time `json:"publishedAt,omitempty"`
}

func toCommon(it content.Item) contentCommon {
	c := contentCommon{ID: it.ID, Kind: string(it.Kind), Title: it.Title, Summary: it.Summary, Tags: it.Tags, Domain: string(it.Domain),
		EstimatedMinutes: it.EstimatedMinutes, Locale: it.Locale, Status: string(it.Status), Version: it.Version, AuthorID: it.AuthorID,
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, PublishedAt: it.PublishedAt}
	if !it.Global() {
		p := it.ProgrammeID
		c.ProgrammeID = &p
	}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	return c
}

// authoring is the extra an author sees.
type authoring struct {
	DeclaredMinutes int    `json:"declaredMinutes"`
	PackID          string `json:"packId,omitempty"`
	Key             string `json:"key,omitempty"`
}

type optionJSON struct {
	Key  string `json:"key"`
	Text string `json:"text"`
	// Correct is only ever set in an author's view.
	Correct *bool `json:"correct,omitempty"`
}

type questionJSON struct {
	Key     string       `json:"key"`
	Type    string       `json:"type"`
	Prompt  string       `json:"prompt"`
	Options []optionJSON `json:"options"`
	// Explanation is only in an author's view; learners get it with their attempt's result.
	Explanation string `json:"explanation,omitempty"`
}

type stepJSON struct {
	Kind             string `json:"kind"`
	ID               string `json:"id"`
	Title            string `json:"title"`
	EstimatedMinutes int    `json:"estimatedMinutes"`
	Status           string `json:"status,omitempty"`
	Done             bool   `json:"done"`
}

type checklistProgressJSON struct {
	TickedItems []string `json:"tickedItems"`
	Complete    bool     `json:"complete"`
}

type pathProgressJSON struct {
	Done    int       `json:"done"`
	Total   int       `json:"total"`
	Percent int       `json:"percent"`
	Next    *stepJSON `json:"next,omitempty"`
}

// itemResponse is an item as delivered or as authored; the kind decides which of the
// optional fields are present.
type itemResponse struct {
	contentCommon
	*authoring  `json:",omitempty"`
	Blocks      []blockJSON            `json:"blocks,omitempty"`
	Questions   []questionJSON         `json:"questions,omitempty"`
	PassPercent *int                   `json:"passPercent,omitempty"`
	MaxAttempts *int                   `json:"maxAttempts,omitempty"`
	Items       []checklistItemJSON    `json:"items,omitempty"`
	Steps       []stepJSON             `json:"steps,omitempty"`
	MyProgress  *checklistProgressJSON `json:"myProgress,omitempty"`
	Progress    *pathProgressJSON      `json:"progress,omitempty"`
}

// toItemResponse renders an item. Learners (author false) never get the correct options or
// the explanations of a quiz.
func toItemResponse(it content.Item, author bool) itemResponse {
	r := itemResponse{contentCommon: toCommon(it)}
	if author {
		r.authoring = &authoring{DeclaredMinutes: it.DeclaredMinutes, PackID: it.PackID, Key: it.Key}
	}
	switch {
	case it.Lesson != nil:
		r.Blocks = make([]blockJSON, len(it.Lesson.Blocks))
		for i, b := range it.Lesson.Blocks {
			r.Blocks[i] = blockJSON{Type: string(b.Type), Markdown: b.Markdown, URL: b.URL, Alt: b.Alt, Caption: b.Caption, Title: b.Title,
				DurationSeconds: b.DurationSeconds, StartsAt: b.StartsAt}
		}
	case it.Quiz != nil:
		pass, maxA := it.Quiz.PassPercent, it.Quiz.MaxAttempts
		r.PassPercent, r.MaxAttempts = &pass, &maxA
		r.Questions = make([]questionJSON, len(it.Quiz.Questions))
		for i, q := range it.Quiz.Questions {
			qj := questionJSON{Key: q.Key, Type: string(q.Type), Prompt: q.Prompt, Options: make([]optionJSON, len(q.Options))}
			for j, o := range q.Options {
				qj.Options[j] = optionJSON{Key: o.Key, Text: o.Text}
				if author {
					correct := o.Correct
					qj.Options[j].Correct = &correct
				}
			}
			if author {
				qj.Explanation = q.Explanation
			}
			r.Questions[i] = qj
		}
	case it.Checklist != nil:
		r.Items = make([]checklistItemJSON, len(it.Checklist.Items))
		for i, c := range it.Checklist.Items {
			r.Items[i] = checklistItemJSON{Key: c.Key, Text: c.Text, Required: c.Required}
		}
	case it.Path != nil:
		r.Steps = make([]stepJSON, len(it.Path.Items))
		for i, s := range it.Path.Items {
			r.Steps[i] = stepJSON{Kind: s.Kind, ID: s.ID}
		}
	}
	return r
}

type summaryJSON struct {
	contentCommon
}

type contentList struct {
	Items      []summaryJSON `json:"items"`
	NextCursor *string       `json:"nextCursor,omitempty"`
}

// ---- routes ----

func (s *Server) mountContent(r fiber.Router) {
	if s.deps.Content == nil {
		return
	}
	r.Get("/programmes/:programmeId/content", s.listContent)
	r.Post("/programmes/:programmeId/content", s.idempotent, s.createContent)
	r.Post("/programmes/:programmeId/content-packs", s.idempotent, s.importPack)
	r.Get("/library/content", s.listLibrary)
	r.Post("/library/content", s.idempotent, s.createLibraryContent)
	r.Put("/content/:itemId", s.updateContent)
	r.Post("/content/:itemId/publish", s.idempotent, s.publishContent)
	r.Post("/content/:itemId/archive", s.idempotent, s.archiveContent)
	r.Get("/content/:itemId/versions/:version", s.contentVersion)

	r.Get("/lessons/:lessonId", s.getLesson)
	r.Get("/quizzes/:quizId", s.getQuiz)
	r.Get("/checklists/:checklistId", s.getChecklist)
	r.Get("/paths/:pathId", s.getPath)

	r.Post("/lessons/:lessonId/progress", s.idempotent, s.lessonProgress)
	r.Post("/quizzes/:quizId/attempts", s.idempotent, s.quizAttempt)
	r.Get("/quizzes/:quizId/attempts", s.myAttempts)
	r.Put("/checklists/:checklistId/items/:itemId", s.tickChecklist)
	r.Get("/me/progress", s.myProgress)
	r.Post("/sync", s.idempotent, s.sync)
}

// ---- access ----

// itemAccess is a caller's access to one item.
type itemAccess struct {
	cl     Caller
	item   content.Item
	author bool
}

// accessItem loads an item and authorizes the caller to read it. Programme items are
// readable by the programme's members (through authorize: outsiders get 404); global items by
// anyone signed in. Only authors (owners and mentors of the programme, admins; admins alone
// for the global library) see items that are not published; for everyone else those do not
// exist.
func (s *Server) accessItem(c *fiber.Ctx, id string, kind content.Kind) (itemAccess, error) {
	cl, err := signedIn(c)
	if err != nil {
		return itemAccess{}, err
	}
	it, err := s.deps.Content.Item(c.UserContext(), id)
	if err == nil && kind != "" && it.Kind != kind {
		err = content.ErrNotFound
	}
	if err != nil {
		return itemAccess{}, err
	}
	author := cl.Admin
	if !it.Global() {
		if cl, err = s.authorize(c, it.ProgrammeID); err != nil {
			return itemAccess{}, err
		}
		author = cl.Admin || cl.Role == programme.RoleOwner || cl.Role == programme.RoleMentor
	}
	if !author && it.Status != content.StatusPublished {
		return itemAccess{}, content.ErrNotFound
	}
	return itemAccess{cl: cl, item: it, author: author}, nil
}

// authorItem loads an item and authorizes the caller to author it: owners and mentors of its
// programme, or admins (the only authors of the global library).
func (s *Server) authorItem(c *fiber.Ctx, id string) (itemAccess, error) {
	cl, err := signedIn(c)
	if err != nil {
		return itemAccess{}, err
	}
	it, err := s.deps.Content.Item(c.UserContext(), id)
	if err != nil {
		return itemAccess{}, err
	}
	if it.Global() {
		cl, err = adminOnly(c)
	} else {
		cl, err = s.authorize(c, it.ProgrammeID, programme.RoleOwner, programme.RoleMentor)
	}
	if err != nil {
		return itemAccess{}, err
	}
	return itemAccess{cl: cl, item: it, author: true}, nil
}

// ---- authoring ----

func (s *Server) createContent(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, pid, programme.RoleOwner, programme.RoleMentor)
	if err != nil {
		return err
	}
	return s.create(c, cl, pid)
}

func (s *Server) createLibraryContent(c *fiber.Ctx) error {
	cl, err := adminOnly(c)
	if err != nil {
		return err
	}
	return s.create(c, cl, "")
}

func (s *Server) create(c *fiber.Ctx, cl Caller, programmeID string) error {
	var req contentRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	f := apperr.Fields{}
	f.Check(req.Version == 0, "/version", "is set by the server on create")
	if err := f.Err(); err != nil {
		return err
	}
	in, err := req.toItem()
	if err != nil {
		return err
	}
	it, err := s.deps.Content.Create(c.UserContext(), cl.UserID, programmeID, in)
	if err != nil {
		return err
	}
	c.Location("/v1/content/" + it.ID + "/versions/1")
	return respond(c, http.StatusCreated, toItemResponse(it, true))
}

func (s *Server) updateContent(c *fiber.Ctx) error {
	acc, err := s.authorItem(c, strings.Clone(c.Params("itemId")))
	if err != nil {
		return err
	}
	var req contentRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	in, err := req.toItem()
	if err != nil {
		return err
	}
	it, err := s.deps.Content.Update(c.UserContext(), acc.item.ID, req.Version, in)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toItemResponse(it, true))
}

func (s *Server) publishContent(c *fiber.Ctx) error {
	return s.moveContent(c, s.deps.Content.Publish)
}

func (s *Server) archiveContent(c *fiber.Ctx) error {
	return s.moveContent(c, s.deps.Content.Archive)
}

// moveContent moves an item the caller may author to another status (publish, archive).
func (s *Server) moveContent(c *fiber.Ctx, move func(ctx context.Context, itemID string) (content.Item, error)) error {
	acc, err := s.authorItem(c, strings.Clone(c.Params("itemId")))
	if err != nil {
		return err
	}
	it, err := move(c.UserContext(), acc.item.ID)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toItemResponse(it, true))
}

func (s *Server) contentVersion(c *fiber.Ctx) error {
	acc, err := s.authorItem(c, strings.Clone(c.Params("itemId")))
	if err != nil {
		return err
	}
	v, err := strconv.Atoi(c.Params("version"))
	if err != nil || v < 1 {
		return apperr.Invalid("/version", "must be a positive whole number")
	}
	it, err := s.deps.Content.ItemVersion(c.UserContext(), acc.item.ID, v)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toItemResponse(it, true))
}

// ---- listing ----

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
	if v := c.Query("tag"); v != "" {
		lf.Tag = strings.ToLower(strings.TrimSpace(v))
		f.Check(utf8.RuneCountInString(lf.Tag) <= 40, "/tag", "must be at most 40 characters")
	}
	if v := c.Query("q"); v != "" {
		lf.TitleContains = strings.TrimSpace(v)
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
	items, next, err := s.deps.Content.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	out := contentList{Items: make([]summaryJSON, len(items)), NextCursor: nextCursor(next)}
	for i, it := range items {
		out.Items[i] = summaryJSON{toCommon(it)}
	}
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	return respond(c, http.StatusOK, out)
}

// ---- delivery ----

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
	key := it.ID + "@" + strconv.Itoa(it.Version) + ":" + string(it.Status) + ":" + view(acc)
	cv, ok := s.deps.ContentViews.get(key)
	if !ok {
		b, err := json.Marshal(toItemResponse(it, acc.author))
		if err != nil {
			return err
		}
		cv = contentView{body: b, etag: fmt.Sprintf(`W/"%s-v%d-%s-%s"`, it.ID, it.Version, it.Status, view(acc))}
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
	ticked, complete, err := s.deps.Content.ChecklistFor(c.UserContext(), acc.cl.UserID, acc.item)
	if err != nil {
		return err
	}
	r := toItemResponse(acc.item, acc.author)
	r.MyProgress = &checklistProgressJSON{TickedItems: ticked, Complete: complete}
	return deliverPersonal(c, acc.item, view(acc), r)
}

func toStep(st content.PathStep) stepJSON {
	return stepJSON{Kind: string(st.Item.Kind), ID: st.Item.ID, Title: st.Item.Title, EstimatedMinutes: st.Item.EstimatedMinutes, Done: st.Done}
}

func (s *Server) getPath(c *fiber.Ctx) error {
	acc, err := s.accessItem(c, c.Params("pathId"), content.KindPath)
	if err != nil {
		return err
	}
	pp, err := s.deps.Content.PathFor(c.UserContext(), acc.cl.UserID, acc.item, acc.author)
	if err != nil {
		return err
	}
	r := toItemResponse(acc.item, acc.author)
	r.Steps = make([]stepJSON, len(pp.Steps))
	minutes := 0
	for i, st := range pp.Steps {
		r.Steps[i] = toStep(st)
		if acc.author {
			r.Steps[i].Status = string(st.Item.Status)
		}
		minutes += st.Item.EstimatedMinutes
	}
	r.EstimatedMinutes = minutes
	r.Progress = &pathProgressJSON{Done: pp.Done, Total: pp.Total, Percent: pp.Percent}
	if pp.Next != nil {
		n := toStep(*pp.Next)
		r.Progress.Next = &n
	}
	return deliverPersonal(c, acc.item, view(acc), r)
}

// ---- content packs ----

// packRequest is a content pack sent as JSON: each file of the pack folder by its path
// relative to the folder (pack.yaml, lessons/x.md, quizzes/x.yaml, ...), as text.
type packRequest struct {
	Files map[string]string `json:"files"`
}

type importedJSON struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Key     string `json:"key"`
	Title   string `json:"title"`
	Version int    `json:"version"`
	Status  string `json:"status"`
	Outcome string `json:"outcome"`
}

type importResponse struct {
	PackID    string         `json:"packId"`
	Items     []importedJSON `json:"items"`
	Created   int            `json:"created"`
	Updated   int            `json:"updated"`
	Unchanged int            `json:"unchanged"`
}

// toImportResponse summarises an import.
func toImportResponse(packID string, items []content.ImportedItem) importResponse {
	out := importResponse{PackID: packID, Items: make([]importedJSON, len(items))}
	for i, r := range items {
		out.Items[i] = importedJSON{ID: r.Item.ID, Kind: string(r.Item.Kind), Key: r.Item.Key, Title: r.Item.Title,
			Version: r.Item.Version, Status: string(r.Item.Status), Outcome: string(r.Outcome)}
		switch r.Outcome {
		case content.ImportCreated:
			out.Created++
		case content.ImportUpdated:
			out.Updated++
		default:
			out.Unchanged++
		}
	}
	return out
}

func (s *Server) importPack(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, pid, programme.RoleOwner, programme.RoleMentor)
	if err != nil {
		return err
	}
	var req packRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if len(req.Files) == 0 {
		var f apperr.Fields
		f.Add("/files", "is required: the files of the pack by path")
		return f.Err()
	}
	files := make(map[string][]byte, len(req.Files))
	for name, text := range req.Files {
		files[name] = []byte(text)
	}
	// Problems reading files travel in pack.Problems; Import reports them with the rest.
	pack, _ := contentpack.Parse(files)
	items, err := s.deps.Content.Import(c.UserContext(), cl.UserID, pid, pack)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toImportResponse(pack.ID, items))
}
