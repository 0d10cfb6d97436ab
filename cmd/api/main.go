// Command api serves the microlearn REST API. With no MONGODB_URI it starts FerretDB
// embedded, seeds the demo programme and runs the gamification service in-process, so one
// command brings up the whole product. Subcommands run operator tasks (see -h).
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/internal/tracing"
)

// command is an operator subcommand: `api NAME args...`.
type command struct {
	summary string
	run     func(ctx context.Context, a *app.App, args []string, out io.Writer) error
	// offline commands get an App with only Cfg and Log: they need no database, so they can
	// run beside a live embedded server (which holds the embedded database).
	offline bool
}

// commands lists the subcommands; each is defined in its own file beside this one.
func commands() map[string]command {
	return map[string]command{
		"admin":        adminCommand(),
		"content":      contentCommand(),
		"gamification": gamificationCommand(),
		"keys":         keysCommand(),
		"reports":      reportsCommand(),
	}
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "microlearn:", err)
		os.Exit(1)
	}
}

func newLogger(cfg app.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func run(args []string, out io.Writer) error {
	cfg, err := app.LoadConfig(config.FromOS())
	if err != nil {
		return err
	}
	log := newLogger(cfg, os.Stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if len(args) > 0 && args[0] != "serve" {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			usage(out)
			return nil
		}
		c, ok := commands()[args[0]]
		if !ok {
			usage(os.Stderr)
			return fmt.Errorf("unknown command %q", args[0])
		}
		cfg.DemoSeed = false
		if c.offline {
			return c.run(ctx, &app.App{Cfg: cfg, Log: log}, args[1:], out)
		}
		a, err := app.New(ctx, cfg, log, app.Options{})
		if err != nil {
			return err
		}
		defer a.Close(context.WithoutCancel(ctx))
		return c.run(ctx, a, args[1:], out)
	}

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("invalid HTTP_ADDR=%q: cannot listen: %w", cfg.HTTPAddr, unwrapOp(err))
	}
	defer ln.Close()
	if err := app.CheckExposure(cfg, ln.Addr()); err != nil {
		return err
	}
	stopTracing, err := tracing.Setup(ctx, "api")
	if err != nil {
		return fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
	}
	defer func() { _ = stopTracing(context.WithoutCancel(ctx)) }()
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	if err := a.CheckDemoLogins(ctx, ln.Addr()); err != nil {
		return err
	}
	maddr, stopMetrics, err := a.StartMetrics(ctx, cfg.MetricsAddr)
	if err != nil {
		return err
	}
	defer stopMetrics()
	banner(out, cfg, a, ln.Addr(), maddr)
	log.Info("serving", "addr", ln.Addr().String(), "embedded", a.DB.Embedded)
	return a.Serve(ctx, ln)
}

func unwrapOp(err error) error {
	if oe, ok := err.(*net.OpError); ok && oe.Err != nil {
		return oe.Err
	}
	return err
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: api [serve | COMMAND args...]")
	fmt.Fprintln(w, "  serve (default)  serve the REST API (and, embedded, the gamification service)")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "Configuration comes from environment variables; see README.md.")
}

func banner(w io.Writer, cfg app.Config, a *app.App, addr, metricsAddr net.Addr) {
	base := cfg.PublicURL
	if base == "" {
		host := addr.String()
		if tcp, ok := addr.(*net.TCPAddr); ok && (tcp.IP.IsUnspecified() || tcp.IP == nil) {
			host = fmt.Sprintf("localhost:%d", tcp.Port)
		}
		base = "http://" + host
	}
	fmt.Fprintf(w, "\nmicrolearn is running\n  Console: %s/  (sign in in a browser)\n  API:     %s/v1\n  Docs:    %s/docs\n  Ready:   %s/readyz\n",
		base, base, base, base)
	if metricsAddr != nil {
		fmt.Fprintf(w, "  Metrics: http://%s/metrics  (Prometheus; METRICS_ADDR, off to disable)\n", metricsAddr)
	}
	if a.DB.Embedded {
		fmt.Fprintf(w, "  Embedded database (FerretDB, files in %s): %s  (mongosh can connect here)\n", cfg.DataDir, a.DB.URI)
	}
	if cfg.DemoSeed {
		fmt.Fprintf(w, "  Demo logins (password %q):\n", app.DemoPassword)
		for _, acc := range app.DemoAccounts {
			fmt.Fprintf(w, "    %-22s %s\n", acc.Email, strings.ToLower(string(acc.Role)))
		}
		if app.Loopback(addr) {
			fmt.Fprintf(w, "  Listening on loopback only (%s): the demo password is published. To serve other machines\n"+
				"  set HTTP_ADDR (e.g. HTTP_ADDR=:8080) together with DEMO_SEED=true, or DEMO_SEED=false for no demo data.\n", addr)
		} else {
			fmt.Fprintf(w, "  WARNING: the demo accounts are reachable from other machines at %s (DEMO_SEED=true).\n", addr)
		}
	}
	fmt.Fprintln(w)
}
