package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/programme"
)

//go:embed static
var staticFiles embed.FS

// assetVersion changes whenever an embedded asset does, so assets can be cached for a year.
var assetVersion = func() string {
	h := sha256.New()
	for _, n := range []string{"static/app.css", "static/app.js"} {
		b, _ := staticFiles.ReadFile(n)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}()

// handler is a console page or form: it renders or redirects, or returns an error that the
// wrapper turns into an error page or a flash.
type handler func(w http.ResponseWriter, v *view) error

type access int

const (
	anyone access = iota
	signedIn
	member
)

const (
	owner  = programme.RoleOwner
	mentor = programme.RoleMentor
	mentee = programme.RoleMentee
)

func (c *Console) routes() {
	m := c.mux
	m.HandleFunc("GET /static/{file}", c.static)
	m.HandleFunc("GET /{$}", c.wrap(c.home, signedIn))
	m.HandleFunc("GET /login", c.wrap(c.loginPage, anyone))
	m.HandleFunc("POST /login", c.wrap(c.login, anyone))
	m.HandleFunc("POST /logout", c.wrap(c.logout, anyone))
	m.HandleFunc("GET /register", c.wrap(c.registerPage, anyone))
	m.HandleFunc("POST /register", c.wrap(c.register, anyone))
	m.HandleFunc("GET /join", c.wrap(c.joinPage, anyone))
	m.HandleFunc("POST /join", c.wrap(c.join, signedIn))
	m.HandleFunc("POST /language", c.wrap(c.setLanguage, anyone))

	m.HandleFunc("GET /p/{pid}/{$}", c.wrap(c.programmeHome, member))
	c.menteeRoutes()
	c.ownerRoutes()
	c.mentorRoutes()
	c.recordRoutes()
	c.reviewRoutes()
	c.credentialRoutes()
	c.checkinRoutes()
	c.reportRoutes()
	c.cpdRoutes()
	c.gamificationRoutes()
	c.recordEditRoutes()
	c.offlineRoutes()
	m.HandleFunc("/", c.wrap(func(w http.ResponseWriter, v *view) error { return apperr.ErrNotFound }, anyone))
}

// inRole restricts a member handler to some roles (admins always pass), through the same
// policy the API uses.
func (c *Console) inRole(h handler, roles ...programme.Role) handler {
	return func(w http.ResponseWriter, v *view) error {
		cl, err := c.deps.Authz.Programme(v.r.Context(), v.Caller, v.Programme.ID, roles...)
		if err != nil {
			return err
		}
		v.Caller = cl
		return h(w, v)
	}
}

// wrap runs the steps every console request shares: the session, the language, the CSRF
// check of unsafe methods, and the access the route needs.
func (c *Console) wrap(h handler, need access) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r = c.loadSession(w, r)
		s := sessionOf(r)
		v := &view{c: c, r: r, Now: c.deps.Now(), Path: r.URL.Path, Caller: s.caller, Lang: language(r, "")}
		if s.signedIn() {
			u, err := c.deps.Identity.User(r.Context(), s.caller.UserID)
			if err != nil {
				if apperr.KindOf(err) == apperr.KindNotFound {
					c.clearCookie(w, r, sessionCookie)
					c.toLogin(w, r)
					return
				}
				c.fail(w, v, err)
				return
			}
			v.User, v.Lang = u, language(r, u.Locale)
		}
		v.CSRF = c.csrf.token(s.csrfBinding())
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := c.checkForm(w, r, s); err != nil {
				v.Title = v.T("error.title")
				c.render(w, v, http.StatusForbidden, "error", struct {
					Status int
					Text   string
				}{http.StatusForbidden, v.T("error.csrf")})
				return
			}
		}
		if need >= signedIn && !s.signedIn() {
			c.toLogin(w, r)
			return
		}
		if need == member {
			if err := c.enterProgramme(v, r.PathValue("pid")); err != nil {
				c.fail(w, v, err)
				return
			}
		}
		if s.signedIn() {
			c.programmeLinks(v)
		}
		if r.Method == http.MethodGet {
			v.Flash = c.takeFlash(w, r)
		}
		if err := h(w, v); err != nil {
			c.fail(w, v, err)
		}
	}
}

var errCSRF = errors.New("csrf check failed")

// checkForm parses the form of an unsafe request and checks that it came from one of our own
// pages: the browser's fetch metadata must not say cross-origin, and the form must carry
// this session's CSRF token.
func (c *Console) checkForm(w http.ResponseWriter, r *http.Request, s session) error {
	if err := crossOrigin.Check(r); err != nil {
		return err
	}
	limit := int64(c.deps.BodyLimit)
	if limit <= 0 {
		limit = 1 << 20
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		if err := r.ParseMultipartForm(limit); err != nil {
			return err
		}
	} else if err := r.ParseForm(); err != nil {
		return err
	}
	tok := r.PostFormValue("csrf")
	if tok == "" {
		tok = r.Header.Get("X-CSRF-Token")
	}
	if !c.csrf.valid(s.csrfBinding(), tok) {
		return errCSRF
	}
	return nil
}

func (c *Console) enterProgramme(v *view, pid string) error {
	cl, err := c.deps.Authz.Programme(v.r.Context(), v.Caller, pid)
	if err != nil {
		return err
	}
	p, err := c.deps.Programmes.Programme(v.r.Context(), pid)
	if err != nil {
		return err
	}
	v.Caller, v.Programme = cl, p
	return nil
}

func (c *Console) programmeLinks(v *view) {
	ps, roles, err := c.deps.Programmes.Mine(v.r.Context(), v.Caller.UserID)
	if err != nil {
		return
	}
	for i, p := range ps {
		v.Programmes = append(v.Programmes, programmeLink{ID: p.ID, Name: p.Name, Role: roles[i], Current: p.ID == v.Programme.ID})
	}
}

func (c *Console) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := staticFiles.ReadFile("static/" + name)
	if err != nil || strings.ContainsAny(name, "/\\") {
		http.NotFound(w, r)
		return
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		w.Header().Set("Content-Type", t)
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(b)
}

// ---- signing in and out

type loginData struct {
	Email, Next string
}

func (c *Console) loginPage(w http.ResponseWriter, v *view) error {
	if v.Caller.SignedIn() {
		c.redirect(w, v.r, "/")
		return nil
	}
	c.render(w, v, http.StatusOK, "login", loginData{Next: localPath(v.r.URL.Query().Get("next"))})
	return nil
}

// login checks the password under the same throttles as POST /v1/auth/login (one shared
// back-off per account and per client IP, and the per-IP request limit).
func (c *Console) login(w http.ResponseWriter, v *view) error {
	r := v.r
	email, next := strings.TrimSpace(r.PostFormValue("email")), localPath(r.PostFormValue("next"))
	ip := requestInfo(r).ClientIP
	again := func(msgKey string, status int, args ...any) error {
		v.Flash = &flash{Error: true, Text: v.T(msgKey, args...)}
		c.render(w, v, status, "login", loginData{Email: email, Next: next})
		return nil
	}
	if c.deps.SignInLimit != nil {
		if _, reset, ok := c.deps.SignInLimit.Take(ip, c.deps.Now()); !ok {
			w.Header().Set("Retry-After", seconds(reset))
			return again("login.throttled", http.StatusTooManyRequests, seconds(reset))
		}
	}
	succeeded, wait := c.deps.Logins.Begin(identity.NormalizeEmail(email), ip, c.deps.Now())
	if wait > 0 {
		w.Header().Set("Retry-After", seconds(wait))
		return again("login.throttled", http.StatusTooManyRequests, seconds(wait))
	}
	u, err := c.deps.Identity.Authenticate(r.Context(), email, r.PostFormValue("password"))
	if apperr.KindOf(err) == apperr.KindUnauthenticated || apperr.KindOf(err) == apperr.KindInvalid {
		return again("login.failed", http.StatusUnauthorized)
	}
	if err != nil {
		return err
	}
	succeeded()
	if err := c.startSession(r.Context(), w, r, u); err != nil {
		return err
	}
	c.redirect(w, r, next)
	return nil
}

func (c *Console) logout(w http.ResponseWriter, v *view) error {
	if err := c.endSession(v.r.Context(), w, v.r); err != nil {
		return err
	}
	return c.done(w, v, "/login", "login.signedOut")
}

func (c *Console) setLanguage(w http.ResponseWriter, v *view) error {
	lang := supported(v.r.PostFormValue("lang"))
	if lang == "" {
		return apperr.Invalid("/lang", "must be en, de or fr")
	}
	c.setCookie(w, v.r, langCookie, lang, 365*24*3600)
	c.redirect(w, v.r, backTo(v.r))
	return nil
}

// home sends a person to their programme (or lets them pick one).
func (c *Console) home(w http.ResponseWriter, v *view) error {
	if len(v.Programmes) == 1 {
		c.redirect(w, v.r, "/p/"+v.Programmes[0].ID+"/")
		return nil
	}
	c.render(w, v, http.StatusOK, "home", nil)
	return nil
}

// programmeHome is each role's start page.
func (c *Console) programmeHome(w http.ResponseWriter, v *view) error {
	switch {
	case v.Owner():
		c.redirect(w, v.r, v.P("overview"))
	case v.Mentor():
		c.redirect(w, v.r, v.P("mentees"))
	default:
		c.redirect(w, v.r, v.P("today"))
	}
	return nil
}
