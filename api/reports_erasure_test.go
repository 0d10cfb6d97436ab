package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/microlearn/microlearn/privacy"
)

// peopleFigures are the parts of the health report that count people (the ones an erasure
// must move), keyed for comparing.
func peopleFigures(h healthBody) map[string]int64 {
	return map[string]int64{"members.mentee": h.Members["mentee"], "members.total": h.Members["total"],
		"active30.mentee": h.Active["last30Days"]["mentee"], "active7.mentee": h.Active["last7Days"]["mentee"],
		"atRisk.mentees": h.AtRisk["mentees"], "atRisk.pairings": h.AtRisk["pairings"], "pairings.active": h.Pairings.ByStatus["active"],
		"assignments.overdue": h.Assignments.Overdue}
}

// An erased mentee leaves the reports at once, over HTTP: the health report stops counting
// them (members by role, active, at risk, overdue assignments) after the erasure's first
// pass, and the second pass moves nothing again; the at-risk list no longer names them (their
// pairing's row names only the tombstone); and the figures equal what a rebuild from the
// logs (`api reports recompute`) makes.
func TestErasedPersonLeavesTheReports(t *testing.T) {
	t.Parallel()
	w := newReportWorld(t)
	ctx := context.Background()
	w.lessonDone(t, w.ada, 120)
	w.lessonDone(t, w.ben, 60)
	w.settle(t)
	w.setClock(t, w.clock.Now().Add(15*24*time.Hour)) // two weeks without activity or meetings: everyone at risk
	w.settle(t)
	before := peopleFigures(w.health(t))
	want := map[string]int64{"members.mentee": 4, "members.total": 7, "active30.mentee": 2, "active7.mentee": 0,
		"atRisk.mentees": 4, "atRisk.pairings": 3, "pairings.active": 3, "assignments.overdue": 0}
	if !equalFigures(before, want) {
		t.Fatalf("before the erasure %v, want %v", before, want)
	}
	risk := w.atRisk(t)
	if !strings.Contains(risk, w.ada.ID) || !strings.Contains(risk, "Ada Mentee") {
		t.Fatalf("the at-risk list does not name Ada before her erasure: the test would prove nothing: %s", risk)
	}

	admin := w.env.Register("Report Erasure Admin")
	if err := w.env.App.Identity.Store.SetAdmin(ctx, admin.Email, true); err != nil {
		t.Fatal(err)
	}
	adminTok := w.env.Login(admin.Email, "correct-horse-battery")
	var job struct{ ID, Tombstone string }
	w.do(t, "POST", "/v1/admin/erasures", adminTok, map[string]string{"userId": w.ada.ID, "reason": "ticket 7"}, http.StatusAccepted).JSON(t, &job)
	w.waitErasure(t, job.ID, func(j privacy.Job) bool { return j.Pass == 1 && j.Lease == "" })
	w.settle(t)

	want["members.mentee"], want["members.total"], want["active30.mentee"], want["atRisk.mentees"] = 3, 6, 1, 3
	if got := peopleFigures(w.health(t)); !equalFigures(got, want) {
		t.Errorf("after the first pass %v, want %v", got, want)
	}
	risk = w.atRisk(t)
	if strings.Contains(risk, w.ada.ID) || strings.Contains(risk, "Ada Mentee") || !strings.Contains(risk, job.Tombstone) {
		t.Errorf("the at-risk list after the erasure (Ada %s, tombstone %s): %s", w.ada.ID, job.Tombstone, risk)
	}

	w.setClock(t, w.clock.Now().Add(time.Hour)) // every token Ada held has expired: the second pass runs
	w.waitErasure(t, job.ID, func(j privacy.Job) bool { return j.State == privacy.StateDone })
	w.settle(t)
	after := peopleFigures(w.health(t))
	if !equalFigures(after, want) {
		t.Errorf("after the second pass %v, want %v (the same: nothing moves twice)", after, want)
	}
	if _, err := w.env.App.RecomputeReports(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if rebuilt := peopleFigures(w.health(t)); !equalFigures(rebuilt, after) {
		t.Errorf("a rebuild from the logs counts %v, the live reports %v", rebuilt, after)
	}
}

func equalFigures(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// atRisk is the owner's at-risk list as the server sends it.
func (w *reportWorld) atRisk(t *testing.T) string {
	t.Helper()
	return string(w.do(t, "GET", "/v1/programmes/"+w.pid+"/reports/at-risk", w.owner.Token, nil, 200).Body)
}

// waitErasure waits until the privacy worker has brought job id to ok.
func (w *reportWorld) waitErasure(t *testing.T, id string, ok func(privacy.Job) bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		j, err := w.env.App.Privacy.Store.Get(context.Background(), id)
		if err != nil && !errors.Is(err, privacy.ErrNotFound) {
			t.Fatal(err)
		}
		if err == nil && ok(j) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("erasure %s did not get there within 60s: %+v", id, j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
