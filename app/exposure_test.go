package app_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/internal/config"
)

// Demo data (a published password) binds to loopback by default, and is refused on an
// address other machines reach unless DEMO_SEED is given explicitly.
func TestDemoDataStaysOnLoopbackUnlessAskedFor(t *testing.T) {
	public := &net.TCPAddr{IP: net.IPv4zero, Port: 8080}
	loop := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	for _, c := range []struct {
		name     string
		env      map[string]string
		addr     string // the default HTTP_ADDR
		publicOK bool
	}{
		{"embedded, demo by default", map[string]string{}, "127.0.0.1:8080", false},
		{"embedded, DEMO_SEED=true given", map[string]string{"DEMO_SEED": "true"}, "127.0.0.1:8080", true},
		{"embedded, DEMO_SEED=false", map[string]string{"DEMO_SEED": "false"}, ":8080", true},
		{"MongoDB, no demo", map[string]string{"MONGODB_URI": "mongodb://db.invalid"}, ":8080", true},
		{"HTTP_ADDR given, demo by default", map[string]string{"HTTP_ADDR": ":9000"}, ":9000", false},
	} {
		cfg, err := app.LoadConfig(config.FromMap(c.env))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.HTTPAddr != c.addr {
			t.Errorf("%s: HTTP_ADDR defaults to %q, want %q", c.name, cfg.HTTPAddr, c.addr)
		}
		if err := app.CheckExposure(cfg, loop); err != nil {
			t.Errorf("%s: loopback refused: %v", c.name, err)
		}
		err = app.CheckExposure(cfg, public)
		if (err == nil) != c.publicOK {
			t.Errorf("%s: on 0.0.0.0: %v, want allowed=%v", c.name, err, c.publicOK)
		}
		if err != nil && !strings.Contains(err.Error(), "DEMO_SEED=true") {
			t.Errorf("%s: the refusal does not say how to proceed: %v", c.name, err)
		}
	}
}

// A database seeded by an earlier start keeps demo accounts with the published password
// after DEMO_SEED is turned off: serving it beyond loopback is refused until they change.
func TestSeededDemoAccountsBlockAPublicAddress(t *testing.T) {
	a := newApp(t, map[string]string{"DEMO_SEED": "true"})
	ctx := context.Background()
	public := &net.TCPAddr{IP: net.IPv4zero, Port: 8080}
	if err := a.CheckDemoLogins(ctx, public); err != nil {
		t.Fatalf("DEMO_SEED=true was given explicitly, yet: %v", err)
	}
	a.Cfg.DemoSeed, a.Cfg.DemoSeedSet = false, true // the next start, with DEMO_SEED=false
	err := a.CheckDemoLogins(ctx, public)
	if err == nil || !strings.Contains(err.Error(), "5 demo accounts") {
		t.Fatalf("serving seeded demo accounts on 0.0.0.0: %v", err)
	}
	if err := a.CheckDemoLogins(ctx, &net.TCPAddr{IP: net.IPv6loopback, Port: 8080}); err != nil {
		t.Errorf("on loopback: %v", err)
	}
}
