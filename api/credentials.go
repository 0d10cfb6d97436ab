package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/credential"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/internal/auth"
	"github.com/microlearn/microlearn/programme"
)

// Open Badges 3.0: an earner's credentials (issue, download as JSON or as a baked SVG),
// owners' issuer profile and revocations, and the public documents a verifier reads
// (issuer, achievements, keys, status list, status and verification), which need no token.

func (s *Server) mountCredentials(r fiber.Router) {
	r.Get("/me/credentials", s.listMyCredentials)
	r.Post("/me/credentials", s.issueCredential)
	r.Get("/me/credentials/:credentialId", s.getMyCredential)
	r.Get("/me/credentials/:credentialId/badge.svg", s.getBakedBadge)
	r.Get("/programmes/:programmeId/open-badges/issuer", s.getIssuer)
	r.Put("/programmes/:programmeId/open-badges/issuer", s.putIssuer)
	r.Get("/programmes/:programmeId/credentials", s.listProgrammeCredentials)
	r.Post("/programmes/:programmeId/credentials/:credentialId/revoke", s.revokeCredential)

	r.Get("/open-badges/issuers/:programmeId", s.publicIssuer)
	r.Get("/open-badges/achievements/:programmeId/:badgeId", s.publicAchievement)
	r.Get("/open-badges/achievements/:programmeId/:badgeId/image.svg", s.publicBadgeImage)
	r.Get("/open-badges/status-lists/:programmeId", s.publicStatusList)
	r.Get("/open-badges/jwks.json", s.publicJWKS)
	r.Get("/open-badges/keys/:kid", s.publicKey)
	r.Get("/open-badges/credentials/:credentialId/status", s.publicCredentialStatus)
	r.Post("/open-badges/verify", s.verifyCredential)
}

type credentialSubjectJSON struct {
	Kind string  `json:"kind"`
	DID  *string `json:"did"`
}

type credentialJSON struct {
	ID          string                `json:"id"`
	ProgrammeID string                `json:"programmeId"`
	BadgeID     string                `json:"badgeId"`
	Status      string                `json:"status"`
	Subject     credentialSubjectJSON `json:"subject"`
	AwardedAt   time.Time             `json:"awardedAt"`
	IssuedAt    time.Time             `json:"issuedAt"`
	RevokedAt   *time.Time            `json:"revokedAt"`
	Reason      *string               `json:"reason"`
	JWT         string                `json:"jwt"`
	Credential  map[string]any        `json:"credential"`
}

func toCredentialJSON(c credential.Credential) (credentialJSON, error) {
	doc, err := c.Document()
	if err != nil {
		return credentialJSON{}, err
	}
	out := credentialJSON{ID: c.ID, ProgrammeID: c.ProgrammeID, BadgeID: c.BadgeID, Status: credential.Valid,
		Subject: credentialSubjectJSON{Kind: "email"}, AwardedAt: c.AwardedAt, IssuedAt: c.IssuedAt, JWT: c.JWT, Credential: doc}
	if c.Subject.DID != "" {
		did := c.Subject.DID
		out.Subject = credentialSubjectJSON{Kind: "did", DID: &did}
	}
	if c.Revoked {
		reason := c.Reason
		out.Status, out.RevokedAt, out.Reason = credential.Revoked, c.RevokedAt, &reason
	}
	return out, nil
}

type credentialList struct {
	Items      []credentialJSON `json:"items"`
	NextCursor *string          `json:"nextCursor"`
}

func (s *Server) respondCredentials(c *fiber.Ctx, cs []credential.Credential, next *string) error {
	out := credentialList{Items: make([]credentialJSON, len(cs)), NextCursor: next}
	for i, cr := range cs {
		j, err := toCredentialJSON(cr)
		if err != nil {
			return err
		}
		out.Items[i] = j
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) listMyCredentials(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	cs, err := s.deps.Credentials.Mine(c.UserContext(), cl.UserID)
	if err != nil {
		return err
	}
	return s.respondCredentials(c, cs, nil)
}

type issueRequest struct {
	ProgrammeID string `json:"programmeId"`
	BadgeID     string `json:"badgeId"`
	DID         string `json:"did"`
}

// issueCredential issues one of the caller's earned badges: 201 the first time, 200 with the
// same credential after that.
func (s *Server) issueCredential(c *fiber.Ctx) error {
	if _, err := signedIn(c); err != nil {
		return err
	}
	var req issueRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	var f apperr.Fields
	f.Check(req.ProgrammeID != "", "/programmeId", "is required")
	f.Check(req.BadgeID != "", "/badgeId", "is required")
	if err := f.Err(); err != nil {
		return err
	}
	cl, err := s.authorize(c, req.ProgrammeID)
	if err != nil {
		return err
	}
	cr, created, err := s.deps.Credentials.Issue(c.UserContext(), cl.UserID, req.ProgrammeID, req.BadgeID, req.DID)
	if err != nil {
		return err
	}
	out, err := toCredentialJSON(cr)
	if err != nil {
		return err
	}
	if created {
		return respond(c, http.StatusCreated, out)
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) getMyCredential(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	cr, err := s.deps.Credentials.MineByID(c.UserContext(), cl.UserID, strings.Clone(c.Params("credentialId")))
	if err != nil {
		return err
	}
	out, err := toCredentialJSON(cr)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) getBakedBadge(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	svg, err := s.deps.Credentials.BakedImage(c.UserContext(), cl.UserID, strings.Clone(c.Params("credentialId")))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="badge.svg"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(fiber.HeaderContentType, "image/svg+xml")
	return c.Status(http.StatusOK).Send(svg)
}

type issuerJSON struct {
	Name        string     `json:"name"`
	URL         string     `json:"url"`
	Email       string     `json:"email"`
	Description string     `json:"description"`
	ImageURL    string     `json:"imageUrl"`
	ProfileID   string     `json:"profileId"`
	UpdatedAt   *time.Time `json:"updatedAt"`
}

type issuerRequest struct {
	Name        string `json:"name"`
	URL         string `json:"url"`
	Email       string `json:"email"`
	Description string `json:"description"`
	ImageURL    string `json:"imageUrl"`
}

func (s *Server) toIssuerJSON(i credential.Issuer) issuerJSON {
	out := issuerJSON{Name: i.Name, URL: i.URL, Email: i.Email, Description: i.Description, ImageURL: i.ImageURL,
		ProfileID: s.deps.Credentials.IssuerIRI(i.ProgrammeID)}
	if !i.UpdatedAt.IsZero() {
		t := i.UpdatedAt
		out.UpdatedAt = &t
	}
	return out
}

func (s *Server) getIssuer(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid, programme.RoleOwner); err != nil {
		return err
	}
	i, err := s.deps.Credentials.IssuerOf(c.UserContext(), pid)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, s.toIssuerJSON(i))
}

// putIssuer sets the programme's issuer profile: from then on its badges can be issued as
// credentials and its achievements are public.
func (s *Server) putIssuer(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid, programme.RoleOwner); err != nil {
		return err
	}
	var req issuerRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	i, err := s.deps.Credentials.SetIssuer(c.UserContext(), credential.Issuer{ProgrammeID: pid, Name: req.Name, URL: req.URL,
		Email: req.Email, Description: req.Description, ImageURL: req.ImageURL})
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, s.toIssuerJSON(i))
}

func (s *Server) listProgrammeCredentials(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid, programme.RoleOwner); err != nil {
		return err
	}
	limit := 50
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return apperr.Invalid("/limit", "must be a whole number from 1 to 100")
		}
		limit = n
	}
	var after credential.Cursor
	if v := c.Query("cursor"); v != "" {
		at, id, ok := decodeTimeCursor(strings.Clone(v))
		if !ok {
			return apperr.Invalid("/cursor", "not a cursor this server issued")
		}
		after = credential.Cursor{IssuedAt: at, ID: id}
	}
	cs, err := s.deps.Credentials.In(c.UserContext(), pid, after, limit+1)
	if err != nil {
		return err
	}
	var next *string
	if len(cs) > limit {
		cs = cs[:limit]
		cur := encodeTimeCursor(cs[limit-1].IssuedAt, cs[limit-1].ID)
		next = &cur
	}
	return s.respondCredentials(c, cs, next)
}

type revokeRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) revokeCredential(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, pid, programme.RoleOwner)
	if err != nil {
		return err
	}
	var req revokeRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	cr, err := s.deps.Credentials.Revoke(c.UserContext(), pid, strings.Clone(c.Params("credentialId")), cl.UserID, req.Reason)
	if err != nil {
		return err
	}
	out, err := toCredentialJSON(cr)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, out)
}

// cacheable answers a public document with Cache-Control and a strong ETag; a request whose
// If-None-Match matches gets 304 without the body.
func cacheable(c *fiber.Ctx, body []byte, contentType string, maxAge time.Duration) error {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "public, max-age="+strconv.Itoa(int(maxAge/time.Second)))
	c.Set("Access-Control-Allow-Origin", "*") // verifiers run in browsers too
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(http.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, contentType)
	return c.Status(http.StatusOK).Send(body)
}

const ldJSON = "application/ld+json"

func cacheableJSON(c *fiber.Ctx, v any, maxAge time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return cacheable(c, b, ldJSON, maxAge)
}

func (s *Server) publicIssuer(c *fiber.Ctx) error {
	doc, err := s.deps.Credentials.PublicIssuer(c.UserContext(), strings.Clone(c.Params("programmeId")))
	if err != nil {
		return err
	}
	return cacheableJSON(c, doc, time.Hour)
}

func (s *Server) publicAchievement(c *fiber.Ctx) error {
	doc, err := s.deps.Credentials.PublicAchievement(c.UserContext(), strings.Clone(c.Params("programmeId")), strings.Clone(c.Params("badgeId")))
	if err != nil {
		return err
	}
	return cacheableJSON(c, doc, time.Hour)
}

func (s *Server) publicBadgeImage(c *fiber.Ctx) error {
	svg, err := s.deps.Credentials.BadgeImage(c.UserContext(), strings.Clone(c.Params("programmeId")), strings.Clone(c.Params("badgeId")))
	if err != nil {
		return err
	}
	return cacheable(c, svg, "image/svg+xml", 24*time.Hour)
}

func (s *Server) publicStatusList(c *fiber.Ctx) error {
	tok, err := s.deps.Credentials.StatusList(c.UserContext(), strings.Clone(c.Params("programmeId")))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Set("Access-Control-Allow-Origin", "*")
	c.Set(fiber.HeaderContentType, "application/vc+jwt")
	return c.Status(http.StatusOK).SendString(tok)
}

type jwksJSON struct {
	Keys []map[string]any `json:"keys"`
}

func (s *Server) publicJWKS(c *fiber.Ctx) error {
	keys, err := s.deps.Credentials.Keys(c.UserContext())
	if err != nil {
		return err
	}
	out := jwksJSON{Keys: make([]map[string]any, len(keys))}
	for i, k := range keys {
		out.Keys[i] = auth.PublicJWK(s.deps.Credentials.KeyIRI(k.ID), k.Public)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return cacheable(c, b, "application/jwk-set+json", 5*time.Minute)
}

var errKeyNotFound = apperr.New(apperr.KindNotFound, "key_not_found", "no credential was signed with this key")

func (s *Server) publicKey(c *fiber.Ctx) error {
	kid := strings.Clone(c.Params("kid"))
	keys, err := s.deps.Credentials.Keys(c.UserContext())
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.ID == kid {
			b, err := json.Marshal(auth.PublicJWK(s.deps.Credentials.KeyIRI(k.ID), k.Public))
			if err != nil {
				return err
			}
			return cacheable(c, b, "application/jwk+json", 24*time.Hour)
		}
	}
	return errKeyNotFound
}

type verdictJSON struct {
	Status        string     `json:"status"`
	Detail        *string    `json:"detail"`
	CredentialID  *string    `json:"credentialId"`
	IssuerID      *string    `json:"issuerId"`
	AchievementID *string    `json:"achievementId"`
	IssuedAt      *time.Time `json:"issuedAt"`
	RevokedAt     *time.Time `json:"revokedAt"`
	Reason        *string    `json:"reason"`
}

// toVerdict tells a verifier what it needs and nothing about the earner.
func (s *Server) toVerdict(v credential.Verdict) verdictJSON {
	out := verdictJSON{Status: v.Status}
	if v.Detail != "" {
		d := v.Detail
		out.Detail = &d
	}
	if c := v.Credential; c != nil {
		id, iss, ach, at := "urn:uuid:"+c.ID, s.deps.Credentials.IssuerIRI(c.ProgrammeID), s.deps.Credentials.AchievementIRI(c.ProgrammeID, c.BadgeID), c.IssuedAt
		out.CredentialID, out.IssuerID, out.AchievementID, out.IssuedAt = &id, &iss, &ach, &at
		if c.Revoked {
			reason := c.Reason
			out.RevokedAt, out.Reason = c.RevokedAt, &reason
		}
	}
	return out
}

func (s *Server) publicCredentialStatus(c *fiber.Ctx) error {
	id := strings.TrimPrefix(strings.Clone(c.Params("credentialId")), "urn:uuid:")
	v, err := s.deps.Credentials.Status(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("Access-Control-Allow-Origin", "*")
	return respond(c, http.StatusOK, s.toVerdict(v))
}

type verifyRequest struct {
	Credential string `json:"credential"`
}

// verifyCredential checks a VC-JWT (as downloaded, or taken out of a baked image): valid,
// revoked or unknown.
func (s *Server) verifyCredential(c *fiber.Ctx) error {
	var req verifyRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Credential == "" || len(req.Credential) > 64<<10 {
		return apperr.Invalid("/credential", "must be the credential's compact JWT (at most 64 KiB)")
	}
	v, err := s.deps.Credentials.Verify(c.UserContext(), req.Credential)
	if err != nil {
		return err
	}
	c.Set("Access-Control-Allow-Origin", "*")
	return respond(c, http.StatusOK, s.toVerdict(v))
}
