package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/authz"
	"github.com/microlearn/microlearn/content"
)

func (s *Server) mountContent(r fiber.Router) {
	if s.deps.Content == nil {
		return
	}
	r.Get("/programmes/:programmeId/content", s.listContent)
	r.Post("/programmes/:programmeId/content", s.idempotent, s.createContent)
	r.Post("/programmes/:programmeId/content-packs", s.idempotent, s.importPack)
	r.Get("/library/content", s.listLibrary)
	r.Post("/library/content", s.idempotent, s.createLibraryContent)
	r.Put("/content/:itemId", s.updateContent)
	r.Post("/content/:itemId/publish", s.idempotent, s.publishContent)
	r.Post("/content/:itemId/archive", s.idempotent, s.archiveContent)
	r.Get("/content/:itemId/versions/:version", s.contentVersion)

	r.Get("/lessons/:lessonId", s.getLesson)
	r.Get("/quizzes/:quizId", s.getQuiz)
	r.Get("/checklists/:checklistId", s.getChecklist)
	r.Get("/paths/:pathId", s.getPath)

	r.Post("/lessons/:lessonId/progress", s.idempotent, s.lessonProgress)
	r.Post("/quizzes/:quizId/attempts", s.idempotent, s.quizAttempt)
	r.Get("/quizzes/:quizId/attempts", s.myAttempts)
	r.Put("/checklists/:checklistId/items/:itemId", s.tickChecklist)
	r.Get("/me/progress", s.myProgress)
	r.Post("/sync", s.idempotent, s.sync)
}

// itemAccess is a caller's access to one item.
type itemAccess struct {
	cl     Caller
	item   content.Item
	author bool
}

func toItemAccess(a authz.ItemAccess, err error) (itemAccess, error) {
	return itemAccess{cl: a.Caller, item: a.Item, author: a.Author}, err
}

// accessItem loads an item and authorizes the caller to read it (authz.Authorizer.ReadItem:
// members read their programme's published items, authors also the rest).
func (s *Server) accessItem(c *fiber.Ctx, id string, kind content.Kind) (itemAccess, error) {
	cl, err := signedIn(c)
	if err != nil {
		return itemAccess{}, err
	}
	return toItemAccess(s.authz.ReadItem(c.UserContext(), cl, id, kind))
}

// authorItem loads an item and authorizes the caller to author it
// (authz.Authorizer.AuthorItem: owners and mentors of its programme, admins).
func (s *Server) authorItem(c *fiber.Ctx, id string) (itemAccess, error) {
	cl, err := signedIn(c)
	if err != nil {
		return itemAccess{}, err
	}
	return toItemAccess(s.authz.AuthorItem(c.UserContext(), cl, id))
}
