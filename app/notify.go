package app

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/notify"
	"github.com/microlearn/microlearn/notify/fcm"
	"github.com/microlearn/microlearn/notify/notifydb"
)

// checkNotifyConfig validates what LoadConfig cannot check one variable at a time.
func checkNotifyConfig(c Config) error {
	for _, v := range []struct{ name, value string }{{"STREAK_RISK_TIME", c.StreakRiskTime}, {"DUE_REMINDER_TIME", c.DueReminderTime}} {
		if _, ok := notify.ParseClock(v.value); !ok {
			return fmt.Errorf("invalid %s=%q: want a local time HH:MM such as 20:00", v.name, v.value)
		}
	}
	if c.NotifyLease < 2*c.NotifySendTimeout {
		return fmt.Errorf("invalid NOTIFY_LEASE=%q: must be at least twice NOTIFY_SEND_TIMEOUT (%s), or a slow send could be claimed twice",
			c.NotifyLease.String(), c.NotifySendTimeout)
	}
	if c.NotifyRetryMax < c.NotifyRetryBase {
		return fmt.Errorf("invalid NOTIFY_RETRY_MAX=%q: must be at least NOTIFY_RETRY_BASE (%s)", c.NotifyRetryMax.String(), c.NotifyRetryBase)
	}
	return nil
}

// notifyWorkers builds the notification service's transport (FCM, or the log without
// credentials) and its three workers: the sender, the scheduler of reminders and the
// janitor that prunes stale devices and old inbox entries. Goals come from gamification,
// assignments from mentoring.
func (a *App) notifyWorkers(ctx context.Context, store *notifydb.Store) ([]func(context.Context), error) {
	recipients := identityRecipients{a.Identity}
	goals, assignments, reviews := goalsForNotify{a.Gamification}, assignmentsForNotify{a.Mentoring}, a.Reviews
	transport, err := a.notifyTransport(ctx)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	sender := &notify.Sender{Store: meteredNotify{store, a.Metrics}, Transport: transport, Recipients: recipients, Goals: goals, Assignments: assignments, Reviews: reviews,
		Meetings: meetingsForNotify{a.Record}, Cadences: cadencesForNotify{a.Record}, Now: a.Now, Log: a.Log.With("component", "notify-sender"), ID: host + "-" + strconv.Itoa(os.Getpid()),
		Cfg: notify.SenderConfig{Lease: a.Cfg.NotifyLease, SendTimeout: a.Cfg.NotifySendTimeout, Batch: 200,
			Nudges: notify.NudgeRule{PerDay: a.Cfg.NudgesPerDay, Spacing: a.Cfg.NudgeSpacing},
			Retry:  notify.Retry{Base: a.Cfg.NotifyRetryBase, Max: a.Cfg.NotifyRetryMax, MaxAttempts: a.Cfg.NotifyMaxAttempts}}}
	scheduler := &notify.Scheduler{Service: a.Notify, Recipients: recipients, Goals: goals, Assignments: assignments, Reviews: reviews,
		Meetings: meetingsForNotify{a.Record}, Cadences: cadencesForNotify{a.Record}, Now: a.Now, Log: a.Log.With("component", "notify-scheduler"),
		Cfg: notify.SchedulerConfig{Interval: a.Cfg.NotifySchedulerInterval, Horizon: 2 * a.Cfg.NotifySchedulerInterval,
			StreakRiskAt: a.Cfg.StreakRiskTime, DueReminderAt: a.Cfg.DueReminderTime}}
	a.scheduler = scheduler
	janitor := &notify.Janitor{Store: store, Now: a.Now, Log: a.Log.With("component", "notify-janitor"),
		DeviceMaxAge: a.Cfg.DeviceMaxAge, InboxRetention: a.Cfg.InboxRetention}
	return []func(context.Context){
		func(ctx context.Context) { sender.Run(ctx, a.Notify.Wake(), a.Cfg.NotifyPollInterval) },
		scheduler.Run,
		func(ctx context.Context) { janitor.Run(ctx, time.Hour) },
	}, nil
}

// notifyTransport picks where pushes go: FCM through the Admin SDK when credentials, a
// project or an endpoint are configured, else the log (and start-up says so).
func (a *App) notifyTransport(ctx context.Context) (notify.Transport, error) {
	c := a.Cfg
	if c.FirebaseCredentialsFile == "" && c.FirebaseProjectID == "" && c.FCMEndpoint == "" {
		a.Log.Warn("push notifications are NOT sent: no FCM credentials are configured (set FIREBASE_CREDENTIALS_FILE or " +
			"GOOGLE_APPLICATION_CREDENTIALS, and FIREBASE_PROJECT_ID); each notification is written to this log instead, " +
			"and still appears in the in-app inbox")
		return notify.LogTransport{Log: a.Log.With("component", "notify-log-transport")}, nil
	}
	if c.FCMEndpoint != "" && c.FirebaseProjectID == "" {
		return nil, fmt.Errorf("invalid FIREBASE_PROJECT_ID=\"\": required when FCM_ENDPOINT is set")
	}
	t, err := fcm.New(ctx, fcm.Config{ProjectID: c.FirebaseProjectID, CredentialsFile: c.FirebaseCredentialsFile, Endpoint: c.FCMEndpoint})
	if err != nil {
		return nil, err
	}
	how := "Application Default Credentials"
	switch {
	case c.FirebaseCredentialsFile != "":
		how = "the service account in " + c.FirebaseCredentialsFile
	case c.FCMEndpoint != "":
		how = "no credentials (FCM_ENDPOINT is a test or local endpoint)"
	}
	a.Log.Info("push notifications go to Firebase Cloud Messaging", "project", c.FirebaseProjectID,
		"endpoint", c.FCMEndpoint, "credentials", how)
	return t, nil
}

// identityRecipients tells the notification service about people, from identity.
type identityRecipients struct{ svc *identity.Service }

func toRecipient(u identity.User) notify.Recipient {
	r := notify.Recipient{UserID: u.ID, DisplayName: u.DisplayName, Timezone: u.Timezone, Locale: u.Locale,
		LearningSlots: u.LearningSlots, Prefs: u.NotificationPrefs}
	if u.QuietHours != nil {
		r.QuietHours = &notify.QuietHours{Start: u.QuietHours.Start, End: u.QuietHours.End}
	}
	return r
}

func (r identityRecipients) Recipient(ctx context.Context, userID string) (notify.Recipient, error) {
	u, err := r.svc.User(ctx, userID)
	if err != nil {
		return notify.Recipient{}, err
	}
	return toRecipient(u), nil
}

func (r identityRecipients) RecipientsOf(ctx context.Context, ids []string) (map[string]notify.Recipient, error) {
	us, err := r.svc.Users(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]notify.Recipient, len(us))
	for id, u := range us {
		out[id] = toRecipient(u)
	}
	return out, nil
}

func (r identityRecipients) Everyone(ctx context.Context, afterID string, limit int) ([]notify.Recipient, error) {
	us, err := r.svc.Store.UsersPage(ctx, afterID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]notify.Recipient, len(us))
	for i, u := range us {
		out[i] = toRecipient(u)
	}
	return out, nil
}

// PlanNotifications runs one round of the notification scheduler now, on the app's clock
// (tests drive the nudges with it instead of waiting for the scheduler's interval).
func (a *App) PlanNotifications(ctx context.Context) error {
	if a.scheduler == nil {
		return nil
	}
	return a.scheduler.RunOnce(ctx)
}
