package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/gamification"
	"github.com/microlearn/microlearn/internal/auth"
	"github.com/microlearn/microlearn/learning"
	"github.com/microlearn/microlearn/programme"
)

const publicBase = "http://localhost:8080" // PUBLIC_URL unset: the default listen address

type credWorld struct {
	env                  *apitest.Env
	pid                  string
	owner, mentee, other apitest.User
}

// newCredWorld: a programme whose mentee has earned first-lesson and the programme's own
// "one-lesson" badge through a real learning event.
func newCredWorld(t *testing.T) *credWorld {
	env := apitest.New(t)
	w := &credWorld{env: env, owner: env.Register("Olga Owner"), mentee: env.Register("Mia Mentee"), other: env.Register("Oscar Other")}
	ctx := context.Background()
	p, err := env.App.Programmes.Create(ctx, w.owner.ID, programme.Programme{Name: "Ward leaders", Timezone: "Europe/London"})
	if err != nil {
		t.Fatal(err)
	}
	w.pid = p.ID
	for _, u := range []apitest.User{w.mentee, w.other} {
		if err := env.App.Programmes.AddMember(ctx, p.ID, u.ID, programme.RoleMentee); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.App.Gamification.PutBadge(ctx, gamification.Badge{ID: "one-lesson", ProgrammeID: p.ID, Name: "Ward-ready",
		Description: "Complete a lesson of the ward leaders' programme.", Criterion: gamification.Criterion{Counter: gamification.CounterLessons, Target: 1}}); err != nil {
		t.Fatal(err)
	}
	now := env.App.Now()
	if err := env.App.Learning.Publish(ctx, learning.Event{ID: "cred-lesson", Kind: learning.LessonCompleted, UserID: w.mentee.ID,
		ProgrammeID: p.ID, ItemKind: learning.KindLesson, ItemID: "l1", OccurredAt: now, RecordedAt: now}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		bs, err := env.App.Gamification.BadgesOf(ctx, w.mentee.ID, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(bs, func(b gamification.BadgeProgress) bool { return b.Badge.ID == "one-lesson" && b.Earned != nil }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the badge was not earned in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return w
}

type credJSON struct {
	ID         string         `json:"id"`
	Status     string         `json:"status"`
	JWT        string         `json:"jwt"`
	Reason     *string        `json:"reason"`
	Credential map[string]any `json:"credential"`
}

func (w *credWorld) issue(t *testing.T, badge string, want int) credJSON {
	t.Helper()
	r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/me/credentials", Token: w.mentee.Token, Body: map[string]any{"programmeId": w.pid, "badgeId": badge}})
	if r.Status != want {
		t.Fatalf("issue %s: %d, want %d: %s", badge, r.Status, want, r.Body)
	}
	var c credJSON
	if r.Status < 300 {
		r.JSON(t, &c)
	}
	return c
}

// verifyWithJOSE verifies a VC-JWT the way an outside verifier would: with go-jose (not
// the code that signed it), the EdDSA algorithm only, and the key named by the token's kid
// in the JWKS the server publishes. It returns the payload.
func verifyWithJOSE(t *testing.T, env *apitest.Env, token string) map[string]any {
	t.Helper()
	r := env.Do(apitest.Req{Method: "GET", Path: "/v1/open-badges/jwks.json"})
	if r.Status != http.StatusOK {
		t.Fatalf("jwks: %d %s", r.Status, r.Body)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(r.Body, &set); err != nil {
		t.Fatalf("jwks %s: %v", r.Body, err)
	}
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatalf("parse VC-JWT: %v", err)
	}
	kid := jws.Signatures[0].Header.KeyID
	keys := set.Key(kid)
	if len(keys) != 1 {
		t.Fatalf("the JWKS holds %d keys with kid %q", len(keys), kid)
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		t.Fatalf("go-jose rejects the signature: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func strs(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			s, _ := e.(string)
			out = append(out, s)
		}
	case string:
		out = append(out, x)
	}
	return out
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

// checkOB3 checks a credential's JSON against the Open Badges 3.0 shape: the required
// contexts and types, the issuer Profile, the AchievementSubject with its Achievement
// (criteria, image), the issuance date, and (vcJWT) the VC-JWT's registered claims.
func checkOB3(t *testing.T, c map[string]any, issuerName, email string, vcJWT bool) {
	t.Helper()
	ctxs := strs(c["@context"])
	if len(ctxs) < 2 || ctxs[0] != "https://www.w3.org/ns/credentials/v2" || !slices.Contains(ctxs, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json") {
		t.Errorf("@context %v", ctxs)
	}
	if ty := strs(c["type"]); !slices.Contains(ty, "VerifiableCredential") || !slices.Contains(ty, "OpenBadgeCredential") {
		t.Errorf("type %v", ty)
	}
	if id, _ := c["id"].(string); !regexp.MustCompile(`^urn:uuid:[0-9a-f-]{36}$`).MatchString(id) || (vcJWT && c["jti"] != id) {
		t.Errorf("id %v, jti %v", c["id"], c["jti"])
	}
	iss := obj(c["issuer"])
	if iss["id"] == nil || (vcJWT && c["iss"] != iss["id"]) || !slices.Contains(strs(iss["type"]), "Profile") || iss["name"] != issuerName {
		t.Errorf("issuer %v (iss %v)", iss, c["iss"])
	}
	valid, _ := c["validFrom"].(string)
	if at, err := time.Parse(time.RFC3339, valid); err != nil || (vcJWT && c["nbf"] != float64(at.Unix())) {
		t.Errorf("validFrom %q, nbf %v", valid, c["nbf"])
	}
	sub := obj(c["credentialSubject"])
	if !slices.Contains(strs(sub["type"]), "AchievementSubject") {
		t.Errorf("credentialSubject.type %v", sub["type"])
	}
	ach := obj(sub["achievement"])
	if !slices.Contains(strs(ach["type"]), "Achievement") || ach["id"] == nil || ach["name"] == "" || obj(ach["criteria"])["narrative"] == nil ||
		obj(ach["image"])["id"] == nil {
		t.Errorf("achievement %v", ach)
	}
	ids, _ := sub["identifier"].([]any)
	if len(ids) != 1 {
		t.Fatalf("identifier %v", sub["identifier"])
	}
	idobj := obj(ids[0])
	h := sha256.Sum256([]byte(email + idobj["salt"].(string)))
	if idobj["type"] != "IdentityObject" || idobj["identityType"] != "emailAddress" || idobj["hashed"] != true ||
		idobj["identityHash"] != "sha256$"+hex.EncodeToString(h[:]) {
		t.Errorf("identifier %v does not hash %s", idobj, email)
	}
	st := obj(c["credentialStatus"])
	if st["type"] != "BitstringStatusListEntry" || st["statusPurpose"] != "revocation" || st["statusListCredential"] == nil {
		t.Errorf("credentialStatus %v", st)
	}
}

// The issue's "done when": a mentee downloads a signed credential for a badge, which an
// outside verifier (go-jose, with the published JWKS) accepts; its JSON has the OB 3.0
// shape; the achievement is public and cacheable; a key rotation strands nothing; owners
// revoke with a reason, which the status route and the status list then tell.
func TestOpenBadgeCredentialEndToEnd(t *testing.T) {
	t.Parallel()
	w := newCredWorld(t)
	r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/me/credentials", Token: w.mentee.Token, Body: map[string]any{"programmeId": w.pid, "badgeId": "one-lesson"}})
	if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "open_badges_not_enabled") {
		t.Fatalf("before the issuer profile: %d %s", r.Status, r.Body)
	}
	if r := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/open-badges/achievements/" + w.pid + "/one-lesson"}); r.Status != http.StatusNotFound {
		t.Errorf("achievements of a programme that does not issue Open Badges are public: %d", r.Status)
	}
	r = w.env.Do(apitest.Req{Method: "PUT", Path: "/v1/programmes/" + w.pid + "/open-badges/issuer", Token: w.owner.Token,
		Body: map[string]any{"name": "St Mary's Hospital", "url": "https://stmarys.example", "email": "learning@stmarys.example"}})
	if r.Status != http.StatusOK {
		t.Fatalf("issuer: %d %s", r.Status, r.Body)
	}
	w.issue(t, "streak-30", http.StatusNotFound) // not earned
	c := w.issue(t, "one-lesson", http.StatusCreated)
	if again := w.issue(t, "one-lesson", http.StatusOK); again.ID != c.ID || again.JWT != c.JWT {
		t.Errorf("issuing again made another credential")
	}
	claims := verifyWithJOSE(t, w.env, c.JWT)
	checkOB3(t, claims, "St Mary's Hospital", w.mentee.Email, true)
	checkOB3(t, c.Credential, "St Mary's Hospital", w.mentee.Email, false) // the JSON download is the same document
	jws, _ := jose.ParseSigned(c.JWT, []jose.SignatureAlgorithm{jose.EdDSA})
	if h := jws.Signatures[0].Header; h.JSONWebKey == nil || !strings.HasPrefix(h.KeyID, publicBase+"/v1/open-badges/keys/") {
		t.Errorf("JOSE header: kid %q, jwk %v", h.KeyID, h.JSONWebKey)
	}
	kidPath := strings.TrimPrefix(jws.Signatures[0].Header.KeyID, publicBase)
	if r := w.env.Do(apitest.Req{Method: "GET", Path: kidPath}); r.Status != http.StatusOK {
		t.Errorf("the kid does not dereference: %s %d", kidPath, r.Status)
	}

	// The achievement at its IRI: public, cacheable, the same definition the credential names.
	ach := obj(obj(claims["credentialSubject"])["achievement"])
	path := strings.TrimPrefix(ach["id"].(string), publicBase)
	r = w.env.Do(apitest.Req{Method: "GET", Path: path})
	if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Cache-Control"), "max-age") || r.Header.Get("ETag") == "" {
		t.Fatalf("achievement %s: %d %v %s", path, r.Status, r.Header, r.Body)
	}
	var doc map[string]any
	r.JSON(t, &doc)
	if doc["id"] != ach["id"] || doc["name"] != "Ward-ready" || obj(doc["criteria"])["narrative"] == nil {
		t.Errorf("achievement document %v", doc)
	}
	if r2 := w.env.Do(apitest.Req{Method: "GET", Path: path, Header: map[string]string{"If-None-Match": r.Header.Get("ETag")}}); r2.Status != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", r2.Status)
	}
	if r := w.env.Do(apitest.Req{Method: "GET", Path: strings.TrimPrefix(obj(ach["image"])["id"].(string), publicBase)}); r.Status != http.StatusOK ||
		!strings.Contains(string(r.Body), "<svg") {
		t.Errorf("achievement image: %d", r.Status)
	}

	// The baked SVG carries the very JWT.
	r = w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me/credentials/" + c.ID + "/badge.svg", Token: w.mentee.Token})
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`) ||
		!strings.Contains(string(r.Body), `<openbadges:credential verify="`+c.JWT+`">`) {
		t.Errorf("baked badge: %d %.400s", r.Status, r.Body)
	}
	if r := w.env.Do(apitest.Req{Method: "GET", Path: "/v1/me/credentials/" + c.ID + "/badge.svg", Token: w.other.Token}); r.Status != http.StatusNotFound {
		t.Errorf("someone else's credential: %d", r.Status)
	}

	verify := func(tok, want string) map[string]any {
		t.Helper()
		r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/open-badges/verify", Body: map[string]any{"credential": tok}})
		var v map[string]any
		r.JSON(t, &v)
		if r.Status != http.StatusOK || v["status"] != want {
			t.Errorf("verify: %d %s, want %s", r.Status, r.Body, want)
		}
		return v
	}
	verify(c.JWT, "valid")
	parts := strings.Split(c.JWT, ".")
	forged, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged = bytes.Replace(forged, []byte("Ward-ready"), []byte("Ward-chief"), 1)
	verify(parts[0]+"."+base64.RawURLEncoding.EncodeToString(forged)+"."+parts[2], "unknown")

	// Rotation: the key that signed is dropped from the key file; the credential still
	// verifies, with the JWKS and with the verification route.
	ks, err := auth.LoadOrCreateKeySet(w.env.App.Cfg.JWTKeysFile)
	if err != nil {
		t.Fatal(err)
	}
	oldKid, _ := ks.SigningKey()
	if _, err := ks.Rotate(time.Now().Add(-time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Rotate(time.Now(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := w.env.App.Tokens.Keys.Reload(); err != nil {
		t.Fatal(err)
	}
	if kid, _ := w.env.App.Tokens.Keys.SigningKey(); kid == oldKid {
		t.Fatal("the key did not rotate")
	}
	w.mentee.Token = w.env.Login(w.mentee.Email, "correct-horse-battery")
	w.owner.Token = w.env.Login(w.owner.Email, "correct-horse-battery")
	c2 := w.issue(t, "first-lesson", http.StatusCreated)
	j2, _ := jose.ParseSigned(c2.JWT, []jose.SignatureAlgorithm{jose.EdDSA})
	if j2.Signatures[0].Header.KeyID == jws.Signatures[0].Header.KeyID {
		t.Error("the second credential was signed with the retired key")
	}
	verifyWithJOSE(t, w.env, c.JWT)
	verifyWithJOSE(t, w.env, c2.JWT)
	verify(c.JWT, "valid")

	// Revocation: owners only, with a reason; then revoked everywhere a verifier looks.
	revoke := func(tok string, want int) *apitest.Response {
		t.Helper()
		r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/programmes/" + w.pid + "/credentials/" + c.ID + "/revoke", Token: tok,
			Body: map[string]any{"reason": "Awarded in error: the lesson was completed by someone else."}})
		if r.Status != want {
			t.Errorf("revoke: %d, want %d: %s", r.Status, want, r.Body)
		}
		return r
	}
	revoke(w.mentee.Token, http.StatusForbidden)
	revoke(w.owner.Token, http.StatusOK)
	revoke(w.owner.Token, http.StatusConflict)
	v := verify(c.JWT, "revoked")
	if v["reason"] != "Awarded in error: the lesson was completed by someone else." {
		t.Errorf("verdict %v", v)
	}
	verify(c2.JWT, "valid")
	r = w.env.Do(apitest.Req{Method: "GET", Path: "/v1/open-badges/credentials/" + c.ID + "/status"})
	if !strings.Contains(string(r.Body), `"status":"revoked"`) {
		t.Errorf("status: %s", r.Body)
	}
	r = w.env.Do(apitest.Req{Method: "GET", Path: "/v1/open-badges/credentials/urn:uuid:00000000-0000-4000-8000-000000000000/status"})
	if !strings.Contains(string(r.Body), `"status":"unknown"`) {
		t.Errorf("status of a credential never issued: %s", r.Body)
	}
	// The status list: a signed credential whose bit for c is set and for c2 is not.
	list := obj(claims["credentialStatus"])["statusListCredential"].(string)
	r = w.env.Do(apitest.Req{Method: "GET", Path: strings.TrimPrefix(list, publicBase)})
	if r.Status != http.StatusOK {
		t.Fatalf("status list: %d %s", r.Status, r.Body)
	}
	sl := verifyWithJOSE(t, w.env, string(r.Body))
	if !slices.Contains(strs(sl["type"]), "BitstringStatusListCredential") {
		t.Errorf("status list type %v", sl["type"])
	}
	bits := decodeStatusList(t, obj(sl["credentialSubject"])["encodedList"].(string))
	bit := func(cj credJSON) bool {
		idx := obj(cj.Credential["credentialStatus"])["statusListIndex"].(string)
		n := 0
		for _, ch := range idx {
			n = n*10 + int(ch-'0')
		}
		return bits[n/8]&(0x80>>(n%8)) != 0
	}
	if !bit(c) || bit(c2) {
		t.Errorf("status list bits: revoked %v, valid %v", bit(c), bit(c2))
	}
	if len(bits)*8 < 131072 {
		t.Errorf("status list of %d bits, want at least 131072 (herd privacy)", len(bits)*8)
	}
}

func decodeStatusList(t *testing.T, s string) []byte {
	t.Helper()
	if !strings.HasPrefix(s, "u") {
		t.Fatalf("encodedList %q lacks the multibase prefix u", s[:10])
	}
	gz, err := base64.RawURLEncoding.DecodeString(s[1:])
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A DID the earner supplies identifies them instead of the hashed email; a malformed one
// is refused.
func TestCredentialForADID(t *testing.T) {
	t.Parallel()
	w := newCredWorld(t)
	w.env.Do(apitest.Req{Method: "PUT", Path: "/v1/programmes/" + w.pid + "/open-badges/issuer", Token: w.owner.Token, Body: map[string]any{"name": "Guild"}})
	r := w.env.Do(apitest.Req{Method: "POST", Path: "/v1/me/credentials", Token: w.mentee.Token, Body: map[string]any{"programmeId": w.pid, "badgeId": "one-lesson", "did": "not a did"}})
	if r.Status != http.StatusBadRequest {
		t.Errorf("malformed DID: %d %s", r.Status, r.Body)
	}
	did := "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
	r = w.env.Do(apitest.Req{Method: "POST", Path: "/v1/me/credentials", Token: w.mentee.Token, Body: map[string]any{"programmeId": w.pid, "badgeId": "one-lesson", "did": did}})
	if r.Status != http.StatusCreated {
		t.Fatalf("issue: %d %s", r.Status, r.Body)
	}
	var c credJSON
	r.JSON(t, &c)
	claims := verifyWithJOSE(t, w.env, c.JWT)
	if claims["sub"] != did || obj(claims["credentialSubject"])["id"] != did || obj(claims["credentialSubject"])["identifier"] != nil {
		t.Errorf("subject: sub %v, credentialSubject %v", claims["sub"], claims["credentialSubject"])
	}
	if strings.Contains(c.JWT, w.mentee.Email) || strings.Contains(string(r.Body), w.mentee.Email) {
		t.Error("the credential names the earner's email address")
	}
}
