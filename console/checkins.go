package console

import (
	"net/http"
	"strconv"

	"github.com/microlearn/microlearn/authz"
	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/internal/apperr"
)

// Check-ins in the browser: a mentee's or a mentor's evaluation of the mentoring over time
// (the four learning domains, what helped or hindered, the relationship), answered with the
// same service calls as the API's check-in routes, which also decide who reads an answer:
// its author and the programme's owners, and the other side only once the author shares it.
func (c *Console) checkinRoutes() {
	m := c.mux
	m.HandleFunc("GET /p/{pid}/checkins", c.wrap(c.checkinsPage, member))
	m.HandleFunc("GET /p/{pid}/checkins/{id}", c.wrap(c.checkinPage, member))
	m.HandleFunc("POST /p/{pid}/checkins/{id}/answer", c.wrap(c.answerCheckin, member))
	m.HandleFunc("POST /p/{pid}/checkins/{id}/share", c.wrap(c.shareCheckin, member))
}

func evidenceActor(cl authz.Caller) evidence.Actor {
	return evidence.Actor{UserID: cl.UserID, Role: string(cl.Role), Admin: cl.Admin}
}

type checkinsData struct {
	Due      []evidence.CheckIn
	Answered []evidence.CheckIn
}

// checkinListSize bounds each list of the check-ins page (a pairing has five occasions).
const checkinListSize = 50

func (c *Console) checkinsPage(w http.ResponseWriter, v *view) error {
	ctx, uid := v.r.Context(), v.Caller.UserID
	due, err := c.deps.Evidence.DueCheckins(ctx, uid, checkinListSize)
	if err != nil {
		return err
	}
	answered, err := c.deps.Evidence.MyCheckins(ctx, uid, []evidence.State{evidence.StateAnswered}, nil, checkinListSize)
	if err != nil {
		return err
	}
	c.render(w, v, http.StatusOK, "checkins", checkinsData{Due: inProgramme(due, v.Programme.ID), Answered: inProgramme(answered, v.Programme.ID)})
	return nil
}

func inProgramme(cs []evidence.CheckIn, pid string) []evidence.CheckIn {
	var out []evidence.CheckIn
	for _, ci := range cs {
		if ci.ProgrammeID == pid {
			out = append(out, ci)
		}
	}
	return out
}

// checkin loads the path's check-in of this programme (one of another programme does not
// exist here).
func (c *Console) checkin(v *view) (evidence.CheckIn, error) {
	ci, err := c.deps.Evidence.Checkin(v.r.Context(), v.r.PathValue("id"))
	if err != nil {
		return ci, err
	}
	if ci.ProgrammeID != v.Programme.ID {
		return ci, evidence.ErrCheckinNotFound
	}
	return ci, nil
}

type domainRow struct {
	Key, Name string
	Rating    int
	Text      string
}

type checkinData struct {
	CheckIn   evidence.CheckIn
	Answer    *evidence.Answer
	Plan      evidence.Plan
	Mine      bool
	CanAnswer bool
	Domains   []domainRow
	Points    []scalePoint
	Enabling  map[string]bool
	Hindering map[string]bool
}

type scalePoint struct {
	Value int
	Label string
}

func (c *Console) checkinPage(w http.ResponseWriter, v *view) error {
	ctx := v.r.Context()
	ci, err := c.checkin(v)
	if err != nil {
		return err
	}
	cv, err := c.deps.Evidence.View(ctx, evidenceActor(v.Caller), ci)
	if err != nil {
		return err
	}
	plan, err := c.deps.Evidence.Plan(ctx, ci.ProgrammeID)
	if err != nil {
		return err
	}
	now := c.deps.Now()
	d := checkinData{CheckIn: ci, Answer: cv.Answer, Plan: plan, Mine: ci.UserID == v.Caller.UserID, Enabling: map[string]bool{},
		Hindering: map[string]bool{}}
	d.CanAnswer = d.Mine && cv.Answer == nil && ci.Due(now)
	for i := plan.Scale.Min; i <= plan.Scale.Max; i++ {
		p := scalePoint{Value: i, Label: strconv.Itoa(i)}
		if j := i - plan.Scale.Min; j < len(plan.Scale.Labels) {
			p.Label = strconv.Itoa(i) + " · " + plan.Scale.Labels[j]
		}
		d.Points = append(d.Points, p)
	}
	for _, dom := range evidence.Domains() {
		row := domainRow{Key: dom, Name: v.T("domain." + dom)}
		if a := cv.Answer; a != nil {
			row.Rating, row.Text = a.Ratings[dom], a.Texts[dom]
		}
		d.Domains = append(d.Domains, row)
	}
	if a := cv.Answer; a != nil {
		for _, k := range a.Enabling {
			d.Enabling[k] = true
		}
		for _, k := range a.Hindering {
			d.Hindering[k] = true
		}
	}
	v.Title = v.T("checkins.title", ci.Label)
	c.render(w, v, http.StatusOK, "checkin", d)
	return nil
}

func (c *Console) answerCheckin(w http.ResponseWriter, v *view) error {
	ci, err := c.checkin(v)
	if err != nil {
		return err
	}
	in, err := checkinAnswerForm(v)
	if err != nil {
		return err
	}
	if _, err := c.deps.Evidence.AnswerCheckin(v.r.Context(), evidenceActor(v.Caller), ci, in); err != nil {
		return err
	}
	return c.done(w, v, v.P("checkins", ci.ID), "checkins.answered")
}

// checkinAnswerForm reads the answer form; the evidence service checks what it says.
func checkinAnswerForm(v *view) (evidence.AnswerInput, error) {
	f := v.r.PostForm
	in := evidence.AnswerInput{Ratings: map[string]int{}, Texts: map[string]string{}, Enabling: f["enabling"], Hindering: f["hindering"],
		OtherEnabling: f.Get("otherEnabling"), OtherHindering: f.Get("otherHindering"), RelationshipText: f.Get("relationshipText"),
		Shared: f.Get("shared") == "on"}
	var fields apperr.Fields
	for _, dom := range evidence.Domains() {
		if s := f.Get("rating." + dom); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				fields.Add("/ratings/"+dom, "must be a whole number")
				continue
			}
			in.Ratings[dom] = n
		}
		if t := f.Get("text." + dom); t != "" {
			in.Texts[dom] = t
		}
	}
	if s := f.Get("relationship"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			fields.Add("/relationship", "must be a whole number")
		}
		in.Relationship = &n
	}
	return in, fields.Err()
}

func (c *Console) shareCheckin(w http.ResponseWriter, v *view) error {
	ci, err := c.checkin(v)
	if err != nil {
		return err
	}
	shared := v.r.PostFormValue("shared") == "true"
	if _, err := c.deps.Evidence.Share(v.r.Context(), evidenceActor(v.Caller), ci, shared); err != nil {
		return err
	}
	msg := "checkins.unshared"
	if shared {
		msg = "checkins.shared"
	}
	return c.done(w, v, v.P("checkins", ci.ID), msg)
}
