package api_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/mail/smtp/smtptest"
	"github.com/microlearn/microlearn/programme"
)

type inviteJSON struct {
	ID, Email, Name, Department, Role, Status, Token, JoinURL string
	Delivery                                                  struct{ Channel, Status, Error string }
}

type inviteListJSON struct {
	Items      []inviteJSON
	NextCursor string
	MailOn     bool
}

type invitesWorld struct {
	env   *apitest.Env
	owner apitest.User
	pid   string
	clock *testClock
}

// Advance moves the clock on by d.
func (c *testClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

func newInvitesWorld(t *testing.T, env map[string]string) *invitesWorld {
	clock := &testClock{t: apitest.Now().UTC().Truncate(time.Second)}
	opts := []apitest.Option{apitest.WithClock(clock.Now)}
	if env != nil {
		opts = append(opts, apitest.WithEnv(env))
	}
	e := apitest.New(t, opts...)
	w := &invitesWorld{env: e, owner: e.Register("Olivia Owner"), clock: clock}
	p, err := e.App.Programmes.Create(context.Background(), w.owner.ID, programme.Programme{Name: "Ward leaders", Timezone: "Europe/London"})
	if err != nil {
		t.Fatal(err)
	}
	w.pid = p.ID
	return w
}

func (w *invitesWorld) do(t *testing.T, r apitest.Req, want int) *apitest.Response {
	t.Helper()
	if r.Token == "" {
		r.Token = w.owner.Token
	}
	res := w.env.Do(r)
	if res.Status != want {
		t.Fatalf("%s %s: %d, want %d: %s", r.Method, r.Path, res.Status, want, res.Body)
	}
	return res
}

func (w *invitesWorld) list(t *testing.T, status string) inviteListJSON {
	t.Helper()
	var l inviteListJSON
	w.do(t, apitest.Req{Method: "GET", Path: "/v1/programmes/" + w.pid + "/invites?status=" + status}, 200).JSON(t, &l)
	return l
}

func tokenOf(t *testing.T, joinURL string) string {
	t.Helper()
	u, err := url.Parse(joinURL)
	if err != nil || u.Path != "/join" || u.Query().Get("token") == "" {
		t.Fatalf("join link %q", joinURL)
	}
	return u.Query().Get("token")
}

// Without SMTP the owner gets the link to pass on; the invitee joins with it once, with the
// department the invitation gave; revoked and superseded links stop working.
func TestInvitesWithoutMail(t *testing.T) {
	t.Parallel()
	w := newInvitesWorld(t, nil)
	pp := "/v1/programmes/" + w.pid
	dana := w.env.Register("Dana Invitee")
	var inv inviteJSON
	w.do(t, apitest.Req{Method: "POST", Path: pp + "/invites", Body: map[string]any{"email": " Dana.Invitee@test.example ", "role": "mentee",
		"name": "Dana", "department": "ICU", "languages": []string{"en", "PL"}}}, 201).JSON(t, &inv)
	if inv.Status != "pending" || inv.Delivery.Channel != "link" || inv.Delivery.Status != "off" || inv.Email != "dana.invitee@test.example" {
		t.Fatalf("invite %+v", inv)
	}
	if !strings.HasPrefix(inv.JoinURL, w.env.BaseURL+"/join?token=") || tokenOf(t, inv.JoinURL) != inv.Token {
		t.Fatalf("join link %q, token %q", inv.JoinURL, inv.Token)
	}
	w.do(t, apitest.Req{Method: "POST", Path: pp + "/invites", Body: map[string]any{"email": "dana.invitee@test.example", "role": "mentor"}}, 409)
	// The list shows the link while mail is off.
	l := w.list(t, "pending")
	if l.MailOn || len(l.Items) != 1 || l.Items[0].JoinURL != inv.JoinURL {
		t.Fatalf("pending list %+v", l)
	}
	// Resend issues a new link (after the one-minute cooldown); the old one stops working.
	w.do(t, apitest.Req{Method: "POST", Path: pp + "/invites/" + inv.ID + "/resend"}, 429)
	w.clock.Advance(61 * time.Second)
	var again inviteJSON
	w.do(t, apitest.Req{Method: "POST", Path: pp + "/invites/" + inv.ID + "/resend"}, 200).JSON(t, &again)
	if again.Token == inv.Token || again.ID != inv.ID {
		t.Fatalf("resend kept the token: %+v", again)
	}
	w.do(t, apitest.Req{Method: "POST", Path: "/v1/programmes/join", Token: dana.Token, Body: map[string]string{"inviteToken": inv.Token}}, 404)
	stranger := w.env.Register("Someone Else")
	w.do(t, apitest.Req{Method: "POST", Path: "/v1/programmes/join", Token: stranger.Token, Body: map[string]string{"inviteToken": again.Token}}, 403)
	var joined struct{ ID, MyRole string }
	w.do(t, apitest.Req{Method: "POST", Path: "/v1/programmes/join", Token: dana.Token, Body: map[string]string{"inviteToken": tokenOf(t, again.JoinURL)}}, 200).JSON(t, &joined)
	if joined.ID != w.pid || joined.MyRole != "mentee" {
		t.Fatalf("joined %+v", joined)
	}
	w.do(t, apitest.Req{Method: "POST", Path: "/v1/programmes/join", Token: dana.Token, Body: map[string]string{"inviteToken": again.Token}}, 404)
	m, err := w.env.App.Programmes.Store.Membership(context.Background(), w.pid, dana.ID)
	if err != nil || m.Department != "ICU" || !cmp.Equal(m.Languages, []string{"en", "pl"}) {
		t.Fatalf("membership %+v, %v", m, err)
	}
	if l := w.list(t, "accepted"); len(l.Items) != 1 || l.Items[0].JoinURL != "" {
		t.Fatalf("accepted list %+v", l)
	}
	w.do(t, apitest.Req{Method: "DELETE", Path: pp + "/invites/" + inv.ID}, 409)
	w.do(t, apitest.Req{Method: "POST", Path: pp + "/invites/" + inv.ID + "/resend"}, 409)

	// Revoked: the link stops working; inviting the person again issues it anew.
	var eve inviteJSON
	w.do(t, apitest.Req{Method: "POST", Path: pp + "/invites", Body: map[string]any{"email": "eve@test.example", "role": "mentor"}}, 201).JSON(t, &eve)
	w.do(t, apitest.Req{Method: "DELETE", Path: pp + "/invites/" + eve.ID}, 204)
	w.do(t, apitest.Req{Method: "DELETE", Path: pp + "/invites/" + eve.ID}, 204)
	w.do(t, apitest.Req{Method: "DELETE", Path: pp + "/invites/nope"}, 404)
	eveUser := w.env.Register("Eve")
	w.do(t, apitest.Req{Method: "POST", Path: "/v1/programmes/join", Token: eveUser.Token, Body: map[string]string{"inviteToken": eve.Token}}, 404)
	if l := w.list(t, "revoked"); len(l.Items) != 1 || l.Items[0].Token != "" {
		t.Fatalf("revoked list %+v", l)
	}
	w.do(t, apitest.Req{Method: "POST", Path: pp + "/invites", Body: map[string]any{"email": "eve@test.example", "role": "mentor"}}, 201)

	// Expired: listed as such, and resending renews it.
	w.clock.Advance(15 * 24 * time.Hour)
	w.owner.Token = w.env.Login(w.owner.Email, "correct-horse-battery")
	if l := w.list(t, "expired"); len(l.Items) != 1 || l.Items[0].Email != "eve@test.example" {
		t.Fatalf("expired list %+v", l)
	}
	w.do(t, apitest.Req{Method: "POST", Path: pp + "/invites/" + eve.ID + "/resend"}, 200)
	if l := w.list(t, "pending"); len(l.Items) != 1 {
		t.Fatalf("after renewing: %+v", l)
	}
	w.do(t, apitest.Req{Method: "GET", Path: pp + "/invites?status=lost"}, 400)
}

// With SMTP configured the invitation goes out through the real SMTP server running in the
// test (STARTTLS, AUTH), in the invitee's language, and its link joins the programme.
func TestInviteEmailJoinsTheProgramme(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	w := newInvitesWorld(t, map[string]string{"SMTP_HOST": srv.Host, "SMTP_PORT": fmt.Sprint(srv.Port), "SMTP_USERNAME": srv.Username,
		"SMTP_PASSWORD": srv.Password, "SMTP_CA_FILE": srv.CAFile, "SMTP_FROM": "Ward leaders <no-reply@microlearn.example>",
		"PUBLIC_URL": "https://learn.example.org", "MAIL_POLL_INTERVAL": "200ms"})
	pp := "/v1/programmes/" + w.pid
	var inv inviteJSON
	w.do(t, apitest.Req{Method: "POST", Path: pp + "/invites", Body: map[string]any{"email": "dana.invitee@test.example", "role": "mentee",
		"name": "Dana", "locale": "de"}}, 201).JSON(t, &inv)
	if inv.Delivery.Channel != "email" || inv.Delivery.Status != "queued" {
		t.Fatalf("delivery %+v", inv.Delivery)
	}
	if l := w.list(t, ""); !l.MailOn || l.Items[0].JoinURL != "" {
		t.Fatalf("with mail on the list shows no link: %+v", l)
	}
	msgs := waitMail(t, w, srv, 1)
	m := msgs[0]
	if m.To[0] != "dana.invitee@test.example" || m.Subject() != "Olivia Owner lädt Sie zu Ward leaders ein" {
		t.Fatalf("mail to %v, subject %q", m.To, m.Subject())
	}
	link := regexp.MustCompile(`https://learn\.example\.org/join\?token=[A-Za-z0-9_%-]+`).FindString(m.Part("text/plain"))
	if link == "" || !strings.Contains(m.Part("text/plain"), "Mentoring-Programm „Ward leaders“") {
		t.Fatalf("no join link in:\n%s", m.Part("text/plain"))
	}
	dana := w.env.Register("Dana Invitee")
	var joined struct{ ID, MyRole string }
	w.do(t, apitest.Req{Method: "POST", Path: "/v1/programmes/join", Token: dana.Token, Body: map[string]string{"inviteToken": tokenOf(t, link)}}, 200).JSON(t, &joined)
	if joined.ID != w.pid || joined.MyRole != "mentee" {
		t.Fatalf("joined %+v", joined)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		l := w.list(t, "accepted")
		if len(l.Items) == 1 && l.Items[0].Delivery.Status == "sent" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery never recorded as sent: %+v", l)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A revoked invitation is never mailed, even when its email was queued.
	srv.RejectWith(func(string) error { return smtptest.ErrTemporary })
	var eve inviteJSON
	w.do(t, apitest.Req{Method: "POST", Path: pp + "/invites", Body: map[string]any{"email": "eve@test.example", "role": "mentor"}}, 201).JSON(t, &eve)
	w.do(t, apitest.Req{Method: "DELETE", Path: pp + "/invites/" + eve.ID}, 204)
	// An attempt the sender claimed before the revocation may already hold Eve's letter: the
	// refusal is lifted only once no attempt is in flight (no leased item), so that attempt
	// meets the refusal and any later one finds the invitation revoked.
	outbox := w.env.App.DB.DB.Collection("mail_outbox")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		n, err := outbox.CountDocuments(context.Background(), map[string]any{"lease": map[string]any{"$ne": ""}})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mail attempts still in flight", n)
		}
	}
	srv.RejectWith(nil)
	w.clock.Advance(2 * time.Minute) // past the temporary refusal's retry, if it was tried
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n, err := outbox.CountDocuments(context.Background(), map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still in the outbox", n)
		}
	}
	if got := len(srv.Messages()); got != 1 {
		t.Errorf("%d messages, want only Dana's", got)
	}
}

// waitMail waits for n messages at the SMTP server. The test's clock stands still, so an item
// the sender put back for later (claimed before the invitation was written, or refused by a
// loaded SMTP server) would never come due: the clock moves to its due time. (Waiting on the
// wall clock alone failed once at load 5: no message within 20 s.)
func waitMail(t *testing.T, w *invitesWorld, srv *smtptest.Server, n int) []smtptest.Message {
	t.Helper()
	ctx := context.Background()
	outbox := w.env.App.DB.DB.Collection("mail_outbox")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if msgs := srv.Messages(); len(msgs) >= n {
			return msgs
		}
		cur, err := outbox.Find(ctx, map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		var items []struct {
			Lease string    `bson:"lease"`
			DueAt time.Time `bson:"dueAt"`
		}
		if err := cur.All(ctx, &items); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Lease == "" && it.DueAt.After(w.clock.Now()) {
				w.clock.Set(it.DueAt)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("smtptest: %d messages arrived within 20s, want %d (outbox %+v)", len(srv.Messages()), n, items)
		}
	}
}

func importCSV(t *testing.T, w *invitesWorld, body string, query string, want int) importJSON {
	t.Helper()
	var out importJSON
	r := w.do(t, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.pid + "/invites/import" + query, ContentType: "text/csv; charset=utf-8", Body: body}, want)
	r.JSON(t, &out)
	return out
}

type importJSON struct {
	DryRun bool
	Counts map[string]int
	Rows   []struct {
		Line        int
		Email       string
		Status      string
		InviteID    string
		DuplicateOf int
		JoinURL     string
		Errors      []struct {
			Pointer      string
			Detail       string
			Line, Column int
		}
	}
	Errors []struct {
		Pointer      string
		Detail       string
		Line, Column int
	}
}

// A CSV from a spreadsheet (BOM, CRLF, semicolons) is imported row by row; bad rows are
// reported with line and column, the rest invited; the same file again doubles nothing.
func TestInviteCSVImport(t *testing.T) {
	t.Parallel()
	w := newInvitesWorld(t, nil)
	file := "\ufeffEmail;Name;Role;Department\r\n" +
		"ada@example.org;Ada Lovelace;mentee;ICU\r\n" +
		"not-an-email;Bad Row;mentee;ICU\r\n" +
		"ben@example.org;Ben;MENTOR;Surgery\r\n" +
		"\r\n" +
		"ADA@example.org;Ada again;mentee;ICU\r\n" +
		"carl@example.org;Carl;owner;Estates\r\n" +
		"\"dee@example.org\";\"Dee; the second\";mentee;\r\n"
	dry := importCSV(t, w, file, "?dryRun=true", 200)
	if !dry.DryRun || dry.Counts["created"] != 3 || len(w.list(t, "").Items) != 0 {
		t.Fatalf("dry run %+v wrote or miscounted", dry.Counts)
	}
	res := importCSV(t, w, file, "", 200)
	type row struct {
		Line          int
		Email, Status string
	}
	var got []row
	for _, r := range res.Rows {
		got = append(got, row{r.Line, r.Email, r.Status})
	}
	want := []row{{2, "ada@example.org", "created"}, {3, "not-an-email", "invalid"}, {4, "ben@example.org", "created"},
		{6, "ada@example.org", "duplicate"}, {7, "carl@example.org", "invalid"}, {8, "dee@example.org", "created"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("rows (-want +got):\n%s", diff)
	}
	if e := res.Rows[1].Errors; len(e) != 1 || e[0].Pointer != "/email" || e[0].Line != 3 || e[0].Column != 1 {
		t.Errorf("bad email reported as %+v", e)
	}
	if e := res.Rows[4].Errors; len(e) != 1 || e[0].Pointer != "/role" || e[0].Column != 3 {
		t.Errorf("owner row reported as %+v", e)
	}
	if res.Rows[3].DuplicateOf != 2 || res.Rows[0].JoinURL == "" {
		t.Errorf("duplicate of %d, join link %q", res.Rows[3].DuplicateOf, res.Rows[0].JoinURL)
	}
	l := w.list(t, "pending")
	if len(l.Items) != 3 {
		t.Fatalf("%d pending invitations, want 3", len(l.Items))
	}
	names := map[string]string{}
	for _, it := range l.Items {
		names[it.Email] = it.Name + "/" + it.Role + "/" + it.Department
	}
	if diff := cmp.Diff(map[string]string{"ada@example.org": "Ada Lovelace/mentee/ICU", "ben@example.org": "Ben/mentor/Surgery",
		"dee@example.org": "Dee; the second/mentee/"}, names); diff != "" {
		t.Errorf("invitations (-want +got):\n%s", diff)
	}
	// The same file again: nothing new, and every link stays the same.
	again := importCSV(t, w, file, "", 200)
	if again.Counts["created"] != 0 || again.Counts["unchanged"] != 3 || again.Rows[0].JoinURL != res.Rows[0].JoinURL {
		t.Fatalf("re-upload %+v", again.Counts)
	}
	if n := len(w.list(t, "").Items); n != 3 {
		t.Fatalf("%d invitations after re-upload", n)
	}
	// An upload that stopped half-way is completed by uploading the whole file.
	half := "email,role\nfay@example.org,mentee\n"
	importCSV(t, w, half, "", 200)
	whole := importCSV(t, w, half+"gus@example.org,mentee\n", "", 200)
	if whole.Counts["unchanged"] != 1 || whole.Counts["created"] != 1 {
		t.Fatalf("completing an upload: %+v", whole.Counts)
	}
}

// Files that cannot be taken are refused as a whole with the line and column, and nothing is
// written.
func TestInviteCSVRefused(t *testing.T) {
	t.Parallel()
	w := newInvitesWorld(t, nil)
	cases := []struct {
		name, body   string
		status       int
		line, column int
		detail       string
	}{
		{"wrong header", "mail,name,role\nada@example.org,Ada,mentee\n", 422, 1, 1, `unknown column "mail"`},
		{"no role column", "email,name\nada@example.org,Ada\n", 422, 1, 0, `no "role" column`},
		{"broken quote", "email,role\nada@example.org,mentee\n\"ben@example.org,mentee\nx\n", 400, 3, 0, "quote"},
		{"not UTF-8", "email,role\n\xff\xfe@example.org,mentee\n", 400, 2, 0, "UTF-8"},
		{"empty", "", 422, 1, 0, "empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p importJSON
			w.do(t, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.pid + "/invites/import", ContentType: "text/csv", Body: tc.body}, tc.status).JSON(t, &p)
			if len(p.Errors) == 0 || p.Errors[0].Line != tc.line || (tc.column != 0 && p.Errors[0].Column != tc.column) ||
				!strings.Contains(p.Errors[0].Detail, tc.detail) {
				t.Errorf("problem %+v", p.Errors)
			}
		})
	}
	w.do(t, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.pid + "/invites/import", Body: map[string]string{"email": "x"}}, 415)
	if n := len(w.list(t, "").Items); n != 0 {
		t.Errorf("%d invitations written by refused files", n)
	}
}

// 10,000 rows are the limit: a file of exactly that many is imported; one more is refused,
// naming the line where it went over, and writes nothing.
func TestInviteCSVTenThousandRows(t *testing.T) {
	t.Parallel()
	w := newInvitesWorld(t, nil)
	var b strings.Builder
	b.WriteString("email,name,role,department\n")
	for i := range programme.MaxImportRows {
		fmt.Fprintf(&b, "person%05d@example.org,Person %d,mentee,Ward %d\n", i, i, i%40)
	}
	over := b.String() + "one.more@example.org,One more,mentee,ICU\n"
	var p importJSON
	w.do(t, apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.pid + "/invites/import", ContentType: "text/csv", Body: over}, 422).JSON(t, &p)
	if len(p.Errors) != 1 || p.Errors[0].Line != programme.MaxImportRows+2 {
		t.Fatalf("problem %+v", p.Errors)
	}
	start := time.Now()
	res := importCSV(t, w, b.String(), "", 200)
	if res.Counts["created"] != programme.MaxImportRows {
		t.Fatalf("counts %+v", res.Counts)
	}
	t.Logf("10,000 invitations imported in %s", time.Since(start))
}
