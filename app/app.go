// Package app is the composition root: it turns a Config into running parts (database,
// stores, services, the API and the background workers). cmd/api and cmd/gamification are
// thin mains over it, and the API tests build the product through it, so tests exercise the
// exact wiring users run (docs/decisions.md).
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	microlearn "github.com/microlearn/microlearn"
	"github.com/microlearn/microlearn/api"
	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/content/contentdb"
	"github.com/microlearn/microlearn/credential"
	"github.com/microlearn/microlearn/credential/credentialdb"
	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/evidence/evidencedb"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/gamification/gamificationdb"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/identity/identitydb"
	"github.com/microlearn/microlearn/insight"
	"github.com/microlearn/microlearn/insight/insightdb"
	"github.com/microlearn/microlearn/internal/auth"
	"github.com/microlearn/microlearn/internal/idempotency/idempotencydb"
	"github.com/microlearn/microlearn/internal/metrics"
	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/learning/learningdb"
	"github.com/microlearn/microlearn/mail"
	"github.com/microlearn/microlearn/mail/maildb"
	"github.com/microlearn/microlearn/media"
	"github.com/microlearn/microlearn/media/mediadb"
	"github.com/microlearn/microlearn/mentoring"
	"github.com/microlearn/microlearn/mentoring/mentoringdb"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/notify/notifydb"
	"github.com/microlearn/microlearn/privacy"
	"github.com/microlearn/microlearn/privacy/privacydb"
	"github.com/microlearn/microlearn/programme"
	"github.com/microlearn/microlearn/programme/programmedb"
	"github.com/microlearn/microlearn/review"
	"github.com/microlearn/microlearn/review/reviewdb"
)

// App is the wired product.
type App struct {
	Cfg Config
	Log *slog.Logger
	DB  *mongodb.DB
	API *api.Server
	Now func() time.Time

	Tokens      *auth.Issuer
	Identity    *identity.Service
	Sessions    *identity.Sessions
	Programmes  *programme.Service
	Learning    *learningdb.Store
	Idempotency *idempotencydb.Store // answers to POSTs sent with an Idempotency-Key
	Content     *content.Service
	Media       *media.Service
	Notify      *notify.Service
	Mail        *mail.Service
	Mentoring   *mentoring.Service
	Record      *mentoring.Record // the mentoring record: meetings, notes, goals, agreement versions
	Reviews     *review.Service
	Credentials *credential.Service
	Evidence    *evidence.Service // check-ins, outcomes, the CPD record (issue 12)
	// Insight is the programme reports (issue 13); Touches its edge the domains' stores
	// tell about changes through (app/insight_watch.go).
	Insight      *insight.Service
	Touches      insight.Touches
	insightStore *insightdb.Store
	Privacy      *privacy.Service // erasure and export (issue 17)

	Gamification       *gamification.Service
	GamificationWorker *gamification.Worker

	// Metrics is this process's Prometheus registry (served on METRICS_ADDR by the mains).
	Metrics *metrics.Metrics

	// workers run in the background until the context given to Serve ends.
	workers []func(ctx context.Context)
	// scheduler plans reminders from its due index; profile changes re-track people in it.
	scheduler *notify.Scheduler
}

// Options adjust wiring for tests.
type Options struct {
	// DB, when set, is used instead of opening one from the Config.
	DB *mongodb.DB
	// Now replaces the clock.
	Now func() time.Time
	// RecordDBCommands keeps per-request command counts (api.Server.DBCommands).
	RecordDBCommands bool
	// Process names the binary in the metrics' process label (default "api").
	Process string
	// PasswordCost, when set, replaces identity.DefaultPasswordCost for new password hashes
	// (tests use a cheap one; production never sets it).
	PasswordCost identity.PasswordCost
}

// New opens the database, ensures indexes, builds every service and the API, and seeds the
// demo data when configured.
func New(ctx context.Context, cfg Config, log *slog.Logger, opt Options) (*App, error) {
	a := &App{Cfg: cfg, Log: log, Now: opt.Now, DB: opt.DB}
	if a.Now == nil {
		a.Now = time.Now
	}
	if a.DB == nil {
		db, err := mongodb.Open(ctx, mongodb.Config{URI: cfg.MongoURI, Database: cfg.Database, DataDir: cfg.DataDir,
			EmbeddedAddr: cfg.EmbeddedAddr, Logger: log})
		if err != nil {
			return nil, err
		}
		a.DB = db
	}
	if err := a.wire(ctx, opt); err != nil {
		_ = a.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return a, nil
}

// wire builds the product in one pass, each part whole from the parts built before it:
// services in the order their dependencies allow, then the background workers, the
// indexes, the start-up data and the API. The adapters between domains are in
// app/<domain>.go; they only convert types.
func (a *App) wire(ctx context.Context, opt Options) error {
	db := a.DB.DB
	a.insightStore, a.Touches = a.newInsightEdge()
	a.newMetrics(opt.Process)
	keys, err := auth.LoadOrCreateKeySet(a.Cfg.JWTKeysFile)
	if err != nil {
		return err
	}
	a.Tokens = &auth.Issuer{Keys: keys, Issuer: a.Cfg.JWTIssuer, Audience: a.Cfg.JWTAudience, TTL: a.Cfg.AccessTokenTTL, Now: a.Now}
	users := identitydb.New(db)
	a.Identity = &identity.Service{Store: users, Now: a.Now, ProfileChanged: a.profileChanged, Cost: opt.PasswordCost}
	a.Sessions = &identity.Sessions{Store: users, Users: a.Identity, Tokens: a.Tokens, Now: a.Now, Log: a.Log,
		RefreshTTL: a.Cfg.RefreshTokenTTL, MaxAge: a.Cfg.SessionMaxAge}
	mailStore := maildb.New(db)
	a.Mail = mail.NewService(mailStore, a.Cfg.MailOn(), a.Now, a.Log.With("component", "mail"))
	a.Programmes = &programme.Service{Store: a.watchProgrammes(programmedb.New(db)), Now: a.Now, RoleCacheTTL: a.Cfg.RoleCacheTTL,
		AdminsOnlyCreate: a.Cfg.ProgrammeCreation == "admins", InviteTTL: a.Cfg.InviteTTL,
		InviteKey: a.inviteKey, Mailer: inviteMailer{a.Mail}}
	a.Learning = learningdb.New(db)
	a.Learning.Now = a.Now
	a.Idempotency = idempotencydb.New(db)
	a.Media = a.newMedia(keys.RefreshSecret())
	a.Content = &content.Service{Store: contentdb.New(db), Events: a.Learning, Media: mediaCatalog{a.Media}, Now: a.Now}
	notifyStore := notifydb.New(db)
	a.Notify = notify.NewService(notifyStore, identityRecipients{a.Identity}, a.Now, a.Log.With("component", "notify"))
	a.Mentoring = a.newMentoring()
	a.Record = a.newRecord()
	a.Reviews = a.newReview()
	a.Evidence = a.newEvidence()
	a.Insight, a.Gamification, a.GamificationWorker = a.newInsightAndGamification()
	a.Credentials = a.newCredentials(keys)
	a.Privacy = a.newPrivacy()

	notifyWorkers, err := a.notifyWorkers(ctx, notifyStore)
	if err != nil {
		return err
	}
	mailWorkers, err := a.mailWorkers(mailStore)
	if err != nil {
		return err
	}
	a.workers = append([]func(context.Context){a.sweepSessions, a.watchKeys, a.sweepIdempotencyKeys, a.sweepMedia, a.evidenceWorker()}, notifyWorkers...)
	a.workers = append(a.workers, mailWorkers...)
	a.workers = append(a.workers, a.endDueFlashPairings, a.Insight.Run)
	a.workers = append(a.workers, a.privacyWorker)
	if a.Cfg.Embedded() {
		// Only one process may use the embedded database, so the gamification worker runs
		// here; with MONGODB_URI set it runs in cmd/gamification (RunGamification) and the
		// API never computes awards.
		a.Learning.OnPublish = a.GamificationWorker.Wake
		a.workers = append(a.workers, a.GamificationWorker.Run, a.GamificationWorker.RunCloser)
	}

	if err := a.ensureIndexes(ctx); err != nil {
		return err
	}
	if err := a.bootstrapAdmins(ctx); err != nil {
		return err
	}
	if a.Cfg.DemoSeed {
		if err := a.SeedDemo(ctx); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
	}
	if err := a.migrate(ctx); err != nil {
		return err
	}

	deps := a.apiDeps()
	if err := a.wireConsole(&deps); err != nil {
		return err
	}
	a.API = api.New(api.Config{
		BodyLimit: a.Cfg.BodyLimit, ReadTimeout: a.Cfg.ReadTimeout, WriteTimeout: a.Cfg.WriteTimeout,
		IdleTimeout: a.Cfg.IdleTimeout, RequestTimeout: a.Cfg.RequestTimeout, RecordDBCommands: opt.RecordDBCommands,
		TrustedProxies: a.Cfg.TrustedProxies,
	}, deps)
	return nil
}

// ensureIndexes creates the indexes every store declares next to its queries.
func (a *App) ensureIndexes(ctx context.Context) error {
	indexes := slices.Concat(identitydb.Indexes(), programmedb.Indexes(), learningdb.Indexes(), idempotencydb.Indexes(),
		contentdb.Indexes(), notifydb.Indexes(), maildb.Indexes(), mentoringdb.Indexes(), mentoringdb.RecordIndexes(), gamificationdb.Indexes(), reviewdb.Indexes(),
		credentialdb.Indexes(), mediadb.Indexes(), evidencedb.Indexes(), mentoringdb.ChangeIndexes(), privacydb.Indexes(), insightdb.Indexes())
	return mongodb.EnsureIndexes(ctx, a.DB.DB, indexes)
}

// apiDeps hands the API the services it serves.
func (a *App) apiDeps() api.Deps {
	return api.Deps{
		Log: a.Log, DB: a.DB, Spec: microlearn.OpenAPI, Now: a.Now, Idempotency: a.Idempotency,
		Tokens: a.Tokens, Identity: a.Identity, Sessions: a.Sessions, Programmes: a.Programmes, RateLimits: a.rateLimits(),
		PublicURL: a.Cfg.PublicURL,
		Content:   a.Content, ContentViews: &api.ContentViews{},
		Mentoring:    a.Mentoring,
		Record:       a.Record,
		Notify:       a.Notify,
		Gamification: a.Gamification,
		Reviews:      a.Reviews,
		Credentials:  a.Credentials,
		Media:        a.Media,
		Evidence:     a.Evidence,
		Insight:      a.Insight,
		Metrics:      a.Metrics,
		Privacy:      a.Privacy,
	}
}

// bootstrapAdmins makes the accounts named in ADMIN_EMAILS platform admins (when they exist).
func (a *App) bootstrapAdmins(ctx context.Context) error {
	for _, e := range strings.Split(a.Cfg.AdminEmails, ",") {
		e = identity.NormalizeEmail(e)
		if e == "" {
			continue
		}
		err := a.Identity.Store.SetAdmin(ctx, e, true)
		if errors.Is(err, identity.ErrNotFound) {
			a.Log.Warn("ADMIN_EMAILS names an account that does not exist yet; register it and restart", "email", e)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Serve runs the API on ln and the background workers until ctx ends, then shuts down
// gracefully: in-flight requests finish (up to ShutdownTimeout) and workers stop.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	wctx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, w := range a.workers {
		wg.Add(1)
		go func() { defer wg.Done(); w(wctx) }()
	}
	errc := make(chan error, 1)
	go func() { errc <- a.API.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.Cfg.ShutdownTimeout)
		err = a.API.Shutdown(sctx)
		cancel()
	}
	stopWorkers()
	wg.Wait()
	return err
}

// RunWorkers runs only the background workers until ctx ends.
func (a *App) RunWorkers(ctx context.Context) {
	var wg sync.WaitGroup
	for _, w := range a.workers {
		wg.Add(1)
		go func() { defer wg.Done(); w(ctx) }()
	}
	wg.Wait()
}

// Close releases the database.
func (a *App) Close(ctx context.Context) error {
	if a.DB == nil {
		return nil
	}
	return a.DB.Close(ctx)
}
