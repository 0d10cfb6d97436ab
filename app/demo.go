package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/programme"
)

// DemoPassword is the password of every demo account.
const DemoPassword = "demo-password"

// DemoProgrammeID is the fixed id of the demo programme, so that seeding is idempotent.
const DemoProgrammeID = "demo-programme"

// DemoAccount is one demo login.
type DemoAccount struct {
	Email, Name string
	Role        programme.Role
}

// DemoAccounts are the demo logins printed at start-up.
var DemoAccounts = []DemoAccount{
	{"owner@example.com", "Olivia Owner", programme.RoleOwner},
	{"mentor@example.com", "Malik Mentor", programme.RoleMentor},
	{"mentee1@example.com", "Ada Mentee", programme.RoleMentee},
	{"mentee2@example.com", "Ben Mentee", programme.RoleMentee},
	{"mentee3@example.com", "Chloe Mentee", programme.RoleMentee},
}

const seedMarker = "demo-seed"

// SeedDemo seeds the demo programme on first start. Every step is idempotent and the marker
// is written last, so a start that dies half-way finishes the job next time, and a second
// start after a complete seed does nothing.
func (a *App) SeedDemo(ctx context.Context) error {
	seeded, err := a.DB.HasMarker(ctx, seedMarker)
	if err != nil || seeded {
		return err
	}
	users := map[string]identity.User{}
	for _, acc := range DemoAccounts {
		u, err := a.Identity.Register(ctx, identity.NewUser{Email: acc.Email, Password: DemoPassword, DisplayName: acc.Name, Timezone: "Europe/London"})
		if errors.Is(err, identity.ErrEmailTaken) {
			u, _, err = a.Identity.Store.UserByEmail(ctx, acc.Email)
		}
		if err != nil {
			return fmt.Errorf("demo account %s: %w", acc.Email, err)
		}
		users[acc.Email] = u
	}
	owner := users[DemoAccounts[0].Email]
	p := programme.Programme{ID: DemoProgrammeID, Name: "Clinical Leadership Mentoring 2026",
		Description: "A formal mentoring programme pairing new ward leaders with experienced mentors: ten-minute lessons between monthly meetings.",
		Timezone:    "Europe/London", StartsOn: "2026-09-01", EndsOn: "2027-06-30", CreatedBy: owner.ID, CreatedAt: a.Now().UTC(), UpdatedAt: a.Now().UTC()}
	if _, err := a.Programmes.Programme(ctx, DemoProgrammeID); errors.Is(err, programme.ErrNotFound) {
		if err := a.Programmes.Store.CreateProgramme(ctx, p, programme.Membership{ProgrammeID: p.ID, UserID: owner.ID, Role: programme.RoleOwner, JoinedAt: p.CreatedAt}); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	// The members joined four weeks ago: their three weeks of learning (demo_history.go) count.
	joined := a.Now().UTC().AddDate(0, 0, -demoJoinedDaysAgo)
	for _, acc := range DemoAccounts[1:] {
		err := a.Programmes.Store.AddMember(ctx, programme.Membership{ProgrammeID: DemoProgrammeID, UserID: users[acc.Email].ID, Role: acc.Role, JoinedAt: joined})
		if err != nil && !errors.Is(err, programme.ErrAlreadyMember) {
			return err
		}
	}
	// Each domain's part of the demo, in order (mentoring assigns the imported content).
	for _, step := range []func(context.Context, map[string]identity.User) error{a.seedContent, a.seedMentoringDemo, a.seedReviewsDemo, a.seedEvidenceDemo,
		a.seedRecordDemo, a.seedHistoryDemo} {
		if err := step(ctx, users); err != nil {
			return err
		}
	}
	return a.DB.SetMarker(ctx, seedMarker, a.Now())
}
