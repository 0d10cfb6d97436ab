package programme

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
)

// More sentinel errors.
var (
	ErrMemberNotFound     = apperr.New(apperr.KindNotFound, "member_not_found", "no such member in this programme")
	ErrLastOwner          = apperr.New(apperr.KindConflict, "last_owner", "a programme must keep at least one owner: make someone else owner first")
	ErrCreationRestricted = apperr.New(apperr.KindForbidden, "programme_creation_restricted", "only platform admins may create programmes here")
	ErrInvalidJoin        = apperr.New(apperr.KindNotFound, "invalid_join_code", "the join code or invitation is unknown, expired or revoked")
	ErrInviteForOther     = apperr.New(apperr.KindForbidden, "invite_for_another_email", "this invitation is for another email address")
	ErrJoinCodeNotFound   = apperr.New(apperr.KindNotFound, "join_code_not_found", "no such join code in this programme")
	ErrChanged            = apperr.New(apperr.KindConflict, "membership_changed", "the membership changed meanwhile: reload and try again")
	ErrInviteNotFound     = apperr.New(apperr.KindNotFound, "invite_not_found", "no such invitation in this programme")
	ErrInviteExists       = apperr.New(apperr.KindConflict, "invite_exists", "this person has a pending invitation already: resend it instead")
	ErrInviteAccepted     = apperr.New(apperr.KindConflict, "invite_accepted", "this invitation was accepted: the person is a member")
	ErrInviteRevoked      = apperr.New(apperr.KindConflict, "invite_revoked", "this invitation was revoked: invite the person again")
	ErrResendTooSoon      = apperr.New(apperr.KindRateLimited, "resend_too_soon", "this invitation was sent less than a minute ago")
)

// Actor is who asks for a change, as authorized by the API: their role in the programme
// (empty for an admin who is not a member).
type Actor struct {
	UserID string
	Role   Role
	Admin  bool
}

// JoinCode lets anyone who has it join a programme in a role until it expires or is
// revoked. The code is shown once and stored only as a SHA-256 hash.
type JoinCode struct {
	ID          string
	ProgrammeID string
	Role        Role
	Label       string
	CodeHash    string
	CreatedBy   string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	Revoked     bool
	Uses        int
}

// Join-code limits.
const (
	DefaultJoinCodeTTL = 7 * 24 * time.Hour
	MaxJoinCodeTTL     = 90 * 24 * time.Hour
	DefaultInviteTTL   = 14 * 24 * time.Hour
	MaxInvitesPage     = 200
	MaxMembersPage     = 200
)

// ProgrammePatch changes some of a programme's fields (JSON merge patch: nil stays).
type ProgrammePatch struct {
	Name, Description, Timezone *string
	// StartsOn and EndsOn: nil stays, a pointer to "" clears.
	StartsOn, EndsOn *string
}

// CreateBy makes a programme owned by ownerID, enforcing the creation policy.
func (s *Service) CreateBy(ctx context.Context, ownerID string, admin bool, p Programme) (Programme, error) {
	if s.AdminsOnlyCreate && !admin {
		return Programme{}, ErrCreationRestricted
	}
	return s.Create(ctx, ownerID, p)
}

// Update applies a patch to programme id (the caller is authorized as owner or admin).
func (s *Service) Update(ctx context.Context, id string, patch ProgrammePatch) (Programme, error) {
	p, err := s.Store.Programme(ctx, id)
	if err != nil {
		return Programme{}, err
	}
	for dst, src := range map[*string]*string{&p.Name: patch.Name, &p.Description: patch.Description,
		&p.Timezone: patch.Timezone, &p.StartsOn: patch.StartsOn, &p.EndsOn: patch.EndsOn} {
		if src != nil {
			*dst = *src
		}
	}
	if patch.Timezone != nil && *patch.Timezone == "" {
		return Programme{}, fieldErr("/timezone", "must be an IANA time zone name such as Europe/London")
	}
	if err := p.Validate(); err != nil {
		return Programme{}, err
	}
	p.UpdatedAt = s.Now().UTC()
	if err := s.Store.UpdateProgramme(ctx, p); err != nil {
		return Programme{}, fmt.Errorf("update programme: %w", err)
	}
	return p, nil
}

func fieldErr(pointer, detail string) error {
	var f apperr.Fields
	f.Add(pointer, detail)
	return f.Err()
}

// Members lists a page of programmeID's members in user-id order after the cursor `after`.
// Owners, mentors and admins see everyone; a mentee sees the owners, the mentors and
// themself, not the other mentees (docs/decisions.md). next is "" on the last page.
func (s *Service) Members(ctx context.Context, viewer Actor, programmeID, after string, limit int) (ms []Membership, next string, err error) {
	if limit <= 0 || limit > MaxMembersPage {
		limit = 50
	}
	var roles []Role
	if !viewer.Admin && viewer.Role == RoleMentee {
		roles = []Role{RoleOwner, RoleMentor}
	}
	ms, err = s.Store.Members(ctx, programmeID, roles, viewer.UserID, after, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list members: %w", err)
	}
	if len(ms) > limit {
		ms = ms[:limit]
		next = ms[limit-1].UserID
	}
	return ms, next, nil
}

// ChangeRole gives userID the role in programmeID. The last owner cannot be demoted: the
// programme's owner count is decremented first, conditionally on staying at least one, in
// one atomic write (no transactions needed).
func (s *Service) ChangeRole(ctx context.Context, programmeID, userID string, role Role) (Membership, error) {
	if !role.Valid() {
		return Membership{}, fieldErr("/role", "must be owner, mentor or mentee")
	}
	defer s.forgetRole(programmeID, userID)
	m, err := s.Store.Membership(ctx, programmeID, userID)
	if errors.Is(err, ErrNotMember) {
		return Membership{}, ErrMemberNotFound
	}
	if err != nil || m.Role == role {
		return m, err
	}
	if m.Role == RoleOwner {
		if err := s.releaseOwner(ctx, programmeID); err != nil {
			return Membership{}, err
		}
	}
	ok, err := s.Store.SetRole(ctx, programmeID, userID, m.Role, role)
	if err == nil && !ok {
		err = ErrChanged
	}
	if err != nil {
		if m.Role == RoleOwner {
			s.restoreOwner(ctx, programmeID)
		}
		return Membership{}, err
	}
	if role == RoleOwner {
		if err := s.Store.AdjustOwners(ctx, programmeID, +1); err != nil {
			return Membership{}, err
		}
	}
	m.Role = role
	return m, nil
}

// RemoveMember removes userID from programmeID. Owners and admins may remove anyone; any
// member may remove themself (leave). The last owner cannot leave or be removed.
func (s *Service) RemoveMember(ctx context.Context, actor Actor, programmeID, userID string) error {
	if !actor.Admin && actor.Role != RoleOwner && actor.UserID != userID {
		return apperr.ErrForbidden
	}
	defer s.forgetRole(programmeID, userID)
	m, err := s.Store.Membership(ctx, programmeID, userID)
	if errors.Is(err, ErrNotMember) {
		return ErrMemberNotFound
	}
	if err != nil {
		return err
	}
	if m.Role == RoleOwner {
		if err := s.releaseOwner(ctx, programmeID); err != nil {
			return err
		}
	}
	ok, err := s.Store.RemoveMember(ctx, programmeID, userID, m.Role)
	if err == nil && !ok {
		err = ErrChanged
	}
	if err != nil && m.Role == RoleOwner {
		s.restoreOwner(ctx, programmeID)
	}
	return err
}

func (s *Service) releaseOwner(ctx context.Context, programmeID string) error {
	ok, err := s.Store.ReleaseOwner(ctx, programmeID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrLastOwner
	}
	return nil
}

// restoreOwner undoes releaseOwner after the membership write failed. Should this fail too,
// the count stays one low: that only ever refuses a later demotion, never allows a
// programme without owners.
func (s *Service) restoreOwner(ctx context.Context, programmeID string) {
	_ = s.Store.AdjustOwners(context.WithoutCancel(ctx), programmeID, +1)
}

// CreateJoinCode creates a join code for programmeID in role (mentor or mentee: a code that
// leaks must not hand out ownership), valid until expiresAt (zero: DefaultJoinCodeTTL from
// now).
func (s *Service) CreateJoinCode(ctx context.Context, programmeID, createdBy string, role Role, label string, expiresAt time.Time) (JoinCode, string, error) {
	var f apperr.Fields
	now := s.Now().UTC()
	label = strings.TrimSpace(label)
	f.Check(role == RoleMentor || role == RoleMentee, "/role", "must be mentor or mentee")
	f.Check(utf8.RuneCountInString(label) <= 80, "/label", "must be at most 80 characters")
	ttl := DefaultJoinCodeTTL
	if !expiresAt.IsZero() {
		ttl = expiresAt.Sub(now)
	}
	f.Check(ttl > 0 && ttl <= MaxJoinCodeTTL, "/expiresAt", "must be in the future and at most 90 days away")
	if err := f.Err(); err != nil {
		return JoinCode{}, "", err
	}
	code := newJoinCode()
	jc := JoinCode{ID: newID(), ProgrammeID: programmeID, Role: role, Label: label, CodeHash: hashSecret(normalizeJoinCode(code)),
		CreatedBy: createdBy, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.Store.CreateJoinCode(ctx, jc); err != nil {
		return JoinCode{}, "", fmt.Errorf("create join code: %w", err)
	}
	return jc, code, nil
}

// JoinCodes lists programmeID's join codes, newest first.
func (s *Service) JoinCodes(ctx context.Context, programmeID string) ([]JoinCode, error) {
	return s.Store.JoinCodes(ctx, programmeID)
}

// RevokeJoinCode revokes one of programmeID's join codes; ErrJoinCodeNotFound if it has none
// with that id. Revoking twice is not an error.
func (s *Service) RevokeJoinCode(ctx context.Context, programmeID, id string) error {
	return s.Store.RevokeJoinCode(ctx, programmeID, id)
}

// Join makes userID (whose account email is email) a member through a join code or an
// invitation token (exactly one is given). ErrInvalidJoin for a code or token that is
// unknown, expired, revoked or used; ErrAlreadyMember when they already belong.
func (s *Service) Join(ctx context.Context, userID, email, code, inviteToken string) (Programme, Role, error) {
	if (code == "") == (inviteToken == "") {
		return Programme{}, "", fieldErr("", "send exactly one of code and inviteToken")
	}
	now := s.Now().UTC()
	var programmeID string
	var role Role
	if code != "" {
		jc, err := s.Store.JoinCodeByHash(ctx, hashSecret(normalizeJoinCode(code)))
		if errors.Is(err, ErrJoinCodeNotFound) || err == nil && (jc.Revoked || !now.Before(jc.ExpiresAt)) {
			return Programme{}, "", ErrInvalidJoin
		}
		if err != nil {
			return Programme{}, "", err
		}
		programmeID, role = jc.ProgrammeID, jc.Role
		if err := s.AddMember(ctx, programmeID, userID, role); err != nil {
			return Programme{}, "", err
		}
		_ = s.Store.CountJoinCodeUse(ctx, jc.ID)
	} else {
		inv, err := s.acceptInvite(ctx, userID, email, inviteToken, now)
		if err != nil {
			return Programme{}, "", err
		}
		programmeID, role = inv.ProgrammeID, inv.Role
	}
	p, err := s.Store.Programme(ctx, programmeID)
	if err != nil {
		return Programme{}, "", err
	}
	return p, role, nil
}

// crockford is Crockford's base32 alphabet: no I, L, O or U, so codes read aloud or typed
// from a slide survive.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newJoinCode returns 12 random Crockford characters (60 bits) as XXXX-XXXX-XXXX.
func newJoinCode() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	out := make([]byte, 0, 14)
	for i, x := range b {
		if i == 4 || i == 8 {
			out = append(out, '-')
		}
		out = append(out, crockford[x&31])
	}
	return string(out)
}

// normalizeJoinCode accepts a code typed by a person: any case, with or without dashes and
// spaces, O for 0 and I or L for 1.
func normalizeJoinCode(code string) string {
	r := strings.NewReplacer("-", "", " ", "", "O", "0", "I", "1", "L", "1")
	return r.Replace(strings.ToUpper(strings.TrimSpace(code)))
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
