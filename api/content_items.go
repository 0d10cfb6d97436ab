package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/programme"
)

type blockJSON struct {
	Type     string `json:"type"`
	Markdown string `json:"markdown,omitempty"`
	URL      string `json:"url,omitempty"`
	MediaID  string `json:"mediaId,omitempty"`
	// Media describes the media item a block shows (responses only; api/media_blocks.go).
	Media           *blockMediaJSON `json:"media,omitempty"`
	Alt             string          `json:"alt,omitempty"`
	Caption         string          `json:"caption,omitempty"`
	Title           string          `json:"title,omitempty"`
	DurationSeconds int             `json:"durationSeconds,omitempty"`
	StartsAt        *time.Time      `json:"startsAt,omitempty"`
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
	HideAnswers      *bool               `json:"hideAnswers"`
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
		for i, b := range r.Blocks {
			f.Check(b.Media == nil, fmt.Sprintf("/blocks/%d/media", i), "is filled in by the server: send mediaId")
			l.Blocks = append(l.Blocks, content.Block{Type: content.BlockType(b.Type), Markdown: b.Markdown, URL: b.URL, MediaID: b.MediaID,
				Alt: b.Alt, Caption: b.Caption, Title: b.Title, DurationSeconds: b.DurationSeconds, StartsAt: b.StartsAt})
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
		q.HideAnswers = r.HideAnswers != nil && *r.HideAnswers
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
		other("hideAnswers", r.HideAnswers != nil)
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
	HideAnswers *bool                  `json:"hideAnswers,omitempty"`
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
			r.Blocks[i] = blockJSON{Type: string(b.Type), Markdown: b.Markdown, URL: b.URL, MediaID: b.MediaID, Alt: b.Alt, Caption: b.Caption, Title: b.Title,
				DurationSeconds: b.DurationSeconds, StartsAt: b.StartsAt}
		}
	case it.Quiz != nil:
		pass, maxA, hide := it.Quiz.PassPercent, it.Quiz.MaxAttempts, it.Quiz.HideAnswers
		r.PassPercent, r.MaxAttempts, r.HideAnswers = &pass, &maxA, &hide
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
	// MyProgress is the caller's own progress on the item (api/standing.go).
	MyProgress *standingJSON `json:"myProgress,omitempty"`
}

type contentList struct {
	Items      []summaryJSON `json:"items"`
	NextCursor *string       `json:"nextCursor,omitempty"`
}

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
