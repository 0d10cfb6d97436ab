package mentoring

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// Calendar feeds: calendars subscribe to a URL and cannot send a Bearer header, so each
// person may hold one feed token, given out once, stored only as its SHA-256 hash, and
// revoked (or replaced) at will. The feed holds the person's meetings and their open
// assignments' due dates.

// ErrFeedToken is the error for a missing, unknown or revoked calendar feed token.
var ErrFeedToken = apperr.New(apperr.KindUnauthenticated, "invalid_feed_token", "the calendar feed token is missing, unknown or revoked")

// FeedStore keeps calendar feed tokens, by hash.
type FeedStore interface {
	// PutFeedToken makes hash userID's only feed token (replacing any other).
	PutFeedToken(ctx context.Context, userID, hash string, at time.Time) error
	// FeedTokenUser returns the user of a token hash; ErrFeedToken when there is none.
	FeedTokenUser(ctx context.Context, hash string) (string, error)
	// DeleteFeedToken revokes userID's feed token (none is fine).
	DeleteFeedToken(ctx context.Context, userID string) error
}

const feedTokenPrefix = "cal_"

func hashFeedToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewFeedToken gives userID a new calendar feed token (the old one stops working) and
// returns it; only its hash is kept.
func (r *Record) NewFeedToken(ctx context.Context, userID string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("feed token: %w", err)
	}
	token := feedTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	if err := r.Feeds.PutFeedToken(ctx, userID, hashFeedToken(token), r.now()); err != nil {
		return "", fmt.Errorf("feed token: %w", err)
	}
	return token, nil
}

// RevokeFeedToken revokes userID's calendar feed token.
func (r *Record) RevokeFeedToken(ctx context.Context, userID string) error {
	return r.Feeds.DeleteFeedToken(ctx, userID)
}

// CalendarItem is one entry of a calendar feed: a meeting, or an assignment's due date.
type CalendarItem struct {
	UID         string
	Start, End  time.Time
	AllDay      bool // Start is the local date (an assignment due by the end of a day)
	Summary     string
	Description string
	Location    string
	Cancelled   bool
	Updated     time.Time
	Revision    int
}

// Limits of a feed.
const (
	feedPast       = 60 * 24 * time.Hour
	feedAhead      = 366 * 24 * time.Hour
	feedMaxItems   = 500
	feedMaxPending = 200
)

// CalendarFeed returns the feed of the token's owner: their meetings from 60 days ago to a
// year ahead (cancelled ones marked so, so calendars remove them) and the due dates of their
// open assignments. ErrFeedToken for a bad token. Three reads, whatever the programme's size.
func (r *Record) CalendarFeed(ctx context.Context, token string) (string, []CalendarItem, error) {
	if !strings.HasPrefix(token, feedTokenPrefix) || len(token) > 100 {
		return "", nil, ErrFeedToken
	}
	userID, err := r.Feeds.FeedTokenUser(ctx, hashFeedToken(token))
	if err != nil {
		return "", nil, err
	}
	now := r.now()
	ms, err := r.Store.PersonMeetings(ctx, userID, now.Add(-feedPast), now.Add(feedAhead), feedMaxItems)
	if err != nil {
		return "", nil, fmt.Errorf("calendar feed: %w", err)
	}
	out := make([]CalendarItem, 0, len(ms))
	for _, m := range ms {
		out = append(out, meetingItem(m))
	}
	as, err := r.Pairings.Store.MenteeAssignments(ctx, AssignmentQuery{MenteeID: userID, State: AssignmentOpen, Limit: feedMaxPending})
	if err != nil {
		return "", nil, fmt.Errorf("calendar feed: %w", err)
	}
	for _, a := range as {
		out = append(out, assignmentItem(a))
	}
	return userID, out, nil
}

func meetingItem(m Meeting) CalendarItem {
	summary := "Mentoring meeting (" + string(m.Format) + ")"
	var desc []string
	if len(m.Objectives) > 0 {
		desc = append(desc, "Objectives: "+strings.Join(m.Objectives, "; "))
	}
	if len(m.Topics) > 0 {
		desc = append(desc, "Topics: "+strings.Join(m.Topics, "; "))
	}
	if m.Confirmed() {
		desc = append(desc, "Confirmed by both sides.")
	} else {
		desc = append(desc, "Awaiting the other side's confirmation.")
	}
	return CalendarItem{UID: "meeting-" + m.ID + "@microlearn", Start: m.StartAt, End: m.EndAt(), Summary: summary,
		Description: strings.Join(desc, "\n"), Location: m.Place, Cancelled: m.Status == MeetingCancelled, Updated: m.UpdatedAt, Revision: m.Revision}
}

func assignmentItem(a MenteeAssignment) CalendarItem {
	it := CalendarItem{UID: "assignment-" + a.ID + "@microlearn", Summary: "Due: " + a.Title, Description: a.Note, Updated: a.CreatedAt}
	loc, err := time.LoadLocation(a.Timezone)
	if err != nil {
		loc = time.UTC
	}
	if d, err := time.ParseInLocation(time.DateOnly, a.DueLocal, loc); err == nil {
		it.AllDay, it.Start, it.End = true, d, d.AddDate(0, 0, 1)
		return it
	}
	it.Start, it.End = a.DueAt.Add(-15*time.Minute), a.DueAt
	return it
}
