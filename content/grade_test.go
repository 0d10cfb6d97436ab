package content

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/internal/apperr"
)

// gradeQuiz has a single-choice question (b is right), a multiple-choice one (a and c are
// right, b and d wrong) and a true/false one (true is right).
func gradeQuiz() *Quiz {
	opts := func(right ...string) []Option {
		var out []Option
		for _, k := range []string{"a", "b", "c", "d"} {
			o := Option{Key: k, Text: k}
			for _, r := range right {
				o.Correct = o.Correct || r == k
			}
			out = append(out, o)
		}
		return out
	}
	return &Quiz{PassPercent: 70, Questions: []Question{
		{Key: "single", Type: QuestionSingle, Options: opts("b")},
		{Key: "multi", Type: QuestionMultiple, Options: opts("a", "c")},
		{Key: "tf", Type: QuestionTrueFalse, Options: []Option{{Key: "true", Text: "T", Correct: true}, {Key: "false", Text: "F"}}},
	}}
}

// A question is right only when exactly its correct options are chosen; the score is the
// share of right questions, rounded to the nearest percent.
func TestGradeIsRightOnlyForExactlyTheCorrectOptions(t *testing.T) {
	tests := []struct {
		name    string
		answers []Answer
		right   []bool // single, multi, tf
		score   int
	}{
		{"all right", []Answer{{"single", []string{"b"}}, {"multi", []string{"a", "c"}}, {"tf", []string{"true"}}}, []bool{true, true, true}, 100},
		{"order of options does not matter", []Answer{{"multi", []string{"c", "a"}}}, []bool{false, true, false}, 33},
		{"the right options plus a wrong one", []Answer{{"multi", []string{"a", "c", "b"}}}, []bool{false, false, false}, 0},
		{"every option", []Answer{{"multi", []string{"a", "b", "c", "d"}}}, []bool{false, false, false}, 0},
		{"only some of the right options", []Answer{{"multi", []string{"a"}}}, []bool{false, false, false}, 0},
		{"a wrong single choice", []Answer{{"single", []string{"a"}}, {"tf", []string{"true"}}}, []bool{false, false, true}, 33},
		{"no option chosen", []Answer{{"single", []string{}}, {"multi", nil}, {"tf", []string{"false"}}}, []bool{false, false, false}, 0},
		{"unanswered questions count as wrong", []Answer{{"single", []string{"b"}}, {"tf", []string{"true"}}}, []bool{true, false, true}, 67},
		{"nothing answered", nil, []bool{false, false, false}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			results, score, err := grade(gradeQuiz(), tc.answers)
			if err != nil {
				t.Fatal(err)
			}
			want := []QuestionResult{{"single", tc.right[0]}, {"multi", tc.right[1]}, {"tf", tc.right[2]}}
			if diff := cmp.Diff(want, results); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			if score != tc.score {
				t.Errorf("score %d, want %d", score, tc.score)
			}
		})
	}
}

// Answers that do not fit the quiz are refused, each field named, and nothing is graded.
func TestGradeRefusesAnswersTheQuizDoesNotHave(t *testing.T) {
	tests := []struct {
		name    string
		answers []Answer
		pointer string
	}{
		{"unknown question", []Answer{{"nope", []string{"a"}}}, "/answers/0/questionKey"},
		{"question answered twice", []Answer{{"single", []string{"b"}}, {"single", []string{"b"}}}, "/answers/1/questionKey"},
		{"unknown option", []Answer{{"multi", []string{"a", "z"}}}, "/answers/0/optionKeys/1"},
		{"option chosen twice", []Answer{{"multi", []string{"a", "a"}}}, "/answers/0/optionKeys/1"},
		{"two answers to a single-choice question", []Answer{{"single", []string{"a", "b"}}}, "/answers/0/optionKeys"},
		{"two answers to a true/false question", []Answer{{"tf", []string{"true", "false"}}}, "/answers/0/optionKeys"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			results, _, err := grade(gradeQuiz(), tc.answers)
			var ve *apperr.ValidationError
			if !errors.As(err, &ve) || results != nil {
				t.Fatalf("grade: %v, results %v; want a validation error and no results", err, results)
			}
			var pointers []string
			for _, f := range ve.Fields {
				pointers = append(pointers, f.Pointer)
			}
			if diff := cmp.Diff([]string{tc.pointer}, pointers); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}
