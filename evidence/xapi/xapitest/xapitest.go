// Package xapitest is a small Learning Record Store double for tests: an HTTP server that
// speaks the statement resource of xAPI 1.0.3 (POST a batch, PUT one by ID), checks the
// X-Experience-API-Version header, Basic auth and every statement against the xAPI 1.0.3
// statement rules (Validate, written from the specification, independent of the code that
// makes statements), stores each statement ID once and answers 409 for a different statement
// under a known ID, as an LRS must. It can fail the first requests to exercise retries.
package xapitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// LRS is the double.
type LRS struct {
	*httptest.Server
	User, Password string

	mu         sync.Mutex
	stored     map[string][]byte
	order      []string
	received   int
	violations []string
	failNext   int
}

// New starts an LRS double that accepts user and password.
func New(user, password string) *LRS {
	l := &LRS{User: user, Password: password, stored: map[string][]byte{}}
	l.Server = httptest.NewServer(http.HandlerFunc(l.serve))
	return l
}

// Endpoint is the xAPI base to configure (LRS_ENDPOINT).
func (l *LRS) Endpoint() string { return l.URL + "/xapi/" }

// FailNext makes the next n requests fail with 503 (after reading them).
func (l *LRS) FailNext(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failNext = n
}

// Stored returns the stored statements by ID.
func (l *LRS) Stored() map[string]map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]map[string]any{}
	for id, b := range l.stored {
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		out[id] = m
	}
	return out
}

// Received counts the statements received, resends included.
func (l *LRS) Received() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.received
}

// Violations lists every protocol or statement rule broken so far.
func (l *LRS) Violations() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.violations...)
}

func (l *LRS) violate(format string, args ...any) {
	l.violations = append(l.violations, fmt.Sprintf(format, args...))
}

func (l *LRS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	l.mu.Lock()
	defer l.mu.Unlock()
	if r.URL.Path != "/xapi/statements" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if v := r.Header.Get("X-Experience-API-Version"); v != "1.0.3" {
		l.violate("X-Experience-API-Version %q, want 1.0.3", v)
		http.Error(w, "version", http.StatusBadRequest)
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != l.User || p != l.Password {
		http.Error(w, "auth", http.StatusUnauthorized)
		return
	}
	if l.failNext > 0 {
		l.failNext--
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	var batch []json.RawMessage
	switch r.Method {
	case http.MethodPost:
		if err := json.Unmarshal(body, &batch); err != nil {
			l.violate("POST body is not an array of statements: %v", err)
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
	case http.MethodPut:
		batch = []json.RawMessage{body}
	default:
		http.Error(w, "method", http.StatusMethodNotAllowed)
		return
	}
	ids := make([]string, 0, len(batch))
	seen := map[string]bool{}
	for _, raw := range batch {
		l.received++
		for _, v := range Validate(raw) {
			l.violate("statement %.80s: %s", raw, v)
		}
		var s struct{ ID string }
		_ = json.Unmarshal(raw, &s)
		if seen[s.ID] {
			http.Error(w, "duplicate id in batch", http.StatusBadRequest)
			return
		}
		seen[s.ID] = true
		if old, ok := l.stored[s.ID]; ok && !bytes.Equal(old, raw) {
			http.Error(w, "conflict", http.StatusConflict)
			return
		}
		ids = append(ids, s.ID)
	}
	if r.Method == http.MethodPut && r.URL.Query().Get("statementId") != ids[0] {
		l.violate("PUT statementId %q does not match the statement's id %q", r.URL.Query().Get("statementId"), ids[0])
	}
	for i, raw := range batch {
		if _, ok := l.stored[ids[i]]; !ok {
			l.stored[ids[i]] = raw
			l.order = append(l.order, ids[i])
		}
	}
	if r.Method == http.MethodPut {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(ids)
}

var (
	uuidRe     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	durationRe = regexp.MustCompile(`^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$`)
	langRe     = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)
)

// Validate checks one statement against the xAPI 1.0.3 statement rules we rely on, and
// returns what it breaks.
func Validate(raw []byte) []string {
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		return []string{"not a JSON object"}
	}
	v := &validator{}
	v.only(s, "statement", "id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments")
	if id, ok := s["id"].(string); !ok || !uuidRe.MatchString(id) {
		v.add("id %v is not a lower-case RFC 4122 UUID", s["id"])
	}
	v.agent("actor", s["actor"], true)
	v.verb(s["verb"])
	v.activity("object", s["object"])
	if r, ok := s["result"]; ok {
		v.result(r)
	}
	if c, ok := s["context"]; ok {
		v.context(c)
	}
	if ts, ok := s["timestamp"].(string); !ok {
		v.add("timestamp is missing")
	} else if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
		v.add("timestamp %q is not ISO 8601", ts)
	}
	if ver, ok := s["version"].(string); ok && !strings.HasPrefix(ver, "1.0.") {
		v.add("version %q is not 1.0.x", ver)
	}
	return v.errs
}

type validator struct{ errs []string }

func (v *validator) add(format string, args ...any) {
	v.errs = append(v.errs, fmt.Sprintf(format, args...))
}

func (v *validator) only(m map[string]any, what string, allowed ...string) {
	var extra []string
	for k := range m {
		if !contains(allowed, k) {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		v.add("%s has the unknown property %q", what, k)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func isIRI(s any) bool {
	str, ok := s.(string)
	if !ok {
		return false
	}
	u, err := url.Parse(str)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}

func (v *validator) langMap(what string, x any) {
	m, ok := x.(map[string]any)
	if !ok || len(m) == 0 {
		v.add("%s is not a language map", what)
		return
	}
	for k, val := range m {
		if !langRe.MatchString(k) {
			v.add("%s has the language tag %q", what, k)
		}
		if _, ok := val.(string); !ok {
			v.add("%s[%s] is not a string", what, k)
		}
	}
}

func (v *validator) agent(what string, x any, identified bool) {
	a, ok := x.(map[string]any)
	if !ok {
		v.add("%s is not an object", what)
		return
	}
	v.only(a, what, "objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", "member")
	ot, _ := a["objectType"].(string)
	if ot != "" && ot != "Agent" && ot != "Group" {
		v.add("%s.objectType %q", what, ot)
	}
	ifis := 0
	for _, k := range []string{"mbox", "mbox_sha1sum", "openid", "account"} {
		if _, ok := a[k]; ok {
			ifis++
		}
	}
	if ot != "Group" && ifis != 1 || ot == "Group" && identified && ifis != 1 {
		v.add("%s has %d inverse functional identifiers, want exactly one", what, ifis)
	}
	if acc, ok := a["account"].(map[string]any); ok {
		v.only(acc, what+".account", "homePage", "name")
		if !isIRI(acc["homePage"]) {
			v.add("%s.account.homePage %v is not an IRL", what, acc["homePage"])
		}
		if n, ok := acc["name"].(string); !ok || n == "" {
			v.add("%s.account.name is missing", what)
		}
	}
	if ms, ok := a["member"]; ok {
		if ot != "Group" {
			v.add("%s has members but is not a Group", what)
		}
		list, ok := ms.([]any)
		if !ok {
			v.add("%s.member is not an array", what)
		}
		for i, m := range list {
			if mm, ok := m.(map[string]any); ok && mm["objectType"] == "Group" {
				v.add("%s.member[%d] is a Group: groups cannot nest", what, i)
			}
			v.agent(fmt.Sprintf("%s.member[%d]", what, i), m, true)
		}
	}
}

func (v *validator) verb(x any) {
	m, ok := x.(map[string]any)
	if !ok {
		v.add("verb is not an object")
		return
	}
	v.only(m, "verb", "id", "display")
	if !isIRI(m["id"]) {
		v.add("verb.id %v is not an IRI", m["id"])
	}
	if d, ok := m["display"]; ok {
		v.langMap("verb.display", d)
	}
}

func (v *validator) activity(what string, x any) {
	m, ok := x.(map[string]any)
	if !ok {
		v.add("%s is not an object", what)
		return
	}
	if ot, ok := m["objectType"]; ok && ot != "Activity" {
		v.add("%s.objectType %v: we only make activities", what, ot)
	}
	v.only(m, what, "objectType", "id", "definition")
	if !isIRI(m["id"]) {
		v.add("%s.id %v is not an IRI", what, m["id"])
	}
	if d, ok := m["definition"].(map[string]any); ok {
		v.only(d, what+".definition", "name", "description", "type", "moreInfo", "extensions", "interactionType",
			"correctResponsesPattern", "choices", "scale", "source", "target", "steps")
		for _, k := range []string{"name", "description"} {
			if x, ok := d[k]; ok {
				v.langMap(what+".definition."+k, x)
			}
		}
		if t, ok := d["type"]; ok && !isIRI(t) {
			v.add("%s.definition.type %v is not an IRI", what, t)
		}
		v.extensions(what+".definition.extensions", d["extensions"])
	}
}

func (v *validator) extensions(what string, x any) {
	if x == nil {
		return
	}
	m, ok := x.(map[string]any)
	if !ok {
		v.add("%s is not an object", what)
		return
	}
	for k := range m {
		if !isIRI(k) {
			v.add("%s key %q is not an IRI", what, k)
		}
	}
}

func (v *validator) result(x any) {
	r, ok := x.(map[string]any)
	if !ok {
		v.add("result is not an object")
		return
	}
	v.only(r, "result", "score", "success", "completion", "response", "duration", "extensions")
	for _, k := range []string{"success", "completion"} {
		if b, ok := r[k]; ok {
			if _, ok := b.(bool); !ok {
				v.add("result.%s is not a boolean", k)
			}
		}
	}
	if d, ok := r["duration"].(string); ok && (!durationRe.MatchString(d) || d == "P" || d == "PT") {
		v.add("result.duration %q is not an ISO 8601 duration", d)
	}
	if sc, ok := r["score"].(map[string]any); ok {
		v.only(sc, "result.score", "scaled", "raw", "min", "max")
		num := func(k string) (float64, bool) { f, ok := sc[k].(float64); return f, ok }
		if s, ok := num("scaled"); ok && (s < -1 || s > 1) {
			v.add("result.score.scaled %v is outside -1..1", s)
		}
		min, hasMin := num("min")
		max, hasMax := num("max")
		if hasMin && hasMax && !(min < max) {
			v.add("result.score.min %v is not below max %v", min, max)
		}
		if raw, ok := num("raw"); ok && (hasMin && raw < min || hasMax && raw > max) {
			v.add("result.score.raw %v is outside min..max", raw)
		}
	}
	v.extensions("result.extensions", r["extensions"])
}

func (v *validator) context(x any) {
	c, ok := x.(map[string]any)
	if !ok {
		v.add("context is not an object")
		return
	}
	v.only(c, "context", "registration", "instructor", "team", "contextActivities", "revision", "platform", "language", "statement", "extensions")
	if t, ok := c["team"]; ok {
		if tm, ok := t.(map[string]any); !ok || tm["objectType"] != "Group" {
			v.add("context.team is not a Group")
		}
		v.agent("context.team", t, false)
	}
	if ca, ok := c["contextActivities"].(map[string]any); ok {
		v.only(ca, "context.contextActivities", "parent", "grouping", "category", "other")
		for k, list := range ca {
			as, ok := list.([]any)
			if !ok {
				v.add("context.contextActivities.%s is not an array", k)
				continue
			}
			for i, a := range as {
				v.activity(fmt.Sprintf("context.contextActivities.%s[%d]", k, i), a)
			}
		}
	}
	if l, ok := c["language"].(string); ok && !langRe.MatchString(l) {
		v.add("context.language %q", l)
	}
	v.extensions("context.extensions", c["extensions"])
}
