// Package programme holds mentoring programmes and who belongs to them in which role.
package programme

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Sentinel errors.
var (
	ErrNotFound      = apperr.New(apperr.KindNotFound, "programme_not_found", "programme not found")
	ErrNotMember     = apperr.New(apperr.KindNotFound, "programme_not_found", "programme not found")
	ErrAlreadyMember = apperr.New(apperr.KindConflict, "already_member", "the user is already a member of this programme")
)

// Role is what a member does in a programme. One person can hold different roles in
// different programmes, and one role in each.
type Role string

// The roles.
const (
	RoleOwner  Role = "owner"
	RoleMentor Role = "mentor"
	RoleMentee Role = "mentee"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOwner || r == RoleMentor || r == RoleMentee }

// Programme is a formal mentoring programme.
type Programme struct {
	ID          string
	Name        string
	Description string
	Timezone    string
	StartsOn    string // YYYY-MM-DD in the programme time zone, optional
	EndsOn      string
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Location returns the programme's time zone (UTC when unset or unknown).
func (p Programme) Location() *time.Location {
	if loc, err := time.LoadLocation(p.Timezone); err == nil && p.Timezone != "" {
		return loc
	}
	return time.UTC
}

// Membership says that a user holds a role in a programme.
type Membership struct {
	ProgrammeID string
	UserID      string
	Role        Role
	JoinedAt    time.Time
	// Department and Languages are what the invitation said about the person, when they
	// joined through one: matching uses them until the person fills in a profile.
	Department string
	Languages  []string
}

// Validate checks the editable fields of a programme.
func (p *Programme) Validate() error {
	var f apperr.Fields
	p.Name = strings.TrimSpace(p.Name)
	f.Check(p.Name != "" && utf8.RuneCountInString(p.Name) <= 120, "/name", "must be 1 to 120 characters")
	f.Check(utf8.RuneCountInString(p.Description) <= 2000, "/description", "must be at most 2000 characters")
	if p.Timezone == "" {
		p.Timezone = "UTC"
	}
	_, err := time.LoadLocation(p.Timezone)
	f.Check(err == nil && p.Timezone != "Local", "/timezone", "must be an IANA time zone name such as Europe/London")
	var start, end time.Time
	if p.StartsOn != "" {
		start, err = time.Parse(time.DateOnly, p.StartsOn)
		f.Check(err == nil, "/startsOn", "must be a date YYYY-MM-DD")
	}
	if p.EndsOn != "" {
		end, err = time.Parse(time.DateOnly, p.EndsOn)
		f.Check(err == nil, "/endsOn", "must be a date YYYY-MM-DD")
	}
	if !start.IsZero() && !end.IsZero() {
		f.Check(!end.Before(start), "/endsOn", "must not be before startsOn")
	}
	return f.Err()
}

// Store keeps programmes and memberships.
type Store interface {
	// CreateProgramme inserts p and makes owner its owner.
	CreateProgramme(ctx context.Context, p Programme, owner Membership) error
	// Programme returns one programme; ErrNotFound when absent.
	Programme(ctx context.Context, id string) (Programme, error)
	// ProgrammesOf lists the programmes userID belongs to, with the role held in each.
	ProgrammesOf(ctx context.Context, userID string) ([]Programme, []Role, error)
	// Membership returns userID's membership of programmeID; ErrNotMember when none.
	Membership(ctx context.Context, programmeID, userID string) (Membership, error)
	// MembershipsOf lists every membership userID holds.
	MembershipsOf(ctx context.Context, userID string) ([]Membership, error)
	// AddMember adds a membership; ErrAlreadyMember when the user already belongs.
	AddMember(ctx context.Context, m Membership) error
	// UpdateProgramme stores the editable fields of p; ErrNotFound when absent.
	UpdateProgramme(ctx context.Context, p Programme) error
	// Members lists up to limit memberships of programmeID in user-id order after the user
	// id `after`; with roles given, only those roles plus self's own membership.
	Members(ctx context.Context, programmeID string, roles []Role, self, after string, limit int) ([]Membership, error)
	// SetRole changes a membership's role from `from` to `to`; false when it no longer
	// holds `from` (or is gone).
	SetRole(ctx context.Context, programmeID, userID string, from, to Role) (bool, error)
	// RemoveMember deletes a membership that still holds role; false when it does not.
	RemoveMember(ctx context.Context, programmeID, userID string, role Role) (bool, error)
	// ReleaseOwner decrements the programme's owner count if it stays at least one, in one
	// atomic write; false when it would not.
	ReleaseOwner(ctx context.Context, programmeID string) (bool, error)
	// AdjustOwners adds delta to the programme's owner count.
	AdjustOwners(ctx context.Context, programmeID string, delta int) error
	// InsertInvites stores new invitations; those whose ID exists already are left as they
	// are and reported in dup.
	InsertInvites(ctx context.Context, invs []Invite) (dup map[string]bool, err error)
	// Invite returns one invitation; ErrInviteNotFound when absent.
	Invite(ctx context.Context, id string) (Invite, error)
	// InvitesByID returns the invitations among ids that exist.
	InvitesByID(ctx context.Context, ids []string) (map[string]Invite, error)
	// Invites lists a programme's invitations, newest first.
	Invites(ctx context.Context, q InviteQuery) ([]Invite, error)
	// ReissueInvite replaces the invitation with next (a new generation) if it is still at
	// generation fromGen and not accepted; false when it is not.
	ReissueInvite(ctx context.Context, next Invite, fromGen int) (bool, error)
	// RevokeInvite marks a programme's pending invitation revoked; false when it is not
	// pending (absent, accepted or revoked already).
	RevokeInvite(ctx context.Context, programmeID, id string, at time.Time) (bool, error)
	// SetInviteMail records the delivery of the invitation's email unless a later generation
	// was issued meanwhile.
	SetInviteMail(ctx context.Context, id string, m InviteMail) error
	// InviteByHash finds an invitation by token hash; ErrInvalidJoin when none.
	InviteByHash(ctx context.Context, tokenHash string) (Invite, error)
	// AcceptInvite marks a pending invitation accepted; false when it was not pending.
	AcceptInvite(ctx context.Context, id, userID string, at time.Time) (bool, error)
	// CreateJoinCode stores a join code.
	CreateJoinCode(ctx context.Context, jc JoinCode) error
	// JoinCodes lists a programme's join codes, newest first.
	JoinCodes(ctx context.Context, programmeID string) ([]JoinCode, error)
	// JoinCodeByHash finds a join code by hash; ErrJoinCodeNotFound when none.
	JoinCodeByHash(ctx context.Context, codeHash string) (JoinCode, error)
	// RevokeJoinCode revokes a programme's join code; ErrJoinCodeNotFound when none.
	RevokeJoinCode(ctx context.Context, programmeID, id string) error
	// CountJoinCodeUse counts one use of a join code.
	CountJoinCodeUse(ctx context.Context, id string) error
}
