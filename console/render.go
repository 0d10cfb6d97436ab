package console

import (
	"bytes"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/microlearn/microlearn/authz"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/programme"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pages holds every page template, each parsed with the layout and the shared partials.
type pages map[string]*template.Template

var templateFuncs = template.FuncMap{
	"assetVersion": func() string { return assetVersion },
	"newEventID":   newEventID,
	"list":         func(xs ...string) []string { return xs },
	"markdown":     renderMarkdown,
	"join":         strings.Join,
	"add":          func(a, b int) int { return a + b },
	"pct": func(done, total int) int {
		if total <= 0 {
			return 0
		}
		return done * 100 / total
	},
}

func parsePages() (*pages, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	ps := pages{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFiles, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, err
		}
		ps[base] = t
	}
	return &ps, nil
}

// view is what every page template gets: the page's own data in Page, and around it the
// signed-in person, the programme, the language and the CSRF token.
type view struct {
	c          *Console
	r          *http.Request
	Lang       string
	CSRF       string
	Caller     authz.Caller
	User       identity.User
	Programme  programme.Programme
	Programmes []programmeLink
	Title      string
	Flash      *flash
	Path       string
	Page       any
	Now        time.Time
}

type programmeLink struct {
	ID, Name string
	Role     programme.Role
	Current  bool
}

// Req is a query parameter of the request (to refill a filter form).
func (v *view) Req(name string) string { return v.r.URL.Query().Get(name) }

type boardView struct {
	V       *view
	Board   gamification.Board
	Caption string
}

// BoardView wraps a leaderboard for the "board" template.
func (v *view) BoardView(b gamification.Board, caption string) boardView {
	return boardView{V: v, Board: b, Caption: caption}
}

// T translates a message into the page's language.
func (v *view) T(key string, args ...any) string { return v.c.cat.translate(v.Lang, key, args...) }

// RoleName is the translated name of a role.
func (v *view) RoleName(r programme.Role) string { return v.T("role." + string(r)) }

// Is reports whether the caller holds role in the current programme.
func (v *view) Is(role string) bool { return string(v.Caller.Role) == role }

// Owner reports whether the caller oversees the programme (owner or admin).
func (v *view) Owner() bool { return v.Caller.Role == programme.RoleOwner || v.Caller.Admin }

// Mentor reports whether the caller mentors in the programme.
func (v *view) Mentor() bool { return v.Caller.Role == programme.RoleMentor }

// Mentee reports whether the caller is a mentee in the programme.
func (v *view) Mentee() bool { return v.Caller.Role == programme.RoleMentee }

// P is a path inside the current programme.
func (v *view) P(parts ...string) string {
	return "/p/" + url.PathEscape(v.Programme.ID) + "/" + strings.Join(parts, "/")
}

// Date formats an instant as a local date in the person's time zone.
func (v *view) Date(t any) string { return v.format(t, "2006-01-02") }

// DateTime formats an instant as local date and time in the person's time zone.
func (v *view) DateTime(t any) string { return v.format(t, "2006-01-02 15:04") }

func (v *view) format(t any, layout string) string {
	var at time.Time
	switch x := t.(type) {
	case time.Time:
		at = x
	case *time.Time:
		if x == nil {
			return ""
		}
		at = *x
	default:
		return ""
	}
	if at.IsZero() {
		return ""
	}
	loc, err := time.LoadLocation(v.User.Timezone)
	if err != nil {
		loc = time.UTC
	}
	return at.In(loc).Format(layout)
}

type flash struct {
	Error bool   `json:"e,omitempty"`
	Text  string `json:"t"`
}

func (c *Console) setFlash(w http.ResponseWriter, r *http.Request, f flash) {
	b, _ := json.Marshal(f)
	c.setCookie(w, r, flashCookie, base64.RawURLEncoding.EncodeToString(b), 60)
}

func (c *Console) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	v := readCookie(r, flashCookie)
	if v == "" {
		return nil
	}
	c.clearCookie(w, r, flashCookie)
	b, err := base64.RawURLEncoding.DecodeString(v)
	var f flash
	if err != nil || json.Unmarshal(b, &f) != nil || f.Text == "" || len(f.Text) > 2000 {
		return nil
	}
	return &f
}

// render writes a page with status.
func (c *Console) render(w http.ResponseWriter, v *view, status int, page string, data any) {
	t, ok := (*c.pages)[page]
	if !ok {
		c.deps.Log.Error("console page template missing", "page", page)
		http.Error(w, "page missing", http.StatusInternalServerError)
		return
	}
	v.Page = data
	if v.Title == "" {
		v.Title = v.T("title." + page)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		c.deps.Log.Error("console page failed to render", "page", page, "error", err.Error(), "requestId", requestInfo(v.r).RequestID)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", v.Lang)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// statusOf maps error kinds to HTTP statuses, as the API's table does.
func statusOf(err error) int {
	switch apperr.KindOf(err) {
	case apperr.KindInvalid:
		return http.StatusBadRequest
	case apperr.KindUnauthenticated:
		return http.StatusUnauthorized
	case apperr.KindForbidden:
		return http.StatusForbidden
	case apperr.KindNotFound:
		return http.StatusNotFound
	case apperr.KindConflict:
		return http.StatusConflict
	case apperr.KindGone:
		return http.StatusGone
	case apperr.KindPrecondition:
		return http.StatusPreconditionFailed
	case apperr.KindRateLimited:
		return http.StatusTooManyRequests
	case apperr.KindUnprocessable:
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

// errorText is what a person is told about err: the domain's own words for the mistakes
// people make (validation, conflicts), nothing internal.
func (v *view) errorText(err error) string {
	var ve *apperr.ValidationError
	var ae *apperr.Error
	switch {
	case errors.As(err, &ve):
		parts := make([]string, 0, len(ve.Fields))
		for _, f := range ve.Fields {
			parts = append(parts, strings.TrimPrefix(f.Pointer, "/")+": "+f.Detail)
		}
		return v.T("error.invalid") + " " + strings.Join(parts, "; ")
	case errors.As(err, &ae) && ae.Kind != apperr.KindInternal:
		return ae.Message
	}
	return v.T("error.internal", requestInfo(v.r).RequestID)
}

// fail answers an error: a form the person got wrong (invalid, conflicting, throttled)
// goes back to the page it came from with the reason in a flash; anything else, and any
// failed page, shows the error page with the status (403 for a member without the role,
// 404 for what the caller may not know exists).
func (c *Console) fail(w http.ResponseWriter, v *view, err error) {
	status := statusOf(err)
	if status >= 500 {
		c.deps.Log.LogAttrs(v.r.Context(), slog.LevelError, "console request failed", slog.String("path", v.r.URL.Path),
			slog.String("requestId", requestInfo(v.r).RequestID), slog.String("error", err.Error()))
	}
	if status == http.StatusUnauthorized {
		c.toLogin(w, v.r)
		return
	}
	if v.r.Method == http.MethodPost && status < 500 && status != http.StatusNotFound && status != http.StatusForbidden {
		c.setFlash(w, v.r, flash{Error: true, Text: v.errorText(err)})
		c.redirect(w, v.r, backTo(v.r))
		return
	}
	v.Title = v.T("error.title")
	c.render(w, v, status, "error", struct {
		Status int
		Text   string
	}{status, v.errorText(err)})
}

// backTo is the local page a form was posted from (the Referer, which same-origin forms
// always send under our Referrer-Policy), or the home page.
func backTo(r *http.Request) string {
	u, err := url.Parse(r.Referer())
	if err != nil || u.Host != r.Host {
		return "/"
	}
	return localPath(u.RequestURI())
}

// localPath accepts only a path on this site ("/..." but not "//host"), else "/".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}

func (c *Console) redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, localPath(to), http.StatusSeeOther)
}

// done finishes a successful form: a flash, then back to a page (POST-redirect-GET).
func (c *Console) done(w http.ResponseWriter, v *view, to, msgKey string, args ...any) error {
	if msgKey != "" {
		c.setFlash(w, v.r, flash{Text: v.T(msgKey, args...)})
	}
	c.redirect(w, v.r, to)
	return nil
}

func (c *Console) toLogin(w http.ResponseWriter, r *http.Request) {
	next := ""
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		next = "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, "/login"+next, http.StatusSeeOther)
}

func invalidNumber(field string) error { return apperr.Invalid("/"+field, "must be a number") }
