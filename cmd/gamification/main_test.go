package main

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// The service starts, answers /healthz and /readyz, and stops cleanly when told to.
func TestStartsServesHealthAndStops(t *testing.T) {
	t.Setenv("DATA_DIR", t.TempDir())
	t.Setenv("EMBEDDED_MONGO_ADDR", "127.0.0.1:0")
	t.Setenv("GAMIFICATION_ADDR", "127.0.0.1:0")
	t.Setenv("LOG_LEVEL", "error")
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(a string) { addrc <- a }) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("did not start within 30s")
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + addr + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("did not stop within 30s of the signal")
	}
}
