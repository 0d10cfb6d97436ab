// Package notify holds push and in-app notifications: the kinds the product sends and the
// rules that make them welcome (quiet hours, per-kind opt-out, a daily cap and spacing for
// nudges, no reminder once the day's goal is met), the durable outbox that producers enqueue
// into, the sender that claims work with a lease and hands it to a Transport (Firebase Cloud
// Messaging, or the log when no credentials are configured), the scheduler that plans
// reminders, the devices people register and the in-app inbox. It imports only the standard
// library and internal/; the FCM transport lives in notify/fcm and the storage in
// notify/notifydb.
package notify

import (
	"context"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/internal/tz"
)

// Sentinel errors.
var (
	ErrNotFound       = apperr.New(apperr.KindNotFound, "notification_not_found", "notification not found")
	ErrDeviceNotFound = apperr.New(apperr.KindNotFound, "device_not_found", "device not found")
	// ErrNothingDue is returned by Store.Claim when no outbox item is due.
	ErrNothingDue = apperr.New(apperr.KindNotFound, "nothing_due", "no notification is due")
	// ErrBadCursor is returned for a pagination cursor the server did not issue.
	ErrBadCursor = apperr.Invalid("/cursor", "not a cursor this server issued")
)

// Kind is what a notification is about. The strings are stable: they appear in the data
// payload ("type"), in notification preferences (kind → enabled) and in the inbox.
type Kind string

// The kinds of notification.
const (
	KindBadgeEarned           Kind = "badge_earned"
	KindLevelUp               Kind = "level_up"
	KindPrizeWon              Kind = "prize_won"
	KindDailyReminder         Kind = "daily_reminder"
	KindStreakAtRisk          Kind = "streak_at_risk"
	KindAssignmentReceived    Kind = "assignment_received"
	KindAssignmentDueTomorrow Kind = "assignment_due_tomorrow"
	KindAssignmentOverdue     Kind = "assignment_overdue"
	KindAssignmentCompleted   Kind = "assignment_completed"
	// KindPairingRequested tells a mentor that a mentee (or an owner) asks them to mentor
	// someone: accept or decline.
	KindPairingRequested Kind = "pairing_requested"
	// KindProfileReminder asks a member to fill in their mentoring profile, so that they can
	// be matched (sent when the programme's owner asks, at most once a day).
	KindProfileReminder Kind = "profile_reminder"
	// KindReviewsDue: spaced-review cards are due (a nudge at the person's first learning
	// slot of the day, instead of that slot's daily reminder).
	KindReviewsDue Kind = "reviews_due"
	// KindCheckinDue: a check-in of the evaluation plan is due (evidence). Transactional, so
	// that it always reaches the inbox; quiet hours and the person's opt-out still apply.
	KindCheckinDue Kind = "checkin_due"
	// The mentoring record: a planned meeting is about to start (before it, to each
	// participant; withheld once it moved or was cancelled), the other side logged or
	// changed a meeting to confirm, the agreement has a change waiting for the person, and
	// the other side acknowledged the person's change.
	KindMeetingReminder       Kind = "meeting_reminder"
	KindMeetingToConfirm      Kind = "meeting_to_confirm"
	KindAgreementChanged      Kind = "agreement_changed"
	KindAgreementAcknowledged Kind = "agreement_acknowledged"
	// KindMeetingDue: the pairing's agreed meeting interval has passed with no meeting
	// planned or held (a nudge, at a morning hour of each member's zone; withheld once a
	// meeting is planned or held).
	KindMeetingDue Kind = "meeting_due"
)

// Spec is how one kind is delivered.
type Spec struct {
	// Nudge kinds count against the daily cap and spacing; the others are transactional
	// (a direct answer to something that happened) and are never capped.
	Nudge bool
	// TTL is how long the notification stays worth delivering: FCM drops it after this if the
	// device is offline, and the outbox drops it if quiet hours or retries outlast it.
	TTL time.Duration
	// CollapseKey makes a newer notification of the same kind replace an undelivered older
	// one on the device.
	CollapseKey string
	// High asks FCM for high priority (wake the device); nudges go at normal priority.
	High bool
	// link builds the deep link from the notification's refs.
	link func(refs map[string]string) string
}

var specs = map[Kind]Spec{
	KindBadgeEarned: {TTL: 7 * 24 * time.Hour, CollapseKey: "badge", High: true,
		link: func(r map[string]string) string {
			return "microlearn://programmes/" + r["programmeId"] + "/badges/" + r["badgeId"]
		}},
	KindLevelUp: {TTL: 7 * 24 * time.Hour, CollapseKey: "level", High: true,
		link: func(r map[string]string) string { return "microlearn://programmes/" + r["programmeId"] + "/progress" }},
	KindPrizeWon: {TTL: 7 * 24 * time.Hour, CollapseKey: "prize", High: true,
		link: func(r map[string]string) string {
			return "microlearn://programmes/" + r["programmeId"] + "/prizes/" + r["prizeId"]
		}},
	KindDailyReminder: {Nudge: true, TTL: 2 * time.Hour, CollapseKey: "reminder",
		link: func(map[string]string) string { return "microlearn://today" }},
	KindStreakAtRisk: {Nudge: true, TTL: 4 * time.Hour, CollapseKey: "streak",
		link: func(map[string]string) string { return "microlearn://today" }},
	KindAssignmentReceived: {TTL: 3 * 24 * time.Hour, CollapseKey: "assignment", High: true,
		link: func(r map[string]string) string { return "microlearn://assignments/" + r["assignmentId"] }},
	KindAssignmentDueTomorrow: {Nudge: true, TTL: 24 * time.Hour, CollapseKey: "assignment-due",
		link: func(r map[string]string) string { return "microlearn://assignments/" + r["assignmentId"] }},
	KindAssignmentOverdue: {Nudge: true, TTL: 24 * time.Hour, CollapseKey: "assignment-overdue",
		link: func(r map[string]string) string { return "microlearn://assignments/" + r["assignmentId"] }},
	KindAssignmentCompleted: {TTL: 3 * 24 * time.Hour, CollapseKey: "assignment-done", High: true,
		link: func(r map[string]string) string { return "microlearn://assignments/" + r["assignmentId"] }},
	KindPairingRequested: {TTL: 7 * 24 * time.Hour, CollapseKey: "pairing-request", High: true,
		link: func(r map[string]string) string { return "microlearn://pairings/" + r["pairingId"] }},
	KindProfileReminder: {TTL: 3 * 24 * time.Hour, CollapseKey: "profile",
		link: func(r map[string]string) string { return "microlearn://programmes/" + r["programmeId"] + "/profile" }},
	KindMeetingReminder: {TTL: 2 * time.Hour, CollapseKey: "meeting", High: true,
		link: func(r map[string]string) string { return "microlearn://meetings/" + r["meetingId"] }},
	KindMeetingToConfirm: {TTL: 7 * 24 * time.Hour, CollapseKey: "meeting-confirm", High: true,
		link: func(r map[string]string) string { return "microlearn://meetings/" + r["meetingId"] }},
	KindAgreementChanged: {TTL: 7 * 24 * time.Hour, CollapseKey: "agreement", High: true,
		link: func(r map[string]string) string { return "microlearn://pairings/" + r["pairingId"] + "/agreement" }},
	KindAgreementAcknowledged: {TTL: 7 * 24 * time.Hour, CollapseKey: "agreement-ack",
		link: func(r map[string]string) string { return "microlearn://pairings/" + r["pairingId"] + "/agreement" }},
	KindReviewsDue: {Nudge: true, TTL: 2 * time.Hour, CollapseKey: "reviews",
		link: func(map[string]string) string { return "microlearn://reviews" }},
	KindMeetingDue: {Nudge: true, TTL: 3 * 24 * time.Hour, CollapseKey: "meeting-due",
		link: func(r map[string]string) string { return "microlearn://pairings/" + r["pairingId"] + "/meetings/new" }},
	KindCheckinDue: {TTL: 7 * 24 * time.Hour, CollapseKey: "checkin",
		link: func(r map[string]string) string { return "microlearn://checkins/" + r["checkinId"] }},
}

// SpecOf returns how kind is delivered and whether kind is known.
func SpecOf(kind Kind) (Spec, bool) {
	s, ok := specs[kind]
	return s, ok
}

// Kinds lists every kind, transactional first.
func Kinds() []Kind {
	return []Kind{KindBadgeEarned, KindLevelUp, KindPrizeWon, KindAssignmentReceived, KindAssignmentCompleted, KindCheckinDue,
		KindPairingRequested, KindProfileReminder, KindDailyReminder, KindStreakAtRisk, KindAssignmentDueTomorrow, KindAssignmentOverdue,
		KindReviewsDue, KindMeetingReminder, KindMeetingToConfirm, KindAgreementChanged, KindAgreementAcknowledged, KindMeetingDue}
}

// Link returns the deep link for a notification of kind with refs.
func Link(kind Kind, refs map[string]string) string {
	if s, ok := specs[kind]; ok && s.link != nil {
		return s.link(refs)
	}
	return "microlearn://notifications"
}

// Notification is what a producer enqueues.
type Notification struct {
	// DedupKey identifies the event, so that a producer that retries enqueues it once (for
	// example "badge_earned:<user>:<programme>:<badge>"). Required.
	DedupKey string
	UserID   string
	Kind     Kind
	// ProgrammeID is the programme it is about, if any.
	ProgrammeID string
	// Refs are the ids the app needs (badgeId, assignmentId, ...); they go into the data
	// payload and the deep link.
	Refs map[string]string
	// Vars fill the title and body templates (badge, level, prize, title, mentee, streak).
	Vars map[string]string
	// NotBefore delays delivery (zero: now). ExpiresAt drops it if not delivered by then
	// (zero: NotBefore + the kind's TTL).
	NotBefore time.Time
	ExpiresAt time.Time
	// FreshUntil, when set, is the producer's word that nothing was ever enqueued under
	// DedupKey before, provided this notification is taken in by then (gamification: it
	// has just recorded the award, and no other worker can hand it over before half the
	// event's lease has passed). EnqueueAll then need not check it against notifications
	// already finished. Zero (a retry, or a producer that is not sure): always checked.
	FreshUntil time.Time
}

// Pending is a notification in the outbox: not yet delivered, deferred or retried.
type Pending struct {
	ID          string
	DedupKey    string
	UserID      string
	Kind        Kind
	ProgrammeID string
	Refs        map[string]string
	Vars        map[string]string
	CreatedAt   time.Time
	NotBefore   time.Time
	ExpiresAt   time.Time
	// DueAt is when a sender may next claim it: NotBefore, a retry time, or the end of a
	// lease. Lease is the token of the sender holding it ("" when free).
	DueAt     time.Time
	Lease     string
	Attempts  int
	LastError string
}

// Status is how a notification ended.
type Status string

// The statuses of a finished notification.
const (
	// StatusSent: FCM (or the log transport) accepted it for at least one device.
	StatusSent Status = "sent"
	// StatusNoDevice: the user has no device that can receive it; in-app only.
	StatusNoDevice Status = "no_device"
	// StatusPushOff: the user turned push off for this kind; in-app only.
	StatusPushOff Status = "push_off"
	// StatusSuppressed: a nudge withheld by the rules (daily cap, goal met, no streak,
	// assignment no longer open); not shown in the inbox.
	StatusSuppressed Status = "suppressed"
	// StatusExpired: its TTL ran out before it could be delivered (quiet hours, retries).
	StatusExpired Status = "expired"
	// StatusFailed: dead-lettered: permanent errors, or retries exhausted.
	StatusFailed Status = "failed"
)

// Entry is a notification in the inbox (and the history of what was sent).
type Entry struct {
	ID          string
	UserID      string
	Kind        Kind
	ProgrammeID string
	Title       string
	Body        string
	Link        string
	Refs        map[string]string
	Status      Status
	Reason      string
	// MessageIDs are the ids FCM gave each accepted message.
	MessageIDs []string
	// Shown entries are listed in the inbox; suppressed nudges are kept only as history.
	Shown     bool
	CreatedAt time.Time
	// At is when it reached the inbox (the sort key of the inbox).
	At     time.Time
	ReadAt *time.Time
}

// Delivery records what happened to one message (one notification to one device). A
// delivery is written the moment FCM answers, before anything else, so that a sender that
// crashes afterwards never sends that message again.
type Delivery struct {
	NotificationID string
	DeviceID       string
	// MessageID is FCM's id when it accepted the message; empty when it was refused for good.
	MessageID string
	Error     string
	At        time.Time
}

// Accepted reports whether FCM accepted the message.
func (d Delivery) Accepted() bool { return d.MessageID != "" }

// Platform is the kind of device.
type Platform string

// The platforms a device can be.
const (
	PlatformAndroid Platform = "android"
	PlatformIOS     Platform = "ios"
	PlatformWeb     Platform = "web"
)

// MaxDevices is how many devices a user may hold; registering one more evicts the device
// seen least recently.
const MaxDevices = 10

// Device is an app installation that can receive pushes.
type Device struct {
	ID             string
	UserID         string
	InstallationID string
	// Token is the FCM registration token. It is needed to send, so it is stored as it is,
	// but it is never logged and never returned by the API (TokenHash identifies it).
	Token      string
	TokenHash  string
	Platform   Platform
	AppVersion string
	LastSeen   time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Cursor is a position in the inbox: the last entry of the previous page.
type Cursor struct {
	At time.Time
	ID string
}

// NudgeVerdict is the answer to a request to send a nudge now.
type NudgeVerdict struct {
	// OK: a slot of today's allowance is reserved for this notification (or already was).
	OK bool
	// Capped: today's allowance is used up.
	Capped bool
	// NotBefore: too soon after the last nudge; try again at this time.
	NotBefore time.Time
}

// NudgeRule is the daily allowance of nudges.
type NudgeRule struct {
	PerDay  int
	Spacing time.Duration
}

// Store keeps the outbox, the deliveries, the inbox, the nudge counters and the devices.
type Store interface {
	// Enqueue inserts p into the outbox; it returns false when a notification with the same
	// ID (derived from the dedup key) is already pending.
	Enqueue(ctx context.Context, p Pending) (bool, error)
	// EnqueueMany inserts the items that are not pending yet (duplicates are skipped) and
	// returns the IDs it inserted.
	EnqueueMany(ctx context.Context, ps []Pending) ([]string, error)
	// Claim leases the outbox item due earliest (DueAt <= now) to lease until until;
	// ErrNothingDue when none is due.
	Claim(ctx context.Context, now time.Time, lease string, until time.Time) (Pending, error)
	// Release gives a leased item back, due again at dueAt with the attempt count and last
	// error recorded. It does nothing when the lease is no longer held.
	Release(ctx context.Context, id, lease string, dueAt time.Time, attempts int, lastError string) error
	// Finish writes e to the inbox (keeping an existing entry with the same ID), then removes
	// the outbox item and its deliveries. The order matters: see docs/decisions.md.
	Finish(ctx context.Context, e Entry) error
	// DeadLetter records p with the reason in the dead letters, then finishes it with e.
	DeadLetter(ctx context.Context, p Pending, reason string, e Entry) error
	// Finished reports whether the inbox already holds notification id.
	Finished(ctx context.Context, id string) (bool, error)
	// FinishedAmong returns which of ids the inbox already holds.
	FinishedAmong(ctx context.Context, ids []string) (map[string]bool, error)
	// ForgetMany removes outbox items without finishing them.
	ForgetMany(ctx context.Context, ids []string) error
	// Forget removes an outbox item without finishing it (a duplicate of a finished one).
	Forget(ctx context.Context, id string) error
	// RecordDelivery stores d; recording the same message twice keeps the first.
	RecordDelivery(ctx context.Context, d Delivery) error
	// Deliveries returns the deliveries of a notification by device ID.
	Deliveries(ctx context.Context, notificationID string) (map[string]Delivery, error)
	// ReserveNudge asks for a nudge slot for notification id on the user's local day.
	ReserveNudge(ctx context.Context, userID, day, id string, now time.Time, rule NudgeRule) (NudgeVerdict, error)

	// PutDevice creates or refreshes the device (userID, installationID); it returns whether
	// it was created. Other devices holding the same token are removed (the phone changed
	// hands), and the user's devices beyond MaxDevices are evicted, least recently seen first.
	PutDevice(ctx context.Context, d Device) (Device, bool, error)
	// DeleteDevice removes the user's device; ErrDeviceNotFound when absent.
	DeleteDevice(ctx context.Context, userID, installationID string) error
	// RemoveDevice removes a device by ID (FCM said its token is dead); absent is fine.
	RemoveDevice(ctx context.Context, id string) error
	// Devices lists the user's devices.
	Devices(ctx context.Context, userID string) ([]Device, error)
	// PruneDevices removes devices not seen since before; it returns how many.
	PruneDevices(ctx context.Context, before time.Time) (int, error)

	// Inbox returns up to limit shown entries of the user, newest first, after cursor.
	Inbox(ctx context.Context, userID string, after *Cursor, limit int) ([]Entry, error)
	// Unread counts the user's shown, unread entries.
	Unread(ctx context.Context, userID string) (int, error)
	// MarkRead sets or clears the read time of one entry; ErrNotFound when it is not the
	// user's.
	MarkRead(ctx context.Context, userID, id string, at *time.Time) (Entry, error)
	// MarkAllRead marks every unread entry of the user read; it returns how many.
	MarkAllRead(ctx context.Context, userID string, at time.Time) (int, error)
	// PruneInbox removes entries that reached the inbox before before.
	PruneInbox(ctx context.Context, before time.Time) (int, error)

	// PutDue writes moments of the scheduler's due index (replacing those with the same ID).
	PutDue(ctx context.Context, ds []Due) error
	// DeleteDue removes moments from the due index.
	DeleteDue(ctx context.Context, ids []string) error
	// DueIn returns the moments whose bucket is one of buckets.
	DueIn(ctx context.Context, buckets []string) ([]Due, error)
	// DueOf returns one person's moments.
	DueOf(ctx context.Context, userID string) ([]Due, error)
	// DueRound returns when the scheduler last finished a round (zero: never), and
	// SetDueRound records it.
	DueRound(ctx context.Context) (time.Time, error)
	SetDueRound(ctx context.Context, at time.Time) error
}

// QuietHours is a daily span, in the user's time zone, during which nothing is pushed.
// Start and End are "HH:MM"; Start after End wraps midnight (22:00–07:00).
type QuietHours struct {
	Start, End string
}

// Recipient is what the sender needs to know about a person.
type Recipient struct {
	UserID      string
	DisplayName string
	// Timezone is an IANA name; Locale a BCP 47 tag such as "de" or "fr-CA".
	Timezone string
	Locale   string
	// LearningSlots are the local times ("HH:MM") the person chose to learn at.
	LearningSlots []string
	QuietHours    *QuietHours
	// Prefs maps a Kind to whether push is on; an absent kind is on.
	Prefs map[string]bool
}

// Location returns the recipient's time zone (UTC when it is unknown).
func (r Recipient) Location() *time.Location {
	if loc, err := tz.Load(r.Timezone); err == nil && r.Timezone != "" {
		return loc
	}
	return time.UTC
}

// PushOn reports whether the recipient wants pushes of kind: Prefs is keyed by the kind's
// preference key (Kind.Preference), not by the kind itself.
func (r Recipient) PushOn(kind Kind) bool {
	on, set := r.Prefs[kind.Preference()]
	return !set || on
}

// Preference is the key of the person's notification preferences (identity's
// notificationPrefs) that switches kind on or off. It is the kind's own name, except for the
// reminder the day before an assignment is due: people switch that off as "assignment_due"
// (the key identity has always stored), while the notification kind says when it comes.
func (k Kind) Preference() string {
	if k == KindAssignmentDueTomorrow {
		return "assignment_due"
	}
	return string(k)
}

// Recipients tells the notification service about people. Identity implements it.
type Recipients interface {
	// Recipient returns the person's settings; an error of kind NotFound when the user does
	// not exist (the notification is then dropped).
	Recipient(ctx context.Context, userID string) (Recipient, error)
	// Everyone returns up to limit people, ordered by user ID, starting after afterID (""
	// for the first page): the scheduler plans daily reminders for those who chose learning
	// slots and streak-at-risk nudges for anyone holding a streak.
	Everyone(ctx context.Context, afterID string, limit int) ([]Recipient, error)
	// RecipientsOf returns the people among userIDs who exist, by user ID, in one read.
	RecipientsOf(ctx context.Context, userIDs []string) (map[string]Recipient, error)
}

// DayStatus is a person's progress on one local day.
type DayStatus struct {
	// GoalMet: the daily XP goal is reached for that day.
	GoalMet bool
	// Streak is the current streak in days (days in a row with the goal met, counting up to
	// yesterday when today is not met yet); 0 when there is none.
	Streak int
}

// Goals tells the notification service about daily goals and streaks. Gamification
// implements it.
type Goals interface {
	// DayStatus reports the user's progress on day ("YYYY-MM-DD" in the user's time zone).
	DayStatus(ctx context.Context, userID, day string) (DayStatus, error)
}

// Reviews tells the notification service how many spaced-review cards a person has due.
// The review domain implements it.
type Reviews interface {
	// DueCount returns how many of the user's review cards are due at `at`.
	DueCount(ctx context.Context, userID string, at time.Time) (int, error)
}

// Assignment is a piece of content a mentor assigned to a mentee.
type Assignment struct {
	ID          string
	ProgrammeID string
	MenteeID    string
	MentorID    string
	Title       string
	DueAt       time.Time
}

// Assignments tells the notification service about open assignments. Mentoring implements it.
type Assignments interface {
	// OpenDueBetween lists assignments not completed yet whose due time is in [from, to).
	OpenDueBetween(ctx context.Context, from, to time.Time) ([]Assignment, error)
	// Open reports whether the assignment still waits for the mentee: false once it is
	// completed or withdrawn, and false (with a nil error) when it does not exist.
	Open(ctx context.Context, assignmentID string) (bool, error)
}
