package api_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/learning"
)

// newEventID returns a random UUID (version 4), as a phone would generate.
func newEventID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func testLesson(title string) content.Item {
	return content.Item{Kind: content.KindLesson, Title: title, Summary: "A short lesson.", Tags: []string{"listening"},
		Domain: content.DomainSkillBased, Lesson: &content.Lesson{Blocks: []content.Block{
			{Type: content.BlockText, Markdown: "Listen for **meaning**, not just facts."},
			{Type: content.BlockImage, URL: "https://media.example/ladder.png", Alt: "A listening ladder"},
			{Type: content.BlockVideo, URL: "https://media.example/demo.mp4", DurationSeconds: 90},
		}}}
}

func testQuiz(title string, maxAttempts int) content.Item {
	return content.Item{Kind: content.KindQuiz, Title: title, Summary: "Check yourself.", Domain: content.DomainCognitive,
		Quiz: &content.Quiz{PassPercent: 50, MaxAttempts: maxAttempts, Questions: []content.Question{
			{Key: "q1", Type: content.QuestionSingle, Prompt: "What does the T in SMART stand for?", Explanation: "EXPLAIN-Q1: time-bound goals have dates.",
				Options: []content.Option{{Key: "a", Text: "Targeted"}, {Key: "b", Text: "Time-bound", Correct: true}, {Key: "c", Text: "Tested"}}},
			{Key: "q2", Type: content.QuestionMultiple, Prompt: "Which are open questions?", Explanation: "EXPLAIN-Q2: what and how open things up.",
				Options: []content.Option{{Key: "a", Text: "What else?", Correct: true}, {Key: "b", Text: "Did you?"}, {Key: "c", Text: "How so?", Correct: true}}},
			{Key: "q3", Type: content.QuestionTrueFalse, Prompt: "Paraphrasing is repeating exactly.", Explanation: "EXPLAIN-Q3: use your own words.",
				Options: []content.Option{{Key: "true", Text: "True"}, {Key: "false", Text: "False", Correct: true}}},
		}}}
}

func testChecklist(title string) content.Item {
	return content.Item{Kind: content.KindChecklist, Title: title, Domain: content.DomainAffective,
		Checklist: &content.Checklist{Items: []content.ChecklistItem{
			{Key: "notes", Text: "Write three lines of notes", Required: true},
			{Key: "actions", Text: "List the actions you agreed", Required: true},
			{Key: "thanks", Text: "Send a thank-you", Required: false},
		}}}
}

func mustCreate(t *testing.T, svc *content.Service, authorID, programmeID string, it content.Item, publish bool) content.Item {
	t.Helper()
	ctx := context.Background()
	it, err := svc.Create(ctx, authorID, programmeID, it)
	if err != nil {
		t.Fatalf("create %s: %v", it.Title, err)
	}
	if publish {
		if it, err = svc.Publish(ctx, it.ID); err != nil {
			t.Fatalf("publish %s: %v", it.Title, err)
		}
	}
	return it
}

func lessonBody() map[string]any {
	return map[string]any{"kind": "lesson", "title": "Made in the matrix", "domain": "cognitive",
		"blocks": []map[string]any{{"type": "text", "markdown": "Hello"}}}
}

func init() {
	addFixture(func(t *testing.T, f *Fixture) {
		svc := f.Env.App.Content
		owner := f.Users[Owner].ID
		lesson := mustCreate(t, svc, owner, f.ProgrammeID, testLesson("Matrix lesson"), true)
		quiz := mustCreate(t, svc, owner, f.ProgrammeID, testQuiz("Matrix quiz", 0), true)
		cl := mustCreate(t, svc, owner, f.ProgrammeID, testChecklist("Matrix checklist"), true)
		path := mustCreate(t, svc, owner, f.ProgrammeID, content.Item{Kind: content.KindPath, Title: "Matrix path",
			Path: &content.Path{Items: []learning.ItemRef{lesson.Ref(), quiz.Ref(), cl.Ref()}}}, true)
		draft := mustCreate(t, svc, owner, f.ProgrammeID, testLesson("Matrix draft"), false)
		f.IDs["lessonId"], f.IDs["quizId"], f.IDs["checklistId"], f.IDs["pathId"] = lesson.ID, quiz.ID, cl.ID, path.ID
		f.IDs["itemId"], f.IDs["version"] = draft.ID, "1"
	})

	members := func(status int) map[Who]int {
		return map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: status, Mentor: status, Owner: status, Admin: status}
	}
	authors := func(status int) map[Who]int {
		return map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 403, Mentor: status, Owner: status, Admin: status}
	}
	freshDraft := func(path string) func(t *testing.T, f *Fixture, who Who) apitest.Req {
		return func(t *testing.T, f *Fixture, who Who) apitest.Req {
			d := mustCreate(t, f.Env.App.Content, f.Users[Owner].ID, f.ProgrammeID, testLesson("Draft for "+string(who)), false)
			return apitest.Req{Path: fmt.Sprintf(path, d.ID)}
		}
	}
	now := func() string { return apitest.Now().UTC().Format(time.RFC3339) }
	addRows(
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/content", Expect: members(200)},
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/content", Expect: authors(201), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/content"), Body: lessonBody()}
		}},
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/content-packs", Expect: authors(200), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/content-packs"), Body: map[string]any{"files": map[string]string{
				"pack.yaml":    "id: matrix\ntitle: Matrix pack\n",
				"lessons/a.md": "---\nkey: a\ntitle: A\ndomain: cognitive\n---\nSome text.\n",
			}}}
		}},
		Row{Method: "GET", Path: "/v1/library/content", Expect: signedInAll(200)},
		Row{Method: "POST", Path: "/v1/library/content", Expect: all(403, Anon, 401, Admin, 201), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: "/v1/library/content", Body: lessonBody()}
		}},
		Row{Method: "PUT", Path: "/v1/content/{itemId}", Expect: authors(200), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: f.PathWith(t, "/v1/content/{itemId}"), Body: lessonBody()}
		}},
		Row{Method: "POST", Path: "/v1/content/{itemId}/publish", Expect: authors(200), Build: freshDraft("/v1/content/%s/publish")},
		Row{Method: "POST", Path: "/v1/content/{itemId}/archive", Expect: authors(200), Build: freshDraft("/v1/content/%s/archive")},
		Row{Method: "GET", Path: "/v1/content/{itemId}/versions/{version}", Expect: authors(200)},
		Row{Method: "GET", Path: "/v1/lessons/{lessonId}", Expect: members(200)},
		Row{Method: "GET", Path: "/v1/quizzes/{quizId}", Expect: members(200)},
		Row{Method: "GET", Path: "/v1/checklists/{checklistId}", Expect: members(200)},
		Row{Method: "GET", Path: "/v1/paths/{pathId}", Expect: members(200)},
		Row{Method: "POST", Path: "/v1/lessons/{lessonId}/progress", Expect: members(201), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: f.PathWith(t, "/v1/lessons/{lessonId}/progress"), Body: map[string]any{
				"eventId": newEventID(), "occurredAt": now(), "state": "completed", "secondsSpent": 200}}
		}},
		Row{Method: "POST", Path: "/v1/quizzes/{quizId}/attempts", Expect: members(201), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: f.PathWith(t, "/v1/quizzes/{quizId}/attempts"), Body: map[string]any{
				"eventId": newEventID(), "occurredAt": now(), "answers": []map[string]any{{"questionKey": "q1", "optionKeys": []string{"b"}}}}}
		}},
		Row{Method: "GET", Path: "/v1/quizzes/{quizId}/attempts", Expect: members(200)},
		Row{Method: "PUT", Path: "/v1/checklists/{checklistId}/items/{itemId}", Expect: members(200), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: "/v1/checklists/" + f.IDs["checklistId"] + "/items/notes", Body: map[string]any{
				"eventId": newEventID(), "occurredAt": now(), "ticked": true}}
		}},
		Row{Method: "GET", Path: "/v1/me/progress", Expect: signedInAll(http.StatusOK)},
		Row{Method: "POST", Path: "/v1/sync", Expect: signedInAll(http.StatusOK), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: "/v1/sync", Body: map[string]any{"events": []map[string]any{
				{"type": "lesson_progress", "eventId": newEventID(), "occurredAt": now(), "lessonId": f.IDs["lessonId"], "state": "started"}}}}
		}},
	)
}
