// Command gamification runs the gamification service on its own: it consumes learning
// events from MongoDB and turns them into points, levels, badges, streaks and notifications.
// It serves /healthz and /readyz on GAMIFICATION_ADDR and stops cleanly on SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"log/slog"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/internal/tracing"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, nil); err != nil {
		fmt.Fprintln(os.Stderr, "microlearn-gamification:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends (SIGTERM or interrupt). ready, when set, is told the address
// and the metrics' address ("" when off).
func run(ctx context.Context, ready func(addr, metricsAddr string)) error {
	cfg, err := app.LoadConfig(config.FromOS())
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if cfg.MongoURI == "" {
		log.Warn("MONGODB_URI is not set: starting the embedded database; only one process may use it, so do not run cmd/api on the same DATA_DIR")
	}
	ln, err := net.Listen("tcp", cfg.GamificationAddr)
	if err != nil {
		return fmt.Errorf("invalid GAMIFICATION_ADDR=%q: cannot listen: %w", cfg.GamificationAddr, err)
	}
	cfg.DemoSeed = false
	stopTracing, err := tracing.Setup(ctx, "gamification")
	if err != nil {
		return fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
	}
	defer func() { _ = stopTracing(context.WithoutCancel(ctx)) }()
	a, err := app.New(ctx, cfg, log, app.Options{Process: "gamification"})
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	maddr, stopMetrics, err := a.StartMetrics(ctx, cfg.GamificationMetricsAddr)
	if err != nil {
		return err
	}
	defer stopMetrics()
	metricsAt := ""
	if maddr != nil {
		metricsAt = maddr.String()
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := a.DB.Ping(pctx); err != nil {
			log.Error("readiness check failed", "error", err.Error())
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"type":"https://microlearn.dev/problems/unavailable","title":"Service Unavailable","status":503,"detail":"the database does not answer"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ready"}`))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("gamification service running", "addr", ln.Addr().String(), "metrics", metricsAt)
	if ready != nil {
		ready(ln.Addr().String(), metricsAt)
	}
	done := make(chan struct{})
	go func() { a.RunGamification(ctx); close(done) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	_ = srv.Shutdown(sctx)
	<-done
	log.Info("gamification service stopped")
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
