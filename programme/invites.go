package programme

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
)

// InviteState is where an invitation stands. Expired is not stored: it is a pending
// invitation whose time ran out.
type InviteState string

// The invitation states.
const (
	InvitePending  InviteState = "pending"
	InviteExpired  InviteState = "expired"
	InviteAccepted InviteState = "accepted"
	InviteRevoked  InviteState = "revoked"
)

// MailStatus is what happened to an invitation's latest email.
type MailStatus string

// The mail statuses.
const (
	MailOff    MailStatus = "off" // no SMTP server: the owner passes the link on
	MailQueued MailStatus = "queued"
	MailSent   MailStatus = "sent"
	MailFailed MailStatus = "failed"
)

// InviteMail is the delivery of the invitation's latest generation.
type InviteMail struct {
	Status     MailStatus
	Generation int
	At         time.Time
	Error      string
}

// Invite asks one person, by email, to join a programme in a role. Its ID is derived from
// the programme and the email, so inviting the same person twice (a CSV uploaded again)
// finds the same invitation. The token that accepts it is derived with an HMAC from a secret
// kept outside the database, the invitation's ID, its generation and a random seed; only its
// SHA-256 is stored. Resending starts a new generation: the old link stops working.
type Invite struct {
	ID          string
	ProgrammeID string
	Email       string
	Name        string
	Department  string
	Languages   []string
	Locale      string
	Role        Role
	State       InviteState
	Generation  int
	Seed        string
	TokenHash   string
	InvitedBy   string
	CreatedAt   time.Time
	SentAt      time.Time // when the current generation was issued
	ExpiresAt   time.Time
	AcceptedBy  string
	AcceptedAt  time.Time
	RevokedAt   time.Time
	Mail        InviteMail
}

// Status is the invitation's state at now (pending becomes expired when its time ran out).
func (i Invite) Status(now time.Time) InviteState {
	if i.State == InvitePending && !now.Before(i.ExpiresAt) {
		return InviteExpired
	}
	return i.State
}

// InviteInput is who to invite.
type InviteInput struct {
	Email      string
	Name       string
	Department string
	Languages  []string
	Locale     string
	Role       Role
}

// InviteRef names one generation of an invitation, for its email.
type InviteRef struct {
	ID         string
	Generation int
}

// InviteMailer sends invitation emails. Mail implements it; app wires it.
type InviteMailer interface {
	// Enabled reports whether mail goes out at all.
	Enabled() bool
	// QueueInvites puts the emails of these invitation generations in the durable outbox;
	// queueing the same generation again changes nothing.
	QueueInvites(ctx context.Context, refs []InviteRef) error
}

// InviteQuery selects a programme's invitations, newest first.
type InviteQuery struct {
	ProgrammeID string
	// Status filters: pending, expired, accepted, revoked, or "" for all.
	Status InviteState
	Now    time.Time
	After  *InviteCursor
	Limit  int
}

// InviteCursor is a position in an invitation list (CreatedAt, ID).
type InviteCursor struct {
	At time.Time
	ID string
}

// Limits of invitation fields.
const (
	maxNameLen       = 120
	maxDepartmentLen = 80
	resendCooldown   = time.Minute
)

// InviteID is the ID of the invitation of email to programmeID.
func InviteID(programmeID, email string) string {
	h := sha256.Sum256([]byte(programmeID + "\x00" + strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(h[:12])
}

// MailOn reports whether invitations are emailed (else the owner passes the link on).
func (s *Service) MailOn() bool { return s.Mailer != nil && s.Mailer.Enabled() }

// InviteToken returns the join token of inv's current generation (empty when the server has
// no invite key).
func (s *Service) InviteToken(inv Invite) string {
	if s.InviteKey == nil || inv.Seed == "" {
		return ""
	}
	m := hmac.New(sha256.New, s.InviteKey())
	m.Write([]byte("invite\x00" + inv.ID + "\x00" + strconv.Itoa(inv.Generation) + "\x00" + inv.Seed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validateInvite normalises in and reports invalid fields under prefix.
func validateInvite(in *InviteInput, f *apperr.Fields, prefix string) {
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	a, err := mail.ParseAddress(in.Email)
	f.Check(err == nil && a.Address == in.Email && len(in.Email) <= 254, prefix+"/email", "must be a valid email address")
	f.Check(in.Role.Valid(), prefix+"/role", "must be owner, mentor or mentee")
	in.Name = strings.TrimSpace(in.Name)
	f.Check(utf8.RuneCountInString(in.Name) <= maxNameLen, prefix+"/name", fmt.Sprintf("must be at most %d characters", maxNameLen))
	in.Department = strings.TrimSpace(in.Department)
	f.Check(utf8.RuneCountInString(in.Department) <= maxDepartmentLen, prefix+"/department",
		fmt.Sprintf("must be at most %d characters", maxDepartmentLen))
	in.Locale = strings.TrimSpace(in.Locale)
	f.Check(len(in.Locale) <= 35 && validLocale(in.Locale), prefix+"/locale", "must be a language tag such as en, de or fr-CA")
	var langs []string
	for _, l := range in.Languages {
		l = strings.ToLower(strings.TrimSpace(l))
		if l != "" && !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	f.Check(len(langs) <= 10, prefix+"/languages", "must list at most 10 languages")
	for _, l := range langs {
		f.Check(utf8.RuneCountInString(l) <= 35, prefix+"/languages", "each must be at most 35 characters")
	}
	in.Languages = langs
}

func validLocale(l string) bool {
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (s *Service) inviteTTL() time.Duration {
	if s.InviteTTL > 0 {
		return s.InviteTTL
	}
	return DefaultInviteTTL
}

// issue gives inv a new generation: seed, token hash, expiry and mail status.
func (s *Service) issue(inv *Invite, now time.Time) {
	inv.Generation++
	inv.Seed = randomToken(32)
	inv.TokenHash = hashSecret(s.InviteToken(*inv))
	inv.State, inv.SentAt, inv.ExpiresAt = InvitePending, now, now.Add(s.inviteTTL())
	inv.AcceptedBy, inv.AcceptedAt, inv.RevokedAt = "", time.Time{}, time.Time{}
	inv.Mail = InviteMail{Status: MailOff, Generation: inv.Generation, At: now}
	if s.MailOn() {
		inv.Mail.Status = MailQueued
	}
}

// queue enqueues the emails of invs (mail first, the invitation second: a crash between the
// two leaves an email about nothing, which the mail sender drops, never an invitation
// without its email).
func (s *Service) queue(ctx context.Context, invs ...Invite) error {
	if !s.MailOn() || len(invs) == 0 {
		return nil
	}
	refs := make([]InviteRef, len(invs))
	for i, inv := range invs {
		refs[i] = InviteRef{ID: inv.ID, Generation: inv.Generation}
	}
	if err := s.Mailer.QueueInvites(ctx, refs); err != nil {
		return fmt.Errorf("queue invitation email: %w", err)
	}
	return nil
}

// Invite creates an invitation of email to programmeID in role and returns it with the token.
func (s *Service) Invite(ctx context.Context, programmeID, invitedBy, email string, role Role) (Invite, string, error) {
	return s.InviteOne(ctx, programmeID, invitedBy, InviteInput{Email: email, Role: role})
}

// InviteOne invites one person and returns the invitation with its token (for the link the
// owner passes on when mail is off). An expired or revoked invitation of the same person is
// issued anew; ErrInviteExists when one is pending, ErrInviteAccepted when it was accepted.
func (s *Service) InviteOne(ctx context.Context, programmeID, invitedBy string, in InviteInput) (Invite, string, error) {
	var f apperr.Fields
	validateInvite(&in, &f, "")
	if err := f.Err(); err != nil {
		return Invite{}, "", err
	}
	now := s.Now().UTC()
	id := InviteID(programmeID, in.Email)
	cur, err := s.Store.Invite(ctx, id)
	switch {
	case errors.Is(err, ErrInviteNotFound):
		inv := Invite{ID: id, ProgrammeID: programmeID, CreatedAt: now}
		fillInvite(&inv, in, invitedBy)
		s.issue(&inv, now)
		if err := s.queue(ctx, inv); err != nil {
			return Invite{}, "", err
		}
		dup, err := s.Store.InsertInvites(ctx, []Invite{inv})
		if err != nil {
			return Invite{}, "", fmt.Errorf("create invite: %w", err)
		}
		if dup[id] {
			return Invite{}, "", ErrInviteExists // a concurrent invitation of the same person won
		}
		return inv, s.InviteToken(inv), nil
	case err != nil:
		return Invite{}, "", fmt.Errorf("create invite: %w", err)
	}
	switch cur.Status(now) {
	case InvitePending:
		return Invite{}, "", ErrInviteExists
	case InviteAccepted:
		return Invite{}, "", ErrInviteAccepted
	}
	next := cur
	fillInvite(&next, in, invitedBy)
	return s.reissue(ctx, cur, next, now)
}

func fillInvite(inv *Invite, in InviteInput, invitedBy string) {
	inv.Email, inv.Name, inv.Department, inv.Languages, inv.Locale, inv.Role = in.Email, in.Name, in.Department, in.Languages, in.Locale, in.Role
	inv.InvitedBy = invitedBy
}

// reissue moves cur to a new generation with next's fields, conditionally on cur's generation.
func (s *Service) reissue(ctx context.Context, cur, next Invite, now time.Time) (Invite, string, error) {
	s.issue(&next, now)
	if err := s.queue(ctx, next); err != nil {
		return Invite{}, "", err
	}
	ok, err := s.Store.ReissueInvite(ctx, next, cur.Generation)
	if err != nil {
		return Invite{}, "", fmt.Errorf("reissue invite: %w", err)
	}
	if !ok {
		return Invite{}, "", ErrChanged
	}
	return next, s.InviteToken(next), nil
}

// ResendInvite issues a pending or expired invitation anew (a new link, valid for the full
// time again) and emails it. ErrInviteAccepted, ErrInviteRevoked, ErrResendTooSoon within a
// minute of the last send.
func (s *Service) ResendInvite(ctx context.Context, programmeID, id string) (Invite, string, error) {
	cur, err := s.inviteOf(ctx, programmeID, id)
	if err != nil {
		return Invite{}, "", err
	}
	now := s.Now().UTC()
	switch cur.Status(now) {
	case InviteAccepted:
		return Invite{}, "", ErrInviteAccepted
	case InviteRevoked:
		return Invite{}, "", ErrInviteRevoked
	}
	if now.Sub(cur.SentAt) < resendCooldown {
		return Invite{}, "", ErrResendTooSoon
	}
	return s.reissue(ctx, cur, cur, now)
}

// RevokeInvite revokes a pending or expired invitation: its link stops working and its email,
// if not sent yet, is not sent. Revoking twice is not an error; ErrInviteAccepted when it was
// accepted.
func (s *Service) RevokeInvite(ctx context.Context, programmeID, id string) error {
	ok, err := s.Store.RevokeInvite(ctx, programmeID, id, s.Now().UTC())
	if err != nil {
		return fmt.Errorf("revoke invite: %w", err)
	}
	if ok {
		return nil
	}
	cur, err := s.inviteOf(ctx, programmeID, id)
	switch {
	case err != nil:
		return err
	case cur.State == InviteAccepted:
		return ErrInviteAccepted
	}
	return nil // revoked already
}

func (s *Service) inviteOf(ctx context.Context, programmeID, id string) (Invite, error) {
	inv, err := s.Store.Invite(ctx, id)
	if err == nil && inv.ProgrammeID != programmeID {
		err = ErrInviteNotFound
	}
	return inv, err
}

// Invites lists a page of a programme's invitations, newest first; next is nil on the last page.
func (s *Service) Invites(ctx context.Context, q InviteQuery) (invs []Invite, next *InviteCursor, err error) {
	switch q.Status {
	case "", InvitePending, InviteExpired, InviteAccepted, InviteRevoked:
	default:
		return nil, nil, apperr.Invalid("/status", "must be pending, expired, accepted or revoked")
	}
	if q.Limit <= 0 || q.Limit > MaxInvitesPage {
		q.Limit = 50
	}
	q.Now = s.Now().UTC()
	want := q.Limit
	q.Limit++
	invs, err = s.Store.Invites(ctx, q)
	if err != nil {
		return nil, nil, fmt.Errorf("list invites: %w", err)
	}
	if len(invs) > want {
		invs = invs[:want]
		last := invs[want-1]
		next = &InviteCursor{At: last.CreatedAt, ID: last.ID}
	}
	return invs, next, nil
}

// MailVerdict says whether an invitation's email should still go out.
type MailVerdict int

// The verdicts.
const (
	MailSend   MailVerdict = iota
	MailGone               // revoked, accepted, expired or superseded by a resend
	MailNotYet             // the invitation is not written yet (mail is queued first)
)

// InviteForMail returns the invitation generation ref names, with its token, for its email.
func (s *Service) InviteForMail(ctx context.Context, ref InviteRef) (Invite, string, MailVerdict, error) {
	inv, err := s.Store.Invite(ctx, ref.ID)
	switch {
	case errors.Is(err, ErrInviteNotFound):
		return Invite{}, "", MailNotYet, nil
	case err != nil:
		return Invite{}, "", 0, err
	case inv.Generation < ref.Generation:
		return Invite{}, "", MailNotYet, nil
	case inv.Generation > ref.Generation || inv.Status(s.Now()) != InvitePending:
		return Invite{}, "", MailGone, nil
	}
	return inv, s.InviteToken(inv), MailSend, nil
}

// InviteMailed records how the email of an invitation generation ended (a later generation's
// status is never overwritten).
func (s *Service) InviteMailed(ctx context.Context, ref InviteRef, sent bool, reason string, at time.Time) error {
	m := InviteMail{Status: MailFailed, Generation: ref.Generation, At: at.UTC(), Error: reason}
	if sent {
		m.Status, m.Error = MailSent, ""
	}
	return s.Store.SetInviteMail(ctx, ref.ID, m)
}

// acceptInvite makes userID a member through an invitation token: it must be pending and
// for the account's email. Membership carries what the invitation knew (department,
// languages), so matching can use it before the person fills in a profile.
func (s *Service) acceptInvite(ctx context.Context, userID, email, token string, now time.Time) (Invite, error) {
	inv, err := s.Store.InviteByHash(ctx, hashSecret(token))
	if errors.Is(err, ErrInvalidJoin) || err == nil && inv.Status(now) != InvitePending {
		return Invite{}, ErrInvalidJoin
	}
	if err != nil {
		return Invite{}, err
	}
	if !strings.EqualFold(inv.Email, strings.TrimSpace(email)) {
		return Invite{}, ErrInviteForOther
	}
	err = s.addMembership(ctx, Membership{ProgrammeID: inv.ProgrammeID, UserID: userID, Role: inv.Role, JoinedAt: now,
		Department: inv.Department, Languages: inv.Languages})
	if err != nil && !errors.Is(err, ErrAlreadyMember) {
		return Invite{}, err
	}
	// Single use: the first acceptance wins; a concurrent second one finds the membership
	// already there (ErrAlreadyMember) or loses here harmlessly.
	if _, aerr := s.Store.AcceptInvite(ctx, inv.ID, userID, now); aerr != nil && err == nil {
		err = aerr
	}
	return inv, err
}
