package console

import (
	"archive/zip"
	"context"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/content/contentpack"
	"github.com/microlearn/microlearn/internal/apperr"
)

// The content library for authors (owners and mentors): every status, a preview as a
// mentee sees it, publish and archive, a plain Markdown lesson editor and the import of a
// content pack as a .zip of its folder.

type contentLibraryData struct {
	Items   []content.Item
	Status  string
	Kind    string
	Domains []content.Domain
}

var allDomains = []content.Domain{content.DomainCognitive, content.DomainSkillBased, content.DomainAffective, content.DomainSocialNetworks}

func (c *Console) contentLibrary(w http.ResponseWriter, v *view) error {
	q := v.r.URL.Query()
	f := content.ListFilter{ProgrammeID: v.Programme.ID, Limit: 100, TitleContains: strings.TrimSpace(q.Get("q"))}
	d := contentLibraryData{Domains: allDomains}
	if st := content.Status(q.Get("status")); st.Valid() {
		f.Statuses, d.Status = []content.Status{st}, string(st)
	}
	if k := content.Kind(q.Get("kind")); k.Valid() {
		f.Kind, d.Kind = k, string(k)
	}
	items, _, err := c.deps.Content.List(v.r.Context(), f)
	if err != nil {
		return err
	}
	d.Items = items
	c.render(w, v, http.StatusOK, "content", d)
	return nil
}

type newLessonData struct {
	Domains []content.Domain
}

func (c *Console) newLessonPage(w http.ResponseWriter, v *view) error {
	c.render(w, v, http.StatusOK, "lesson-new", newLessonData{Domains: allDomains})
	return nil
}

// createLesson makes a draft lesson of one Markdown text block (content.Service.Create, as
// POST /v1/programmes/{id}/content does; its validation and budget apply).
func (c *Console) createLesson(w http.ResponseWriter, v *view) error {
	f := v.r.PostForm
	minutes, _ := strconv.Atoi(f.Get("minutes"))
	it := content.Item{Kind: content.KindLesson, Title: f.Get("title"), Summary: f.Get("summary"), Domain: content.Domain(f.Get("domain")),
		DeclaredMinutes: minutes, Tags: splitList(f.Get("tags")), Locale: f.Get("locale"),
		Lesson: &content.Lesson{Blocks: []content.Block{{Type: content.BlockText, Markdown: f.Get("markdown")}}}}
	created, err := c.deps.Content.Create(v.r.Context(), v.Caller.UserID, v.Programme.ID, it)
	if err != nil {
		return err
	}
	return c.done(w, v, v.P("content", created.ID), "content.created")
}

// authorItem authorizes authoring an item of the current programme.
func (c *Console) authorItem(v *view) (content.Item, error) {
	acc, err := c.deps.Authz.AuthorItem(v.r.Context(), v.Caller, v.r.PathValue("id"))
	if err != nil {
		return content.Item{}, err
	}
	if acc.Item.ProgrammeID != v.Programme.ID {
		return content.Item{}, content.ErrNotFound
	}
	return acc.Item, nil
}

// preview shows an item as a mentee will see it, with the author's controls around it.
func (c *Console) preview(w http.ResponseWriter, v *view) error {
	acc, err := c.deps.Authz.AuthorItem(v.r.Context(), v.Caller, v.r.PathValue("id"))
	if err != nil {
		return err
	}
	if acc.Item.ProgrammeID != v.Programme.ID {
		return content.ErrNotFound
	}
	d, err := c.learnData(v, acc)
	if err != nil {
		return err
	}
	d.Preview = true
	v.Title = acc.Item.Title
	c.render(w, v, http.StatusOK, "learn", d)
	return nil
}

func (c *Console) publish(w http.ResponseWriter, v *view) error {
	return c.move(w, v, c.deps.Content.Publish, "content.published")
}

func (c *Console) archive(w http.ResponseWriter, v *view) error {
	return c.move(w, v, c.deps.Content.Archive, "content.archived")
}

func (c *Console) move(w http.ResponseWriter, v *view, to func(context.Context, string) (content.Item, error), msg string) error {
	it, err := c.authorItem(v)
	if err != nil {
		return err
	}
	if it, err = to(v.r.Context(), it.ID); err != nil {
		return err
	}
	return c.done(w, v, backTo(v.r), msg, it.Title)
}

// Limits of a pack upload once unzipped: the form itself is bounded by the body limit.
const (
	maxPackFiles = 500
	maxPackBytes = 16 << 20
)

// importPack reads a .zip of a content pack folder (pack.yaml at its root or inside one
// top folder) and imports it with content.Service.Import, as the API's JSON import does.
func (c *Console) importPack(w http.ResponseWriter, v *view) error {
	file, hdr, err := v.r.FormFile("pack")
	if err != nil {
		return apperr.Invalid("/pack", "choose a .zip file of the content pack")
	}
	defer file.Close()
	files, err := unzipPack(file, hdr.Size)
	if err != nil {
		return err
	}
	pack, _ := contentpack.Parse(files) // problems travel in pack.Problems; Import reports them
	items, err := c.deps.Content.Import(v.r.Context(), v.Caller.UserID, v.Programme.ID, pack)
	if err != nil {
		return err
	}
	var created, updated, same int
	for _, it := range items {
		switch it.Outcome {
		case content.ImportCreated:
			created++
		case content.ImportUpdated:
			updated++
		default:
			same++
		}
	}
	return c.done(w, v, v.P("content"), "content.imported", created, updated, same)
}

var errBadZip = apperr.Invalid("/pack", "is not a readable .zip file of at most 500 files and 16 MB unpacked")

func unzipPack(r io.ReaderAt, size int64) (map[string][]byte, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil || len(zr.File) > maxPackFiles {
		return nil, errBadZip
	}
	files := map[string][]byte{}
	var total int64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasPrefix(path.Base(f.Name), ".") || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, errBadZip
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxPackBytes-total+1))
		rc.Close()
		total += int64(len(b))
		if err != nil || total > maxPackBytes {
			return nil, errBadZip
		}
		files[path.Clean(f.Name)] = b
	}
	return stripTopFolder(files), nil
}

// stripTopFolder drops a single folder every file sits in (a zipped pack folder).
func stripTopFolder(files map[string][]byte) map[string][]byte {
	if _, ok := files["pack.yaml"]; ok {
		return files
	}
	top := ""
	for name := range files {
		first, _, found := strings.Cut(name, "/")
		if !found || (top != "" && first != top) {
			return files
		}
		top = first
	}
	out := make(map[string][]byte, len(files))
	for name, b := range files {
		out[strings.TrimPrefix(name, top+"/")] = b
	}
	return out
}
