package content

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// Limits on authored content.
const (
	maxTitle       = 120
	maxSummary     = 300
	maxTags        = 12
	maxTag         = 40
	maxBlocks      = 40
	maxMarkdown    = 40000
	maxURL         = 2048
	maxShortText   = 300
	maxQuestions   = 40
	maxOptions     = 10
	maxPrompt      = 1000
	maxExplanation = 2000
	maxChecklist   = 50
	maxPathItems   = 50
	// MaxVideoSeconds is the longest a video block may be (ten minutes).
	MaxVideoSeconds = 600
	maxDeclared     = 600
)

// Estimation rates: about 200 words a minute of text, about 30 seconds a quiz question.
const (
	wordsPerMinute     = 200
	secondsPerQuestion = 30
	secondsPerCheck    = 15
	secondsPerImage    = 10
)

var (
	keyPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
	localePattern = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

// ValidKey reports whether k can be a stable key (of a question, option, checklist item or
// pack item): lower-case letters, digits, '-' and '_', 1 to 64 characters.
func ValidKey(k string) bool { return keyPattern.MatchString(k) }

// Normalize trims and defaults the authored fields of it in place.
func (it *Item) Normalize() {
	it.Title = strings.TrimSpace(it.Title)
	it.Summary = strings.TrimSpace(it.Summary)
	it.Locale = strings.TrimSpace(it.Locale)
	if it.Locale == "" {
		it.Locale = "en"
	}
	tags := make([]string, 0, len(it.Tags))
	seen := map[string]bool{}
	for _, t := range it.Tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if !seen[t] {
			seen[t] = true
			tags = append(tags, t)
		}
	}
	it.Tags = tags
	switch {
	case it.Lesson != nil:
		for i := range it.Lesson.Blocks {
			b := &it.Lesson.Blocks[i]
			b.URL, b.Alt, b.Title, b.Caption = strings.TrimSpace(b.URL), strings.TrimSpace(b.Alt), strings.TrimSpace(b.Title), strings.TrimSpace(b.Caption)
			b.Markdown = strings.TrimSpace(b.Markdown)
		}
	case it.Quiz != nil:
		for i := range it.Quiz.Questions {
			q := &it.Quiz.Questions[i]
			if q.Key == "" {
				q.Key = "q" + strconv.Itoa(i+1)
			}
			q.Prompt, q.Explanation = strings.TrimSpace(q.Prompt), strings.TrimSpace(q.Explanation)
			for j := range q.Options {
				o := &q.Options[j]
				if o.Key == "" {
					o.Key = string(rune('a' + j%26))
				}
				o.Text = strings.TrimSpace(o.Text)
			}
		}
	case it.Checklist != nil:
		for i := range it.Checklist.Items {
			c := &it.Checklist.Items[i]
			if c.Key == "" {
				c.Key = "item" + strconv.Itoa(i+1)
			}
			c.Text = strings.TrimSpace(c.Text)
		}
	}
}

// Validate checks every authored field of it and derives its estimate. Field errors name
// the field by JSON pointer as the authoring API spells it.
func (it *Item) Validate() error {
	var f apperr.Fields
	it.validateInto(&f)
	return f.Err()
}

func (it *Item) validateInto(f *apperr.Fields) {
	it.validateCommon(f)
	it.validateBody(f)
	derived := it.DerivedMinutes()
	it.EstimatedMinutes = max(derived, it.DeclaredMinutes)
	if it.DeclaredMinutes > 0 && it.DeclaredMinutes < derived {
		f.Add("/estimatedMinutes", fmt.Sprintf("may be declared higher than the derived estimate but not lower: the content takes about %d minutes", derived))
	}
	it.ContentHash = it.contentHash()
}

// validateCommon checks the fields every kind of item has.
func (it *Item) validateCommon(f *apperr.Fields) {
	f.Check(it.Kind.Valid(), "/kind", "must be one of lesson, quiz, checklist, path")
	f.Check(it.Title != "" && utf8.RuneCountInString(it.Title) <= maxTitle, "/title", fmt.Sprintf("must be 1 to %d characters", maxTitle))
	f.Check(utf8.RuneCountInString(it.Summary) <= maxSummary, "/summary", fmt.Sprintf("must be at most %d characters", maxSummary))
	f.Check(len(it.Tags) <= maxTags, "/tags", fmt.Sprintf("at most %d tags", maxTags))
	for i, t := range it.Tags {
		f.Check(t != "" && utf8.RuneCountInString(t) <= maxTag && !strings.ContainsAny(t, ",\n"), fmt.Sprintf("/tags/%d", i), fmt.Sprintf("must be 1 to %d characters without commas", maxTag))
	}
	// A path may span domains, so its domain is optional.
	f.Check(it.Domain.Valid() || (it.Kind == KindPath && it.Domain == ""), "/domain", "must be one of cognitive, skill-based, affective, social-networks")
	f.Check(localePattern.MatchString(it.Locale), "/locale", "must be a language tag such as en or en-GB")
	f.Check(it.DeclaredMinutes >= 0 && it.DeclaredMinutes <= maxDeclared, "/estimatedMinutes", fmt.Sprintf("must be 0 to %d", maxDeclared))
}

// validateBody checks the kind's own fields: an item has those of its kind and no others.
func (it *Item) validateBody(f *apperr.Fields) {
	set := 0
	for _, b := range []bool{it.Lesson != nil, it.Quiz != nil, it.Checklist != nil, it.Path != nil} {
		if b {
			set++
		}
	}
	switch {
	case set != 1:
	case it.Kind == KindLesson && it.Lesson != nil:
		validateLesson(f, it.Lesson)
		return
	case it.Kind == KindQuiz && it.Quiz != nil:
		validateQuiz(f, it.Quiz)
		return
	case it.Kind == KindChecklist && it.Checklist != nil:
		validateChecklist(f, it.Checklist)
		return
	case it.Kind == KindPath && it.Path != nil:
		validatePath(f, it.Path)
		return
	}
	if it.Kind.Valid() {
		f.Add("", fmt.Sprintf("a %s needs its own fields and no others", it.Kind))
	}
}

func validHTTPS(s string) bool {
	if s == "" || len(s) > maxURL {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}

func validateLesson(f *apperr.Fields, l *Lesson) {
	f.Check(len(l.Blocks) >= 1 && len(l.Blocks) <= maxBlocks, "/blocks", fmt.Sprintf("must hold 1 to %d blocks", maxBlocks))
	for i, b := range l.Blocks {
		p := fmt.Sprintf("/blocks/%d", i)
		short := func(field, v string, required bool) {
			if required {
				f.Check(v != "", p+"/"+field, "is required")
			}
			f.Check(utf8.RuneCountInString(v) <= maxShortText, p+"/"+field, fmt.Sprintf("must be at most %d characters", maxShortText))
		}
		unused := func(field string, set bool) {
			f.Check(!set, p+"/"+field, fmt.Sprintf("does not apply to a %s block", b.Type))
		}
		if b.Type != BlockText {
			if b.MediaID == "" {
				f.Check(validHTTPS(b.URL), p+"/url", "must be an https URL (or give mediaId, an item of the programme's media library)")
			} else {
				f.Check(b.URL == "", p+"/url", "give either url or mediaId, not both")
				f.Check(len(b.MediaID) <= 64, p+"/mediaId", "is not a media id")
			}
			unused("markdown", b.Markdown != "")
		}
		switch b.Type {
		case BlockText:
			f.Check(b.Markdown != "" && utf8.RuneCountInString(b.Markdown) <= maxMarkdown, p+"/markdown", fmt.Sprintf("must be 1 to %d characters", maxMarkdown))
			unused("url", b.URL != "")
			unused("mediaId", b.MediaID != "")
			unused("alt", b.Alt != "")
			unused("title", b.Title != "")
			unused("caption", b.Caption != "")
			unused("durationSeconds", b.DurationSeconds != 0)
		case BlockImage:
			short("alt", b.Alt, true)
			short("caption", b.Caption, false)
			short("title", b.Title, false)
			unused("durationSeconds", b.DurationSeconds != 0)
		case BlockVideo, BlockAnimation:
			f.Check(b.DurationSeconds >= 1 && b.DurationSeconds <= MaxVideoSeconds, p+"/durationSeconds", fmt.Sprintf("must be 1 to %d seconds (at most ten minutes)", MaxVideoSeconds))
			short("title", b.Title, false)
			short("caption", b.Caption, false)
			if b.Type == BlockVideo {
				unused("alt", b.Alt != "")
			} else {
				short("alt", b.Alt, false) // an animation is a picture too
			}
		case BlockDocument, BlockWebinar:
			short("title", b.Title, true)
			if b.Type == BlockWebinar {
				unused("mediaId", b.MediaID != "")
			}
			short("caption", b.Caption, false)
			unused("alt", b.Alt != "")
			unused("durationSeconds", b.DurationSeconds != 0)
		default:
			f.Add(p+"/type", "must be one of text, image, video, document, animation, webinar")
		}
		if b.Type != BlockWebinar {
			unused("startsAt", b.StartsAt != nil)
		}
	}
}

func validateQuiz(f *apperr.Fields, q *Quiz) {
	f.Check(len(q.Questions) >= 1 && len(q.Questions) <= maxQuestions, "/questions", fmt.Sprintf("must hold 1 to %d questions", maxQuestions))
	f.Check(q.PassPercent >= 1 && q.PassPercent <= 100, "/passPercent", "must be 1 to 100")
	f.Check(q.MaxAttempts >= 0 && q.MaxAttempts <= 100, "/maxAttempts", "must be 0 (unlimited) to 100")
	keys := map[string]bool{}
	for i, qu := range q.Questions {
		p := fmt.Sprintf("/questions/%d", i)
		f.Check(ValidKey(qu.Key), p+"/key", "must be 1 to 64 lower-case letters, digits, '-' or '_'")
		f.Check(!keys[qu.Key], p+"/key", "must be unique within the quiz")
		keys[qu.Key] = true
		f.Check(qu.Prompt != "" && utf8.RuneCountInString(qu.Prompt) <= maxPrompt, p+"/prompt", fmt.Sprintf("must be 1 to %d characters", maxPrompt))
		f.Check(qu.Explanation != "" && utf8.RuneCountInString(qu.Explanation) <= maxExplanation, p+"/explanation", fmt.Sprintf("is required, at most %d characters: it is shown after answering", maxExplanation))
		correct := 0
		okeys := map[string]bool{}
		for j, o := range qu.Options {
			op := fmt.Sprintf("%s/options/%d", p, j)
			f.Check(ValidKey(o.Key), op+"/key", "must be 1 to 64 lower-case letters, digits, '-' or '_'")
			f.Check(!okeys[o.Key], op+"/key", "must be unique within the question")
			okeys[o.Key] = true
			f.Check(o.Text != "" && utf8.RuneCountInString(o.Text) <= maxPrompt, op+"/text", fmt.Sprintf("must be 1 to %d characters", maxPrompt))
			if o.Correct {
				correct++
			}
		}
		switch qu.Type {
		case QuestionSingle:
			f.Check(len(qu.Options) >= 2 && len(qu.Options) <= maxOptions, p+"/options", fmt.Sprintf("must hold 2 to %d options", maxOptions))
			f.Check(correct == 1, p+"/options", "exactly one option must be correct")
		case QuestionMultiple:
			f.Check(len(qu.Options) >= 2 && len(qu.Options) <= maxOptions, p+"/options", fmt.Sprintf("must hold 2 to %d options", maxOptions))
			f.Check(correct >= 1, p+"/options", "at least one option must be correct")
		case QuestionTrueFalse:
			f.Check(len(qu.Options) == 2 && okeys["true"] && okeys["false"], p+"/options", `must be exactly the options with keys "true" and "false"`)
			f.Check(correct == 1, p+"/options", "exactly one option must be correct")
		default:
			f.Add(p+"/type", "must be one of single, multiple, truefalse")
		}
	}
}

func validateChecklist(f *apperr.Fields, c *Checklist) {
	f.Check(len(c.Items) >= 1 && len(c.Items) <= maxChecklist, "/items", fmt.Sprintf("must hold 1 to %d items", maxChecklist))
	keys := map[string]bool{}
	required := 0
	for i, ci := range c.Items {
		p := fmt.Sprintf("/items/%d", i)
		f.Check(ValidKey(ci.Key), p+"/key", "must be 1 to 64 lower-case letters, digits, '-' or '_'")
		f.Check(!keys[ci.Key], p+"/key", "must be unique within the checklist")
		keys[ci.Key] = true
		f.Check(ci.Text != "" && utf8.RuneCountInString(ci.Text) <= maxShortText, p+"/text", fmt.Sprintf("must be 1 to %d characters", maxShortText))
		if ci.Required {
			required++
		}
	}
	f.Check(len(c.Items) == 0 || required > 0, "/items", "at least one item must be required")
}

func validatePath(f *apperr.Fields, p *Path) {
	f.Check(len(p.Items) >= 1 && len(p.Items) <= maxPathItems, "/steps", fmt.Sprintf("must hold 1 to %d items", maxPathItems))
	seen := map[learning.ItemRef]bool{}
	for i, r := range p.Items {
		ip := fmt.Sprintf("/steps/%d", i)
		k := Kind(r.Kind)
		f.Check(k == KindLesson || k == KindQuiz || k == KindChecklist, ip+"/kind", "must be lesson, quiz or checklist")
		f.Check(r.ID != "" && len(r.ID) <= 64, ip+"/id", "is required")
		f.Check(!seen[r], ip, "appears twice in the path")
		seen[r] = true
	}
}

// countWords counts the words of markdown text, ignoring bare markup such as "##" and "-".
func countWords(s string) int {
	n := 0
	for _, w := range strings.Fields(s) {
		if strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			n++
		}
	}
	return n
}

// DerivedSeconds is how long the content takes by the estimation rules: about 200 words a
// minute of text, the declared length of media, about 30 seconds a quiz question. A path
// takes as long as its items, which the service adds up (paths are not budgeted).
func (it Item) DerivedSeconds() int {
	secs := 0
	switch {
	case it.Lesson != nil:
		words := 0
		for _, b := range it.Lesson.Blocks {
			switch b.Type {
			case BlockText:
				words += countWords(b.Markdown)
			case BlockVideo, BlockAnimation:
				secs += b.DurationSeconds
			case BlockImage:
				secs += secondsPerImage
				words += countWords(b.Caption)
			}
		}
		secs += (words*60 + wordsPerMinute - 1) / wordsPerMinute
	case it.Quiz != nil:
		secs = secondsPerQuestion * len(it.Quiz.Questions)
	case it.Checklist != nil:
		words := 0
		for _, c := range it.Checklist.Items {
			words += countWords(c.Text)
		}
		secs = secondsPerCheck*len(it.Checklist.Items) + (words*60+wordsPerMinute-1)/wordsPerMinute
	}
	return secs
}

// DerivedMinutes is DerivedSeconds rounded up to whole minutes (at least 1).
func (it Item) DerivedMinutes() int {
	return max(1, (it.DerivedSeconds()+59)/60)
}

// CheckBudget returns a 422 validation error when the item takes longer than the ten-minute
// budget, saying by how much, so that the author splits it. Paths are not budgeted.
func (it Item) CheckBudget() error {
	if it.Kind == KindPath || it.EstimatedMinutes <= BudgetMinutes {
		return nil
	}
	var f apperr.Fields
	over := it.EstimatedMinutes - BudgetMinutes
	f.Add("/estimatedMinutes", fmt.Sprintf("the item takes about %d minutes, %d %s over the %d-minute budget: split it into shorter items",
		it.EstimatedMinutes, over, plural(over, "minute", "minutes"), BudgetMinutes))
	return f.Err()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// contentHash fingerprints the authored content, so that re-importing an unchanged pack
// changes nothing.
func (it Item) contentHash() string {
	// A quiz is hashed as it was before HideAnswers existed, and the setting only when it is
	// on, so that a pack imported before it still re-imports unchanged.
	type quizHash struct {
		Questions   []Question
		PassPercent int
		MaxAttempts int
	}
	var quiz *quizHash
	hide := false
	if it.Quiz != nil {
		quiz, hide = &quizHash{it.Quiz.Questions, it.Quiz.PassPercent, it.Quiz.MaxAttempts}, it.Quiz.HideAnswers
	}
	b, _ := json.Marshal(struct {
		Kind                          Kind
		Title, Summary, Domain, Local string
		Tags                          []string
		Declared                      int
		Lesson                        *Lesson
		Quiz                          *quizHash
		Checklist                     *Checklist
		Path                          *Path
		HideAnswers                   bool `json:",omitempty"`
	}{it.Kind, it.Title, it.Summary, string(it.Domain), it.Locale, it.Tags, it.DeclaredMinutes, it.Lesson, quiz, it.Checklist, it.Path, hide})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}
