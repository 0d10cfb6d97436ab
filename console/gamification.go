package console

import "net/http"

// The gamification settings' deletions, as DELETE .../gamification/badges/{id} and
// .../prizes/{id} do them (the gamification service refuses built-in badges).
func (c *Console) gamificationRoutes() {
	own := func(h handler) http.HandlerFunc { return c.wrap(c.inRole(h, owner), member) }
	c.mux.HandleFunc("POST /p/{pid}/gamification/badges/{id}/delete", own(c.deleteBadge))
	c.mux.HandleFunc("POST /p/{pid}/gamification/prizes/{id}/delete", own(c.deletePrize))
}

func (c *Console) deleteBadge(w http.ResponseWriter, v *view) error {
	if err := c.deps.Gamification.DeleteBadge(v.r.Context(), v.Programme.ID, v.r.PathValue("id")); err != nil {
		return err
	}
	return c.done(w, v, v.P("gamification"), "gam.badgeDeleted")
}

func (c *Console) deletePrize(w http.ResponseWriter, v *view) error {
	if err := c.deps.Gamification.DeletePrize(v.r.Context(), v.Programme.ID, v.r.PathValue("id")); err != nil {
		return err
	}
	return c.done(w, v, v.P("gamification"), "gam.prizeDeleted")
}
