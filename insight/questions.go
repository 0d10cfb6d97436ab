package insight

import (
	"context"
	"sort"
	"time"

	"github.com/microlearn/microlearn/learning"
)

// QuestionRow is one question of one quiz in the questions report.
type QuestionRow struct {
	Quiz CatalogItem
	QuestionFigures
}

// QuestionsReport lists every question of the programme's published quizzes, the most
// often missed first: where people are confused.
type QuestionsReport struct {
	ProgrammeID string
	GeneratedAt time.Time
	Questions   []QuestionRow
}

// maxQuizzes bounds the quizzes the questions report reads.
const maxQuizzes = 2000

// Questions reads the questions report: the library's quizzes a page at a time (bounded by
// the library, never by people), and one read of their aggregates per page.
func (s *Service) Questions(ctx context.Context, programmeID string) (QuestionsReport, error) {
	r := QuestionsReport{ProgrammeID: programmeID, GeneratedAt: s.now(), Questions: []QuestionRow{}}
	var after ItemCursor
	for read := 0; read < maxQuizzes; {
		page, err := s.Items(ctx, programmeID, learning.KindQuiz, after, MaxItemsPage)
		if err != nil {
			return QuestionsReport{}, err
		}
		for _, it := range page.Items {
			for _, q := range it.Questions {
				r.Questions = append(r.Questions, QuestionRow{Quiz: it.Item, QuestionFigures: q})
			}
		}
		read += len(page.Items)
		if page.Next == nil {
			break
		}
		after = *page.Next
	}
	sort.SliceStable(r.Questions, func(i, j int) bool {
		a, b := r.Questions[i], r.Questions[j]
		switch {
		case a.CorrectRate == nil || b.CorrectRate == nil:
			return a.CorrectRate != nil && b.CorrectRate == nil
		case *a.CorrectRate != *b.CorrectRate:
			return *a.CorrectRate < *b.CorrectRate
		}
		return a.Answered > b.Answered
	})
	return r, nil
}
