package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/mentoring"
)

// GET /v1/me/home: everything the app's first screen shows, in one request (issue 15). Per
// programme: the standing (today's goal and XP, streak and freezes, level and progress to the
// next, recent awards named and pictured), the badges closest to being earned, what to do
// next (assigned first, then the next step of a path, then something new), assignments due
// soon, the next planned meeting and a due check-in; and the unread count. Every read is of
// the caller's own data or of cached programme data (see TestHomeDatabaseBudget).

func (s *Server) mountHome(r fiber.Router) {
	r.Get("/me/home", s.myHome)
	r.Get("/sync", s.syncPull) // the pull half of offline sync (sync_pull.go)
}

type homeResponse struct {
	UnreadCount int             `json:"unreadCount"`
	Programmes  []homeProgramme `json:"programmes"`
}

type homeProgramme struct {
	ProgrammeID  string                   `json:"programmeId"`
	Standing     summaryResponse          `json:"standing"`
	BadgesEarned int                      `json:"badgesEarned"`
	BadgesTotal  int                      `json:"badgesTotal"`
	BadgesToEarn []myBadgeResponse        `json:"badgesToEarn"`
	Next         []homeNext               `json:"next"`
	DueSoon      []assignmentViewResponse `json:"dueSoon"`
	NextMeeting  *homeMeeting             `json:"nextMeeting,omitempty"`
	DueCheckin   *checkinJSON             `json:"dueCheckin,omitempty"`
}

type homeMeeting struct {
	ID              string    `json:"id"`
	PairingID       string    `json:"pairingId"`
	StartAt         time.Time `json:"startAt"`
	Timezone        string    `json:"timezone"`
	DurationMinutes int       `json:"durationMinutes"`
	Format          string    `json:"format"`
	Place           string    `json:"place,omitempty"`
	Confirmed       bool      `json:"confirmed"`
}

func toHomeMeeting(m mentoring.Meeting) *homeMeeting {
	return &homeMeeting{ID: m.ID, PairingID: m.PairingID, StartAt: m.StartAt, Timezone: m.Timezone, DurationMinutes: m.DurationMinutes,
		Format: string(m.Format), Place: m.Place, Confirmed: m.Confirmed()}
}

// homeBadgesToEarn is how many of the badges not earned yet the home shows.
const homeBadgesToEarn = 3

// homeDueSoon is how far ahead an open assignment counts as due soon.
const homeDueSoon = 7 * 24 * time.Hour

// homeData is what the home is made of, read once for every programme.
type homeData struct {
	sums        []gamification.Summary
	badges      []gamification.BadgeProgress
	assignments []assignmentViewResponse
	meetings    map[string]mentoring.Meeting
	checkins    []evidence.CheckIn
	unread      int
}

func (s *Server) myHome(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	pid := strings.Clone(c.Query("programmeId"))
	d, err := s.readHome(c, cl.UserID, pid)
	if err != nil {
		return err
	}
	pids := make([]string, len(d.sums))
	for i, sm := range d.sums {
		pids[i] = sm.ProgrammeID
	}
	hc, err := s.readCatalog(c, cl.UserID, pids, d.assignments)
	if err != nil {
		return err
	}
	hc.fill(d.assignments)
	base := s.baseURL(c)
	out := homeResponse{UnreadCount: d.unread, Programmes: make([]homeProgramme, 0, len(d.sums))}
	for _, sm := range d.sums {
		out.Programmes = append(out.Programmes, s.homeProgramme(base, sm, d, hc))
	}
	return s.respondETag(c, out)
}

// readHome reads the caller's standing, assignments, meetings, check-ins and unread count.
func (s *Server) readHome(c *fiber.Ctx, userID, programmeID string) (homeData, error) {
	ctx := c.UserContext()
	var d homeData
	var err error
	if d.sums, d.badges, err = s.deps.Gamification.Home(ctx, userID, programmeID); err != nil {
		return d, err
	}
	if d.assignments, err = s.openAssignments(c, userID); err != nil {
		return d, err
	}
	if s.deps.Record != nil {
		if d.meetings, err = s.deps.Record.NextMeetings(ctx, userID); err != nil {
			return d, err
		}
	}
	if s.deps.Evidence != nil {
		if d.checkins, err = s.deps.Evidence.DueCheckins(ctx, userID, 20); err != nil {
			return d, err
		}
	}
	if s.deps.Notify != nil {
		if d.unread, err = s.deps.Notify.UnreadCount(ctx, userID); err != nil {
			return d, err
		}
	}
	return d, nil
}

// openAssignments are the caller's open assignments, soonest due first, with their progress.
func (s *Server) openAssignments(c *fiber.Ctx, userID string) ([]assignmentViewResponse, error) {
	if s.deps.Mentoring == nil {
		return nil, nil
	}
	views, _, err := s.deps.Mentoring.MyAssignments(c.UserContext(), userID, mentoring.AssignmentOpen, nil, 50)
	if err != nil {
		return nil, err
	}
	ids := []string{userID}
	for _, v := range views {
		ids = append(ids, v.MentorID)
	}
	names := s.deps.Mentoring.DisplayNames(c.UserContext(), ids)
	out := make([]assignmentViewResponse, len(views))
	for i, v := range views {
		out[i] = toAssignmentView(v, names)
	}
	slices.SortStableFunc(out, func(a, b assignmentViewResponse) int { return a.DueAt.Compare(b.DueAt) })
	return out, nil
}

// fill adds the caller's progress and the minutes to the assignments' items.
func (hc homeCatalog) fill(as []assignmentViewResponse) {
	for i := range as {
		for j := range as[i].Items {
			it := &as[i].Items[j]
			st := toStandingJSON(hc.standing[it.ID])
			it.MyProgress = &st
			if def, ok := hc.steps[it.ID]; ok {
				m := def.EstimatedMinutes
				it.EstimatedMinutes = &m
			}
		}
	}
}

// homeProgramme assembles one programme's part of the home.
func (s *Server) homeProgramme(base string, sm gamification.Summary, d homeData, hc homeCatalog) homeProgramme {
	hp := homeProgramme{ProgrammeID: sm.ProgrammeID, Standing: toSummaryResponse(base, sm), BadgesToEarn: []myBadgeResponse{},
		DueSoon: []assignmentViewResponse{}}
	hp.BadgesEarned, hp.BadgesTotal, hp.BadgesToEarn = badgesToEarn(base, sm.ProgrammeID, d.badges)
	var mine []assignmentViewResponse
	now := s.now()
	for _, a := range d.assignments {
		if a.ProgrammeID != sm.ProgrammeID {
			continue
		}
		mine = append(mine, a)
		if a.DueAt.Before(now.Add(homeDueSoon)) {
			hp.DueSoon = append(hp.DueSoon, a)
		}
	}
	hp.Next = homeNextOf(sm.ProgrammeID, mine, hc)
	if m, ok := d.meetings[sm.ProgrammeID]; ok {
		hp.NextMeeting = toHomeMeeting(m)
	}
	for _, ci := range d.checkins {
		if ci.ProgrammeID == sm.ProgrammeID {
			j := toCheckinJSON(ci, nil, now)
			hp.DueCheckin = &j
			break
		}
	}
	return hp
}

// badgesToEarn counts a programme's badges and renders the closest to being earned.
func badgesToEarn(base, programmeID string, all []gamification.BadgeProgress) (earned, total int, out []myBadgeResponse) {
	earned, total, pick := gamification.ClosestBadges(all, programmeID, homeBadgesToEarn)
	out = make([]myBadgeResponse, len(pick))
	for i, b := range pick {
		out[i] = toMyBadge(base, b)
	}
	return earned, total, out
}

// respondETag answers v with a strong ETag of its JSON; a request whose If-None-Match
// matches gets 304 without the body.
func (s *Server) respondETag(c *fiber.Ctx, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(http.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(http.StatusOK).Send(b)
}
