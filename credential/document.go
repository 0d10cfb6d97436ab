package credential

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The documents below are JSON-LD as Open Badges 3.0 defines it. They are built as maps
// because they are the wire format itself (what gets signed), not a model of ours.

// IssuerIRI is the stable IRI of a programme's issuer profile (it dereferences to it).
func (s *Service) IssuerIRI(programmeID string) string {
	return s.base() + "/v1/open-badges/issuers/" + programmeID
}

// AchievementIRI is the stable IRI of a programme badge's achievement definition.
func (s *Service) AchievementIRI(programmeID, badgeID string) string {
	return s.base() + "/v1/open-badges/achievements/" + programmeID + "/" + badgeID
}

// ImageIRI is the IRI of a badge's image.
func (s *Service) ImageIRI(programmeID, badgeID string) string {
	return s.AchievementIRI(programmeID, badgeID) + "/image.svg"
}

// StatusListIRI is the IRI of a programme's revocation status list credential.
func (s *Service) StatusListIRI(programmeID string) string {
	return s.base() + "/v1/open-badges/status-lists/" + programmeID
}

// KeyIRI is the IRI of a signing key: the kid of every VC-JWT, dereferencing to its JWK.
func (s *Service) KeyIRI(kid string) string { return s.base() + "/v1/open-badges/keys/" + kid }

// JWKSIRI is the IRI of the set of every key that signed credentials.
func (s *Service) JWKSIRI() string { return s.base() + "/v1/open-badges/jwks.json" }

func stamp(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// ProfileDocument is the issuer's OB 3.0 Profile.
func (s *Service) ProfileDocument(i Issuer) map[string]any {
	p := map[string]any{"id": s.IssuerIRI(i.ProgrammeID), "type": []string{"Profile"}, "name": i.Name}
	if i.URL != "" {
		p["url"] = i.URL
	}
	if i.Email != "" {
		p["email"] = i.Email
	}
	if i.Description != "" {
		p["description"] = i.Description
	}
	if i.ImageURL != "" {
		p["image"] = map[string]any{"id": i.ImageURL, "type": "Image"}
	}
	return p
}

// withContext returns the document as a standalone JSON-LD document.
func withContext(doc map[string]any) map[string]any {
	out := map[string]any{"@context": []string{ContextVC, ContextOB}}
	for k, v := range doc {
		out[k] = v
	}
	return out
}

// AchievementDocument is a badge's OB 3.0 Achievement: name, description, criteria, image.
func (s *Service) AchievementDocument(a Achievement, i Issuer) map[string]any {
	criteria := a.Criteria
	if criteria == "" {
		criteria = a.Description
	}
	return map[string]any{"id": s.AchievementIRI(a.ProgrammeID, a.BadgeID), "type": []string{"Achievement"},
		"achievementType": "Badge", "name": a.Name, "description": a.Description,
		"criteria": map[string]any{"narrative": criteria},
		"image":    map[string]any{"id": s.ImageIRI(a.ProgrammeID, a.BadgeID), "type": "Image", "caption": a.Name},
		"creator":  s.ProfileDocument(i)}
}

// CredentialDocument is the OpenBadgeCredential of c: the issuer profile, the earner as an
// AchievementSubject with the achievement, the issuance date (validFrom) and the date the
// badge was earned (awardedDate), its place in the revocation status list and the OB 3.0
// JSON schema it follows.
func (s *Service) CredentialDocument(c Credential, e Earned, i Issuer) map[string]any {
	subject := map[string]any{"type": []string{"AchievementSubject"}, "achievement": s.AchievementDocument(e.Achievement, i)}
	if c.Subject.DID != "" {
		subject["id"] = c.Subject.DID
	} else {
		subject["identifier"] = []map[string]any{{"type": "IdentityObject", "identityHash": c.Subject.IdentityHash,
			"identityType": "emailAddress", "hashed": true, "salt": c.Subject.Salt}}
	}
	list := s.StatusListIRI(c.ProgrammeID)
	return map[string]any{
		"@context":          []string{ContextVC, ContextOB},
		"id":                "urn:uuid:" + c.ID,
		"type":              []string{"VerifiableCredential", "OpenBadgeCredential"},
		"issuer":            s.ProfileDocument(i),
		"validFrom":         stamp(c.IssuedAt),
		"awardedDate":       stamp(c.AwardedAt),
		"name":              e.Achievement.Name,
		"credentialSubject": subject,
		"credentialStatus": map[string]any{"id": list + "#" + strconv.Itoa(c.StatusIndex), "type": "BitstringStatusListEntry",
			"statusPurpose": "revocation", "statusListIndex": strconv.Itoa(c.StatusIndex), "statusListCredential": list},
		"credentialSchema": []map[string]any{{"id": SchemaOB, "type": SchemaValidator}},
	}
}

// jwtClaims adds the registered claims OB 3.0 (§8.2) puts beside the credential in a
// VC-JWT's payload: iss the issuer's id, nbf the issuance date, jti the credential's id, sub
// the subject's id when it has one.
func jwtClaims(doc map[string]any, issuerID, id, subject string, issued time.Time) map[string]any {
	claims := map[string]any{}
	for k, v := range doc {
		claims[k] = v
	}
	claims["iss"], claims["nbf"], claims["jti"] = issuerID, issued.UTC().Unix(), id
	if subject != "" {
		claims["sub"] = subject
	}
	return claims
}

// Document returns the credential as the JSON-LD document its VC-JWT carries (the payload
// without the JWT's registered claims).
func (c Credential) Document() (map[string]any, error) {
	parts := strings.Split(c.JWT, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("credential %s: malformed JWT", c.ID)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("credential %s: %w", c.ID, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("credential %s: %w", c.ID, err)
	}
	for _, k := range []string{"iss", "nbf", "jti", "sub"} {
		delete(doc, k)
	}
	return doc, nil
}
