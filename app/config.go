package app

import (
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/microlearn/microlearn/internal/config"
)

// Config is everything the product reads from the environment (README: Configuration).
type Config struct {
	HTTPAddr         string
	GamificationAddr string
	MongoURI         string
	Database         string
	DataDir          string
	EmbeddedAddr     string
	DemoSeed         bool
	LogLevel         slog.Level
	LogFormat        string
	BodyLimit        int
	ReadTimeout      time.Duration
	WriteTimeout     time.Duration
	IdleTimeout      time.Duration
	RequestTimeout   time.Duration
	ShutdownTimeout  time.Duration
	JWTIssuer        string
	JWTAudience      string
	JWTKeysFile      string
	AccessTokenTTL   time.Duration
	AdminEmails      string
	PublicURL        string

	// DemoSeedSet says DEMO_SEED was given explicitly: only then does cmd/api serve the demo
	// accounts, whose password is published, beyond loopback (app/exposure.go).
	DemoSeedSet bool

	// metrics: /metrics of cmd/api and of cmd/gamification, each on its own address ("" off)
	MetricsAddr             string
	GamificationMetricsAddr string
	MetricsProbeEvery       time.Duration

	// privacy: erasure and export jobs
	ExportTTL           time.Duration
	PrivacyPollInterval time.Duration

	// accounts and programmes
	RoleCacheTTL         time.Duration
	RefreshTokenTTL      time.Duration
	SessionMaxAge        time.Duration
	SessionSweepInterval time.Duration
	AuthRateLimit        int
	AuthRateWindow       time.Duration
	LoginFreeFailures    int
	LoginFreeFailuresIP  int
	LoginBackoffMax      time.Duration
	ProgrammeCreation    string
	InviteTTL            time.Duration
	TrustedProxies       []string
	// Notifications (README: Push notifications).
	FirebaseProjectID       string
	FirebaseCredentialsFile string
	FCMEndpoint             string
	NudgesPerDay            int
	NudgeSpacing            time.Duration
	NotifyLease             time.Duration
	NotifySendTimeout       time.Duration
	NotifyPollInterval      time.Duration
	NotifyMaxAttempts       int
	NotifyRetryBase         time.Duration
	NotifyRetryMax          time.Duration
	NotifySchedulerInterval time.Duration
	StreakRiskTime          string
	DueReminderTime         string
	DeviceMaxAge            time.Duration
	InboxRetention          time.Duration
	// Mail (README: Email).
	SMTPHost            string
	SMTPPort            int
	SMTPUsername        string
	SMTPPassword        string
	SMTPTLS             string
	SMTPAuth            string
	SMTPFrom            string
	SMTPCAFile          string
	SMTPHELO            string
	MailLease           time.Duration
	MailSendTimeout     time.Duration
	MailPollInterval    time.Duration
	MailMaxAttempts     int
	MailRetryBase       time.Duration
	MailRetryMax        time.Duration
	MailRecordRetention time.Duration
	// Evidence (issue 12): how often check-ins are scheduled and opened.
	EvidenceInterval time.Duration
	// XAPI is where statements' IRIs point and the LRS they are forwarded to (app/evidence.go).
	XAPI XAPIConfig
	// Media is the media library's limits and timings (app/media.go).
	Media MediaConfig
}

// MailOn reports whether an SMTP server is configured.
func (c Config) MailOn() bool { return c.SMTPHost != "" }

// Embedded reports whether the product runs on the embedded database.
func (c Config) Embedded() bool { return c.MongoURI == "" }

// LoadConfig reads the configuration; the error names the first bad variable.
func LoadConfig(env *config.Env) (Config, error) {
	c := Config{
		GamificationAddr:        env.Addr("GAMIFICATION_ADDR", ":8081"),
		MetricsAddr:             metricsAddr(env, "METRICS_ADDR", "127.0.0.1:9464"),
		GamificationMetricsAddr: metricsAddr(env, "GAMIFICATION_METRICS_ADDR", "127.0.0.1:9465"),
		MetricsProbeEvery:       env.Duration("METRICS_QUEUE_PROBE_INTERVAL", 10*time.Second, time.Second, time.Hour),
		ExportTTL:               env.Duration("EXPORT_TTL", 48*time.Hour, time.Hour, 30*24*time.Hour),
		PrivacyPollInterval:     env.Duration("PRIVACY_POLL_INTERVAL", 5*time.Second, 100*time.Millisecond, time.Hour),
		MongoURI:                env.String("MONGODB_URI", ""),
		Database:                env.String("MONGODB_DATABASE", "microlearn"),
		DataDir:                 env.String("DATA_DIR", "./data"),
		EmbeddedAddr:            env.Addr("EMBEDDED_MONGO_ADDR", "127.0.0.1:27018"),
		LogFormat:               env.OneOf("LOG_FORMAT", "json", "json", "text"),
		BodyLimit:               env.Int("BODY_LIMIT_BYTES", 1<<20, 1024, 64<<20),
		ReadTimeout:             env.Duration("HTTP_READ_TIMEOUT", 15*time.Second, time.Second, 10*time.Minute),
		WriteTimeout:            env.Duration("HTTP_WRITE_TIMEOUT", 30*time.Second, time.Second, 10*time.Minute),
		IdleTimeout:             env.Duration("HTTP_IDLE_TIMEOUT", 120*time.Second, time.Second, time.Hour),
		RequestTimeout:          env.Duration("REQUEST_TIMEOUT", 20*time.Second, 100*time.Millisecond, 10*time.Minute),
		ShutdownTimeout:         env.Duration("SHUTDOWN_TIMEOUT", 20*time.Second, 0, 10*time.Minute),
		JWTIssuer:               env.String("JWT_ISSUER", "microlearn"),
		JWTAudience:             env.String("JWT_AUDIENCE", "microlearn-app"),
		AccessTokenTTL:          env.Duration("ACCESS_TOKEN_TTL", 15*time.Minute, time.Minute, 15*time.Minute),
		AdminEmails:             env.String("ADMIN_EMAILS", ""),
		PublicURL:               env.String("PUBLIC_URL", ""),
		RoleCacheTTL:            env.Duration("ROLE_CACHE_TTL", 30*time.Second, 0, 10*time.Minute),

		RefreshTokenTTL:      env.Duration("REFRESH_TOKEN_TTL", 30*24*time.Hour, time.Hour, 365*24*time.Hour),
		SessionMaxAge:        env.Duration("SESSION_MAX_AGE", 90*24*time.Hour, time.Hour, 5*365*24*time.Hour),
		SessionSweepInterval: env.Duration("SESSION_SWEEP_INTERVAL", time.Hour, time.Second, 24*time.Hour),
		AuthRateLimit:        env.Int("AUTH_RATE_LIMIT", 100, 0, 1_000_000),
		AuthRateWindow:       env.Duration("AUTH_RATE_WINDOW", time.Minute, time.Second, time.Hour),
		LoginFreeFailures:    env.Int("LOGIN_FREE_FAILURES", 5, 1, 1000),
		LoginFreeFailuresIP:  env.Int("LOGIN_FREE_FAILURES_PER_IP", 20, 1, 100_000),
		LoginBackoffMax:      env.Duration("LOGIN_BACKOFF_MAX", 15*time.Minute, time.Second, 24*time.Hour),
		ProgrammeCreation:    env.OneOf("PROGRAMME_CREATION", "anyone", "anyone", "admins"),
		InviteTTL:            env.Duration("INVITE_TTL", 14*24*time.Hour, time.Hour, 365*24*time.Hour),
	}
	c.TrustedProxies = trustedProxies(env)
	c.DemoSeed = env.Bool("DEMO_SEED", c.MongoURI == "")
	c.DemoSeedSet = env.Set("DEMO_SEED")
	c.HTTPAddr = env.Addr("HTTP_ADDR", DefaultHTTPAddr(c.DemoSeed))
	c.JWTKeysFile = env.String("JWT_KEYS_FILE", filepath.Join(c.DataDir, "jwt-keys.json"))
	c.LogLevel = logLevel(env)
	loadNotifyConfig(env, &c)
	c.EvidenceInterval = env.Duration("CHECKIN_SCHEDULER_INTERVAL", time.Minute, time.Second, time.Hour)
	c.XAPI = loadXAPIConfig(env, c.PublicURL)
	c.Media = loadMediaConfig(env)
	// An upload part holds whole chunks, so a chunk must fit the body limit.
	c.Media.ChunkSize = min(c.Media.ChunkSize, c.BodyLimit)
	if err := checkNotifyConfig(c); err != nil && env.Err() == nil {
		return c, err
	}
	loadMailConfig(env, &c)
	if err := checkMailConfig(c); err != nil && env.Err() == nil {
		return c, err
	}
	return c, env.Err()
}

// trustedProxies reads TRUSTED_PROXIES, a comma-separated list of addresses or CIDRs.
func trustedProxies(env *config.Env) []string {
	var out []string
	for _, p := range strings.Split(env.String("TRUSTED_PROXIES", ""), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// logLevel reads LOG_LEVEL.
func logLevel(env *config.Env) slog.Level {
	switch env.OneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error") {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// loadNotifyConfig reads the push notifications' variables: FCM, nudges, the sender's
// retries, the scheduler and the retention of devices and the inbox.
func loadNotifyConfig(env *config.Env, c *Config) {
	c.FirebaseProjectID = env.String("FIREBASE_PROJECT_ID", "")
	c.FirebaseCredentialsFile = env.String("FIREBASE_CREDENTIALS_FILE", env.String("GOOGLE_APPLICATION_CREDENTIALS", ""))
	c.FCMEndpoint = env.String("FCM_ENDPOINT", "")
	c.NudgesPerDay = env.Int("NUDGES_PER_DAY", 3, 0, 24)
	c.NudgeSpacing = env.Duration("NUDGE_SPACING", 3*time.Hour, 0, 24*time.Hour)
	c.NotifySendTimeout = env.Duration("NOTIFY_SEND_TIMEOUT", 30*time.Second, time.Second, 5*time.Minute)
	c.NotifyLease = env.Duration("NOTIFY_LEASE", 2*time.Minute, 10*time.Second, time.Hour)
	c.NotifyPollInterval = env.Duration("NOTIFY_POLL_INTERVAL", 2*time.Second, 100*time.Millisecond, 10*time.Minute)
	c.NotifyMaxAttempts = env.Int("NOTIFY_MAX_ATTEMPTS", 8, 1, 100)
	c.NotifyRetryBase = env.Duration("NOTIFY_RETRY_BASE", 30*time.Second, time.Second, time.Hour)
	c.NotifyRetryMax = env.Duration("NOTIFY_RETRY_MAX", time.Hour, time.Second, 24*time.Hour)
	c.NotifySchedulerInterval = env.Duration("NOTIFY_SCHEDULER_INTERVAL", 10*time.Minute, time.Minute, 6*time.Hour)
	c.StreakRiskTime = env.String("STREAK_RISK_TIME", "20:00")
	c.DueReminderTime = env.String("DUE_REMINDER_TIME", "18:00")
	c.DeviceMaxAge = env.Duration("DEVICE_MAX_AGE", 60*24*time.Hour, time.Hour, 3650*24*time.Hour)
	c.InboxRetention = env.Duration("NOTIFY_INBOX_RETENTION", 180*24*time.Hour, 24*time.Hour, 3650*24*time.Hour)
}

// metricsAddr reads a metrics listen address: "off" serves no metrics (""); the default is
// loopback, so the metrics are not public unless an operator says so.
func metricsAddr(env *config.Env, name, def string) string {
	if strings.EqualFold(strings.TrimSpace(env.String(name, "")), "off") {
		return ""
	}
	return env.Addr(name, def)
}
