package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/gamification"
)

// Badges as people see them: a name, a description, what earns it in words (criteriaText,
// the same for built-in and programme badges) and an image. Built-in badges, and programme
// badges whose owner gave no image, show art embedded in the binary, served publicly from
// /v1/badge-art/{key}.svg (it names nothing about a programme, so phones' image loaders need
// no token); a programme badge may name its own https image instead.

type badgeResponse struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	CriteriaText string        `json:"criteriaText"`
	ImageURL     string        `json:"imageUrl"`
	BuiltIn      bool          `json:"builtIn"`
	Criterion    criterionJSON `json:"criterion"`
}

// toBadgeResponse renders b; base is the server's address for the URL of embedded art.
func toBadgeResponse(base string, b gamification.Badge) badgeResponse {
	return badgeResponse{ID: b.ID, Name: b.Name, Description: b.Description, CriteriaText: b.Criterion.Text(), ImageURL: badgeImageURL(base, b),
		BuiltIn: b.BuiltIn, Criterion: criterionJSON(b.Criterion)}
}

// badgeImageURL is the badge's own image, or its embedded art's address.
func badgeImageURL(base string, b gamification.Badge) string {
	if b.ImageURL != "" {
		return b.ImageURL
	}
	return base + "/v1/badge-art/" + b.ArtKey() + ".svg"
}

// baseURL is the address people reach this server at: PUBLIC_URL, or the request's own.
func (s *Server) baseURL(c *fiber.Ctx) string {
	if base := strings.TrimRight(s.deps.PublicURL, "/"); base != "" {
		return base
	}
	return c.BaseURL()
}

// badgeArt serves embedded badge art (public, immutable while the binary is).
func (s *Server) badgeArt(c *fiber.Ctx) error {
	svg, ok := gamification.BadgeArt(c.Params("key"))
	if !ok {
		return gamification.ErrBadgeNotFound
	}
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	return cacheable(c, svg, "image/svg+xml", 24*time.Hour)
}

type myPrizeResponse struct {
	WinnerID          string     `json:"winnerId"`
	ProgrammeID       string     `json:"programmeId"`
	PrizeID           string     `json:"prizeId"`
	Name              string     `json:"name"`
	Description       string     `json:"description"`
	ClaimInstructions string     `json:"claimInstructions"`
	Kind              string     `json:"kind,omitempty"`
	PeriodKey         string     `json:"periodKey,omitempty"`
	Place             int        `json:"place,omitempty"`
	Score             int64      `json:"score,omitempty"`
	BadgeID           string     `json:"badgeId,omitempty"`
	State             string     `json:"state"`
	AwardedAt         time.Time  `json:"awardedAt"`
	HandedOverAt      *time.Time `json:"handedOverAt,omitempty"`
	PrizeDeleted      bool       `json:"prizeDeleted"`
}

func toMyPrize(w gamification.Win) myPrizeResponse {
	return myPrizeResponse{WinnerID: w.ID, ProgrammeID: w.ProgrammeID, PrizeID: w.PrizeID, Name: w.Prize.Name, Description: w.Prize.Description,
		ClaimInstructions: w.Prize.ClaimInstructions, Kind: w.Prize.Kind, PeriodKey: w.PeriodKey, Place: w.Place, Score: w.Score,
		BadgeID: w.BadgeID, State: w.State(), AwardedAt: w.AwardedAt, HandedOverAt: w.HandedOverAt, PrizeDeleted: w.Deleted}
}

// myPrizes lists what the caller won, with how to claim it and whether it was handed over.
func (s *Server) myPrizes(c *fiber.Ctx) error {
	cl, err := signedIn(c)
	if err != nil {
		return err
	}
	ws, err := s.deps.Gamification.PrizesOf(c.UserContext(), cl.UserID)
	if err != nil {
		return err
	}
	out := itemsResponse[myPrizeResponse]{Items: make([]myPrizeResponse, 0, len(ws))}
	for _, w := range ws {
		out.Items = append(out.Items, toMyPrize(w))
	}
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	return respond(c, http.StatusOK, out)
}
