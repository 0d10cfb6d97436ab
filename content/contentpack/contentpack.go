// Package contentpack reads content packs: a folder with pack.yaml, lessons/*.md (Markdown
// with YAML front matter), quizzes/*.yaml, checklists/*.yaml and paths/*.yaml. Decoding is
// strict (unknown fields are errors) and every problem is reported with the file it is in.
package contentpack

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/learning"
)

// Limits on a pack. Media files (media/...) may be larger than the text files; the media
// library's own limits per kind apply to them too.
const (
	MaxFiles      = 500
	MaxFileBytes  = 256 << 10
	MaxMediaBytes = 16 << 20
)

type packFile struct {
	ID      string `yaml:"id"`
	Title   string `yaml:"title"`
	Version int    `yaml:"version"`
}

type common struct {
	Key              string   `yaml:"key"`
	Title            string   `yaml:"title"`
	Summary          string   `yaml:"summary"`
	Tags             []string `yaml:"tags"`
	Domain           string   `yaml:"domain"`
	Locale           string   `yaml:"locale"`
	EstimatedMinutes int      `yaml:"estimatedMinutes"`
}

type mediaDoc struct {
	Type string `yaml:"type"`
	URL  string `yaml:"url"`
	// File names a file of the pack (media/...) to show instead of a URL.
	File            string       `yaml:"file"`
	Captions        []captionDoc `yaml:"captions"`
	Alt             string       `yaml:"alt"`
	Title           string       `yaml:"title"`
	Caption         string       `yaml:"caption"`
	DurationSeconds int          `yaml:"durationSeconds"`
	StartsAt        *time.Time   `yaml:"startsAt"`
}

type captionDoc struct {
	File     string `yaml:"file"`
	Language string `yaml:"language"`
	Label    string `yaml:"label"`
}

type lessonDoc struct {
	common `yaml:",inline"`
	Media  []mediaDoc `yaml:"media"`
}

type optionDoc struct {
	Key     string `yaml:"key"`
	Text    string `yaml:"text"`
	Correct bool   `yaml:"correct"`
}

type questionDoc struct {
	Key         string      `yaml:"key"`
	Type        string      `yaml:"type"`
	Prompt      string      `yaml:"prompt"`
	Options     []optionDoc `yaml:"options"`
	Explanation string      `yaml:"explanation"`
}

type quizDoc struct {
	common      `yaml:",inline"`
	PassPercent int           `yaml:"passPercent"`
	MaxAttempts int           `yaml:"maxAttempts"`
	HideAnswers bool          `yaml:"hideAnswers"`
	Questions   []questionDoc `yaml:"questions"`
}

type checklistItemDoc struct {
	Key      string `yaml:"key"`
	Text     string `yaml:"text"`
	Required bool   `yaml:"required"`
}

type checklistDoc struct {
	common `yaml:",inline"`
	Items  []checklistItemDoc `yaml:"items"`
}

type pathDoc struct {
	common `yaml:",inline"`
	Items  []string `yaml:"items"`
}

// ReadFS loads the files of the pack rooted at dir in fsys, keyed by slash-separated path
// relative to dir.
func ReadFS(fsys fs.FS, dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if len(files) >= MaxFiles {
			return fmt.Errorf("a pack holds at most %d files", MaxFiles)
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		rel := p
		if dir != "." {
			rel = strings.TrimPrefix(p, dir+"/")
		}
		limit := maxBytes(rel)
		b, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
		if err != nil {
			return err
		}
		if len(b) > limit {
			return fmt.Errorf("%s is larger than %d bytes", p, limit)
		}
		files[rel] = b
		return nil
	})
	return files, err
}

// Parse turns the files of a pack into a content.Pack. Every problem found is reported, as
// a *content.PackErrors naming each file; the pack is returned anyway, with the files that
// could be read and the problems in Problems, so that Import can add what it finds in them.
func Parse(files map[string][]byte) (content.Pack, error) {
	var errs content.PackErrors
	fail := func(src, ptr, detail string) {
		errs.Errors = append(errs.Errors, content.FileError{Source: src, Pointer: ptr, Detail: detail})
	}
	var p content.Pack
	if b, ok := files["pack.yaml"]; !ok {
		fail("pack.yaml", "", "is missing: a pack needs pack.yaml with its id and title")
	} else {
		var pf packFile
		if err := strict(b, &pf); err != nil {
			fail("pack.yaml", "", err.Error())
		}
		p.ID, p.Title = pf.ID, pf.Title
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) > MaxFiles {
		fail("", "", fmt.Sprintf("a pack holds at most %d files", MaxFiles))
		return p, &errs
	}
	for _, name := range names {
		if name == "pack.yaml" || ignored(name) {
			continue
		}
		if strings.HasPrefix(name, "media/") {
			if len(files[name]) > MaxMediaBytes {
				fail(name, "", fmt.Sprintf("is larger than %d bytes", MaxMediaBytes))
				continue
			}
			if p.Files == nil {
				p.Files = map[string][]byte{}
			}
			p.Files[name] = files[name]
			continue
		}
		it, media, err := parseFile(name, files[name])
		if err != nil {
			var fe fieldErr
			if errors.As(err, &fe) {
				fail(name, fe.pointer, fe.detail)
			} else {
				fail(name, "", err.Error())
			}
			continue
		}
		p.Items = append(p.Items, content.PackItem{Source: name, Item: it, Media: media})
	}
	if len(errs.Errors) > 0 {
		p.Problems = errs.Errors
		return p, &errs
	}
	return p, nil
}

// parseFile parses one item file of a pack, by where it lies: lessons/*.md,
// quizzes/*.yaml, checklists/*.yaml or paths/*.yaml.
func parseFile(name string, b []byte) (content.Item, []content.PackMedia, error) {
	dir, base := path.Split(name)
	ext := path.Ext(base)
	yaml := ext == ".yaml" || ext == ".yml"
	switch {
	case len(b) > MaxFileBytes:
		return content.Item{}, nil, fmt.Errorf("is larger than %d bytes", MaxFileBytes)
	case dir == "lessons/" && ext == ".md":
		return parseLesson(b)
	case dir == "quizzes/" && yaml:
		it, err := parseQuiz(b)
		return it, nil, err
	case dir == "checklists/" && yaml:
		it, err := parseChecklist(b)
		return it, nil, err
	case dir == "paths/" && yaml:
		it, err := parsePath(b)
		return it, nil, err
	}
	return content.Item{}, nil, errors.New("is not part of a pack: use pack.yaml, lessons/*.md, quizzes/*.yaml, checklists/*.yaml, paths/*.yaml or media/*")
}

func maxBytes(name string) int {
	if strings.HasPrefix(name, "media/") {
		return MaxMediaBytes
	}
	return MaxFileBytes
}

func ignored(name string) bool {
	base := path.Base(name)
	return strings.HasPrefix(base, ".") || strings.HasPrefix(strings.ToUpper(base), "README")
}

type fieldErr struct{ pointer, detail string }

func (e fieldErr) Error() string { return e.pointer + ": " + e.detail }

// strict decodes one YAML document into v, refusing unknown fields and trailing documents.
func strict(b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("is empty")
		}
		return fmt.Errorf("invalid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return errors.New("holds more than one YAML document")
	}
	return nil
}

func (c common) item(kind content.Kind) content.Item {
	return content.Item{Kind: kind, Key: c.Key, Title: c.Title, Summary: c.Summary, Tags: c.Tags,
		Domain: content.Domain(c.Domain), Locale: c.Locale, DeclaredMinutes: c.EstimatedMinutes}
}

// parseLesson reads Markdown with YAML front matter between two "---" lines. The body becomes
// the lesson's text block; front-matter media follow it as blocks.
func parseLesson(b []byte) (content.Item, []content.PackMedia, error) {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(b, []byte("---\n")) {
		return content.Item{}, nil, errors.New("must start with YAML front matter between two --- lines")
	}
	rest := b[4:]
	end := bytes.Index(rest, []byte("\n---\n"))
	if end < 0 {
		return content.Item{}, nil, errors.New("the front matter is not closed by a --- line")
	}
	front, body := rest[:end+1], rest[end+5:]
	var d lessonDoc
	if err := strict(front, &d); err != nil {
		return content.Item{}, nil, err
	}
	it := d.item(content.KindLesson)
	l := &content.Lesson{}
	if md := strings.TrimSpace(string(body)); md != "" {
		l.Blocks = append(l.Blocks, content.Block{Type: content.BlockText, Markdown: md})
	}
	var media []content.PackMedia
	for i, m := range d.Media {
		if m.File != "" {
			pm := content.PackMedia{Block: len(l.Blocks), Pointer: fmt.Sprintf("/media/%d", i), File: path.Clean(m.File)}
			if !strings.HasPrefix(pm.File, "media/") {
				return content.Item{}, nil, fieldErr{pm.Pointer + "/file", "must name a file in the pack's media/ folder, such as media/diagram.svg"}
			}
			for _, c := range m.Captions {
				pm.Captions = append(pm.Captions, content.PackCaptions{File: path.Clean(c.File), Language: c.Language, Label: c.Label})
			}
			media = append(media, pm)
		} else if len(m.Captions) > 0 {
			return content.Item{}, nil, fieldErr{fmt.Sprintf("/media/%d/captions", i), "captions apply to a video file of the pack (file:)"}
		}
		l.Blocks = append(l.Blocks, content.Block{Type: content.BlockType(m.Type), URL: m.URL, Alt: m.Alt, Title: m.Title,
			Caption: m.Caption, DurationSeconds: m.DurationSeconds, StartsAt: m.StartsAt})
	}
	it.Lesson = l
	return it, media, nil
}

func parseQuiz(b []byte) (content.Item, error) {
	var d quizDoc
	if err := strict(b, &d); err != nil {
		return content.Item{}, err
	}
	it := d.item(content.KindQuiz)
	q := &content.Quiz{PassPercent: d.PassPercent, MaxAttempts: d.MaxAttempts, HideAnswers: d.HideAnswers}
	for _, qd := range d.Questions {
		qu := content.Question{Key: qd.Key, Type: content.QuestionType(qd.Type), Prompt: qd.Prompt, Explanation: qd.Explanation}
		for _, o := range qd.Options {
			qu.Options = append(qu.Options, content.Option{Key: o.Key, Text: o.Text, Correct: o.Correct})
		}
		q.Questions = append(q.Questions, qu)
	}
	it.Quiz = q
	return it, nil
}

func parseChecklist(b []byte) (content.Item, error) {
	var d checklistDoc
	if err := strict(b, &d); err != nil {
		return content.Item{}, err
	}
	it := d.item(content.KindChecklist)
	c := &content.Checklist{}
	for _, ci := range d.Items {
		c.Items = append(c.Items, content.ChecklistItem{Key: ci.Key, Text: ci.Text, Required: ci.Required})
	}
	it.Checklist = c
	return it, nil
}

// parsePath reads a path whose items are "kind:key" references to other items of the pack.
func parsePath(b []byte) (content.Item, error) {
	var d pathDoc
	if err := strict(b, &d); err != nil {
		return content.Item{}, err
	}
	it := d.item(content.KindPath)
	pth := &content.Path{}
	for i, s := range d.Items {
		kind, key, ok := strings.Cut(s, ":")
		if !ok {
			return content.Item{}, fieldErr{fmt.Sprintf("/items/%d", i), `must be "kind:key", such as "lesson:active-listening"`}
		}
		pth.Items = append(pth.Items, learning.ItemRef{Kind: kind, ID: key})
	}
	it.Path = pth
	return it, nil
}
