package app

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/microlearn/microlearn/identity"
)

// DefaultHTTPAddr is where cmd/api listens when HTTP_ADDR is unset: loopback only while demo
// data is seeded, because every demo account has the published DemoPassword; every
// interface otherwise.
func DefaultHTTPAddr(demoSeed bool) string {
	if demoSeed {
		return "127.0.0.1:8080"
	}
	return ":8080"
}

// Loopback reports whether addr is reachable from this machine only.
func Loopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP != nil && tcp.IP.IsLoopback()
}

// CheckExposure refuses to serve demo data on an address other machines reach unless
// DEMO_SEED was set explicitly: it runs before anything is seeded.
func CheckExposure(cfg Config, addr net.Addr) error {
	if !cfg.DemoSeed || cfg.DemoSeedSet || Loopback(addr) {
		return nil
	}
	return fmt.Errorf("refusing to serve the demo accounts (password %q, printed in the README) on HTTP_ADDR=%s, which other machines reach: "+
		"bind to loopback (the default), or set DEMO_SEED=true to serve them there anyway, or DEMO_SEED=false for no demo data", DemoPassword, addr)
}

// DemoLoginsOpen returns the demo accounts that still sign in with DemoPassword (a database
// seeded by an earlier start keeps them after DEMO_SEED is turned off).
func (a *App) DemoLoginsOpen(ctx context.Context) ([]string, error) {
	var open []string
	for _, acc := range DemoAccounts {
		_, hash, err := a.Identity.Store.UserByEmail(ctx, acc.Email)
		if errors.Is(err, identity.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if identity.CheckPassword(hash, DemoPassword) {
			open = append(open, acc.Email)
		}
	}
	return open, nil
}

// CheckDemoLogins refuses to serve on an address other machines reach while demo accounts
// still sign in with the published password, unless DEMO_SEED=true was given explicitly.
func (a *App) CheckDemoLogins(ctx context.Context, addr net.Addr) error {
	if Loopback(addr) || (a.Cfg.DemoSeedSet && a.Cfg.DemoSeed) {
		return nil
	}
	open, err := a.DemoLoginsOpen(ctx)
	if err != nil || len(open) == 0 {
		return err
	}
	return fmt.Errorf("refusing to serve on HTTP_ADDR=%s, which other machines reach: %d demo accounts (%s ...) still sign in with the published password %q; "+
		"change their passwords or erase them, bind to loopback, or set DEMO_SEED=true to serve them anyway", addr, len(open), open[0], DemoPassword)
}
