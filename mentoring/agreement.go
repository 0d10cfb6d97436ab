package mentoring

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// AgreementChange is one field of the agreement a version changed, with its value before
// and after ("" for unset).
type AgreementChange struct {
	Field    string
	From, To string
}

// Acknowledgement is one person's acknowledgement of an agreement version.
type Acknowledgement struct {
	UserID string
	At     time.Time
}

// AgreementVersion is one version of a pairing's agreement: the whole agreement as it stood
// after the change, who made the change and when, and what changed. Version 1 is the
// agreement the pairing was created with. A change by one side is pending until the other
// side acknowledges it (the mentor for a mentee's change; every mentee for the mentor's);
// the pairing's agreement in force is its latest acknowledged version.
type AgreementVersion struct {
	PairingID string
	// ProgrammeID is the pairing's programme (not stored with the version: the service
	// fills it in from the pairing, so that notices about the version name their programme).
	ProgrammeID string
	Version     int
	Agreement   Agreement
	Changes     []AgreementChange
	By          string
	Side        Side
	At          time.Time
	// Awaiting are the people whose acknowledgement makes this version agreed; Acks those
	// who gave it.
	Awaiting []string
	Acks     []Acknowledgement
}

// AgreementView is a pairing's agreement as both sides see it: the version in force (the
// latest one acknowledged; version 1 is the agreement the pairing was created with) and the
// latest change, when it still waits for the other side.
type AgreementView struct {
	Current AgreementVersion
	Pending *AgreementVersion
}

// Agreed reports whether everyone v waits for has acknowledged it.
func (v AgreementVersion) Agreed() bool {
	for _, id := range v.Awaiting {
		if !slices.ContainsFunc(v.Acks, func(a Acknowledgement) bool { return a.UserID == id }) {
			return false
		}
	}
	return true
}

// AgreementPatch is an RFC 7396 merge patch of the agreement: Set holds the members sent
// with a value, Clear those sent as null.
type AgreementPatch struct {
	Set   map[string]string
	Clear []string
}

// agreementFields are the members a patch may change, in the order changes are listed.
var agreementFields = []string{"meetingFrequency", "boundaries", "startsOn", "endsOn"}

func fieldOf(a *Agreement, name string) *string {
	switch name {
	case "meetingFrequency":
		return (*string)(&a.MeetingFrequency)
	case "boundaries":
		return &a.Boundaries
	case "startsOn":
		return &a.StartsOn
	case "endsOn":
		return &a.EndsOn
	}
	return nil
}

// apply returns a with the patch applied, or the field errors.
func (pt AgreementPatch) apply(a Agreement) (Agreement, error) {
	var f apperr.Fields
	out := a
	out.Goals = []string{}
	for name, v := range pt.Set {
		if p := fieldOf(&out, name); p != nil {
			*p = v
			continue
		}
		if name == "goals" {
			f.Add("/goals", "goals are SMART goals now: use POST /v1/pairings/{pairingId}/goals")
			continue
		}
		f.Add("/"+name, "is not a member of the agreement")
	}
	for _, name := range pt.Clear {
		if p := fieldOf(&out, name); p != nil {
			*p = ""
		} else if name != "goals" {
			f.Add("/"+name, "is not a member of the agreement")
		}
	}
	if err := f.Err(); err != nil {
		return Agreement{}, err
	}
	if err := ValidateAgreement(&out, ""); err != nil {
		return Agreement{}, err
	}
	return out, nil
}

// diffAgreements lists the members that differ between a and b.
func diffAgreements(a, b Agreement) []AgreementChange {
	var out []AgreementChange
	for _, name := range agreementFields {
		if x, y := *fieldOf(&a, name), *fieldOf(&b, name); x != y {
			out = append(out, AgreementChange{Field: name, From: x, To: y})
		}
	}
	return out
}

// firstVersion is version 1: the agreement p was created with, in force from the start.
func firstVersion(p Pairing) AgreementVersion {
	a := p.Agreement
	a.Goals = []string{}
	return AgreementVersion{PairingID: p.ID, ProgrammeID: p.ProgrammeID, Version: 1, Agreement: a, By: p.CreatedBy, At: p.CreatedAt,
		Awaiting: []string{}, Acks: []Acknowledgement{}}
}

// versions returns p's versions, oldest first, with their acknowledgements (version 1 made
// up from the pairing when nothing has changed yet).
func (r *Record) versions(ctx context.Context, p Pairing) ([]AgreementVersion, error) {
	vs, err := r.Store.AgreementVersions(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("agreement versions: %w", err)
	}
	if len(vs) == 0 {
		return []AgreementVersion{firstVersion(p)}, nil
	}
	for i := range vs {
		vs[i].ProgrammeID = p.ProgrammeID
	}
	return vs, nil
}

// viewOf is the agreement in force and the pending change among vs.
func viewOf(vs []AgreementVersion) AgreementView {
	var v AgreementView
	for _, x := range vs {
		if x.Agreed() {
			v.Current = x
		}
	}
	if last := vs[len(vs)-1]; !last.Agreed() {
		v.Pending = &last
	}
	return v
}

// Agreement returns p's agreement view.
func (r *Record) Agreement(ctx context.Context, actor Actor, p Pairing) (AgreementView, error) {
	if err := readable(actor, p); err != nil {
		return AgreementView{}, err
	}
	vs, err := r.versions(ctx, p)
	if err != nil {
		return AgreementView{}, err
	}
	return viewOf(vs), nil
}

// AgreementVersions lists every version of p's agreement, oldest first.
func (r *Record) AgreementVersions(ctx context.Context, actor Actor, p Pairing) ([]AgreementVersion, error) {
	if err := readable(actor, p); err != nil {
		return nil, err
	}
	return r.versions(ctx, p)
}

// ChangeAgreement applies a merge patch to the latest version of p's agreement (the one in
// force, or the change still pending, which the patch then supersedes) as a new version by
// actor. It is pending until the other side acknowledges it: the mentor for a mentee's
// change, every mentee for the mentor's; they are told. Versions are numbered by inserts on
// unique keys, so two changes racing never overwrite each other: the later is applied on top
// of the earlier. A patch that changes nothing makes no version.
func (r *Record) ChangeAgreement(ctx context.Context, actor Actor, p Pairing, patch AgreementPatch) (AgreementView, error) {
	if err := writable(actor, p); err != nil {
		return AgreementView{}, err
	}
	for attempt := 0; attempt < 16; attempt++ {
		vs, err := r.versions(ctx, p)
		if err != nil {
			return AgreementView{}, err
		}
		latest := vs[len(vs)-1]
		next, err := patch.apply(latest.Agreement)
		if err != nil {
			return AgreementView{}, err
		}
		changes := diffAgreements(latest.Agreement, next)
		if len(changes) == 0 {
			return viewOf(vs), nil
		}
		v := AgreementVersion{PairingID: p.ID, ProgrammeID: p.ProgrammeID, Version: latest.Version + 1, Agreement: next, Changes: changes, By: actor.UserID,
			Side: SideOf(p, actor.UserID), At: r.now(), Acks: []Acknowledgement{}}
		if v.Side == SideMentor {
			v.Awaiting = slices.Clone(p.MenteeIDs)
		} else {
			v.Awaiting = []string{p.MentorID}
		}
		var first *AgreementVersion
		if latest.Version == 1 && len(vs) == 1 {
			f := firstVersion(p)
			first = &f
		}
		err = r.Store.InsertAgreementVersion(ctx, first, v)
		if errors.Is(err, ErrVersionConflict) {
			continue // another change took this number: apply ours on top of it
		}
		if err != nil {
			return AgreementView{}, fmt.Errorf("change agreement: %w", err)
		}
		if r.Notifier != nil {
			for _, id := range v.Awaiting {
				if err := r.Notifier.AgreementChanged(ctx, id, v); err != nil {
					r.log().WarnContext(ctx, "notify agreement change", "pairingId", p.ID, "error", err.Error())
				}
			}
		}
		return viewOf(append(vs, v)), nil
	}
	return AgreementView{}, ErrVersionConflict
}

// AcknowledgeAgreement is one of the awaited people acknowledging version of p's agreement,
// which must be the latest. Acknowledgements are inserts on (pairing, version, person):
// acknowledging twice, or two people at once, records each exactly once. When the last
// awaited acknowledgement is in, the version is in force: the pairing's agreement (which the
// meeting cadence follows) becomes it, and its author is told.
func (r *Record) AcknowledgeAgreement(ctx context.Context, actor Actor, p Pairing, version int) (AgreementView, error) {
	if err := writable(actor, p); err != nil {
		return AgreementView{}, err
	}
	vs, err := r.versions(ctx, p)
	if err != nil {
		return AgreementView{}, err
	}
	i := slices.IndexFunc(vs, func(v AgreementVersion) bool { return v.Version == version })
	switch {
	case i < 0:
		return AgreementView{}, ErrVersionNotFound
	case i != len(vs)-1:
		return AgreementView{}, ErrNotLatestVersion
	}
	v := vs[i]
	if !slices.Contains(v.Awaiting, actor.UserID) {
		if SideOf(p, actor.UserID) == v.Side && v.Version > 1 {
			return AgreementView{}, apperr.New(apperr.KindUnprocessable, "own_agreement_change",
				"the other side acknowledges a change: your side made this one")
		}
		return AgreementView{}, ErrNothingToAck
	}
	ack := Acknowledgement{UserID: actor.UserID, At: r.now()}
	if err := r.Store.InsertAgreementAck(ctx, p.ID, v.Version, ack); err != nil {
		return AgreementView{}, fmt.Errorf("acknowledge agreement: %w", err)
	}
	if vs, err = r.versions(ctx, p); err != nil {
		return AgreementView{}, err
	}
	view := viewOf(vs)
	if view.Current.Version == v.Version {
		if err := r.Store.SetAgreedAgreement(ctx, p.ID, v.Agreement, v.Version, r.now()); err != nil {
			return AgreementView{}, fmt.Errorf("acknowledge agreement: %w", err)
		}
		if v.Agreement.MeetingFrequency != p.Agreement.MeetingFrequency || v.Agreement.StartsOn != p.Agreement.StartsOn {
			inForce := p
			inForce.Agreement = v.Agreement
			r.refreshDueQuietly(ctx, inForce) // the cadence changed: so does the due instant
		}
		if r.Notifier != nil {
			if err := r.Notifier.AgreementAcknowledged(ctx, v.By, view.Current); err != nil {
				r.log().WarnContext(ctx, "notify agreement acknowledged", "pairingId", p.ID, "error", err.Error())
			}
		}
	}
	return view, nil
}
