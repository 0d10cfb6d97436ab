// Package authz holds the one authorization policy of the product: who may act in a
// programme, on a pairing and on a content item. The REST API (api/authz.go) and the browser
// console (console/) both ask it, so the two surfaces cannot drift apart. It knows nothing
// of HTTP: callers prove who they are (a verified access token) and pass a Caller in.
package authz

import (
	"context"
	"errors"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/programme"
)

// Caller is who sent a request, as proven by the access token.
type Caller struct {
	UserID    string
	Admin     bool
	SessionID string
	// Role is the caller's role in the programme the request is about, set by Programme;
	// empty for an admin who is not a member.
	Role programme.Role
}

// SignedIn reports whether the caller was authenticated.
func (c Caller) SignedIn() bool { return c.UserID != "" }

// Author reports whether the caller may author the programme's content (owners, mentors,
// admins). Meaningful after Programme.
func (c Caller) Author() bool {
	return c.Admin || c.Role == programme.RoleOwner || c.Role == programme.RoleMentor
}

// Roles answers a user's role in a programme (programme.Service).
type Roles interface {
	// RoleOf returns programme.ErrNotMember for a non-member.
	RoleOf(ctx context.Context, programmeID, userID string) (programme.Role, error)
}

// Items loads content items (content.Service).
type Items interface {
	// Item returns content.ErrNotFound for an unknown item.
	Item(ctx context.Context, id string) (content.Item, error)
}

// PairingProgrammes answers which programme a pairing belongs to (mentoring.Service).
type PairingProgrammes interface {
	PairingProgramme(ctx context.Context, pairingID string) (string, error)
}

// Authorizer is the policy. Content and Pairings may be nil when those domains are not
// wired; the checks that need them must then not be called.
type Authorizer struct {
	Programmes Roles
	Content    Items
	Pairings   PairingProgrammes
}

// Programme is THE authorization check of every programme-scoped action: the caller must be
// signed in and hold one of the allowed roles in programmeID, or be a platform admin.
// Members without an allowed role get ErrForbidden; non-members get a not-found error, so
// that a programme's existence is not revealed to outsiders. With no roles given, any
// member passes. The returned Caller carries the role.
func (a *Authorizer) Programme(ctx context.Context, cl Caller, programmeID string, allowed ...programme.Role) (Caller, error) {
	if !cl.SignedIn() {
		return cl, apperr.ErrUnauthenticated
	}
	role, err := a.Programmes.RoleOf(ctx, programmeID, cl.UserID)
	switch {
	case errors.Is(err, programme.ErrNotMember) && cl.Admin:
		return cl, nil
	case err != nil:
		return cl, err
	}
	cl.Role = role
	if cl.Admin || len(allowed) == 0 {
		return cl, nil
	}
	for _, r := range allowed {
		if r == role {
			return cl, nil
		}
	}
	return cl, apperr.ErrForbidden
}

// Admin lets only platform admins through.
func Admin(cl Caller) (Caller, error) {
	if !cl.SignedIn() {
		return cl, apperr.ErrUnauthenticated
	}
	if !cl.Admin {
		return cl, apperr.ErrForbidden
	}
	return cl, nil
}

// Pairing authorizes the caller as a member of the pairing's programme (any role; the
// mentoring service then applies the pairing-level rules) and returns the programme's ID.
func (a *Authorizer) Pairing(ctx context.Context, cl Caller, pairingID string) (Caller, string, error) {
	if !cl.SignedIn() {
		return cl, "", apperr.ErrUnauthenticated
	}
	programmeID, err := a.Pairings.PairingProgramme(ctx, pairingID)
	if err != nil {
		return cl, "", err
	}
	cl, err = a.Programme(ctx, cl, programmeID)
	return cl, programmeID, err
}

// ItemAccess is a caller's access to one content item.
type ItemAccess struct {
	Caller Caller
	Item   content.Item
	// Author is set for those who may see the item as its authors do (unpublished items,
	// correct options, explanations).
	Author bool
}

// ReadItem loads an item and authorizes the caller to read it. Programme items are readable
// by the programme's members (outsiders get not-found); global items by anyone signed in.
// Only authors (owners and mentors of the programme, admins; admins alone for the global
// library) see items that are not published; for everyone else those do not exist. A kind,
// when given, must match.
func (a *Authorizer) ReadItem(ctx context.Context, cl Caller, id string, kind content.Kind) (ItemAccess, error) {
	if !cl.SignedIn() {
		return ItemAccess{}, apperr.ErrUnauthenticated
	}
	it, err := a.Content.Item(ctx, id)
	if err == nil && kind != "" && it.Kind != kind {
		err = content.ErrNotFound
	}
	if err != nil {
		return ItemAccess{}, err
	}
	author := cl.Admin
	if !it.Global() {
		if cl, err = a.Programme(ctx, cl, it.ProgrammeID); err != nil {
			return ItemAccess{}, err
		}
		author = cl.Author()
	}
	if !author && it.Status != content.StatusPublished {
		return ItemAccess{}, content.ErrNotFound
	}
	return ItemAccess{Caller: cl, Item: it, Author: author}, nil
}

// AuthorItem loads an item and authorizes the caller to author it: owners and mentors of its
// programme, or admins (the only authors of the global library).
func (a *Authorizer) AuthorItem(ctx context.Context, cl Caller, id string) (ItemAccess, error) {
	if !cl.SignedIn() {
		return ItemAccess{}, apperr.ErrUnauthenticated
	}
	it, err := a.Content.Item(ctx, id)
	if err != nil {
		return ItemAccess{}, err
	}
	if it.Global() {
		cl, err = Admin(cl)
	} else {
		cl, err = a.Programme(ctx, cl, it.ProgrammeID, programme.RoleOwner, programme.RoleMentor)
	}
	if err != nil {
		return ItemAccess{}, err
	}
	return ItemAccess{Caller: cl, Item: it, Author: true}, nil
}
