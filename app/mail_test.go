package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// Start-up says whether email goes out; SMTP without PUBLIC_URL or SMTP_FROM is refused
// before anything starts, naming the variable.
func TestStartupSaysWhetherMailIsOn(t *testing.T) {
	start := func(env map[string]string) string {
		t.Helper()
		dir := t.TempDir()
		env["DATA_DIR"], env["DEMO_SEED"] = dir, "false"
		cfg, err := app.LoadConfig(config.FromMap(env))
		if err != nil {
			t.Fatal(err)
		}
		cfg.JWTKeysFile = filepath.Join(dir, "keys.json")
		var buf lockedBuffer
		if _, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(&buf, nil)), app.Options{DB: mongotest.DB(t)}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	if log := start(map[string]string{}); !strings.Contains(log, "email is OFF") {
		t.Errorf("start-up without SMTP_HOST did not say mail is off:\n%s", log)
	}
	on := start(map[string]string{"SMTP_HOST": "127.0.0.1", "SMTP_FROM": "x <x@example.org>", "PUBLIC_URL": "https://learn.example.org"})
	if !strings.Contains(on, "email goes out through SMTP") || strings.Contains(on, "email is OFF") {
		t.Errorf("start-up with SMTP_HOST:\n%s", on)
	}
	for _, bad := range []struct {
		env  map[string]string
		name string
	}{
		{map[string]string{"SMTP_HOST": "127.0.0.1", "SMTP_FROM": "x <x@example.org>"}, "PUBLIC_URL"},
		{map[string]string{"SMTP_HOST": "127.0.0.1", "PUBLIC_URL": "https://learn.example.org"}, "SMTP_FROM"},
		{map[string]string{"SMTP_HOST": "127.0.0.1", "SMTP_FROM": "x <x@example.org>", "PUBLIC_URL": "https://l.example", "SMTP_TLS": "maybe"}, "SMTP_TLS"},
	} {
		if _, err := app.LoadConfig(config.FromMap(bad.env)); err == nil || !strings.Contains(err.Error(), bad.name) {
			t.Errorf("config %v: %v, want an error naming %s", bad.env, err, bad.name)
		}
	}
}
