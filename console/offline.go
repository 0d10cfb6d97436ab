package console

import (
	"archive/zip"
	"context"
	"embed"
	"html/template"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/media"
)

// A lesson to read offline from the browser: one .zip with the lesson as a page of its own
// (index.html and its style sheet) and every media item it shows, as stored, with the
// captions of its videos; unzipped, it opens in any browser without a connection. It is the
// browser's counterpart of the API's offline bundle (GET /v1/lessons/{id}/bundle), for the
// same readers: readItem authorizes as the API does, and only the lesson's own programme's
// media go in. Progress is recorded back online, on the lesson's page.

//go:embed templates/offline/lesson.html
var offlineFiles embed.FS

var offlineLesson = template.Must(template.New("lesson.html").Funcs(templateFuncs).ParseFS(offlineFiles, "templates/offline/lesson.html"))

// maxOfflineBytes bounds the media of one offline lesson (a ten-minute lesson's media are a
// few megabytes; more is a course for the app, not a download).
const maxOfflineBytes = 256 << 20

func (c *Console) offlineRoutes() {
	c.mux.HandleFunc("GET /p/{pid}/learn/{id}/offline.zip", c.wrap(c.offlineZip, member))
}

// offlineFile is a media item as the offline page names it.
type offlineFile struct {
	Kind, File, ContentType, Alt, Caption, Title, Filename string
	Video                                                  bool
	Captions                                               []offlineTrack
	blob                                                   media.Blob
}

type offlineTrack struct {
	File, Language, Label string
	blob                  media.Blob
}

type offlineData struct {
	Lang, Programme, Saved, Back string
	Item                         content.Item
	Files                        map[string]offlineFile
	t                            func(string, ...any) string
}

func (d offlineData) T(key string, args ...any) string { return d.t(key, args...) }

func (c *Console) offlineZip(w http.ResponseWriter, v *view) error {
	acc, err := c.readItem(v, content.KindLesson)
	if err != nil {
		return err
	}
	it := acc.Item
	files, total, err := c.offlineFiles(v.r.Context(), it)
	if err != nil {
		return err
	}
	if total > maxOfflineBytes {
		return apperr.New(apperr.KindUnprocessable, "offline_too_large", "this lesson's media are too large to download for offline reading: use the app")
	}
	d := offlineData{Lang: v.Lang, Programme: v.Programme.Name, Saved: v.DateTime(c.deps.Now()), Item: it, Files: files, t: v.T,
		Back: c.baseURL(v) + v.P("learn", it.ID)}
	var page strings.Builder
	if err := offlineLesson.Execute(&page, d); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="`+safeFilename("lesson-"+it.ID+".zip")+`"`)
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if err := c.writeOffline(v.r.Context(), w, page.String(), files); err != nil {
		// The answer has begun: the download is cut short, and the log says why.
		c.deps.Log.ErrorContext(v.r.Context(), "offline lesson download failed", "item", it.ID, "error", err.Error())
	}
	return nil
}

// offlineFiles names the lesson's media items in the zip and sums their sizes.
func (c *Console) offlineFiles(ctx context.Context, it content.Item) (map[string]offlineFile, int64, error) {
	out := map[string]offlineFile{}
	ids := it.MediaIDs()
	if len(ids) == 0 || c.deps.Media == nil {
		return out, 0, nil
	}
	found, err := c.deps.Media.Items(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	var total int64
	for id, m := range found {
		if m.ProgrammeID != it.ProgrammeID {
			continue
		}
		f := offlineFile{Kind: string(m.Kind), File: "media/" + safeFilename(m.ID+"-"+m.Filename), ContentType: m.ContentType, Alt: m.Alt,
			Caption: m.Caption, Title: m.Title, Filename: m.Filename, Video: strings.HasPrefix(m.ContentType, "video/"), blob: m.Original()}
		total += m.Bytes
		for _, t := range m.Captions {
			cm, err := c.deps.Media.Media(ctx, t.MediaID)
			if apperr.KindOf(err) == apperr.KindNotFound || (err == nil && cm.ProgrammeID != m.ProgrammeID) {
				continue
			}
			if err != nil {
				return nil, 0, err
			}
			f.Captions = append(f.Captions, offlineTrack{File: "media/" + safeFilename(cm.ID+"-"+cm.Filename), Language: t.Language,
				Label: t.Label, blob: cm.Original()})
			total += cm.Bytes
		}
		out[id] = f
	}
	return out, total, nil
}

func (c *Console) writeOffline(ctx context.Context, w io.Writer, page string, files map[string]offlineFile) error {
	z := zip.NewWriter(w)
	put := func(name string, method uint16, r io.Reader) error {
		fw, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: c.deps.Now()})
		if err != nil {
			return err
		}
		_, err = io.Copy(fw, r)
		return err
	}
	css, _ := staticFiles.ReadFile("static/app.css")
	if err := put("index.html", zip.Deflate, strings.NewReader(page)); err != nil {
		return err
	}
	if err := put("style.css", zip.Deflate, strings.NewReader(string(css))); err != nil {
		return err
	}
	for _, f := range files {
		if err := c.putMedia(ctx, put, f.File, f.blob); err != nil {
			return err
		}
		for _, t := range f.Captions {
			if err := c.putMedia(ctx, put, t.File, t.blob); err != nil {
				return err
			}
		}
	}
	return z.Close()
}

func (c *Console) putMedia(ctx context.Context, put func(string, uint16, io.Reader) error, name string, b media.Blob) error {
	r, err := c.deps.Media.Open(ctx, b, 0, b.Bytes)
	if err != nil {
		return err
	}
	defer r.Close()
	method := zip.Store // images and videos are compressed already
	if strings.HasPrefix(b.ContentType, "text/") || b.ContentType == media.TypeSVG {
		method = zip.Deflate
	}
	return put(path.Clean(name), method, r)
}
