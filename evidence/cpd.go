package evidence

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// The CPD record: what a mentor or mentee hands a professional body as evidence of their
// continuing professional development ("formally document mentoring activities with session
// dates, objectives, discussion topics, feedback, and reflections", seed 003). It is
// assembled for one person and a period from the mentoring record (confirmed meetings, their
// own notes and reflections, the other side's feedback on each meeting, goals), the content
// they completed and their check-ins, with totals, and sealed by a verification code.

// CPDMeeting is a confirmed, held meeting as the record shows it.
type CPDMeeting struct {
	ID              string
	ProgrammeID     string
	PairingID       string
	StartAt         time.Time
	Timezone        string
	DurationMinutes int
	Format          string
	Place           string
	Objectives      []string
	Topics          []string
	Actions         []CPDAction
	Attendees       []string
	ConfirmedBy     string
}

// CPDAction is an action agreed at a meeting.
type CPDAction struct {
	Text    string
	OwnerID string
	DueOn   string
	Done    bool
}

// CPDNote is a note or reflection the reader may read in full: their own, or one the other
// side shared (feedback).
type CPDNote struct {
	ID         string
	PairingID  string
	MeetingID  string
	AuthorID   string
	Reflection bool
	Body       string
	Learned    string
	Apply      string
	Domains    []string
	CreatedAt  time.Time
}

// CPDGoal is a goal with its status and progress.
type CPDGoal struct {
	ID         string
	PairingID  string
	Specific   string
	Measure    string
	TargetDate string
	Status     string
	Progress   int
	CreatedAt  time.Time
	AchievedAt *time.Time
}

// CPDContent is one content item completed (or a quiz attempted).
type CPDContent struct {
	EventID     string
	ProgrammeID string
	Kind        string
	ItemID      string
	Title       string
	Minutes     int
	Domain      string
	OccurredAt  time.Time
	Score       *int
	Passed      bool
}

// RecordSource reads the mentoring record for the CPD record (mentoring implements it).
type RecordSource interface {
	// ConfirmedMeetings returns the held meetings userID attended that the other side
	// confirmed, starting in [from, to), oldest first, with their actions.
	ConfirmedMeetings(ctx context.Context, userID string, from, to time.Time) ([]CPDMeeting, error)
	// ReadableNotes returns the notes and reflections of the pairings that userID reads in
	// full: their own, and those others shared with the pairing.
	ReadableNotes(ctx context.Context, userID string, pairingIDs []string) ([]CPDNote, error)
	// Goals returns userID's goals.
	Goals(ctx context.Context, userID string) ([]CPDGoal, error)
}

// ActivityLog reads the content a person completed (evidence's own log of learning events).
type ActivityLog interface {
	// Completed returns userID's content activity in [from, to), oldest first.
	Completed(ctx context.Context, userID string, from, to time.Time) ([]CPDContent, error)
}

// Programmes names programmes.
type Programmes interface {
	// ProgrammeName returns the programme's name ("" when unknown).
	ProgrammeName(ctx context.Context, id string) (string, error)
}

// CPDParty is a pairing as the record names it.
type CPDParty struct {
	PairingID     string
	ProgrammeID   string
	ProgrammeName string
	Side          string
	MentorName    string
	MenteeNames   []string
	StartedOn     string
	Status        string
}

// CPDCheckin is one of the person's check-in answers.
type CPDCheckin struct {
	Answer
	Label         string
	ProgrammeName string
}

// CPDMeetingEntry is a meeting with the reader's reflections on it and the other side's
// feedback.
type CPDMeetingEntry struct {
	CPDMeeting
	ProgrammeName string
	Reflections   []CPDNote
	Feedback      []CPDNote
	// Domains are the learning domains the reader's reflections on it named.
	Domains []string
}

// CPDRecord is one person's CPD record for a period.
type CPDRecord struct {
	UserID      string
	Name        string
	Timezone    string
	From, To    string
	Parties     []CPDParty
	Meetings    []CPDMeetingEntry
	Reflections []CPDNote
	Goals       []CPDGoal
	Content     []CPDContent
	Checkins    []CPDCheckin
	Totals      Totals
	Names       map[string]string
	Code        string
	GeneratedAt time.Time
}

// MaxCPDYears bounds the period of one record.
const MaxCPDYears = 5

// CPDPeriod reads the period of a record in loc: from and to are dates YYYY-MM-DD (to
// inclusive); empty to is today, empty from a year before to. It returns the instants
// [start, end) and the dates.
func CPDPeriod(from, to string, now time.Time, loc *time.Location) (start, end time.Time, fromOn, toOn string, err error) {
	var f apperr.Fields
	today := now.In(loc)
	toDay := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	if to != "" {
		d, perr := time.ParseInLocation(time.DateOnly, to, loc)
		f.Check(perr == nil, "/to", "must be a date YYYY-MM-DD")
		toDay = d
	}
	fromDay := toDay.AddDate(-1, 0, 1)
	if from != "" {
		d, perr := time.ParseInLocation(time.DateOnly, from, loc)
		f.Check(perr == nil, "/from", "must be a date YYYY-MM-DD")
		fromDay = d
	}
	if f.Len() == 0 {
		f.Check(!toDay.Before(fromDay), "/to", "must not be before from")
		f.Check(!toDay.After(fromDay.AddDate(MaxCPDYears, 0, 0)), "/to", fmt.Sprintf("the period may span at most %d years", MaxCPDYears))
	}
	if err := f.Err(); err != nil {
		return time.Time{}, time.Time{}, "", "", &apperr.ValidationError{Fields: err.(*apperr.ValidationError).Fields}
	}
	return fromDay.UTC(), toDay.AddDate(0, 0, 1).UTC(), fromDay.Format(time.DateOnly), toDay.Format(time.DateOnly), nil
}

// CPD assembles userID's CPD record for the period and seals it with a verification code
// (the same record keeps its code).
func (s *Service) CPD(ctx context.Context, userID, from, to string) (CPDRecord, error) {
	loc, err := s.People.Location(ctx, userID)
	if err != nil {
		return CPDRecord{}, err
	}
	start, end, fromOn, toOn, err := CPDPeriod(from, to, s.now(), loc)
	if err != nil {
		return CPDRecord{}, err
	}
	r := CPDRecord{UserID: userID, Timezone: loc.String(), From: fromOn, To: toOn, GeneratedAt: s.now()}
	if err := s.cpdParties(ctx, &r); err != nil {
		return CPDRecord{}, err
	}
	if err := s.cpdMentoring(ctx, &r, start, end); err != nil {
		return CPDRecord{}, err
	}
	if err := s.cpdLearning(ctx, &r, start, end); err != nil {
		return CPDRecord{}, err
	}
	if err := s.cpdNames(ctx, &r); err != nil {
		return CPDRecord{}, err
	}
	r.Totals = cpdTotals(r)
	if err := s.seal(ctx, &r); err != nil {
		return CPDRecord{}, err
	}
	return r, nil
}

func (s *Service) programmeName(ctx context.Context, cache map[string]string, id string) (string, error) {
	if n, ok := cache[id]; ok {
		return n, nil
	}
	n := ""
	if s.Programmes != nil {
		var err error
		if n, err = s.Programmes.ProgrammeName(ctx, id); err != nil {
			return "", err
		}
	}
	cache[id] = n
	return n, nil
}

func (s *Service) cpdParties(ctx context.Context, r *CPDRecord) error {
	ps, err := s.Pairings.PersonPairings(ctx, r.UserID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, p := range ps {
		if !p.Started() {
			continue
		}
		pn, err := s.programmeName(ctx, names, p.ProgrammeID)
		if err != nil {
			return err
		}
		r.Parties = append(r.Parties, CPDParty{PairingID: p.ID, ProgrammeID: p.ProgrammeID, ProgrammeName: pn, Side: p.SideOf(r.UserID),
			MentorName: p.MentorID, MenteeNames: slices.Clone(p.MenteeIDs), StartedOn: p.ActivatedAt.Format(time.DateOnly), Status: p.Status})
	}
	return nil
}

// ProgrammeOf returns the name of the programme of one of the record's pairings.
func (r CPDRecord) ProgrammeOf(pairingID string) string {
	for _, p := range r.Parties {
		if p.PairingID == pairingID {
			return p.ProgrammeName
		}
	}
	return ""
}

// ProgrammeName returns the name of one of the record's programmes.
func (r CPDRecord) ProgrammeName(programmeID string) string {
	for _, p := range r.Parties {
		if p.ProgrammeID == programmeID {
			return p.ProgrammeName
		}
	}
	return ""
}

func (s *Service) cpdMentoring(ctx context.Context, r *CPDRecord, start, end time.Time) error {
	if s.Record == nil {
		return nil
	}
	ms, err := s.Record.ConfirmedMeetings(ctx, r.UserID, start, end)
	if err != nil {
		return fmt.Errorf("meetings: %w", err)
	}
	var pairings []string
	for _, p := range r.Parties {
		pairings = append(pairings, p.PairingID)
	}
	notes, err := s.Record.ReadableNotes(ctx, r.UserID, pairings)
	if err != nil {
		return fmt.Errorf("notes: %w", err)
	}
	onMeeting := map[string][]CPDNote{}
	for _, n := range notes {
		switch {
		case n.MeetingID != "":
			onMeeting[n.MeetingID] = append(onMeeting[n.MeetingID], n)
		case n.AuthorID == r.UserID && !n.CreatedAt.Before(start) && n.CreatedAt.Before(end):
			r.Reflections = append(r.Reflections, n)
		}
	}
	for _, m := range ms {
		e := CPDMeetingEntry{CPDMeeting: m, ProgrammeName: r.ProgrammeOf(m.PairingID)}
		for _, n := range onMeeting[m.ID] {
			if n.AuthorID == r.UserID {
				e.Reflections = append(e.Reflections, n)
				for _, d := range n.Domains {
					if !slices.Contains(e.Domains, d) {
						e.Domains = append(e.Domains, d)
					}
				}
			} else {
				e.Feedback = append(e.Feedback, n)
			}
		}
		r.Meetings = append(r.Meetings, e)
	}
	goals, err := s.Record.Goals(ctx, r.UserID)
	if err != nil {
		return fmt.Errorf("goals: %w", err)
	}
	for _, g := range goals {
		if g.CreatedAt.Before(end) {
			r.Goals = append(r.Goals, g)
		}
	}
	return nil
}

func (s *Service) cpdLearning(ctx context.Context, r *CPDRecord, start, end time.Time) error {
	if s.Activity != nil {
		cs, err := s.Activity.Completed(ctx, r.UserID, start, end)
		if err != nil {
			return fmt.Errorf("content: %w", err)
		}
		r.Content = cs
	}
	as, err := s.Store.UserAnswers(ctx, r.UserID, start, end)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, a := range as {
		plan, err := s.Plan(ctx, a.ProgrammeID)
		if err != nil {
			return err
		}
		label := a.Occasion
		if o, ok := plan.Occasion(a.Occasion); ok {
			label = o.Label
		}
		pn, err := s.programmeName(ctx, names, a.ProgrammeID)
		if err != nil {
			return err
		}
		r.Checkins = append(r.Checkins, CPDCheckin{Answer: a, Label: label, ProgrammeName: pn})
	}
	return nil
}

// cpdNames looks up everyone the record names once.
func (s *Service) cpdNames(ctx context.Context, r *CPDRecord) error {
	ids := []string{r.UserID}
	for _, p := range r.Parties {
		ids = append(ids, p.MentorName)
		ids = append(ids, p.MenteeNames...)
	}
	for _, m := range r.Meetings {
		for _, a := range m.Actions {
			ids = append(ids, a.OwnerID)
		}
		for _, n := range m.Feedback {
			ids = append(ids, n.AuthorID)
		}
	}
	names, err := s.People.Names(ctx, ids)
	if err != nil {
		return err
	}
	r.Names = names
	r.Name = names[r.UserID]
	for i, p := range r.Parties {
		r.Parties[i].MentorName = names[p.MentorName]
		for j, id := range p.MenteeNames {
			r.Parties[i].MenteeNames[j] = names[id]
		}
	}
	return nil
}

// Activities of the totals.
const (
	ActivityMeetings = "meetings"
	ActivityContent  = "content"
	// DomainUnassigned holds meeting minutes no reflection of the reader assigned a domain.
	DomainUnassigned = "unassigned"
)

// cpdTotals sums the record: minutes by activity, and by learning domain (content by the
// item's domain; a meeting's minutes spread evenly over the domains the reader's reflections
// on it named, or unassigned).
func cpdTotals(r CPDRecord) Totals {
	t := Totals{MinutesByActivity: map[string]int{ActivityMeetings: 0, ActivityContent: 0}, MinutesByDomain: map[string]int{}}
	for _, d := range Domains() {
		t.MinutesByDomain[d] = 0
	}
	for _, m := range r.Meetings {
		t.MeetingMinutes += m.DurationMinutes
		if len(m.Domains) == 0 {
			t.MinutesByDomain[DomainUnassigned] += m.DurationMinutes
			continue
		}
		share, rest := m.DurationMinutes/len(m.Domains), m.DurationMinutes%len(m.Domains)
		for i, d := range m.Domains {
			t.MinutesByDomain[d] += share
			if i < rest {
				t.MinutesByDomain[d]++
			}
		}
	}
	for _, c := range r.Content {
		t.ContentMinutes += c.Minutes
		d := c.Domain
		if d == "" {
			d = DomainUnassigned
		}
		t.MinutesByDomain[d] += c.Minutes
	}
	t.MinutesByActivity[ActivityMeetings], t.MinutesByActivity[ActivityContent] = t.MeetingMinutes, t.ContentMinutes
	t.CheckinCount = len(r.Checkins)
	for _, n := range r.Reflections {
		if n.Reflection {
			t.ReflectionCount++
		}
	}
	for _, m := range r.Meetings {
		for _, n := range m.Reflections {
			if n.Reflection {
				t.ReflectionCount++
			}
		}
	}
	for _, g := range r.Goals {
		if g.Status == "achieved" {
			t.GoalsAchieved++
		}
	}
	return t
}

// seal gives the record its verification code: the code of an identical earlier record
// (same person, period, parties and totals), else a new random one (80 bits).
func (s *Service) seal(ctx context.Context, r *CPDRecord) error {
	seal := CPDSeal{UserID: r.UserID, Name: r.Name, From: r.From, To: r.To, Totals: r.Totals, GeneratedAt: r.GeneratedAt}
	for _, p := range r.Parties {
		if !slices.Contains(seal.Programmes, p.ProgrammeName) {
			seal.Programmes = append(seal.Programmes, p.ProgrammeName)
		}
		for _, n := range append([]string{p.MentorName}, p.MenteeNames...) {
			if n != r.Name && !slices.Contains(seal.Parties, n) {
				seal.Parties = append(seal.Parties, n)
			}
		}
	}
	sort.Strings(seal.Parties)
	fp, _ := json.Marshal([]any{seal.UserID, seal.Name, seal.From, seal.To, seal.Programmes, seal.Parties, seal.Totals,
		len(r.Meetings), len(r.Goals), len(r.Content), len(r.Checkins)})
	h := sha256.Sum256(fp)
	seal.Key = hex.EncodeToString(h[:])
	for range 3 {
		old, found, err := s.Store.CPDRecordByKey(ctx, seal.Key)
		if err != nil {
			return err
		}
		if found {
			r.Code, r.GeneratedAt = old.Code, old.GeneratedAt
			return nil
		}
		seal.Code = newCode()
		err = s.Store.InsertCPDRecord(ctx, seal)
		if err == nil {
			r.Code = seal.Code
			return nil
		}
		if !errors.Is(err, ErrSealTaken) {
			return err
		}
	}
	return fmt.Errorf("seal CPD record: %w", ErrSealTaken)
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newCode returns 80 random bits as XXXX-XXXX-XXXX-XXXX in Crockford base32.
func newCode() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	var sb strings.Builder
	acc, bits := uint32(0), 0
	n := 0
	for _, x := range b {
		acc, bits = acc<<8|uint32(x), bits+8
		for bits >= 5 {
			bits -= 5
			if n > 0 && n%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(crockford[(acc>>bits)&31])
			n++
		}
	}
	return sb.String()
}

// NormalizeCode reads a verification code as people type it: any case, with or without
// dashes, O for 0 and I or L for 1; ok is false when it cannot be one.
func NormalizeCode(s string) (string, bool) {
	s = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(s))
	s = strings.NewReplacer("O", "0", "I", "1", "L", "1").Replace(s)
	if len(s) != 16 {
		return "", false
	}
	for _, r := range s {
		if !strings.ContainsRune(crockford, r) {
			return "", false
		}
	}
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16], true
}

// Verify returns what a verification code confirms; ErrRecordNotFound for a code never issued.
func (s *Service) Verify(ctx context.Context, code string) (CPDSeal, error) {
	c, ok := NormalizeCode(code)
	if !ok {
		return CPDSeal{}, ErrRecordNotFound
	}
	return s.Store.CPDRecord(ctx, c)
}
