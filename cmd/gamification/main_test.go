package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/microlearn/microlearn/internal/mongodb/mongotest"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/learning/learningdb"
)

// The service starts, answers /healthz and /readyz, and stops cleanly when told to.
func TestStartsServesHealthAndStops(t *testing.T) {
	t.Setenv("DATA_DIR", t.TempDir())
	t.Setenv("EMBEDDED_MONGO_ADDR", "127.0.0.1:0")
	t.Setenv("GAMIFICATION_ADDR", "127.0.0.1:0")
	t.Setenv("GAMIFICATION_METRICS_ADDR", "off")
	t.Setenv("LOG_LEVEL", "error")
	addr, metricsAddr, stop := start(t)
	if metricsAddr != "" {
		t.Errorf("GAMIFICATION_METRICS_ADDR=off still serves metrics on %s", metricsAddr)
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
	stop()
}

// Against a shared MongoDB (MONGODB_URI), a Prometheus scrape of the service shows the
// learning queue's depth and the events its worker settled move as an event is published.
func TestMetricsMoveWithTheQueue(t *testing.T) {
	db := mongotest.DB(t)
	t.Setenv("DATA_DIR", t.TempDir())
	t.Setenv("MONGODB_URI", db.URI)
	t.Setenv("MONGODB_DATABASE", db.DB.Name())
	t.Setenv("GAMIFICATION_ADDR", "127.0.0.1:0")
	t.Setenv("GAMIFICATION_METRICS_ADDR", "127.0.0.1:0")
	t.Setenv("METRICS_QUEUE_PROBE_INTERVAL", "1s")
	t.Setenv("LOG_LEVEL", "error")
	_, metricsAddr, stop := start(t)
	defer stop()
	before := scrape(t, metricsAddr)
	if !regexp.MustCompile(`microlearn_queue_depth\{queue="learning"\} 0`).MatchString(before) {
		t.Fatalf("no empty learning queue gauge in the scrape:\n%s", before)
	}
	now := time.Now().UTC()
	err := learningdb.New(db.DB).Publish(context.Background(), learning.Event{ID: "ev-metrics-1", Kind: learning.LessonCompleted,
		UserID: "nobody", ProgrammeID: "no-programme", ItemKind: learning.KindLesson, ItemID: "l1", OccurredAt: now, RecordedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	settled := regexp.MustCompile(`microlearn_learning_events_settled_total\{process="gamification",result="[a-z]+"\} (\d+)`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		m := settled.FindStringSubmatch(scrape(t, metricsAddr))
		if m != nil {
			if n, _ := strconv.Atoi(m[1]); n >= 1 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the worker settled no event within 30s according to /metrics")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func start(t *testing.T) (addr, metricsAddr string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	type addrs struct{ a, m string }
	addrc := make(chan addrs, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(a, m string) { addrc <- addrs{a, m} }) }()
	select {
	case got := <-addrc:
		addr, metricsAddr = got.a, got.m
	case err := <-done:
		cancel()
		t.Fatalf("run ended early: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("did not start within 30s")
	}
	return addr, metricsAddr, func() {
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
}

func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, b)
	}
	return string(b)
}
