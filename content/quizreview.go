package content

// After a quiz is over for a person (they passed it, or used their last allowed attempt),
// each result shows the correct options and the explanation, so that the attempt teaches
// rather than only scores; before that, a person with attempts left sees only which answers
// were right. A quiz that hides its answers (HideAnswers) never shows the correct options.

// RevealsAnswers reports whether someone with these attempts at quiz (its current policy) sees
// the correct options now.
func RevealsAnswers(quiz *Quiz, attempts []Activity) bool {
	if quiz == nil || quiz.HideAnswers {
		return false
	}
	n := 0
	for _, a := range attempts {
		if a.Type != ActivityQuizAttempt {
			continue
		}
		if a.Passed {
			return true
		}
		n++
	}
	return quiz.MaxAttempts > 0 && n >= quiz.MaxAttempts
}

// CorrectOptions returns the keys of the correct options of question key in q (nil when q
// has no such question).
func CorrectOptions(q *Quiz, key string) []string {
	if q == nil {
		return nil
	}
	for _, qu := range q.Questions {
		if qu.Key != key {
			continue
		}
		out := []string{}
		for _, o := range qu.Options {
			if o.Correct {
				out = append(out, o.Key)
			}
		}
		return out
	}
	return nil
}
