package app_test

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
)

func newApp(t *testing.T, env map[string]string) *app.App {
	t.Helper()
	dir := t.TempDir()
	env["DATA_DIR"] = dir
	cfg, err := app.LoadConfig(config.FromMap(env))
	if err != nil {
		t.Fatal(err)
	}
	cfg.JWTKeysFile = filepath.Join(dir, "keys.json")
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{DB: mongotest.DB(t)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// SIGTERM (the context ending) lets a request already in flight finish before Serve returns.
func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	a := newApp(t, map[string]string{"DEMO_SEED": "false", "SHUTDOWN_TIMEOUT": "10s"})
	started := make(chan struct{})
	a.API.App().Get("/v1/test-slow", func(c *fiber.Ctx) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		return c.SendString("finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, ln) }()

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/v1/test-slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()
	<-started
	cancel()
	r := <-got
	if r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: %q, %v", r.body, r.err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after shutdown")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

// The demo seed runs once: a second start finds the marker and adds nothing.
func TestDemoSeedIsIdempotent(t *testing.T) {
	db := mongotest.DB(t)
	for i := 0; i < 2; i++ {
		dir := t.TempDir()
		cfg, err := app.LoadConfig(config.FromMap(map[string]string{"DATA_DIR": dir, "DEMO_SEED": "true"}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{DB: db}); err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
	}
	ctx := context.Background()
	n, err := db.DB.Collection("users").CountDocuments(ctx, map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(app.DemoAccounts)) {
		t.Errorf("%d users after two starts, want %d", n, len(app.DemoAccounts))
	}
}

// A handler that panics answers 500 problem+json that says nothing internal; the panic text
// stays in the server.
func TestPanicsBecomeOpaque500Problems(t *testing.T) {
	a := newApp(t, map[string]string{"DEMO_SEED": "false"})
	a.API.App().Get("/v1/test-panic", func(c *fiber.Ctx) error { panic("secret driver detail: mongodb://user:pw@db") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = a.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/v1/test-panic")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 500 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	if strings.Contains(string(b), "secret") || strings.Contains(string(b), "mongodb://") || !strings.Contains(string(b), `"requestId"`) {
		t.Errorf("500 body leaks or lacks the request ID: %s", b)
	}
}

// A demo seed that died before its marker runs every step again on the next start: the
// mentoring record's demo (meetings, notes, goals, agreement versions) is not doubled.
func TestDemoRecordSeedRunsTwiceWithoutDoubling(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	counts := func() map[string]int64 {
		out := map[string]int64{}
		for _, c := range []string{"mentoring_meetings", "mentoring_notes", "mentoring_goals", "mentoring_goal_history", "mentoring_agreement_versions", "mentoring_actions"} {
			n, err := db.DB.Collection(c).CountDocuments(ctx, map[string]any{})
			if err != nil {
				t.Fatal(err)
			}
			out[c] = n
		}
		return out
	}
	var first map[string]int64
	for i := 0; i < 2; i++ {
		cfg, err := app.LoadConfig(config.FromMap(map[string]string{"DATA_DIR": t.TempDir(), "DEMO_SEED": "true"}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{DB: db}); err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
		if i == 0 {
			first = counts()
			if first["mentoring_meetings"] < 8 || first["mentoring_goals"] < 7 || first["mentoring_agreement_versions"] < 3 {
				t.Fatalf("the demo record is thin: %v", first)
			}
			// As if the first start died before writing its marker.
			if _, err := db.DB.Collection("meta").DeleteOne(ctx, map[string]any{"_id": "demo-seed"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := counts(); !maps.Equal(first, got) {
		t.Errorf("after seeding again: %v, want %v", got, first)
	}
}
