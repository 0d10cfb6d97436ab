package console_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/app"
)

// The browser tests drive a real headless Chromium (Debian's chromium package) against
// the real server on the embedded database. One server and one browser serve the whole
// test binary (TestConsole's subtests); each persona gets its own browser context, so its
// own cookie jar. Without Chromium the tests skip with a message, except in CI (CI set),
// where they fail.

//go:embed testdata/axe.min.js
var axeSource string

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "browser tests need Chromium: apt-get install chromium (or set CHROMIUM to its path)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + "; CI must run them")
	}
	t.Skip(msg)
	return ""
}

// suite is the shared server and browser.
type suite struct {
	t       *testing.T
	env     *apitest.Env
	base    string
	browser context.Context
	clock   *suiteClock
}

// suiteClock is the server's clock: the wall clock (the browser judges cookies by it), which
// a subtest can hold still so that a rule about seconds does not depend on how fast a loaded
// machine drives the browser. Dates the tests type (a due date, a meeting's start) are read
// from it too, never from time.Now, so that the server and the test agree on "today".
type suiteClock struct {
	mu     sync.Mutex
	frozen time.Time
}

func (c *suiteClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen.IsZero() {
		return c.frozen
	}
	return time.Now()
}

// hold stops the clock until the returned function is called.
func (c *suiteClock) hold() (release func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen = time.Now()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.frozen = time.Time{}
	}
}

func newSuite(t *testing.T) *suite {
	path := chromiumPath(t)
	clock := &suiteClock{}
	// The suite signs in (console and API) well over AUTH_RATE_LIMIT's 100 times a minute
	// from one address when the machine is quick, so the per-IP request limit is off here: it
	// is tested in api (auth_hardening_test.go). The per-account and per-IP failure back-off
	// stays on (the Throttling subtest).
	noRequestLimit := func(c *app.Config, _ *app.Options) { c.AuthRateLimit = 0 }
	env := apitest.New(t, apitest.WithDemo(), apitest.WithClock(clock.now), noRequestLimit)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", true), chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	return &suite{t: t, env: env, base: env.BaseURL, browser: bctx, clock: clock}
}

// tab is one browser context (its own cookies) with one tab.
type tab struct {
	s   *suite
	t   *testing.T
	ctx context.Context
}

func (s *suite) tab(t *testing.T) *tab {
	ctx, cancel := chromedp.NewContext(s.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("new tab: %v", err)
	}
	return &tab{s: s, t: t, ctx: ctx}
}

func (b *tab) timeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, 60*time.Second)
}

// open loads a console path (or a full URL) and fails on a 5xx.
func (b *tab) open(path string) int {
	b.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.s.base + path
	}
	ctx, cancel := b.timeout()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(u))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	if resp.Status >= 500 {
		b.t.Fatalf("open %s: status %d: %s", path, resp.Status, b.text("main"))
	}
	return int(resp.Status)
}

// submit clicks a button that sends a form and waits for the page that answers.
func (b *tab) submit(css string) int {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("submit %s on %s: %v", css, b.url(), err)
	}
	if resp.Status >= 500 {
		b.t.Fatalf("submit %s: status %d: %s", css, resp.Status, b.text("main"))
	}
	return int(resp.Status)
}

// choose sets a select that submits its form when it changes (data-autosubmit, app.js)
// and waits for the page that answers.
func (b *tab) choose(css, value string) int {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector(`+
		strconv.Quote(css)+`); s.value = `+strconv.Quote(value)+`; s.dispatchEvent(new Event("change")); })()`))
	if err != nil {
		b.t.Fatalf("choose %s in %s on %s: %v", value, css, b.url(), err)
	}
	return int(resp.Status)
}

func (b *tab) set(css, value string) {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(css), value)); err != nil {
		b.t.Fatalf("set %s on %s: %v", css, b.url(), err)
	}
}

// upload puts a file into a file input.
func (b *tab) upload(css, file string) {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(css), []string{file})); err != nil {
		b.t.Fatalf("upload to %s: %v", css, err)
	}
}

// acceptDialogs makes the page's confirmation dialogs (data-confirm) answer yes.
func (b *tab) acceptDialogs() {
	b.t.Helper()
	evaluate[chromedp.Void](b, `window.confirm = () => true`)
}

func (b *tab) click(css string) {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(css))); err != nil {
		b.t.Fatalf("click %s on %s: %v", css, b.url(), err)
	}
}

func (b *tab) text(css string) string {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("text of %s on %s: %v", css, b.url(), err)
	}
	return s
}

func (b *tab) url() string {
	s, _ := chromedp.Run(b.ctx, chromedp.Location())
	return s
}

func evaluate[T any](b *tab, js string) T {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %.60s on %s: %v", js, b.url(), err)
	}
	return v
}

// contains fails unless the element's text contains want.
func (b *tab) contains(css, want string) {
	b.t.Helper()
	if got := b.text(css); !strings.Contains(got, want) {
		b.t.Fatalf("%s on %s: want %q in\n%s", css, b.url(), want, got)
	}
}

// signIn signs a demo account in through the login form.
func (b *tab) signIn(email string) {
	b.t.Helper()
	b.open("/login")
	b.set("#email", email)
	b.set("#password", app.DemoPassword)
	if st := b.submit("form[action='/login'] button[type=submit]"); st != http.StatusOK {
		b.t.Fatalf("sign in %s: status %d: %s", email, st, b.text("main"))
	}
	if strings.Contains(b.url(), "/login") {
		b.t.Fatalf("sign in %s stayed on the login page: %s", email, b.text("main"))
	}
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []string `json:"target"`
		HTML   string   `json:"html"`
	} `json:"nodes"`
}

// axe runs axe-core on the page and fails on any serious or critical violation.
func (b *tab) axe() {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	// Injected through the DevTools protocol, which the page's CSP does not govern.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[*runtime.RemoteObject](axeSource)); err != nil {
		b.t.Fatalf("inject axe on %s: %v", b.url(), err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("run axe on %s: %v", b.url(), err)
	}
	var vs []axeViolation
	if err := json.Unmarshal(raw, &vs); err != nil {
		b.t.Fatalf("axe result: %v", err)
	}
	for _, v := range vs {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var where []string
		for _, n := range v.Nodes {
			where = append(where, strings.Join(n.Target, " ")+" "+n.HTML)
		}
		b.t.Errorf("axe %s violation %s on %s: %s\n  %s", v.Impact, v.ID, b.url(), v.Help, strings.Join(where, "\n  "))
	}
}

// screenshot saves the page to CONSOLE_SCREENSHOTS/name.png when that is set.
func (b *tab) screenshot(name string) {
	dir := os.Getenv("CONSOLE_SCREENSHOTS")
	if dir == "" {
		return
	}
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *tab) cookies() map[string]string {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	cs, err := chromedp.Run(ctx, chromedp.Action[[]*network.Cookie](func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		r, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{b.s.base}})
		if err != nil {
			return nil, err
		}
		return r.Cookies, nil
	}))
	if err != nil {
		b.t.Fatalf("cookies: %v", err)
	}
	out := map[string]string{}
	for _, c := range cs {
		out[c.Name] = c.Value
	}
	return out
}

// httpClient is a plain (non-browser) client with its own cookie jar that does not follow
// redirects.
func (s *suite) httpClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// httpSignIn signs a client in through the login form and returns a CSRF token of its
// session (from a page it then loads).
func (s *suite) httpSignIn(t *testing.T, c *http.Client, email string) string {
	t.Helper()
	return s.httpSignInAs(t, c, email, app.DemoPassword, "/p/"+app.DemoProgrammeID+"/leaderboard")
}

// httpSignInAs signs in with a password and returns a CSRF token from page.
func (s *suite) httpSignInAs(t *testing.T, c *http.Client, email, password, page string) string {
	t.Helper()
	tok := s.pageToken(t, c, "/login")
	resp, err := c.PostForm(s.base+"/login", url.Values{"csrf": {tok}, "email": {email}, "password": {password}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s over HTTP: status %d", email, resp.StatusCode)
	}
	return s.pageToken(t, c, page)
}

func (s *suite) pageToken(t *testing.T, c *http.Client, path string) string {
	t.Helper()
	resp, err := c.Get(s.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	m := csrfField.FindStringSubmatch(b.String())
	if m == nil {
		t.Fatalf("no CSRF token on %s (status %d)", path, resp.StatusCode)
	}
	return m[1]
}

func p(parts ...string) string { return "/p/" + app.DemoProgrammeID + "/" + strings.Join(parts, "/") }

func apitestLogin(email, password string) apitest.Req {
	return apitest.Req{Method: http.MethodPost, Path: "/v1/auth/login", Body: map[string]string{"email": email, "password": password}}
}
