package contentpack_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/content/contentpack"
	"github.com/microlearn/microlearn/content/packs"
	"github.com/microlearn/microlearn/media"
)

// The demo pack must parse, pass every validation rule and fit the ten-minute budget, and
// hold what the issue asks for: 8+ lessons covering all four domains, 3 quizzes, 2
// checklists, 2 paths.
func TestDemoPackIsValid(t *testing.T) {
	files, err := contentpack.ReadFS(packs.FS, packs.Demo)
	if err != nil {
		t.Fatal(err)
	}
	p, err := contentpack.Parse(files)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[content.Kind]int{}
	domains := map[content.Domain]bool{}
	media := 0
	for _, pi := range p.Items {
		it := pi.Item
		it.Normalize()
		// The blocks showing the pack's files: each file must pass the media library's checks,
		// and a video's length comes from the file (Import does this through the library).
		for _, pm := range pi.Media {
			b := &it.Lesson.Blocks[pm.Block]
			info := inspect(t, p, pm.File)
			b.MediaID, b.DurationSeconds = "checked", int(info.DurationSeconds())
			for _, c := range pm.Captions {
				inspect(t, p, c.File)
			}
			media++
		}
		if it.Path != nil {
			it.Path = &content.Path{Items: it.Path.Items} // refs are keys here; validated by Import
		}
		if err := it.Validate(); err != nil {
			t.Errorf("%s: %v", pi.Source, err)
		}
		if err := it.CheckBudget(); err != nil {
			t.Errorf("%s: %v", pi.Source, err)
		}
		kinds[it.Kind]++
		if it.Kind == content.KindLesson {
			domains[it.Domain] = true
		}
		t.Logf("%-40s %-9s %2d min", pi.Source, it.Kind, it.EstimatedMinutes)
	}
	if kinds[content.KindLesson] < 8 || kinds[content.KindQuiz] < 3 || kinds[content.KindChecklist] < 2 || kinds[content.KindPath] < 2 {
		t.Errorf("kinds = %v", kinds)
	}
	if len(domains) != 4 {
		t.Errorf("lesson domains = %v, want all four", domains)
	}
	if media < 7 {
		t.Errorf("%d blocks show the pack's files, want the demo's infographics, screenshot, one-sheets, videos and animation", media)
	}
}

func inspect(t *testing.T, p content.Pack, name string) media.Info {
	t.Helper()
	data, ok := p.Files[name]
	if !ok {
		t.Fatalf("the pack has no %s", name)
	}
	if len(data) > 1<<20 {
		t.Errorf("%s is %d bytes; demo files stay under 1 MB", name, len(data))
	}
	c, err := media.Inspect(bytes.NewReader(data), int64(len(data)), media.TypeOfName(name), media.Limits{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c.Info
}

func TestParseReportsEveryProblemByFile(t *testing.T) {
	files := map[string][]byte{
		"pack.yaml":            []byte("id: p\ntitle: P\n"),
		"lessons/a.md":         []byte("---\nkey: a\ntitle: A\nsumary: typo\ndomain: cognitive\n---\nBody"),
		"lessons/b.md":         []byte("no front matter"),
		"quizzes/q.yaml":       []byte("key: q\ntitle: Q\ndomain: cognitive\nquestions: 3\n"),
		"paths/p.yaml":         []byte("key: p\ntitle: P\ndomain: cognitive\nitems: [lesson-a]\n"),
		"random/notes.txt":     []byte("x"),
		"lessons/.DS_Store":    []byte("ignored"),
		"checklists/README.md": []byte("ignored"),
	}
	_, err := contentpack.Parse(files)
	var pe *content.PackErrors
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *content.PackErrors", err)
	}
	var got []string
	for _, e := range pe.Errors {
		got = append(got, e.Source)
	}
	want := []string{"lessons/a.md", "lessons/b.md", "paths/p.yaml", "quizzes/q.yaml", "random/notes.txt"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files with errors (-want +got):\n%s\n%v", diff, err)
	}
	if !strings.Contains(pe.Error(), "sumary") {
		t.Errorf("the unknown field is not named: %v", pe)
	}
}
