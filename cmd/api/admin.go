package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/identity"
)

// adminCommand is `api admin`.
func adminCommand() command {
	return command{
		summary: "admin grant|revoke EMAIL: make an existing account a platform admin, or stop it being one",
		run:     runAdmin,
	}
}

// runAdmin grants or revokes platform admin. The change applies to access tokens issued
// from now on: a token already issued keeps its claim until it expires (at most 15 minutes).
func runAdmin(ctx context.Context, a *app.App, args []string, out io.Writer) error {
	if len(args) != 2 || (args[0] != "grant" && args[0] != "revoke") {
		return errors.New("usage: api admin grant|revoke EMAIL")
	}
	grant := args[0] == "grant"
	email := identity.NormalizeEmail(args[1])
	if err := a.Identity.SetAdmin(ctx, email, grant); err != nil {
		if errors.Is(err, identity.ErrNotFound) {
			return fmt.Errorf("no account with email %s: register it first", email)
		}
		return err
	}
	if grant {
		fmt.Fprintf(out, "%s is now a platform admin (from their next sign-in or token refresh)\n", email)
	} else {
		fmt.Fprintf(out, "%s is no longer a platform admin (existing access tokens expire within %s)\n", email, a.Cfg.AccessTokenTTL)
	}
	return nil
}
