package insight

import (
	"context"
	"time"
)

// Parties are the people of a pairing as reports name them.
type Parties struct {
	PairingID string
	Type      string
	Mentor    Person
	Mentees   []Person
}

// PairingParties names the mentor and mentees of each pairing among ids, from their report
// subjects: one read of the subjects and one of names, whatever the size of the programme.
// A pairing not evaluated yet is left out.
func (s *Service) PairingParties(ctx context.Context, pairingIDs []string) (map[string]Parties, error) {
	out := map[string]Parties{}
	if len(pairingIDs) == 0 {
		return out, nil
	}
	ids := make([]string, len(pairingIDs))
	for i, id := range pairingIDs {
		ids[i] = PairingSubject(id)
	}
	subs, err := s.Store.Subjects(ctx, ids)
	if err != nil {
		return nil, err
	}
	people, err := s.People.People(ctx, peopleOf(subs))
	if err != nil {
		return nil, err
	}
	for _, sub := range subs {
		r := row(sub, people)
		p := Parties{PairingID: sub.PairingID, Type: sub.PairingType, Mentees: r.Mentees}
		if r.Mentor != nil {
			p.Mentor = *r.Mentor
		}
		out[sub.PairingID] = p
	}
	return out, nil
}

// Clock is the service's time now (reports stamp what they read with it).
func (s *Service) Clock() time.Time { return s.now() }
