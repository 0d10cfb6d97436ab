package api_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/evidence"
)

type checkinItem struct {
	ID       string `json:"id"`
	Occasion string `json:"occasion"`
	UserID   string `json:"userId"`
	Status   string `json:"status"`
	DueOn    string `json:"dueOn"`
	OpensAt  string `json:"opensAt"`
	Answer   *struct {
		Texts map[string]string `json:"texts"`
	} `json:"answer"`
}

type checkinList struct {
	Items []checkinItem `json:"items"`
}

// evidenceWorld is the record world (a one-to-one pairing mentor-Ada and a group pairing
// mentor-Ben-Chloe in Europe/London) with the check-in worker run by hand on its clock.
type evidenceWorld struct{ *recordWorld }

func newEvidenceWorld(t *testing.T, start time.Time) *evidenceWorld {
	return &evidenceWorld{newRecordWorld(t, start)}
}

func (w *evidenceWorld) tick(t *testing.T, at time.Time) {
	t.Helper()
	w.set(t, at)
	wk := evidence.Worker{Service: w.env.App.Evidence}
	if err := wk.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (w *evidenceWorld) due(t *testing.T, u apitest.User) []checkinItem {
	t.Helper()
	var l checkinList
	w.do(t, "GET", "/v1/me/checkins", u.Token, nil, 200).JSON(t, &l)
	return l.Items
}

func answerBody(cog, skill, aff, soc int) map[string]any {
	return map[string]any{"ratings": map[string]int{"cognitive": cog, "skill-based": skill, "affective": aff, "social-networks": soc},
		"texts":    map[string]string{"affective": "I stay calm in meetings now."},
		"enabling": []string{"line-management-support", "effective-matching"}, "hindering": []string{"time-constraints"},
		"otherHindering": "Rota changes", "relationship": 4, "relationshipText": "We are honest with each other."}
}

func TestCheckinsOverTime(t *testing.T) {
	t.Parallel()
	start := time.Date(2027, 1, 20, 10, 0, 0, 0, time.UTC) // winter: GMT
	w := newEvidenceWorld(t, start)
	w.tick(t, start.Add(time.Minute))

	// The baseline is due for every person at once, and reaches Ada's inbox as a push.
	ada := w.due(t, w.ada)
	if len(ada) != 1 || ada[0].Occasion != "baseline" || ada[0].Status != "due" {
		t.Fatalf("Ada's due check-ins: %+v, want the baseline", ada)
	}
	if n := len(w.due(t, w.mentor)); n != 2 {
		t.Errorf("mentor has %d due check-ins, want a baseline per pairing (2)", n)
	}
	waitForKind(t, w.env, w.ada.Token, "checkin_due")
	base := ada[0].ID

	// Bad input names the field.
	for _, tc := range []struct {
		body map[string]any
		ptr  string
	}{
		{map[string]any{"ratings": map[string]int{"cognitive": 7, "skill-based": 2, "affective": 3, "social-networks": 3}, "relationship": 3}, "/ratings/cognitive"},
		{map[string]any{"ratings": map[string]int{"spiritual": 2, "cognitive": 2, "skill-based": 2, "affective": 3, "social-networks": 3}, "relationship": 3}, "/ratings/spiritual"},
		{map[string]any{"ratings": map[string]int{"cognitive": 2, "skill-based": 2, "affective": 3}, "relationship": 3}, "/ratings/social-networks"},
		{map[string]any{"ratings": map[string]int{"cognitive": 2, "skill-based": 2, "affective": 3, "social-networks": 3}, "relationship": 3, "enabling": []string{"free-pizza"}}, "/enabling/0"},
		{map[string]any{"ratings": map[string]int{"cognitive": 2, "skill-based": 2, "affective": 3, "social-networks": 3}}, "/relationship"},
	} {
		r := w.do(t, "POST", "/v1/checkins/"+base+"/answer", w.ada.Token, tc.body, 422)
		if ps := pointers(t, r); !slices.Contains(ps, tc.ptr) {
			t.Errorf("bad answer %v: pointers %v, want %s", tc.body, ps, tc.ptr)
		}
	}

	// Exactly once: eight racing answers, one stored.
	statuses := raceAnswers(t, w.env, "/v1/checkins/"+base+"/answer", w.ada.Token, answerBody(2, 2, 2, 1))
	if statuses[201] != 1 || statuses[409] != 7 {
		t.Fatalf("racing answers: %v, want one 201 and seven 409", statuses)
	}

	// Private: the mentor (the other side) sees neither the check-in nor the answer; owners do.
	w.do(t, "GET", "/v1/checkins/"+base, w.mentor.Token, nil, 404)
	w.do(t, "GET", "/v1/checkins/"+base+"/answer", w.mentor.Token, nil, 404)
	var seen checkinItem
	w.do(t, "GET", "/v1/checkins/"+base, w.owner.Token, nil, 200).JSON(t, &seen)
	if seen.Answer == nil || seen.Answer.Texts["affective"] == "" || seen.Status != "answered" {
		t.Errorf("owner's view %+v: want the answered check-in with its texts", seen)
	}
	var pc checkinList
	w.do(t, "GET", "/v1/pairings/"+w.one+"/checkins", w.mentor.Token, nil, 200).JSON(t, &pc)
	for _, c := range pc.Items {
		if c.UserID != w.mentor.ID {
			t.Errorf("the mentor's pairing list shows %s's check-in before it was shared", c.UserID)
		}
	}
	// Shared, the pairing reads it.
	w.do(t, "PATCH", "/v1/checkins/"+base+"/answer", w.ada.Token, map[string]any{"shared": true}, 200)
	w.do(t, "GET", "/v1/checkins/"+base+"/answer", w.mentor.Token, nil, 200)

	// Three months later, across the change to summer time: Ada's 3-month check-in opens at
	// 09:00 BST on 20 April, which is 08:00 UTC, and not a minute before.
	w.tick(t, time.Date(2027, 4, 20, 7, 59, 0, 0, time.UTC))
	if got := w.due(t, w.ada); len(got) != 0 {
		t.Fatalf("before 09:00 local Ada has %+v due", got)
	}
	w.tick(t, time.Date(2027, 4, 20, 8, 0, 0, 0, time.UTC))
	got := w.due(t, w.ada)
	if len(got) != 1 || got[0].Occasion != "m3" || got[0].DueOn != "2027-04-20" || got[0].OpensAt != "2027-04-20T08:00:00Z" {
		t.Fatalf("Ada's 3-month check-in: %+v", got)
	}
	w.do(t, "POST", "/v1/checkins/"+got[0].ID+"/answer", w.ada.Token, answerBody(4, 3, 5, 2), 201)

	// Outcomes: Ada's change from her baseline, the response rate of the mentees' baseline.
	var o outcomesResp
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/outcomes", w.owner.Token, nil, 200).JSON(t, &o)
	m3 := o.find("m3", "mentee")
	if m3 == nil || m3.ChangeN["cognitive"] != 1 || m3.MeanChange["cognitive"] != 2 || m3.MeanChange["affective"] != 3 || m3.MeanChange["social-networks"] != 1 {
		t.Errorf("3-month change: %+v, want cognitive +2, affective +3, social +1 over one pair", m3)
	}
	if b := o.find("baseline", "mentee"); b == nil || b.Invited != 3 || b.Answered != 1 || b.ResponseRate != 0.333 {
		t.Errorf("mentees' baseline: %+v, want 1 of 3 answered", b)
	}
	if f := o.factors("mentee"); f == nil || f.Answers != 2 || f.count("time-constraints", false) != 2 || f.OtherHindering != 2 {
		t.Errorf("mentee factors: %+v, want time constraints named in both answers", f)
	}
	var mine outcomesResp
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/people/"+w.ada.ID+"/outcomes", w.ada.Token, nil, 200).JSON(t, &mine)
	if m := mine.find("m3", "mentee"); m == nil || m.MeanChange["cognitive"] != 2 {
		t.Errorf("Ada's own outcomes: %+v", m)
	}
	w.do(t, "GET", "/v1/pairings/"+w.one+"/outcomes", w.mentor.Token, nil, 403)

	// Overdue: two weeks after opening, the unanswered 3-month check-ins are on the owners'
	// list; Ada's answered one is not.
	w.tick(t, time.Date(2027, 5, 5, 8, 0, 0, 0, time.UTC))
	var od checkinList
	w.do(t, "GET", "/v1/programmes/"+w.pid+"/checkins?status=overdue&limit=100", w.owner.Token, nil, 200).JSON(t, &od)
	var overdue []string
	for _, c := range od.Items {
		if c.Occasion == "m3" {
			overdue = append(overdue, c.UserID)
		}
	}
	if len(overdue) != 4 || slices.Contains(overdue, w.ada.ID) {
		t.Errorf("overdue 3-month check-ins of %v, want the mentor's two, Ben's and Chloe's", overdue)
	}

	// The pairing ends: the mentor's open 3-month check-in closes, the end check-in opens.
	w.do(t, "POST", "/v1/pairings/"+w.one+"/status", w.owner.Token, map[string]any{"status": "ended", "reason": "completed"}, 200)
	w.tick(t, time.Date(2027, 5, 5, 9, 0, 0, 0, time.UTC))
	mentorM3 := evidence.CheckinID(w.one, "m3", w.mentor.ID)
	r := w.do(t, "POST", "/v1/checkins/"+mentorM3+"/answer", w.mentor.Token, answerBody(3, 3, 3, 3), 409)
	var p problemJSON
	r.JSON(t, &p)
	if p.Code != "pairing_ended" {
		t.Errorf("answer for an ended pairing: %s, want pairing_ended", p.Code)
	}
	end := evidence.CheckinID(w.one, "end", w.ada.ID)
	w.do(t, "POST", "/v1/checkins/"+end+"/answer", w.ada.Token, answerBody(5, 4, 5, 3), 201)
}

// raceAnswers sends the same answer eight times at once and counts the statuses.
func raceAnswers(t *testing.T, env *apitest.Env, path, token string, body any) map[int]int {
	t.Helper()
	var mu sync.Mutex
	out := map[int]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := env.Do(apitest.Req{Method: "POST", Path: path, Token: token, Body: body})
			mu.Lock()
			out[r.Status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// waitForInbox waits (up to 10 s) until the caller's inbox holds a notification of kind.
func waitForKind(t *testing.T, env *apitest.Env, token, kind string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var inbox struct {
			Items []struct {
				Kind string `json:"kind"`
			} `json:"items"`
		}
		env.Do(apitest.Req{Method: "GET", Path: "/v1/me/notifications", Token: token}).JSON(t, &inbox)
		for _, n := range inbox.Items {
			if n.Kind == kind {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %s notification reached the inbox", kind)
}

type occasionResp struct {
	Occasion     string             `json:"occasion"`
	Side         string             `json:"side"`
	Invited      int                `json:"invited"`
	Answered     int                `json:"answered"`
	ResponseRate float64            `json:"responseRate"`
	MeanChange   map[string]float64 `json:"meanChange"`
	ChangeN      map[string]int     `json:"changeN"`
}

type factorsResp struct {
	Side     string `json:"side"`
	Answers  int    `json:"answers"`
	Enabling []struct {
		Key   string
		Count int
	} `json:"enabling"`
	Hindering []struct {
		Key   string
		Count int
	} `json:"hindering"`
	OtherHindering int `json:"otherHindering"`
}

func (f *factorsResp) count(key string, enabling bool) int {
	list := f.Hindering
	if enabling {
		list = f.Enabling
	}
	for _, x := range list {
		if x.Key == key {
			return x.Count
		}
	}
	return -1
}

type outcomesResp struct {
	Occasions []occasionResp `json:"occasions"`
	Factors   []factorsResp  `json:"factors"`
}

func (o outcomesResp) find(occ, side string) *occasionResp {
	for i := range o.Occasions {
		if o.Occasions[i].Occasion == occ && o.Occasions[i].Side == side {
			return &o.Occasions[i]
		}
	}
	return nil
}

func (o outcomesResp) factors(side string) *factorsResp {
	for i := range o.Factors {
		if o.Factors[i].Side == side {
			return &o.Factors[i]
		}
	}
	return nil
}

var _ = http.StatusOK
