package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/microlearn/microlearn/credential"
	"github.com/microlearn/microlearn/credential/credentialdb"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/auth"
)

// newCredentials builds Open Badges issuing: badges and who earned them from gamification,
// email addresses from identity, signatures with the access-token key set. Every IRI starts
// with PUBLIC_URL (or the listen address when it is unset).
func (a *App) newCredentials(keys *auth.KeySet) *credential.Service {
	return &credential.Service{Store: credentialdb.New(a.DB.DB), Badges: badgesForCredentials{a.Gamification},
		People: peopleForCredentials{a.Identity}, Signer: keys, BaseURL: a.publicBase(), Now: a.Now}
}

// publicBase is the origin the product is reached at from outside.
func (a *App) publicBase() string {
	if a.Cfg.PublicURL != "" {
		return strings.TrimRight(a.Cfg.PublicURL, "/")
	}
	host := a.Cfg.HTTPAddr
	if strings.HasPrefix(host, ":") {
		host = "localhost" + host
	}
	return "http://" + host
}

// badgesForCredentials reads badges and who earned them from gamification.
type badgesForCredentials struct{ g *gamification.Service }

func toAchievement(programmeID string, b gamification.Badge) credential.Achievement {
	criteria := b.Description
	if criteria == "" {
		criteria = fmt.Sprintf("Reach %d on the counter %q.", b.Criterion.Target, b.Criterion.Counter)
	}
	return credential.Achievement{ProgrammeID: programmeID, BadgeID: b.ID, Name: b.Name, Description: b.Description, Criteria: criteria}
}

func (s badgesForCredentials) Achievement(ctx context.Context, programmeID, badgeID string) (credential.Achievement, error) {
	bs, err := s.g.Badges(ctx, programmeID)
	if err != nil {
		return credential.Achievement{}, err
	}
	for _, b := range bs {
		if b.ID == badgeID {
			return toAchievement(programmeID, b), nil
		}
	}
	return credential.Achievement{}, credential.ErrBadge
}

func (s badgesForCredentials) Earned(ctx context.Context, programmeID, userID, badgeID string) (credential.Earned, error) {
	bs, err := s.g.BadgesOf(ctx, userID, programmeID)
	if errors.Is(err, gamification.ErrNotMember) {
		return credential.Earned{}, credential.ErrNotEarned
	}
	if err != nil {
		return credential.Earned{}, err
	}
	for _, bp := range bs {
		if bp.Badge.ID == badgeID && bp.Earned != nil {
			return credential.Earned{Achievement: toAchievement(programmeID, bp.Badge), At: bp.Earned.At}, nil
		}
	}
	return credential.Earned{}, credential.ErrNotEarned
}

// peopleForCredentials reads email addresses from identity.
type peopleForCredentials struct{ s *identity.Service }

func (p peopleForCredentials) Email(ctx context.Context, userID string) (string, error) {
	u, err := p.s.User(ctx, userID)
	return u.Email, err
}
