package insight

import (
	"context"
	"sort"
	"time"
)

// Scope is whose rows a reader sees: a programme's owners (and admins) see every row, a
// mentor the rows of the mentees and pairings they mentor.
type Scope struct {
	All      bool
	MentorID string
}

// AtRiskRow is one subject that needs attention, with the people it names.
type AtRiskRow struct {
	Subject Subject
	Person  *Person  // members: the mentee
	Mentor  *Person  // pairings
	Mentees []Person // pairings
}

// AtRiskPage is a page of the at-risk list, earliest Since first.
type AtRiskPage struct {
	ProgrammeID string
	GeneratedAt time.Time
	Rows        []AtRiskRow
	Next        *Cursor
	// People names everyone the rows and their reasons mention.
	People map[string]Person
}

// MaxAtRiskPage bounds a page of the at-risk list.
const MaxAtRiskPage = 500

// AtRisk reads a page of the at-risk list as scope may see it: for owners one read of the
// programme's at-risk subjects (those only: the list is bounded by how many need attention,
// not by the size of the programme) and one of their names; for a mentor one read of their
// pairings, one of those subjects, one of names.
func (s *Service) AtRisk(ctx context.Context, programmeID string, scope Scope, kind SubjectKind, after *Cursor, limit int) (AtRiskPage, error) {
	limit = min(max(limit, 1), MaxAtRiskPage)
	var subs []Subject
	var err error
	if scope.All {
		subs, err = s.Store.AtRisk(ctx, programmeID, kind, after, limit+1)
	} else {
		subs, err = s.mentorsAtRisk(ctx, programmeID, scope.MentorID, kind, after, limit+1)
	}
	if err != nil {
		return AtRiskPage{}, err
	}
	page := AtRiskPage{ProgrammeID: programmeID, GeneratedAt: s.now(), Rows: []AtRiskRow{}}
	if len(subs) > limit {
		subs = subs[:limit]
		last := subs[limit-1]
		page.Next = &Cursor{At: last.Since, ID: last.ID}
	}
	people, err := s.People.People(ctx, peopleOf(subs))
	if err != nil {
		return AtRiskPage{}, err
	}
	for _, sub := range subs {
		page.Rows = append(page.Rows, row(sub, people))
	}
	page.People = people
	return page, nil
}

// mentorsAtRisk reads the at-risk subjects among the mentees and pairings mentorID mentors.
func (s *Service) mentorsAtRisk(ctx context.Context, programmeID, mentorID string, kind SubjectKind, after *Cursor, limit int) ([]Subject, error) {
	if s.Pairings == nil {
		return nil, nil
	}
	ps, err := s.Pairings.Mentored(ctx, programmeID, mentorID)
	if err != nil {
		return nil, err
	}
	var ids []string
	seen := map[string]bool{}
	for _, p := range ps {
		if p.Status != "active" && p.Status != "paused" {
			continue
		}
		ids = append(ids, PairingSubject(p.ID))
		for _, m := range p.MenteeIDs {
			if id := PersonSubject(programmeID, m); !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	subs, err := s.Store.Subjects(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := subs[:0]
	for _, sub := range subs {
		if sub.AtRisk && (kind == "" || sub.Kind == kind) && (after == nil || AfterCursor(sub, *after)) {
			out = append(out, sub)
		}
	}
	SortAtRisk(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// AfterCursor reports whether sub comes after c in the at-risk order.
func AfterCursor(sub Subject, c Cursor) bool {
	return sub.Since.After(c.At) || (sub.Since.Equal(c.At) && sub.ID > c.ID)
}

// SortAtRisk puts subjects in the at-risk order: earliest Since first, then by ID.
func SortAtRisk(subs []Subject) {
	sort.Slice(subs, func(i, j int) bool {
		a, b := subs[i], subs[j]
		if !a.Since.Equal(b.Since) {
			return a.Since.Before(b.Since)
		}
		return a.ID < b.ID
	})
}

func peopleOf(subs []Subject) []string {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, sub := range subs {
		add(sub.UserID)
		add(sub.MentorID)
		for _, m := range sub.MenteeIDs {
			add(m)
		}
		for _, r := range sub.Reasons {
			for _, u := range r.UserIDs {
				add(u)
			}
		}
	}
	return ids
}

func row(sub Subject, people map[string]Person) AtRiskRow {
	r := AtRiskRow{Subject: sub}
	person := func(id string) Person {
		if p, ok := people[id]; ok {
			return p
		}
		return Person{ID: id}
	}
	if sub.Kind == KindMember {
		p := person(sub.UserID)
		r.Person = &p
		return r
	}
	m := person(sub.MentorID)
	r.Mentor = &m
	for _, id := range sub.MenteeIDs {
		r.Mentees = append(r.Mentees, person(id))
	}
	return r
}
