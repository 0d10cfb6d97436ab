package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/microlearn/microlearn/api/apitest"
)

// Regressions found by an outside test (issue 20).

// Invalid UTF-8 in a listing's text parameters is refused with 400 naming the parameter; it
// used to reach the database as a pattern and answer 500.
func TestListingRefusesInvalidUTF8(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, testLesson("Rückmeldung geben"), true)
	for _, path := range []string{"/v1/programmes/" + w.pid + "/content", "/v1/library/content"} {
		for _, q := range []string{"q=%ff", "q=ab%c3", "tag=%fe%ff"} {
			r := w.env.Do(apitest.Req{Method: "GET", Path: path + "?" + q, Token: w.mentee.Token})
			if r.Status != http.StatusBadRequest {
				t.Fatalf("GET %s?%s: %d, want 400: %s", path, q, r.Status, r.Body)
			}
			var p struct {
				Errors []struct{ Pointer string } `json:"errors"`
			}
			r.JSON(t, &p)
			param := "/" + strings.SplitN(q, "=", 2)[0]
			if len(p.Errors) != 1 || p.Errors[0].Pointer != param {
				t.Errorf("GET %s?%s names %+v, want %s", path, q, p.Errors, param)
			}
		}
	}
	// Valid text outside ASCII is still searched.
	r := w.do(t, "GET", "/v1/programmes/"+w.pid+"/content?q=%C3%BCckm", w.mentee.Token, nil, 200)
	if !strings.Contains(string(r.Body), "Rückmeldung geben") {
		t.Errorf("search for ückm: %s", r.Body)
	}
}

// Concurrent attempts at a quiz never pass its maxAttempts, and never share an attempt
// number: the number is reserved on a unique key before the attempt is graded.
func TestConcurrentQuizAttemptsRespectMaxAttempts(t *testing.T) {
	t.Parallel()
	w := newContentWorld(t)
	quiz := mustCreate(t, w.env.App.Content, w.owner.ID, w.pid, testQuiz("Three tries", 3), true)
	const tries = 10
	statuses := make([]int, tries)
	numbers := make([]int, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answer := "b"
			if i%2 == 0 {
				answer = "a" // a failing attempt beside passing ones
			}
			r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/quizzes/" + quiz.ID + "/attempts", Token: w.mentee.Token, Body: map[string]any{
				"eventId": fmt.Sprintf("7d1f0c52-0000-4000-8000-%012d", i), "occurredAt": "2026-11-20T10:00:00Z",
				"answers": []map[string]any{{"questionKey": "q1", "optionKeys": []string{answer}}}}})
			statuses[i] = r.Status
			if r.Status == http.StatusCreated {
				var a struct {
					Attempt int `json:"attempt"`
				}
				_ = json.Unmarshal(r.Body, &a)
				numbers[i] = a.Attempt
			}
		}()
	}
	wg.Wait()
	var got []int
	for i, s := range statuses {
		switch s {
		case http.StatusCreated:
			got = append(got, numbers[i])
		case http.StatusConflict, http.StatusUnprocessableEntity:
		default:
			t.Errorf("attempt %d: status %d", i, s)
		}
	}
	sort.Ints(got)
	if fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("accepted attempts numbered %v (statuses %v), want exactly [1 2 3]", got, statuses)
	}
	var mine struct {
		Items []struct {
			Attempt int `json:"attempt"`
		} `json:"items"`
	}
	w.do(t, "GET", "/v1/quizzes/"+quiz.ID+"/attempts", w.mentee.Token, nil, 200).JSON(t, &mine)
	if len(mine.Items) != 3 {
		t.Errorf("the mentee's attempts: %+v, want 3", mine.Items)
	}
}
