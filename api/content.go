package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/programme"
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

// accessItem loads an item and authorizes the caller to read it. Programme items are
// readable by the programme's members (through authorize: outsiders get 404); global items by
// anyone signed in. Only authors (owners and mentors of the programme, admins; admins alone
// for the global library) see items that are not published; for everyone else those do not
// exist.
func (s *Server) accessItem(c *fiber.Ctx, id string, kind content.Kind) (itemAccess, error) {
	cl, err := signedIn(c)
	if err != nil {
		return itemAccess{}, err
	}
	it, err := s.deps.Content.Item(c.UserContext(), id)
	if err == nil && kind != "" && it.Kind != kind {
		err = content.ErrNotFound
	}
	if err != nil {
		return itemAccess{}, err
	}
	author := cl.Admin
	if !it.Global() {
		if cl, err = s.authorize(c, it.ProgrammeID); err != nil {
			return itemAccess{}, err
		}
		author = cl.Admin || cl.Role == programme.RoleOwner || cl.Role == programme.RoleMentor
	}
	if !author && it.Status != content.StatusPublished {
		return itemAccess{}, content.ErrNotFound
	}
	return itemAccess{cl: cl, item: it, author: author}, nil
}

// authorItem loads an item and authorizes the caller to author it: owners and mentors of its
// programme, or admins (the only authors of the global library).
func (s *Server) authorItem(c *fiber.Ctx, id string) (itemAccess, error) {
	if _, err := signedIn(c); err != nil {
		return itemAccess{}, err
	}
	it, err := s.deps.Content.Item(c.UserContext(), id)
	if err != nil {
		return itemAccess{}, err
	}
	var cl Caller
	if it.Global() {
		cl, err = adminOnly(c)
	} else {
		cl, err = s.authorize(c, it.ProgrammeID, programme.RoleOwner, programme.RoleMentor)
	}
	if err != nil {
		return itemAccess{}, err
	}
	return itemAccess{cl: cl, item: it, author: true}, nil
}
