package api

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/content/contentpack"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/programme"
)

// packRequest is a content pack sent as JSON: each file of the pack folder by its path
// relative to the folder (pack.yaml, lessons/x.md, quizzes/x.yaml, ...), as text.
type packRequest struct {
	Files map[string]string `json:"files"`
	// MediaFiles are the pack's media files (media/...) by path, base64-encoded.
	MediaFiles map[string]string `json:"mediaFiles"`
}

type importedJSON struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Key     string `json:"key"`
	Title   string `json:"title"`
	Version int    `json:"version"`
	Status  string `json:"status"`
	Outcome string `json:"outcome"`
}

type importResponse struct {
	PackID    string         `json:"packId"`
	Items     []importedJSON `json:"items"`
	Created   int            `json:"created"`
	Updated   int            `json:"updated"`
	Unchanged int            `json:"unchanged"`
}

// toImportResponse summarises an import.
func toImportResponse(packID string, items []content.ImportedItem) importResponse {
	out := importResponse{PackID: packID, Items: make([]importedJSON, len(items))}
	for i, r := range items {
		out.Items[i] = importedJSON{ID: r.Item.ID, Kind: string(r.Item.Kind), Key: r.Item.Key, Title: r.Item.Title,
			Version: r.Item.Version, Status: string(r.Item.Status), Outcome: string(r.Outcome)}
		switch r.Outcome {
		case content.ImportCreated:
			out.Created++
		case content.ImportUpdated:
			out.Updated++
		default:
			out.Unchanged++
		}
	}
	return out
}

func (s *Server) importPack(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, pid, programme.RoleOwner, programme.RoleMentor)
	if err != nil {
		return err
	}
	var req packRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if len(req.Files) == 0 {
		var f apperr.Fields
		f.Add("/files", "is required: the files of the pack by path")
		return f.Err()
	}
	files := make(map[string][]byte, len(req.Files)+len(req.MediaFiles))
	for name, text := range req.Files {
		files[name] = []byte(text)
	}
	var f apperr.Fields
	for name, b64 := range req.MediaFiles {
		ptr := "/mediaFiles/" + strings.ReplaceAll(strings.ReplaceAll(name, "~", "~0"), "/", "~1")
		b, err := base64.StdEncoding.DecodeString(b64)
		f.Check(err == nil, ptr, "must be base64 (RFC 4648, with padding)")
		f.Check(strings.HasPrefix(name, "media/"), ptr, "media files lie in the pack's media/ folder")
		files[name] = b
	}
	if err := f.Err(); err != nil {
		return err
	}
	// Problems reading files travel in pack.Problems; Import reports them with the rest.
	pack, _ := contentpack.Parse(files)
	items, err := s.deps.Content.Import(c.UserContext(), cl.UserID, pid, pack)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toImportResponse(pack.ID, items))
}
