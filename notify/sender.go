package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// SenderConfig tunes the sender.
type SenderConfig struct {
	// Lease is how long a claimed notification stays with this sender; after it, another
	// sender may claim it (this one crashed). It must exceed SendTimeout comfortably.
	Lease time.Duration
	// SendTimeout bounds one call to the transport.
	SendTimeout time.Duration
	// Batch is the most notifications claimed per round.
	Batch  int
	Nudges NudgeRule
	Retry  Retry
}

// Sender claims due notifications from the outbox, applies the rules, sends them through
// the Transport and records the outcome. Several senders may run at once (in several
// processes): each notification is leased to one of them at a time.
type Sender struct {
	Store      Store
	Transport  Transport
	Recipients Recipients
	// Goals and Assignments may be nil: the checks they enable are then skipped.
	Goals       Goals
	Assignments Assignments
	// Reviews may be nil: a "reviews due" nudge is then sent without checking again.
	Reviews Reviews
	Now     func() time.Time
	Log     *slog.Logger
	Cfg     SenderConfig
	// ID names this sender in lease tokens (random when empty).
	ID string
	// Meetings, optional, says whether a reminded meeting is still planned.
	Meetings Meetings
	// Cadences, optional, says whether a pairing nudged to meet is still due for a meeting.
	Cadences Cadences
}

// work is one claimed notification on its way out.
type work struct {
	p         Pending
	spec      Spec
	r         Recipient
	loc       *time.Location // the recipient's zone
	title     string
	body      string
	link      string
	data      map[string]string
	delivered map[string]Delivery
	msgs      []Message
	first     int
}

// Run sends until ctx ends: a round whenever woken (an enqueue in this process) or every
// poll, and at once again after a round that found work.
func (s *Sender) Run(ctx context.Context, wake <-chan struct{}, poll time.Duration) {
	s.Log.Info("notification sender running", "transport", s.Transport.Name())
	for {
		n, err := s.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.Error("notification sender round failed", "error", err.Error())
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-time.After(poll):
		}
	}
}

// RunOnce claims up to one batch of due notifications and processes it. It returns how many
// notifications it claimed.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	var batch []*work
	var msgs []Message
	n := 0
	for n < s.Cfg.Batch && len(msgs) <= MaxBatch-MaxDevices {
		p, err := s.Store.Claim(ctx, now, s.leaseToken(), now.Add(s.Cfg.Lease))
		if errors.Is(err, ErrNothingDue) {
			break
		}
		if err != nil {
			return n, fmt.Errorf("claim: %w", err)
		}
		n++
		w, err := s.prepare(ctx, p, now)
		if err != nil {
			// Our own storage or a collaborator failed: try again later without spending
			// one of the notification's delivery attempts.
			s.Log.Warn("notification postponed", "notificationId", p.ID, "error", err.Error())
			if rerr := s.Store.Release(ctx, p.ID, p.Lease, now.Add(s.Cfg.Retry.Base), p.Attempts, err.Error()); rerr != nil {
				// Nothing is lost: the notification is due again when its lease ends.
				s.Log.Warn("releasing a postponed notification failed; it is retried when its lease ends",
					"notificationId", p.ID, "error", rerr.Error())
			}
			continue
		}
		if w == nil {
			continue
		}
		w.first = len(msgs)
		msgs = append(msgs, w.msgs...)
		batch = append(batch, w)
	}
	if len(batch) > 0 {
		s.deliver(ctx, batch, msgs)
	}
	return n, nil
}

func (s *Sender) leaseToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := s.ID
	if id == "" {
		id = "sender"
	}
	return id + "/" + hex.EncodeToString(b)
}

// prepare applies the rules to a claimed notification. It returns the work to send, or nil
// when the notification was finished or deferred here.
func (s *Sender) prepare(ctx context.Context, p Pending, now time.Time) (*work, error) {
	w, err := s.load(ctx, p)
	if w == nil || err != nil {
		return nil, err
	}
	devices, held, err := s.check(ctx, w, now)
	if held || err != nil {
		return nil, err
	}
	if w.delivered, err = s.Store.Deliveries(ctx, p.ID); err != nil {
		return nil, err
	}
	w.msgs = w.messages(devices, now)
	if len(w.msgs) == 0 { // everything was sent before a crash; only the bookkeeping is left
		return nil, s.settle(ctx, w, nil, now)
	}
	return w, nil
}

// load reads what sending p needs: whether it is finished already (then it is forgotten
// here), and its recipient (gone: dropped here); then it renders the message. It returns nil
// work when it finished the notification.
func (s *Sender) load(ctx context.Context, p Pending) (*work, error) {
	done, err := s.Store.Finished(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if done { // a duplicate enqueued while the original was finishing
		return nil, s.Store.Forget(ctx, p.ID)
	}
	w := &work{p: p, spec: specs[p.Kind]}
	w.r, err = s.Recipients.Recipient(ctx, p.UserID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		s.Log.Info("notification dropped: the user no longer exists", "notificationId", p.ID)
		return nil, s.Store.Forget(ctx, p.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	w.loc = w.r.Location()
	w.title, w.body = Render(p.Kind, w.r.Locale, p.Vars)
	w.link = Link(p.Kind, p.Refs)
	w.data = map[string]string{"type": string(p.Kind), "notificationId": p.ID, "link": w.link}
	for k, v := range p.Refs {
		w.data[k] = v
	}
	return w, nil
}

// check applies the rules in order: expired, push turned off, no longer relevant, no
// device, quiet hours, nudge allowance and spacing. It returns the recipient's devices, or
// held when a rule finished or deferred the notification here.
func (s *Sender) check(ctx context.Context, w *work, now time.Time) ([]Device, bool, error) {
	p := w.p
	if !now.Before(p.ExpiresAt) {
		return nil, true, s.finish(ctx, w, StatusExpired, "expired before it could be sent", nil)
	}
	if !w.r.PushOn(p.Kind) {
		return nil, true, s.finish(ctx, w, StatusPushOff, "push turned off for this kind", nil)
	}
	if reason, err := s.irrelevant(ctx, w, now); err != nil || reason != "" {
		if err != nil {
			return nil, true, err
		}
		return nil, true, s.finish(ctx, w, StatusSuppressed, reason, nil)
	}
	devices, err := s.Store.Devices(ctx, p.UserID)
	if err != nil {
		return nil, true, err
	}
	if len(devices) == 0 {
		return nil, true, s.finish(ctx, w, StatusNoDevice, "no registered device", nil)
	}
	if until, quiet := QuietUntil(w.r.QuietHours, now, w.loc); quiet {
		if until.After(p.ExpiresAt) {
			return nil, true, s.finish(ctx, w, StatusExpired, "expired during quiet hours", nil)
		}
		return nil, true, s.Store.Release(ctx, p.ID, p.Lease, until, p.Attempts, "deferred: quiet hours")
	}
	if w.spec.Nudge {
		if held, err := s.reserveNudge(ctx, w, now); held || err != nil {
			return nil, true, err
		}
	}
	return devices, false, nil
}

// reserveNudge takes a place in the recipient's nudge allowance for the notification. It
// returns held when the allowance is used up (suppressed), or the spacing defers the
// notification (past its expiry: expired).
func (s *Sender) reserveNudge(ctx context.Context, w *work, now time.Time) (bool, error) {
	p := w.p
	v, err := s.Store.ReserveNudge(ctx, p.UserID, LocalDay(now, w.loc), p.ID, now, s.Cfg.Nudges)
	if err != nil {
		return true, err
	}
	switch {
	case v.Capped:
		return true, s.finish(ctx, w, StatusSuppressed, "daily nudge allowance used", nil)
	case !v.OK && v.NotBefore.After(p.ExpiresAt):
		return true, s.finish(ctx, w, StatusExpired, "expired waiting for nudge spacing", nil)
	case !v.OK:
		return true, s.Store.Release(ctx, p.ID, p.Lease, v.NotBefore, p.Attempts, "deferred: nudge spacing")
	}
	return false, nil
}

// messages are the messages for the devices FCM has not answered for yet, living until the
// notification expires (at most the kind's TTL).
func (w *work) messages(devices []Device, now time.Time) []Message {
	p := w.p
	ttl := p.ExpiresAt.Sub(now).Truncate(time.Second)
	if ttl > w.spec.TTL {
		ttl = w.spec.TTL
	}
	var out []Message
	for _, d := range devices {
		if _, sent := w.delivered[d.ID]; sent {
			continue // FCM already answered for this device: never send it twice
		}
		out = append(out, Message{NotificationID: p.ID, DeviceID: d.ID, UserID: p.UserID, Token: d.Token,
			TokenHash: d.TokenHash, Platform: d.Platform, Kind: p.Kind, Title: w.title, Body: w.body, Data: w.data,
			CollapseKey: w.spec.CollapseKey, TTL: ttl, High: w.spec.High})
	}
	return out
}

// irrelevant returns why a nudge no longer makes sense, or "".
func (s *Sender) irrelevant(ctx context.Context, w *work, now time.Time) (string, error) {
	switch w.p.Kind {
	case KindMeetingReminder:
		return s.meetingGone(ctx, w.p.Refs)
	case KindMeetingDue:
		return s.meetingNoLongerDue(ctx, w.p.Refs)
	case KindDailyReminder, KindStreakAtRisk:
		if s.Goals == nil {
			return "", nil
		}
		ds, err := s.Goals.DayStatus(ctx, w.p.UserID, LocalDay(now, w.loc))
		if err != nil {
			return "", fmt.Errorf("goals: %w", err)
		}
		if ds.GoalMet {
			return "today's goal is already met", nil
		}
		if w.p.Kind == KindStreakAtRisk && ds.Streak == 0 {
			return "no streak to lose", nil
		}
	case KindAssignmentDueTomorrow, KindAssignmentOverdue:
		if s.Assignments == nil {
			return "", nil
		}
		open, err := s.Assignments.Open(ctx, w.p.Refs["assignmentId"])
		if err != nil {
			return "", fmt.Errorf("assignments: %w", err)
		}
		if !open {
			return "the assignment is no longer open", nil
		}
	case KindReviewsDue:
		if s.Reviews == nil {
			return "", nil
		}
		n, err := s.Reviews.DueCount(ctx, w.p.UserID, now)
		if err != nil {
			return "", fmt.Errorf("reviews: %w", err)
		}
		if n == 0 {
			return "no reviews are due any more", nil
		}
	}
	return "", nil
}

// deliver sends the batch and records what FCM answered.
func (s *Sender) deliver(ctx context.Context, batch []*work, msgs []Message) {
	sctx, cancel := context.WithTimeout(ctx, s.Cfg.SendTimeout)
	results, err := s.Transport.Send(sctx, msgs)
	cancel()
	if err == nil && len(results) != len(msgs) {
		err = fmt.Errorf("transport answered %d results for %d messages", len(results), len(msgs))
	}
	if err != nil {
		results = make([]Result, len(msgs))
		for i := range results {
			results[i].Err = &SendError{Class: Transient, Code: "TRANSPORT", Detail: err.Error()}
		}
	}
	// The bookkeeping must finish even when we are shutting down: an acceptance that is not
	// recorded would be sent again after the lease ends.
	bctx, bcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer bcancel()
	at := s.Now().UTC()
	// First, and before anything else, record every acceptance.
	for i, r := range results {
		if r.Err == nil {
			d := Delivery{NotificationID: msgs[i].NotificationID, DeviceID: msgs[i].DeviceID, MessageID: r.MessageID, At: at}
			if err := s.Store.RecordDelivery(bctx, d); err != nil {
				s.Log.Error("could not record an accepted message; it may be sent again", "notificationId", d.NotificationID, "error", err.Error())
			}
		}
	}
	for i, r := range results {
		m := msgs[i]
		switch {
		case r.Err == nil:
		case r.Err.Class == BadToken:
			s.Log.Info("FCM says the token is dead; device removed", "notificationId", m.NotificationID,
				"deviceId", m.DeviceID, "tokenHash", short(m.TokenHash), "code", r.Err.Code)
			if err := s.Store.RemoveDevice(bctx, m.DeviceID); err != nil {
				s.Log.Error("could not remove a dead device", "deviceId", m.DeviceID, "error", err.Error())
			}
		case r.Err.Class == Permanent:
			s.Log.Warn("FCM refused a message for good", "notificationId", m.NotificationID, "deviceId", m.DeviceID,
				"code", r.Err.Code, "detail", r.Err.Detail)
			_ = s.Store.RecordDelivery(bctx, Delivery{NotificationID: m.NotificationID, DeviceID: m.DeviceID,
				Error: r.Err.Code + ": " + r.Err.Detail, At: at})
		}
	}
	for _, w := range batch {
		if err := s.settle(bctx, w, results[w.first:w.first+len(w.msgs)], at); err != nil {
			s.Log.Error("could not settle a notification; it will be retried after its lease", "notificationId", w.p.ID, "error", err.Error())
		}
	}
}

// settle decides what happens to a notification after a send: retry the transient
// failures later, or finish it.
func (s *Sender) settle(ctx context.Context, w *work, results []Result, now time.Time) error {
	var transient *SendError
	var retryAfter time.Duration
	accepted, permanent := 0, ""
	var ids []string
	for _, d := range w.delivered {
		if d.Accepted() {
			accepted++
			ids = append(ids, d.MessageID)
		} else {
			permanent = d.Error
		}
	}
	for _, r := range results {
		switch {
		case r.Err == nil:
			accepted++
			ids = append(ids, r.MessageID)
		case r.Err.Class == Transient:
			transient = r.Err
			retryAfter = max(retryAfter, r.Err.RetryAfter)
		case r.Err.Class == Permanent:
			permanent = r.Err.Code + ": " + r.Err.Detail
		}
	}
	p := w.p
	if transient != nil {
		attempts := p.Attempts + 1
		reason := fmt.Sprintf("%s: %s", transient.Code, transient.Detail)
		due := now.Add(s.Cfg.Retry.Delay(attempts, retryAfter))
		switch {
		case accepted > 0 && (attempts >= s.Cfg.Retry.MaxAttempts || due.After(p.ExpiresAt)):
			s.Log.Warn("notification sent to some devices only; giving up on the others", "notificationId", p.ID, "reason", reason)
			return s.finish(ctx, w, StatusSent, "some devices could not be reached: "+reason, ids)
		case attempts >= s.Cfg.Retry.MaxAttempts:
			return s.dead(ctx, w, fmt.Sprintf("gave up after %d attempts: %s", attempts, reason))
		case due.After(p.ExpiresAt):
			return s.dead(ctx, w, "expired while retrying: "+reason)
		}
		return s.Store.Release(ctx, p.ID, p.Lease, due, attempts, reason)
	}
	switch {
	case accepted > 0:
		return s.finish(ctx, w, StatusSent, "", ids)
	case permanent != "":
		return s.dead(ctx, w, "refused by FCM: "+permanent)
	default: // every token turned out dead
		return s.finish(ctx, w, StatusNoDevice, "every device token was invalid", nil)
	}
}

func (s *Sender) entry(w *work, status Status, reason string, ids []string) Entry {
	shown := !w.spec.Nudge || status == StatusSent || status == StatusNoDevice
	return Entry{ID: w.p.ID, UserID: w.p.UserID, Kind: w.p.Kind, ProgrammeID: w.p.ProgrammeID, Title: w.title, Body: w.body,
		Link: w.link, Refs: w.p.Refs, Status: status, Reason: reason, MessageIDs: ids, Shown: shown,
		CreatedAt: w.p.CreatedAt, At: s.Now().UTC()}
}

func (s *Sender) finish(ctx context.Context, w *work, status Status, reason string, ids []string) error {
	if status != StatusSent {
		s.Log.Debug("notification finished without a push", "notificationId", w.p.ID, "kind", string(w.p.Kind), "status", string(status), "reason", reason)
	}
	return s.Store.Finish(ctx, s.entry(w, status, reason, ids))
}

func (s *Sender) dead(ctx context.Context, w *work, reason string) error {
	s.Log.Warn("notification dead-lettered", "notificationId", w.p.ID, "kind", string(w.p.Kind), "reason", reason)
	return s.Store.DeadLetter(ctx, w.p, reason, s.entry(w, StatusFailed, reason, nil))
}
