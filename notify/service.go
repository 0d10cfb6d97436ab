package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Service is what producers and the API call: enqueue notifications, register devices, read
// and mark the inbox.
type Service struct {
	Store      Store
	Recipients Recipients
	Now        func() time.Time
	Log        *slog.Logger
	// wake, when set, is signalled after each enqueue so that an in-process sender does not
	// wait for its next poll.
	wake chan struct{}
}

// NewService returns a service with a wake-up channel for an in-process sender.
func NewService(store Store, recipients Recipients, now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{Store: store, Recipients: recipients, Now: now, Log: log, wake: make(chan struct{}, 1)}
}

// Wake returns the channel signalled after each enqueue.
func (s *Service) Wake() <-chan struct{} { return s.wake }

// NotificationID derives the notification ID from its dedup key, so that every attempt to
// enqueue the same event names the same outbox item and inbox entry.
func NotificationID(dedupKey string) string {
	sum := sha256.Sum256([]byte(dedupKey))
	return hex.EncodeToString(sum[:16])
}

// Enqueue puts n in the durable outbox. Enqueueing the same dedup key again, while it is
// pending or after it was delivered, changes nothing and returns nil.
func (s *Service) Enqueue(ctx context.Context, n Notification) error {
	return s.EnqueueAll(ctx, []Notification{n})
}

// EnqueueAll enqueues several notifications with one outbox insert and one inbox check
// (gamification hands over a batch's badges and level-ups at once). Each is deduplicated by
// its key exactly as Enqueue does.
func (s *Service) EnqueueAll(ctx context.Context, ns []Notification) error {
	now := s.Now().UTC()
	ps := make([]Pending, 0, len(ns))
	seen := map[string]bool{}
	freshUntil := map[string]time.Time{}
	for _, n := range ns {
		p, err := pendingOf(n, now)
		if err != nil {
			return fmt.Errorf("enqueue notification: %w", err)
		}
		if !seen[p.ID] {
			seen[p.ID] = true
			freshUntil[p.ID] = n.FreshUntil
			ps = append(ps, p)
		} else if n.FreshUntil.IsZero() {
			freshUntil[p.ID] = time.Time{}
		}
	}
	if len(ps) == 0 {
		return nil
	}
	created, err := s.Store.EnqueueMany(ctx, ps)
	if err != nil {
		return fmt.Errorf("enqueue notification: %w", err)
	}
	if len(created) == 0 {
		return nil // all already pending
	}
	// A notification that was finished and left the outbox must not come back: the inbox
	// entry is written before the outbox item is deleted, so checking it after our insert
	// always sees it (docs/decisions.md). Fresh ones, taken in by their deadline (checked
	// now, after the insert), cannot have been enqueued before.
	inserted := s.Now()
	var check []string
	for _, id := range created {
		if until := freshUntil[id]; until.IsZero() || !inserted.Before(until) {
			check = append(check, id)
		}
	}
	done := map[string]bool{}
	if len(check) > 0 {
		var err error
		if done, err = s.Store.FinishedAmong(ctx, check); err != nil {
			return fmt.Errorf("enqueue notification: %w", err)
		}
	}
	var forget []string
	dueNow := false
	for _, p := range ps {
		switch {
		case done[p.ID]:
			forget = append(forget, p.ID)
		case !p.NotBefore.After(now):
			dueNow = true
		}
	}
	if err := s.Store.ForgetMany(ctx, forget); err != nil {
		return fmt.Errorf("enqueue notification: %w", err)
	}
	if s.wake != nil && dueNow {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// pendingOf validates n and builds its outbox item.
func pendingOf(n Notification, now time.Time) (Pending, error) {
	var f apperr.Fields
	spec, ok := specs[n.Kind]
	f.Check(ok, "/kind", "unknown notification kind")
	f.Check(n.DedupKey != "" && len(n.DedupKey) <= 512, "/dedupKey", "must be 1 to 512 bytes")
	f.Check(n.UserID != "", "/userId", "is required")
	if err := f.Err(); err != nil {
		return Pending{}, err
	}
	p := Pending{ID: NotificationID(n.DedupKey), DedupKey: n.DedupKey, UserID: n.UserID, Kind: n.Kind,
		ProgrammeID: n.ProgrammeID, Refs: n.Refs, Vars: n.Vars, CreatedAt: now, NotBefore: n.NotBefore.UTC(), ExpiresAt: n.ExpiresAt.UTC()}
	if p.NotBefore.IsZero() || p.NotBefore.Before(now) {
		p.NotBefore = now
	}
	if n.ExpiresAt.IsZero() {
		p.ExpiresAt = p.NotBefore.Add(spec.TTL)
	}
	p.DueAt = p.NotBefore
	return p, nil
}

// BadgeEarned tells userID they earned a badge (gamification's Notifier).
func (s *Service) BadgeEarned(ctx context.Context, userID, programmeID, badgeID, badgeName string) error {
	return s.Enqueue(ctx, BadgeEarnedNotification(userID, programmeID, badgeID, badgeName))
}

// BadgeEarnedNotification is the notification BadgeEarned enqueues (for EnqueueAll).
func BadgeEarnedNotification(userID, programmeID, badgeID, badgeName string) Notification {
	return Notification{DedupKey: key(KindBadgeEarned, userID, programmeID, badgeID), UserID: userID,
		Kind: KindBadgeEarned, ProgrammeID: programmeID,
		Refs: map[string]string{"programmeId": programmeID, "badgeId": badgeID}, Vars: map[string]string{"badge": badgeName}}
}

// LevelUp tells userID they reached a level (gamification's Notifier).
func (s *Service) LevelUp(ctx context.Context, userID, programmeID string, level int) error {
	return s.Enqueue(ctx, LevelUpNotification(userID, programmeID, level))
}

// LevelUpNotification is the notification LevelUp enqueues (for EnqueueAll).
func LevelUpNotification(userID, programmeID string, level int) Notification {
	l := strconv.Itoa(level)
	return Notification{DedupKey: key(KindLevelUp, userID, programmeID, l), UserID: userID,
		Kind: KindLevelUp, ProgrammeID: programmeID,
		Refs: map[string]string{"programmeId": programmeID, "level": l}, Vars: map[string]string{"level": l}}
}

// PrizeWon tells userID they won a prize (gamification's Notifier). winnerID names the win
// (prize, period and place), so the same weekly prize won again next week is announced again
// while a repeated notice of the same win is enqueued once.
func (s *Service) PrizeWon(ctx context.Context, userID, programmeID, prizeID, prizeName, winnerID string) error {
	return s.Enqueue(ctx, Notification{DedupKey: key(KindPrizeWon, userID, programmeID, winnerID), UserID: userID,
		Kind: KindPrizeWon, ProgrammeID: programmeID,
		Refs: map[string]string{"programmeId": programmeID, "prizeId": prizeID, "winnerId": winnerID}, Vars: map[string]string{"prize": prizeName}})
}

// AssignmentReceived tells the mentee a mentor assigned them something (mentoring).
func (s *Service) AssignmentReceived(ctx context.Context, a Assignment) error {
	return s.Enqueue(ctx, AssignmentReceivedNotification(a))
}

// AssignmentReceivedNotification is the notification AssignmentReceived enqueues (for
// EnqueueAll).
func AssignmentReceivedNotification(a Assignment) Notification {
	return Notification{DedupKey: key(KindAssignmentReceived, a.ID), UserID: a.MenteeID,
		Kind: KindAssignmentReceived, ProgrammeID: a.ProgrammeID,
		Refs: map[string]string{"programmeId": a.ProgrammeID, "assignmentId": a.ID}, Vars: map[string]string{"title": a.Title}}
}

// AssignmentCompleted tells the mentor their mentee completed an assignment (mentoring).
func (s *Service) AssignmentCompleted(ctx context.Context, a Assignment) error {
	vars := map[string]string{"title": a.Title}
	if s.Recipients != nil {
		if m, err := s.Recipients.Recipient(ctx, a.MenteeID); err == nil && m.DisplayName != "" {
			vars["mentee"] = m.DisplayName
		}
	}
	return s.Enqueue(ctx, Notification{DedupKey: key(KindAssignmentCompleted, a.ID), UserID: a.MentorID,
		Kind: KindAssignmentCompleted, ProgrammeID: a.ProgrammeID,
		Refs: map[string]string{"programmeId": a.ProgrammeID, "assignmentId": a.ID, "menteeId": a.MenteeID}, Vars: vars})
}

// PairingRequested tells a mentor that someone asks them to mentor menteeName (mentoring).
func (s *Service) PairingRequested(ctx context.Context, mentorID, programmeID, programmeName, pairingID, menteeName string) error {
	return s.Enqueue(ctx, Notification{DedupKey: key(KindPairingRequested, pairingID), UserID: mentorID,
		Kind: KindPairingRequested, ProgrammeID: programmeID,
		Refs: map[string]string{"programmeId": programmeID, "pairingId": pairingID},
		Vars: map[string]string{"mentee": menteeName, "programme": programmeName}})
}

// ProfileReminder asks userID to fill in their mentoring profile; day (the programme's local
// date) makes it at most one a day, however often the owner asks.
func (s *Service) ProfileReminder(ctx context.Context, userID, programmeID, programmeName, day string) error {
	return s.Enqueue(ctx, Notification{DedupKey: key(KindProfileReminder, userID, programmeID, day), UserID: userID,
		Kind: KindProfileReminder, ProgrammeID: programmeID,
		Refs: map[string]string{"programmeId": programmeID}, Vars: map[string]string{"programme": programmeName}})
}

func key(kind Kind, parts ...string) string {
	return string(kind) + ":" + strings.Join(parts, ":")
}

// DeviceInput is what a client sends to register a device.
type DeviceInput struct {
	InstallationID string
	Token          string
	Platform       string
	AppVersion     string
}

// RegisterDevice creates or refreshes the caller's device and marks it seen now.
func (s *Service) RegisterDevice(ctx context.Context, userID string, in DeviceInput) (Device, bool, error) {
	var f apperr.Fields
	f.Check(validInstallationID(in.InstallationID), "/installationId", "must be 1 to 128 letters, digits, '.', '_', ':' or '-'")
	f.Check(in.Token != "" && len(in.Token) <= 4096 && !strings.ContainsAny(in.Token, " \t\r\n"), "/token", "must be an FCM registration token")
	f.Check(in.Platform == string(PlatformAndroid) || in.Platform == string(PlatformIOS) || in.Platform == string(PlatformWeb),
		"/platform", "must be android, ios or web")
	f.Check(in.AppVersion != "" && utf8.RuneCountInString(in.AppVersion) <= 32, "/appVersion", "must be 1 to 32 characters")
	if err := f.Err(); err != nil {
		return Device{}, false, err
	}
	now := s.Now().UTC()
	d := Device{UserID: userID, InstallationID: in.InstallationID, Token: in.Token, TokenHash: TokenHash(in.Token),
		Platform: Platform(in.Platform), AppVersion: in.AppVersion, LastSeen: now, CreatedAt: now, UpdatedAt: now}
	d, created, err := s.Store.PutDevice(ctx, d)
	if err != nil {
		return Device{}, false, fmt.Errorf("register device: %w", err)
	}
	return d, created, nil
}

// RemoveDevice deletes the caller's device; ErrDeviceNotFound when absent.
func (s *Service) RemoveDevice(ctx context.Context, userID, installationID string) error {
	if !validInstallationID(installationID) {
		return ErrDeviceNotFound
	}
	return s.Store.DeleteDevice(ctx, userID, installationID)
}

func validInstallationID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':') {
			return false
		}
	}
	return true
}

// TokenHash identifies an FCM token without revealing it (for uniqueness and logs).
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Page is one page of the inbox.
type Page struct {
	Entries []Entry
	Next    *Cursor
	Unread  int
}

// Inbox returns the caller's notifications, newest first.
func (s *Service) Inbox(ctx context.Context, userID string, after *Cursor, limit int) (Page, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	es, err := s.Store.Inbox(ctx, userID, after, limit+1)
	if err != nil {
		return Page{}, fmt.Errorf("inbox: %w", err)
	}
	p := Page{Entries: es}
	if len(es) > limit {
		p.Entries = es[:limit]
		last := p.Entries[limit-1]
		p.Next = &Cursor{At: last.At, ID: last.ID}
	}
	if p.Unread, err = s.Store.Unread(ctx, userID); err != nil {
		return Page{}, fmt.Errorf("inbox: %w", err)
	}
	return p, nil
}

// MarkRead marks one of the caller's notifications read (or unread); ErrNotFound when it is
// not theirs.
func (s *Service) MarkRead(ctx context.Context, userID, id string, read bool) (Entry, error) {
	var at *time.Time
	if read {
		now := s.Now().UTC()
		at = &now
	}
	e, err := s.Store.MarkRead(ctx, userID, id, at)
	if errors.Is(err, ErrNotFound) {
		return Entry{}, err
	}
	if err != nil {
		return Entry{}, fmt.Errorf("mark read: %w", err)
	}
	return e, nil
}

// MarkAllRead marks every notification of the caller read and returns how many changed.
func (s *Service) MarkAllRead(ctx context.Context, userID string) (int, error) {
	return s.Store.MarkAllRead(ctx, userID, s.Now().UTC())
}
