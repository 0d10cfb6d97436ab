// Package evidence holds the evidence that mentoring works: each programme's evaluation plan
// (a baseline when a pairing starts and check-ins at offsets after it), the check-ins that
// ask mentor and mentee separately how they rate their learning in the four domains, what
// helped or hindered and how the relationship goes, the outcomes aggregated from the answers
// per pairing, person and programme, the CPD record people hand a professional body, and the
// learning record out as xAPI statements. It imports the standard library, internal/ and the
// learning kernel only; app/ adapts mentoring, identity, programme and notify to the small
// interfaces it declares.
package evidence

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// Sentinel errors.
var (
	ErrCheckinNotFound = apperr.New(apperr.KindNotFound, "checkin_not_found", "check-in not found")
	ErrAnswerNotFound  = apperr.New(apperr.KindNotFound, "checkin_answer_not_found", "this check-in has no answer you may read")
	ErrPairingNotFound = apperr.New(apperr.KindNotFound, "pairing_not_found", "pairing not found")
	ErrRecordNotFound  = apperr.New(apperr.KindNotFound, "cpd_record_not_found", "no CPD record has this verification code")
	ErrForbidden       = apperr.ErrForbidden

	ErrAnswered     = apperr.New(apperr.KindConflict, "checkin_answered", "this check-in is already answered: an answer is given exactly once")
	ErrNotOpen      = apperr.New(apperr.KindConflict, "checkin_not_open", "this check-in is not due yet")
	ErrCancelled    = apperr.New(apperr.KindConflict, "checkin_cancelled", "this check-in was cancelled: the plan or the pairing changed")
	ErrPairingEnded = apperr.New(apperr.KindConflict, "pairing_ended", "the pairing has ended: only its end-of-pairing check-in can still be answered")
	ErrPlanChanged  = apperr.New(apperr.KindConflict, "evaluation_plan_changed", "the evaluation plan changed since you read it: read it again")
	ErrContention   = apperr.New(apperr.KindConflict, "outcomes_busy", "the outcomes are being updated by many answers at once: try again")
	ErrSealTaken    = apperr.New(apperr.KindConflict, "cpd_code_taken", "this verification code or record is already issued")
)

// Sides of a pairing.
const (
	SideMentor = "mentor"
	SideMentee = "mentee"
)

// Roles as evidence sees them (the programme package's role names).
const (
	RoleOwner  = "owner"
	RoleMentor = "mentor"
	RoleMentee = "mentee"
)

// Actor is who asks: the user, their role in the programme the request is about (empty for a
// platform admin who is not a member) and whether they are a platform admin.
type Actor struct {
	UserID string
	Role   string
	Admin  bool
}

// Oversees reports whether the actor sees the whole programme (its owner, or an admin).
func (a Actor) Oversees() bool { return a.Admin || a.Role == RoleOwner }

// Domains returns the four learning domains every check-in rates (Wanberg et al., seed 004).
func Domains() []string { return learning.Domains() }

// Scale is the self-rating scale of a plan: whole numbers Min..Max, with a label per point
// (Labels[0] names Min). The default is 1 to 5, from "very low" to "very high": how the
// person rates their own current level in the domain, so that change is the later rating
// minus the baseline one.
type Scale struct {
	Min, Max int
	Labels   []string
}

// Valid reports whether r is on the scale.
func (s Scale) Valid(r int) bool { return r >= s.Min && r <= s.Max }

// Factor is one enabling or hindering factor of a plan's curated list.
type Factor struct {
	Key   string
	Label string
}

// Occasion is one check-in of a plan: the baseline (offset 0, when the pairing starts), a
// check-in OffsetMonths calendar months after the start (in each person's zone), or, with
// AtEnd, when the pairing ends (its agreed end date, or the day it is ended).
type Occasion struct {
	Key          string
	Label        string
	OffsetMonths int
	AtEnd        bool
}

// Baseline is the key of the baseline occasion, which every plan starts with.
const Baseline = "baseline"

// Plan is a programme's evaluation plan.
type Plan struct {
	ProgrammeID string
	Occasions   []Occasion
	Scale       Scale
	Enabling    []Factor
	Hindering   []Factor
	// WindowDays is how long a check-in stays due before it counts as overdue.
	WindowDays int
	// OpenAt is the local time ("HH:MM") a check-in opens on its due day.
	OpenAt    string
	Revision  int
	UpdatedBy string
	UpdatedAt time.Time
}

// Occasion returns the plan's occasion key.
func (p Plan) Occasion(key string) (Occasion, bool) {
	for _, o := range p.Occasions {
		if o.Key == key {
			return o, true
		}
	}
	return Occasion{}, false
}

// HasFactor reports whether key is on the enabling (enabling true) or hindering list.
func (p Plan) HasFactor(enabling bool, key string) bool {
	list := p.Hindering
	if enabling {
		list = p.Enabling
	}
	return slices.ContainsFunc(list, func(f Factor) bool { return f.Key == key })
}

// Limits of a plan and an answer (documented in openapi.yaml).
const (
	MaxOccasions     = 12
	MaxOffsetMonths  = 60
	MaxFactors       = 30
	MaxLabelLen      = 120
	MaxAnswerText    = 2000
	MaxOtherFactor   = 300
	MaxWindowDays    = 90
	DefaultWindow    = 14
	DefaultOpenAt    = "09:00"
	maxScaleSpan     = 10
	endGraceDays     = 30 // an end check-in stays answerable this long after the pairing ended
	maxDueAheadYears = 6
)

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// ValidKey reports whether k may be an occasion or factor key: lower-case letters, digits and
// dashes, at most 40 (keys become field names in the outcome aggregates).
func ValidKey(k string) bool { return keyPattern.MatchString(k) }

// DefaultPlan is the plan of a programme whose owners have not written one: a baseline, then
// 3, 6 and 9 months, and the end; a 1-5 scale; the enabling and hindering factors the seed
// study coded (Hegstad and Wentling's categories, plus the study's own).
func DefaultPlan(programmeID string) Plan {
	return Plan{
		ProgrammeID: programmeID,
		Occasions: []Occasion{
			{Key: Baseline, Label: "Baseline"},
			{Key: "m3", Label: "3 months", OffsetMonths: 3},
			{Key: "m6", Label: "6 months", OffsetMonths: 6},
			{Key: "m9", Label: "9 months", OffsetMonths: 9},
			{Key: "end", Label: "End of the mentoring", AtEnd: true},
		},
		Scale: Scale{Min: 1, Max: 5, Labels: []string{"very low", "low", "moderate", "high", "very high"}},
		Enabling: []Factor{
			{"line-management-support", "Line management support"},
			{"top-management-support", "Top-level management support"},
			{"effective-matching", "Effective matching"},
			{"effective-communication", "Effective, ongoing communication"},
			{"coordinator-commitment", "Coordinator or mentoring team commitment"},
			{"process-design", "Design and structure of the programme (training, documentation)"},
			{"participant-commitment", "Participant satisfaction and commitment"},
			{"participant-empowerment", "Participant empowerment"},
			{"confidentiality-trust", "Confidentiality and trust"},
			{"wider-network", "Helpful colleagues and wider networks"},
		},
		Hindering: []Factor{
			{"management-priorities", "Not a management priority"},
			{"time-constraints", "Time constraints"},
			{"excessive-workload", "Excessive workload"},
			{"organisational-change", "Organisational change, an unstable organisation"},
			{"distance", "Distance between the pair"},
			{"hr-challenges", "Human resources challenges"},
			{"communication-difficulties", "Communication difficulties"},
			{"programme-design", "Design or development issues of the programme"},
			{"mentor-fit", "Mentor fit (too supportive, too narrow)"},
			{"personal-circumstances", "Personal circumstances (health, family)"},
		},
		WindowDays: DefaultWindow,
		OpenAt:     DefaultOpenAt,
	}
}

// Validate checks a plan an owner wrote, naming every invalid field.
func (p *Plan) Validate() error {
	var f apperr.Fields
	f.Check(len(p.Occasions) >= 1 && len(p.Occasions) <= MaxOccasions, "/occasions", fmt.Sprintf("must list 1 to %d occasions", MaxOccasions))
	seen := map[string]bool{}
	ends := 0
	for i, o := range p.Occasions {
		ptr := fmt.Sprintf("/occasions/%d", i)
		p.Occasions[i].Label = strings.TrimSpace(o.Label)
		f.Check(ValidKey(o.Key), ptr+"/key", "must be 1 to 40 lower-case letters, digits and dashes")
		f.Check(!seen[o.Key], ptr+"/key", "must be unique in the plan")
		seen[o.Key] = true
		n := utf8.RuneCountInString(p.Occasions[i].Label)
		f.Check(n >= 1 && n <= MaxLabelLen, ptr+"/label", fmt.Sprintf("must be 1 to %d characters", MaxLabelLen))
		switch {
		case i == 0:
			f.Check(o.Key == Baseline && o.OffsetMonths == 0 && !o.AtEnd, ptr, `the first occasion must be the baseline: key "baseline", offset 0`)
		case o.Key == Baseline:
			f.Add(ptr+"/key", "only the first occasion is the baseline")
		case o.AtEnd:
			ends++
			f.Check(o.OffsetMonths == 0, ptr+"/offsetMonths", "an occasion at the end has no offset")
		default:
			f.Check(o.OffsetMonths >= 1 && o.OffsetMonths <= MaxOffsetMonths, ptr+"/offsetMonths", fmt.Sprintf("must be 1 to %d months", MaxOffsetMonths))
			if i > 1 && !p.Occasions[i-1].AtEnd {
				f.Check(o.OffsetMonths > p.Occasions[i-1].OffsetMonths, ptr+"/offsetMonths", "must be later than the occasion before it")
			}
		}
	}
	f.Check(ends <= 1, "/occasions", "may hold at most one occasion at the end")
	if ends == 1 {
		f.Check(p.Occasions[len(p.Occasions)-1].AtEnd, "/occasions", "the occasion at the end must come last")
	}
	s := p.Scale
	f.Check(s.Min >= 0 && s.Max > s.Min && s.Max-s.Min <= maxScaleSpan, "/scale", fmt.Sprintf("must run from min to a larger max, at most %d points apart, min at least 0", maxScaleSpan))
	if s.Max > s.Min {
		f.Check(len(s.Labels) == s.Max-s.Min+1, "/scale/labels", "must label every point of the scale, lowest first")
	}
	for i, l := range s.Labels {
		s.Labels[i] = strings.TrimSpace(l)
		n := utf8.RuneCountInString(s.Labels[i])
		f.Check(n >= 1 && n <= MaxLabelLen, fmt.Sprintf("/scale/labels/%d", i), fmt.Sprintf("must be 1 to %d characters", MaxLabelLen))
	}
	checkFactors(&f, "/enabling", p.Enabling)
	checkFactors(&f, "/hindering", p.Hindering)
	f.Check(p.WindowDays >= 1 && p.WindowDays <= MaxWindowDays, "/windowDays", fmt.Sprintf("must be 1 to %d days", MaxWindowDays))
	if p.OpenAt == "" {
		p.OpenAt = DefaultOpenAt
	}
	_, ok := parseClock(p.OpenAt)
	f.Check(ok, "/openAt", "must be a local time HH:MM")
	return f.Err()
}

func checkFactors(f *apperr.Fields, ptr string, fs []Factor) {
	f.Check(len(fs) <= MaxFactors, ptr, fmt.Sprintf("must list at most %d factors", MaxFactors))
	seen := map[string]bool{}
	for i, x := range fs {
		p := fmt.Sprintf("%s/%d", ptr, i)
		fs[i].Label = strings.TrimSpace(x.Label)
		f.Check(ValidKey(x.Key), p+"/key", "must be 1 to 40 lower-case letters, digits and dashes")
		f.Check(!seen[x.Key], p+"/key", "must be unique in the list")
		seen[x.Key] = true
		n := utf8.RuneCountInString(fs[i].Label)
		f.Check(n >= 1 && n <= MaxLabelLen, p+"/label", fmt.Sprintf("must be 1 to %d characters", MaxLabelLen))
	}
}

// parseClock parses "HH:MM" into minutes after midnight.
func parseClock(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}
