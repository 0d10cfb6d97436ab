package mentoring

import "time"

// What activating a pairing writes, as pure functions, for the stores' seeding methods that
// build large data sets (bench/scale) without going through CreatePairing one call at a time.
// CreatePairing itself takes the same guards (acquire, placesOf) and its Activated hook writes
// the same due entry (Record.RefreshDue); the seeding tests compare what both leave stored.

// ActivationGuards are the guards an active pairing p holds: the places (placesOf) and, for a
// type that takes the mentor's capacity, one capacity slot per mentee in the pool of p's type
// (Slot.N and Slot.ID are the store's to number). Their CreatedAt is p's activation.
func ActivationGuards(p Pairing) ([]Place, []Slot) {
	at := p.CreatedAt
	if p.ActivatedAt != nil {
		at = *p.ActivatedAt
	}
	places := placesOf(p, at)
	if p.Type.PeerRoles() {
		return places, nil
	}
	slots := make([]Slot, 0, len(p.MenteeIDs))
	for _, m := range p.MenteeIDs {
		slots = append(slots, Slot{ProgrammeID: p.ProgrammeID, MentorID: p.MentorID, Pool: p.Type.pool(), PairingID: p.ID, MenteeID: m, CreatedAt: at})
	}
	return places, slots
}

// FirstCadenceDue is the meeting-due entry RefreshDue writes when p becomes active with no
// meetings yet (false: p gets no entry, as for as-needed), at now in the programme's zone loc.
func FirstCadenceDue(p Pairing, now time.Time, loc *time.Location) (CadenceDue, bool) {
	if p.Status != StatusActive {
		return CadenceDue{}, false
	}
	c := ComputeCadence(p, nil, now, loc)
	if c.DueAt == nil {
		return CadenceDue{}, false
	}
	return CadenceDue{PairingID: p.ID, DueAt: c.DueAt.UTC(), Day: dueDay(*c.DueAt)}, true
}
