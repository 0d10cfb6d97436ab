package content_test

import (
	"strings"
	"testing"

	"github.com/microlearn/microlearn/content"
)

func lesson(blocks ...content.Block) content.Item {
	return content.Item{Kind: content.KindLesson, Title: "T", Domain: content.DomainCognitive, Lesson: &content.Lesson{Blocks: blocks}}
}

func text(words int) content.Block {
	return content.Block{Type: content.BlockText, Markdown: "##\n\n- " + strings.Repeat("word ", words) + "\n\n---"}
}

func TestEstimateIsDerivedAndMayOnlyBeDeclaredHigher(t *testing.T) {
	quiz := func(n int) content.Item {
		q := &content.Quiz{PassPercent: 70}
		for range n {
			q.Questions = append(q.Questions, content.Question{Type: content.QuestionTrueFalse, Prompt: "P", Explanation: "E",
				Options: []content.Option{{Key: "true", Text: "T", Correct: true}, {Key: "false", Text: "F"}}})
		}
		return content.Item{Kind: content.KindQuiz, Title: "Q", Domain: content.DomainCognitive, Quiz: q}
	}
	tests := []struct {
		name     string
		item     content.Item
		declared int
		want     int
		budget   string // "" when within budget, else the text the 422 must contain
		invalid  bool
	}{
		{"200 words is a minute (markup is not words)", lesson(text(200)), 0, 1, "", false},
		{"201 words round up", lesson(text(201)), 0, 2, "", false},
		{"video length counts", lesson(text(400), content.Block{Type: content.BlockVideo, URL: "https://v.example/a", DurationSeconds: 150}), 0, 5, "", false},
		{"exactly ten minutes fits the budget", lesson(text(2000)), 0, 10, "", false},
		{"declared as exactly ten minutes fits", lesson(text(200)), 10, 10, "", false},
		{"over by one", lesson(text(2200)), 0, 11, "1 minute over", false},
		{"declared higher wins", lesson(text(200)), 4, 4, "", false},
		{"declared lower is refused", lesson(text(1000)), 2, 5, "", true},
		{"30 s a question", quiz(7), 0, 4, "", false},
		{"a 20-question quiz takes exactly ten minutes and fits", quiz(20), 0, 10, "", false},
		{"a 21-question quiz is over", quiz(21), 0, 11, "1 minute over", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := tc.item
			it.DeclaredMinutes = tc.declared
			it.Normalize()
			err := it.Validate()
			if (err != nil) != tc.invalid {
				t.Fatalf("Validate: %v, want invalid=%v", err, tc.invalid)
			}
			if it.EstimatedMinutes != tc.want {
				t.Errorf("estimate %d, want %d", it.EstimatedMinutes, tc.want)
			}
			err = it.CheckBudget()
			switch {
			case tc.budget == "" && err != nil:
				t.Errorf("CheckBudget: %v", err)
			case tc.budget != "" && (err == nil || !strings.Contains(err.Error(), tc.budget)):
				t.Errorf("CheckBudget: %v, want it to say %q", err, tc.budget)
			}
		})
	}
}

func TestPackItemIDsAreStable(t *testing.T) {
	a := content.PackItemID("prog", "demo", content.KindLesson, "smart-goals")
	if a != content.PackItemID("prog", "demo", content.KindLesson, "smart-goals") {
		t.Error("the same key gave two IDs")
	}
	for _, other := range []string{
		content.PackItemID("other", "demo", content.KindLesson, "smart-goals"),
		content.PackItemID("prog", "demo2", content.KindLesson, "smart-goals"),
		content.PackItemID("prog", "demo", content.KindQuiz, "smart-goals"),
	} {
		if other == a {
			t.Errorf("different sources share the ID %s", a)
		}
	}
}
