package api_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/content/contentpack"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/programme"
)

// contentWorld is a programme with an owner, a mentor and a mentee, plus an outsider.
type contentWorld struct {
	env                           *apitest.Env
	pid                           string
	owner, mentor, mentee, outsdr apitest.User
}

func newContentWorld(t *testing.T, opts ...apitest.Option) *contentWorld {
	t.Helper()
	env := apitest.New(t, opts...)
	w := &contentWorld{env: env, owner: env.Register("Content Owner"), mentor: env.Register("Content Mentor"),
		mentee: env.Register("Content Mentee"), outsdr: env.Register("Content Outsider")}
	ctx := context.Background()
	p, err := env.App.Programmes.Create(ctx, w.owner.ID, programme.Programme{Name: "Content programme", Timezone: "Europe/London"})
	if err != nil {
		t.Fatal(err)
	}
	w.pid = p.ID
	for _, m := range []struct {
		u    apitest.User
		role programme.Role
	}{{w.mentor, programme.RoleMentor}, {w.mentee, programme.RoleMentee}} {
		if err := env.App.Programmes.AddMember(ctx, p.ID, m.u.ID, m.role); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *contentWorld) do(t *testing.T, method, path string, tok string, body any, want int) *apitest.Response {
	t.Helper()
	r := w.env.Do(apitest.Req{Method: method, Path: path, Token: tok, Body: body})
	if r.Status != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

type itemJSON struct {
	ID               string `json:"id"`
	Kind             string `json:"kind"`
	Title            string `json:"title"`
	Status           string `json:"status"`
	Version          int    `json:"version"`
	EstimatedMinutes int    `json:"estimatedMinutes"`
	Blocks           []struct {
		Type     string `json:"type"`
		Markdown string `json:"markdown"`
	} `json:"blocks"`
	Steps []struct {
		ID   string `json:"id"`
		Done bool   `json:"done"`
	} `json:"steps"`
	Progress *struct {
		Done, Total, Percent int
		Next                 *struct{ ID string }
	} `json:"progress"`
	MyProgress *struct {
		TickedItems []string `json:"tickedItems"`
		Complete    bool     `json:"complete"`
	} `json:"myProgress"`
}

func words(n int) string {
	return strings.TrimSpace(strings.Repeat("listen ", n))
}

func TestAuthoringLifecycleAndVersions(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	base := "/v1/programmes/" + w.pid + "/content"
	body := map[string]any{"kind": "lesson", "title": "Active listening", "summary": "Hear the meaning.", "domain": "skill-based",
		"tags": []string{"Listening", "listening"}, "blocks": []map[string]any{{"type": "text", "markdown": "Version one text."}}}
	var created itemJSON
	w.do(t, "POST", base, w.mentor.Token, body, 201).JSON(t, &created)
	if created.Status != "draft" || created.Version != 1 {
		t.Fatalf("created %+v", created)
	}
	lesson := "/v1/lessons/" + created.ID
	// A draft does not exist for mentees, but its author sees it.
	asProblem(t, w.env.Do(apitest.Req{Method: "GET", Path: lesson, Token: w.mentee.Token}), 404)
	w.do(t, "GET", lesson, w.owner.Token, nil, 200)
	w.do(t, "POST", "/v1/content/"+created.ID+"/publish", w.owner.Token, nil, 200)
	var got itemJSON
	w.do(t, "GET", lesson, w.mentee.Token, nil, 200).JSON(t, &got)
	if got.Blocks[0].Markdown != "Version one text." {
		t.Fatalf("mentee got %+v", got)
	}
	// An update makes version 2 (live at once, since the lesson is published); version 1
	// stays readable.
	body["blocks"] = []map[string]any{{"type": "text", "markdown": "Version two text."}}
	body["version"] = 1
	var v2 itemJSON
	w.do(t, "PUT", "/v1/content/"+created.ID, w.mentor.Token, body, 200).JSON(t, &v2)
	if v2.Version != 2 || v2.Status != "published" {
		t.Fatalf("update gave %+v", v2)
	}
	// Editing version 1 again is a conflict: someone moved the item on.
	asProblem(t, w.env.Do(apitest.Req{Method: "PUT", Path: "/v1/content/" + created.ID, Token: w.owner.Token, Body: body}), 409)
	w.do(t, "GET", lesson, w.mentee.Token, nil, 200).JSON(t, &got)
	if got.Version != 2 || got.Blocks[0].Markdown != "Version two text." {
		t.Fatalf("after update mentee got %+v", got)
	}
	var v1 itemJSON
	w.do(t, "GET", "/v1/content/"+created.ID+"/versions/1", w.owner.Token, nil, 200).JSON(t, &v1)
	if v1.Blocks[0].Markdown != "Version one text." {
		t.Errorf("version 1 reads %+v", v1)
	}
	asProblem(t, w.env.Do(apitest.Req{Method: "GET", Path: "/v1/content/" + created.ID + "/versions/9", Token: w.owner.Token}), 404)
	w.do(t, "POST", "/v1/content/"+created.ID+"/archive", w.owner.Token, nil, 200)
	asProblem(t, w.env.Do(apitest.Req{Method: "GET", Path: lesson, Token: w.mentee.Token}), 404)
	asProblem(t, w.env.Do(apitest.Req{Method: "PUT", Path: "/v1/content/" + created.ID, Token: w.owner.Token, Body: body}), 409)
	// Outsiders do not learn that the item exists.
	asProblem(t, w.env.Do(apitest.Req{Method: "GET", Path: lesson, Token: w.outsdr.Token}), 404)
}

func TestTenMinuteBudget(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	base := "/v1/programmes/" + w.pid + "/content"
	// 2,400 words at 200 a minute is 12 minutes: the draft is accepted, publishing is not.
	long := map[string]any{"kind": "lesson", "title": "Too long", "domain": "cognitive",
		"blocks": []map[string]any{{"type": "text", "markdown": words(2400)}}}
	var it itemJSON
	w.do(t, "POST", base, w.owner.Token, long, 201).JSON(t, &it)
	if it.EstimatedMinutes != 12 {
		t.Errorf("estimate %d, want 12", it.EstimatedMinutes)
	}
	p := asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: "/v1/content/" + it.ID + "/publish", Token: w.owner.Token}), 422)
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/estimatedMinutes" || !strings.Contains(p.Errors[0].Detail, "2 minutes over the 10-minute budget") {
		t.Errorf("problem %+v", p)
	}
	// Media count by their declared length: 1,000 words (5 min) + two 5-minute videos = 15.
	media := map[string]any{"kind": "lesson", "title": "Media heavy", "domain": "cognitive", "blocks": []map[string]any{
		{"type": "text", "markdown": words(1000)},
		{"type": "video", "url": "https://v.example/a.mp4", "durationSeconds": 300},
		{"type": "animation", "url": "https://v.example/b.mp4", "durationSeconds": 300}}}
	w.do(t, "POST", base, w.owner.Token, media, 201).JSON(t, &it)
	p = asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: "/v1/content/" + it.ID + "/publish", Token: w.owner.Token}), 422)
	if !strings.Contains(p.Errors[0].Detail, "5 minutes over") {
		t.Errorf("problem %+v", p)
	}
	// A quiz of 24 questions at 30 s each is 12 minutes.
	qs := []map[string]any{}
	for i := range 24 {
		qs = append(qs, map[string]any{"type": "truefalse", "prompt": fmt.Sprintf("Statement %d", i), "explanation": "Because.",
			"options": []map[string]any{{"key": "true", "text": "True", "correct": true}, {"key": "false", "text": "False"}}})
	}
	w.do(t, "POST", base, w.owner.Token, map[string]any{"kind": "quiz", "title": "Long quiz", "domain": "cognitive", "questions": qs}, 201).JSON(t, &it)
	if it.EstimatedMinutes != 12 {
		t.Errorf("quiz estimate %d, want 12", it.EstimatedMinutes)
	}
	asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: "/v1/content/" + it.ID + "/publish", Token: w.owner.Token}), 422)
	// The estimate may be declared higher, not lower.
	short := map[string]any{"kind": "lesson", "title": "Short", "domain": "cognitive", "estimatedMinutes": 3,
		"blocks": []map[string]any{{"type": "text", "markdown": words(400)}}}
	w.do(t, "POST", base, w.owner.Token, short, 201).JSON(t, &it)
	if it.EstimatedMinutes != 3 {
		t.Errorf("declared 3 gave %d", it.EstimatedMinutes)
	}
	short["estimatedMinutes"] = 1
	p = asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: base, Token: w.owner.Token, Body: short}), 422)
	if p.Errors[0].Pointer != "/estimatedMinutes" {
		t.Errorf("problem %+v", p)
	}
}

func TestBadContentIsRejectedFieldByField(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	base := "/v1/programmes/" + w.pid + "/content"
	lesson := func(blocks ...map[string]any) map[string]any {
		return map[string]any{"kind": "lesson", "title": "T", "domain": "cognitive", "blocks": blocks}
	}
	tests := []struct {
		name   string
		body   any
		status int
		want   []string // pointers
	}{
		{"image without alt, http url", lesson(map[string]any{"type": "image", "url": "http://x.example/a.png"}), 422, []string{"/blocks/0/url", "/blocks/0/alt"}},
		{"video over ten minutes", lesson(map[string]any{"type": "video", "url": "https://x.example/v.mp4", "durationSeconds": 601}), 422, []string{"/blocks/0/durationSeconds"}},
		{"video without duration", lesson(map[string]any{"type": "video", "url": "https://x.example/v.mp4"}), 422, []string{"/blocks/0/durationSeconds"}},
		{"document without title", lesson(map[string]any{"type": "text", "markdown": "ok"}, map[string]any{"type": "document", "url": "https://x.example/d.pdf"}), 422, []string{"/blocks/1/title"}},
		{"webinar javascript url", lesson(map[string]any{"type": "webinar", "url": "javascript:alert(1)", "title": "W"}), 422, []string{"/blocks/0/url"}},
		{"unknown block type", lesson(map[string]any{"type": "hologram", "url": "https://x.example/h"}), 422, []string{"/blocks/0/type"}},
		{"empty text", lesson(map[string]any{"type": "text"}), 422, []string{"/blocks/0/markdown"}},
		{"no blocks, no title, bad domain", map[string]any{"kind": "lesson", "domain": "spiritual"}, 422, []string{"/title", "/domain", "/blocks"}},
		{"quiz with two correct single answers and no explanation", map[string]any{"kind": "quiz", "title": "Q", "domain": "cognitive",
			"questions": []map[string]any{{"type": "single", "prompt": "P", "options": []map[string]any{{"text": "a", "correct": true}, {"text": "b", "correct": true}}}}},
			422, []string{"/questions/0/explanation", "/questions/0/options"}},
		{"truefalse with wrong keys", map[string]any{"kind": "quiz", "title": "Q", "domain": "cognitive", "passPercent": 0,
			"questions": []map[string]any{{"type": "truefalse", "prompt": "P", "explanation": "E", "options": []map[string]any{{"key": "yes", "text": "a", "correct": true}, {"key": "no", "text": "b"}}}}},
			422, []string{"/passPercent", "/questions/0/options"}},
		{"checklist without required items, duplicate keys", map[string]any{"kind": "checklist", "title": "C", "domain": "affective",
			"items": []map[string]any{{"key": "a", "text": "x"}, {"key": "a", "text": "y"}}}, 422, []string{"/items/1/key", "/items"}},
		{"path naming a missing lesson", map[string]any{"kind": "path", "title": "P", "steps": []map[string]any{{"kind": "lesson", "id": "nope"}}}, 422, []string{"/steps/0"}},
		{"fields of another kind", map[string]any{"kind": "lesson", "title": "T", "domain": "cognitive", "blocks": []map[string]any{{"type": "text", "markdown": "x"}},
			"questions": []map[string]any{}}, 422, []string{"/questions"}},
		{"operator injection", `{"kind":"lesson","title":{"$ne":null}}`, 400, []string{"/title"}},
		{"unknown field", `{"kind":"lesson","title":"T","colour":"red"}`, 400, []string{"/colour"}},
		{"malformed JSON", `{"kind":`, 400, []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: base, Token: w.owner.Token, Body: tc.body}), tc.status)
			got := map[string]bool{}
			for _, e := range p.Errors {
				got[e.Pointer] = true
			}
			for _, ptr := range tc.want {
				if !got[ptr] {
					t.Errorf("no error at %q: %+v", ptr, p.Errors)
				}
			}
		})
	}
	// Nothing was written by any of them.
	var list struct{ Items []itemJSON }
	w.do(t, "GET", base, w.owner.Token, nil, 200).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("rejected requests left %d items", len(list.Items))
	}
	// Oversize bodies are refused with 413.
	huge := `{"kind":"lesson","title":"` + strings.Repeat("x", 1<<20) + `"}` // just over the 1 MiB limit
	asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: base, Token: w.owner.Token, Body: huge}), 413)
}

func TestLibraryListFiltersAndPagination(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	svc := w.env.App.Content
	titles := []string{"Alpha (basics)", "Bravo listening", "charlie listening", "Delta goals", "Echo goals", "Foxtrot [draft]"}
	for i, title := range titles {
		it := testLesson(title)
		if i%2 == 1 {
			it = testChecklist(title)
		}
		if strings.Contains(title, "goals") {
			it.Tags, it.Domain = []string{"goals"}, content.DomainCognitive
		}
		mustCreate(t, svc, w.owner.ID, w.pid, it, !strings.Contains(title, "draft"))
	}
	// A published item of the global library is listed too; its drafts are not.
	mustCreate(t, svc, "admin", "", testLesson("Global golf"), true)
	mustCreate(t, svc, "admin", "", testLesson("Global hidden draft"), false)
	// Another programme's item never is.
	other, _ := w.env.App.Programmes.Create(context.Background(), w.outsdr.ID, programme.Programme{Name: "Other"})
	mustCreate(t, svc, w.outsdr.ID, other.ID, testLesson("Other india"), true)

	list := func(tok, query string) ([]string, string) {
		t.Helper()
		var out struct {
			Items      []itemJSON
			NextCursor string
		}
		w.do(t, "GET", "/v1/programmes/"+w.pid+"/content"+query, tok, nil, 200).JSON(t, &out)
		var got []string
		for _, it := range out.Items {
			got = append(got, it.Title)
		}
		return got, out.NextCursor
	}
	tests := []struct {
		name, tok, query string
		want             []string
	}{
		{"mentee sees published, ordered by title", w.mentee.Token, "", []string{"Alpha (basics)", "Bravo listening", "charlie listening", "Delta goals", "Echo goals", "Global golf"}},
		{"author sees drafts", w.owner.Token, "?status=draft", []string{"Foxtrot [draft]"}},
		{"kind", w.mentee.Token, "?kind=checklist", []string{"Bravo listening", "Delta goals"}},
		{"domain", w.mentee.Token, "?domain=cognitive", []string{"Delta goals", "Echo goals"}},
		{"tag", w.mentee.Token, "?tag=goals", []string{"Delta goals", "Echo goals"}},
		{"text in title, any case", w.mentee.Token, "?q=LISTENING", []string{"Bravo listening", "charlie listening"}},
		{"regex characters are literal", w.mentee.Token, "?q=" + "(basics)", []string{"Alpha (basics)"}},
		{"a pattern matches nothing", w.mentee.Token, "?q=.*", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := list(tc.tok, tc.query)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// Pages of two walk the whole list once, in order.
	var all []string
	cursor := ""
	for pages := 0; ; pages++ {
		q := "?limit=2"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		got, next := list(w.mentee.Token, q)
		all = append(all, got...)
		if next == "" {
			break
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		cursor = next
	}
	want, _ := list(w.mentee.Token, "?limit=100")
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("paged walk (-want +got):\n%s", diff)
	}
	for _, q := range []string{"?limit=0", "?limit=101", "?limit=x", "?cursor=bm90LWEtY3Vyc29y", "?kind=video", "?status=draft&kind=lesson"} {
		tok := w.mentee.Token
		asProblem(t, w.env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + w.pid + "/content" + q, Token: tok}), 400)
	}
}

func TestDeliveryCachesAndCompresses(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	it := testLesson("Cached lesson")
	it.Lesson.Blocks[0].Markdown = words(600) // big enough to compress
	lesson := mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, it, true)
	path := "/v1/lessons/" + lesson.ID
	r := w.do(t, "GET", path, w.mentee.Token, nil, 200)
	etag := r.Header.Get("ETag")
	if !strings.Contains(etag, "-v1-") {
		t.Errorf("ETag %q does not carry the version", etag)
	}
	cc := r.Header.Get("Cache-Control")
	for _, part := range []string{"private", "max-age=", "stale-while-revalidate="} {
		if !strings.Contains(cc, part) {
			t.Errorf("Cache-Control %q lacks %s", cc, part)
		}
	}
	r = w.env.Do(apitest.Req{Method: "GET", Path: path, Token: w.mentee.Token, Header: map[string]string{"If-None-Match": etag}})
	if r.Status != http.StatusNotModified || len(r.Body) != 0 {
		t.Errorf("If-None-Match: %d %q", r.Status, r.Body)
	}
	// A new version changes the ETag.
	if _, err := w.env.App.Content.Update(context.Background(), lesson.ID, 0, testLesson("Cached lesson v2")); err != nil {
		t.Fatal(err)
	}
	r = w.env.Do(apitest.Req{Method: "GET", Path: path, Token: w.mentee.Token, Header: map[string]string{"If-None-Match": etag}})
	if r.Status != 200 || r.Header.Get("ETag") == etag {
		t.Errorf("after update: %d, ETag %q", r.Status, r.Header.Get("ETag"))
	}
	// gzip when the client accepts it (a raw request, so that Go does not decompress).
	req, _ := http.NewRequest("GET", w.env.BaseURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+w.mentee.Token)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !json.Valid(plain) {
		t.Fatalf("gzip body: %v", err)
	}
}

func TestDemoPackImportedOnFirstStartAndIdempotent(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.WithDemo())
	tok := env.Login("mentee1@example.com", app.DemoPassword)
	var out struct {
		Items []itemJSON
	}
	r := env.Do(apitest.Req{Method: "GET", Path: "/v1/programmes/" + app.DemoProgrammeID + "/content?limit=100", Token: tok})
	r.JSON(t, &out)
	kinds := map[string]int{}
	for _, it := range out.Items {
		kinds[it.Kind]++
		if it.Status != "published" || it.Version != 1 {
			t.Errorf("%s: %s v%d", it.Title, it.Status, it.Version)
		}
	}
	if kinds["lesson"] < 8 || kinds["quiz"] < 3 || kinds["checklist"] < 2 || kinds["path"] < 2 {
		t.Fatalf("demo library holds %v", kinds)
	}
	// Importing the same pack again changes nothing: no new versions, no new documents.
	ctx := context.Background()
	versions := func() int64 {
		n, err := env.App.DB.DB.Collection("content_versions").CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := versions()
	files, err := app.DemoPack()
	if err != nil {
		t.Fatal(err)
	}
	pack, err := contentpack.Parse(files)
	if err != nil {
		t.Fatal(err)
	}
	res, err := env.App.Content.Import(ctx, "someone", app.DemoProgrammeID, pack)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Outcome != content.ImportUnchanged {
			t.Errorf("%s: %s on re-import", r.Item.Key, r.Outcome)
		}
	}
	if after := versions(); after != before {
		t.Errorf("re-import wrote versions: %d -> %d", before, after)
	}
	// Mentoring finds demo items by their pack key, and only in their programme.
	cat := env.App.ContentCatalog()
	ref, info, err := cat.ItemByKey(ctx, app.DemoProgrammeID, "lesson", "active-listening")
	if err != nil || !info.Published || info.Kind != "lesson" {
		t.Fatalf("ItemByKey: %v %+v", err, info)
	}
	if _, err := cat.Item(ctx, app.DemoProgrammeID, ref); err != nil {
		t.Errorf("Item in its programme: %v", err)
	}
	if _, err := cat.Item(ctx, "another-programme", ref); !errors.Is(err, mentoring.ErrItemNotFound) {
		t.Errorf("Item in another programme: %v", err)
	}
	// The demo seed's path shows progress to a mentee (who, in the lived-in demo, has
	// learned for three weeks: some of it or all of it done).
	var path itemJSON
	for _, it := range out.Items {
		if it.Kind == "path" {
			env.Do(apitest.Req{Method: "GET", Path: "/v1/paths/" + it.ID, Token: tok}).JSON(t, &path)
			break
		}
	}
	if p := path.Progress; p == nil || p.Total != 6 || p.Done == 0 || (p.Next == nil) != (p.Done == p.Total) {
		t.Errorf("path progress %+v", path.Progress)
	}
}

func TestPackImportThroughTheAPI(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	url := "/v1/programmes/" + w.pid + "/content-packs"
	files := map[string]string{
		"pack.yaml":           "id: starter\ntitle: Starter\n",
		"lessons/one.md":      "---\nkey: one\ntitle: One\ndomain: cognitive\n---\nFirst lesson.\n",
		"checklists/two.yaml": "key: two\ntitle: Two\ndomain: affective\nitems:\n  - {key: a, text: Do it, required: true}\n",
		"paths/p.yaml":        "key: p\ntitle: Path\nitems: [lesson:one, checklist:two]\n",
	}
	type imported struct {
		Created, Updated, Unchanged int
		Items                       []struct{ ID, Key, Outcome string }
	}
	var first, second, third imported
	w.do(t, "POST", url, w.mentor.Token, map[string]any{"files": files}, 200).JSON(t, &first)
	w.do(t, "POST", url, w.mentor.Token, map[string]any{"files": files}, 200).JSON(t, &second)
	if first.Created != 3 || second.Unchanged != 3 || second.Created+second.Updated != 0 {
		t.Fatalf("first %+v, second %+v", first, second)
	}
	for i := range first.Items {
		if first.Items[i].ID != second.Items[i].ID {
			t.Errorf("ids are not stable: %v vs %v", first.Items[i], second.Items[i])
		}
	}
	files["lessons/one.md"] = strings.Replace(files["lessons/one.md"], "First lesson.", "First lesson, improved.", 1)
	w.do(t, "POST", url, w.mentor.Token, map[string]any{"files": files}, 200).JSON(t, &third)
	if third.Updated != 1 || third.Unchanged != 2 {
		t.Errorf("changed pack: %+v", third)
	}
	// An invalid pack names each bad file and writes nothing.
	bad := map[string]string{
		"pack.yaml":        "id: broken\ntitle: Broken\n",
		"lessons/ok.md":    "---\nkey: ok\ntitle: Fine\ndomain: cognitive\n---\nFine.\n",
		"lessons/bad.md":   "---\nkey: bad\ntitle: Bad\ndomain: cognitive\nmedia:\n  - {type: image, url: \"https://x.example/a.png\"}\n---\nText.\n",
		"quizzes/typo.yml": "key: typo\ntitle: Typo\ndomain: cognitive\nquestionz: []\n",
	}
	p := asProblem(t, w.env.Do(apitest.Req{Method: "POST", Path: url, Token: w.mentor.Token, Body: map[string]any{"files": bad}}), 422)
	got := map[string]bool{}
	for _, e := range p.Errors {
		got[e.Pointer] = true
	}
	for _, want := range []string{"/files/lessons~1bad.md", "/files/quizzes~1typo.yml"} {
		if !got[want] {
			t.Errorf("no error for %s: %+v", want, p.Errors)
		}
	}
	var list struct{ Items []itemJSON }
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/content?q=Fine", w.owner.Token, nil, 200).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("an invalid pack wrote %d items", len(list.Items))
	}
}
