package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/internal/auth"
)

// keysCommand is `api keys`.
func keysCommand() command {
	return command{
		summary: "keys rotate: start signing access tokens with a new key (the old one verifies until its tokens expire)",
		run:     runKeys,
		offline: true,
	}
}

// runKeys rotates the JWT signing key in JWT_KEYS_FILE. Running servers pick the new key up
// within 30 seconds (and at once when they meet a token signed with it); tokens signed with
// the retired key keep verifying until they expire. Keys retired longer ago than the token
// lifetime are dropped from the file.
func runKeys(_ context.Context, a *app.App, args []string, out io.Writer) error {
	if len(args) != 1 || args[0] != "rotate" {
		return errors.New("usage: api keys rotate")
	}
	ks, err := auth.LoadOrCreateKeySet(a.Cfg.JWTKeysFile)
	if err != nil {
		return err
	}
	kid, err := ks.Rotate(time.Now(), a.Cfg.AccessTokenTTL+time.Minute)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "new signing key %s written to %s; the previous key verifies its tokens for %s more\n",
		kid, a.Cfg.JWTKeysFile, a.Cfg.AccessTokenTTL+time.Minute)
	return nil
}
