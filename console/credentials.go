package console

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/microlearn/microlearn/credential"
	"github.com/microlearn/microlearn/gamification"
)

// Earned credentials in the browser: the caller's badges earned in this programme, each
// with its Open Badges 3.0 credential once issued (the same calls as POST and GET
// /v1/me/credentials), to download as a baked badge image or as the signed VC-JWT, and the
// public status address a verifier checks.
func (c *Console) credentialRoutes() {
	m := c.mux
	m.HandleFunc("GET /p/{pid}/credentials", c.wrap(c.credentialsPage, member))
	m.HandleFunc("POST /p/{pid}/credentials", c.wrap(c.issueCredential, member))
	m.HandleFunc("GET /p/{pid}/credentials/{id}/badge.svg", c.wrap(c.bakedBadge, member))
	m.HandleFunc("GET /p/{pid}/credentials/{id}/credential.jwt", c.wrap(c.credentialJWT, member))
}

type earnedCredential struct {
	Badge      gamification.BadgeProgress
	Credential *credential.Credential
	StatusURL  string
}

type credentialsData struct {
	Earned  []earnedCredential
	Enabled bool
}

func (c *Console) credentialsPage(w http.ResponseWriter, v *view) error {
	ctx := v.r.Context()
	bs, err := c.deps.Gamification.BadgesOf(ctx, v.Caller.UserID, v.Programme.ID)
	if err != nil {
		return err
	}
	mine, err := c.deps.Credentials.Mine(ctx, v.Caller.UserID)
	if err != nil {
		return err
	}
	byBadge := map[string]credential.Credential{}
	for _, cr := range mine {
		if cr.ProgrammeID == v.Programme.ID {
			byBadge[cr.BadgeID] = cr
		}
	}
	d := credentialsData{Enabled: true}
	if _, err := c.deps.Credentials.IssuerOf(ctx, v.Programme.ID); err != nil {
		if !errors.Is(err, credential.ErrIssuerNotFound) {
			return err
		}
		d.Enabled = false
	}
	for _, b := range bs {
		if b.Earned == nil {
			continue
		}
		e := earnedCredential{Badge: b}
		if cr, ok := byBadge[b.Badge.ID]; ok {
			e.Credential = &cr
			e.StatusURL = "/v1/open-badges/credentials/" + url.PathEscape(cr.ID) + "/status"
		}
		d.Earned = append(d.Earned, e)
	}
	c.render(w, v, http.StatusOK, "credentials", d)
	return nil
}

func (c *Console) issueCredential(w http.ResponseWriter, v *view) error {
	f := v.r.PostForm
	_, created, err := c.deps.Credentials.Issue(v.r.Context(), v.Caller.UserID, v.Programme.ID, f.Get("badge"), f.Get("did"))
	if err != nil {
		return err
	}
	msg := "credentials.issued"
	if !created {
		msg = "credentials.already"
	}
	return c.done(w, v, v.P("credentials"), msg)
}

// myCredential is one of the caller's credentials of this programme (another's, or another
// programme's, does not exist here).
func (c *Console) myCredential(v *view) (credential.Credential, error) {
	cr, err := c.deps.Credentials.MineByID(v.r.Context(), v.Caller.UserID, v.r.PathValue("id"))
	if err != nil {
		return cr, err
	}
	if cr.ProgrammeID != v.Programme.ID {
		return cr, credential.ErrNotFound
	}
	return cr, nil
}

func (c *Console) bakedBadge(w http.ResponseWriter, v *view) error {
	cr, err := c.myCredential(v)
	if err != nil {
		return err
	}
	svg, err := c.deps.Credentials.BakedImage(v.r.Context(), v.Caller.UserID, cr.ID)
	if err != nil {
		return err
	}
	download(w, "image/svg+xml", "badge-"+cr.BadgeID+".svg", svg)
	return nil
}

func (c *Console) credentialJWT(w http.ResponseWriter, v *view) error {
	cr, err := c.myCredential(v)
	if err != nil {
		return err
	}
	download(w, "application/vc+jwt", "credential-"+cr.BadgeID+".jwt", []byte(cr.JWT))
	return nil
}

// download answers a file to save, never to show inside the console's origin.
func download(w http.ResponseWriter, contentType, name string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+safeFilename(name)+`"`)
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// safeFilename keeps a download's name to letters, digits and -._ (badge IDs are ours, but
// a header is no place for surprises).
func safeFilename(s string) string {
	out := []byte(s)
	for i, c := range out {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			out[i] = '_'
		}
	}
	return string(out)
}
