package api

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/media"
	"github.com/microlearn/microlearn/programme"
)

// ---- request and response types ----

type uploadRequest struct {
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Alt         string `json:"alt"`
	Caption     string `json:"caption"`
	Title       string `json:"title"`
}

func (r uploadRequest) toNewUpload() media.NewUpload {
	return media.NewUpload{Filename: r.Filename, ContentType: r.ContentType, Size: r.Size, SHA256: r.SHA256, Alt: r.Alt,
		Caption: r.Caption, Title: r.Title}
}

type uploadJSON struct {
	ID           string    `json:"id"`
	ProgrammeID  string    `json:"programmeId"`
	Filename     string    `json:"filename"`
	ContentType  string    `json:"contentType"`
	Size         int64     `json:"size"`
	Offset       int64     `json:"offset"`
	ChunkSize    int       `json:"chunkSize"`
	MaxPartBytes int64     `json:"maxPartBytes"`
	State        string    `json:"state"`
	URL          string    `json:"url"`
	ExpiresAt    time.Time `json:"expiresAt"`
	MediaID      string    `json:"mediaId,omitempty"`
	Problem      string    `json:"problem,omitempty"`
}

type uploadProgressJSON struct {
	Upload       *uploadJSON `json:"upload,omitempty"`
	Media        *mediaJSON  `json:"media,omitempty"`
	Deduplicated bool        `json:"deduplicated"`
}

type trackJSON struct {
	MediaID  string `json:"mediaId"`
	Language string `json:"language"`
	Label    string `json:"label"`
	URL      string `json:"url,omitempty"`
}

// mediaJSON is a media item as the library lists it.
type mediaJSON struct {
	ID              string      `json:"id"`
	ProgrammeID     string      `json:"programmeId"`
	Kind            string      `json:"kind"`
	ContentType     string      `json:"contentType"`
	Filename        string      `json:"filename"`
	Bytes           int64       `json:"bytes"`
	SHA256          string      `json:"sha256"`
	URL             string      `json:"url"`
	Alt             string      `json:"alt"`
	Caption         string      `json:"caption"`
	Title           string      `json:"title"`
	Width           int         `json:"width,omitempty"`
	Height          int         `json:"height,omitempty"`
	DurationSeconds int         `json:"durationSeconds,omitempty"`
	DurationMillis  int64       `json:"durationMillis,omitempty"`
	Codec           string      `json:"codec,omitempty"`
	Frames          int         `json:"frames,omitempty"`
	Cues            int         `json:"cues,omitempty"`
	Blurhash        string      `json:"blurhash,omitempty"`
	DominantColor   string      `json:"dominantColor,omitempty"`
	Variants        []int       `json:"variantWidths,omitempty"`
	Captions        []trackJSON `json:"captions"`
	UploadedBy      string      `json:"uploadedBy"`
	CreatedAt       time.Time   `json:"createdAt"`
	UpdatedAt       time.Time   `json:"updatedAt"`
	Version         int         `json:"version"`
}

// mediaURL is the content-addressed URL of an item (at a width, 0 for the original),
// relative to the API's origin.
func mediaURL(id string, w int) string {
	if w > 0 {
		return "/v1/media/" + id + "?w=" + strconv.Itoa(w)
	}
	return "/v1/media/" + id
}

func toMediaJSON(m media.Media) mediaJSON {
	out := mediaJSON{ID: m.ID, ProgrammeID: m.ProgrammeID, Kind: string(m.Kind), ContentType: m.ContentType, Filename: m.Filename,
		Bytes: m.Bytes, SHA256: m.SHA256, URL: mediaURL(m.ID, 0), Alt: m.Alt, Caption: m.Caption, Title: m.Title,
		Width: m.Info.Width, Height: m.Info.Height, Codec: m.Info.Codec, Frames: m.Info.Frames, Cues: m.Info.Cues,
		Blurhash: m.Info.Blurhash, DominantColor: m.Info.DominantColor, Captions: []trackJSON{},
		UploadedBy: m.UploadedBy, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, Version: m.Version}
	if m.Kind == media.KindVideo || m.Kind == media.KindAnimation {
		out.DurationSeconds, out.DurationMillis = m.Info.DurationSeconds(), m.Info.DurationMillis
	}
	if m.Raster() {
		for _, w := range media.VariantWidths {
			if w < m.Info.Width {
				out.Variants = append(out.Variants, w)
			}
		}
	}
	for _, t := range m.Captions {
		out.Captions = append(out.Captions, trackJSON{MediaID: t.MediaID, Language: t.Language, Label: t.Label, URL: mediaURL(t.MediaID, 0)})
	}
	return out
}

func (s *Server) toUploadJSON(u media.Upload) *uploadJSON {
	return &uploadJSON{ID: u.ID, ProgrammeID: u.ProgrammeID, Filename: u.Filename, ContentType: u.ContentType, Size: u.Size,
		Offset: u.Offset, ChunkSize: u.ChunkSize, MaxPartBytes: s.maxPartBytes(u.ChunkSize), State: string(u.State),
		URL: "/v1/uploads/" + u.ID, ExpiresAt: u.ExpiresAt, MediaID: u.MediaID, Problem: u.FailMessage}
}

// maxPartBytes is the largest part the body limit lets through: whole chunks only.
func (s *Server) maxPartBytes(chunk int) int64 {
	n := int64(s.cfg.BodyLimit) / int64(chunk) * int64(chunk)
	return max(n, int64(chunk))
}

type mediaList struct {
	Items      []mediaJSON `json:"items"`
	NextCursor *string     `json:"nextCursor,omitempty"`
}

type mediaPatchRequest struct {
	Alt      *string      `json:"alt"`
	Caption  *string      `json:"caption"`
	Title    *string      `json:"title"`
	Captions *[]trackJSON `json:"captions"`
	Version  int          `json:"version"`
}

func (r mediaPatchRequest) toPatch() media.Patch {
	p := media.Patch{Alt: r.Alt, Caption: r.Caption, Title: r.Title, Version: r.Version}
	if r.Captions != nil {
		tracks := make([]media.Track, len(*r.Captions))
		for i, t := range *r.Captions {
			tracks[i] = media.Track{MediaID: t.MediaID, Language: t.Language, Label: t.Label}
		}
		p.Captions = &tracks
	}
	return p
}

type libraryJSON struct {
	ProgrammeID string     `json:"programmeId"`
	Public      bool       `json:"public"`
	UpdatedAt   *time.Time `json:"updatedAt,omitempty"`
}

func toLibraryJSON(l media.Library) libraryJSON {
	out := libraryJSON{ProgrammeID: l.ProgrammeID, Public: l.Public}
	if !l.UpdatedAt.IsZero() {
		t := l.UpdatedAt
		out.UpdatedAt = &t
	}
	return out
}

type libraryRequest struct {
	Public *bool `json:"public"`
}

type signedURLRequest struct {
	Width int `json:"width"`
}

type signedURLJSON struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// ---- routes ----

func (s *Server) mountMedia(r fiber.Router) {
	if s.deps.Media == nil {
		return
	}
	r.Post("/programmes/:programmeId/media/uploads", s.startUpload)
	r.Get("/programmes/:programmeId/media", s.listMedia)
	r.Get("/programmes/:programmeId/media-library", s.getLibrary)
	r.Put("/programmes/:programmeId/media-library", s.putLibrary)
	r.Get("/uploads/:uploadId", s.getUpload)
	r.Put("/uploads/:uploadId", s.putUploadPart)
	r.Delete("/uploads/:uploadId", s.cancelUpload)
	r.Get("/media/:mediaId", s.getMediaFile)
	r.Get("/media/:mediaId/info", s.getMediaInfo)
	r.Patch("/media/:mediaId", s.patchMedia)
	r.Delete("/media/:mediaId", s.deleteMedia)
	r.Post("/media/:mediaId/signed-url", s.signMediaURL)
	r.Get("/lessons/:lessonId/bundle", s.lessonBundle)
	r.Get("/paths/:pathId/bundle", s.pathBundle)
	r.Get("/assignments/:assignmentId/bundle", s.assignmentBundle)
}

// rawBody reports whether a request carries raw bytes rather than JSON (upload parts).
func rawBody(c *fiber.Ctx) bool {
	return c.Method() == fiber.MethodPut && strings.HasPrefix(c.Path(), "/v1/uploads/")
}

// servesMedia reports whether a request fetches media bytes: those are sent as they are
// stored (compressing would break byte ranges, and images and videos are compressed already).
func servesMedia(c *fiber.Ctx) bool {
	return strings.HasPrefix(c.Path(), "/v1/media/") && !strings.HasSuffix(c.Path(), "/info")
}

// authors are the roles that manage a programme's media library.
var authors = []programme.Role{programme.RoleOwner, programme.RoleMentor}

// ---- uploads ----

func (s *Server) startUpload(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, pid, authors...)
	if err != nil {
		return err
	}
	var req uploadRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	st, err := s.deps.Media.StartUpload(c.UserContext(), cl.UserID, pid, req.toNewUpload())
	if err != nil {
		return err
	}
	if st.Existing != nil {
		m := toMediaJSON(*st.Existing)
		return respond(c, http.StatusOK, uploadProgressJSON{Media: &m, Deduplicated: true})
	}
	c.Location("/v1/uploads/" + st.Upload.ID)
	return respond(c, http.StatusCreated, uploadProgressJSON{Upload: s.toUploadJSON(st.Upload)})
}

// uploadAccess loads an upload session for its uploader, who must still be an author of its
// programme (outsiders get 404, as for everything of a programme).
func (s *Server) uploadAccess(c *fiber.Ctx) (media.Upload, error) {
	cl, err := signedIn(c)
	if err != nil {
		return media.Upload{}, err
	}
	u, err := s.deps.Media.UploadSession(c.UserContext(), strings.Clone(c.Params("uploadId")))
	if err != nil {
		return media.Upload{}, err
	}
	if cl, err = s.authorize(c, u.ProgrammeID, authors...); err != nil {
		return media.Upload{}, err
	}
	if u.UserID != cl.UserID {
		return media.Upload{}, media.ErrNotUploader
	}
	return u, nil
}

func (s *Server) progress(c *fiber.Ctx, status int, p media.Progress) error {
	out := uploadProgressJSON{Upload: s.toUploadJSON(p.Upload), Deduplicated: p.Deduplicated}
	if p.Media != nil {
		m := toMediaJSON(*p.Media)
		out.Media = &m
	}
	return respond(c, status, out)
}

func (s *Server) getUpload(c *fiber.Ctx) error {
	u, err := s.uploadAccess(c)
	if err != nil {
		return err
	}
	p := media.Progress{Upload: u}
	if u.State == media.UploadCompleted {
		m, err := s.deps.Media.Media(c.UserContext(), u.MediaID)
		if err != nil {
			return err
		}
		p.Media = &m
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.progress(c, http.StatusOK, p)
}

var (
	errPartEncoded = apperr.New(apperr.KindInvalid, "part_encoded", "send upload parts uncompressed: a Content-Encoding on a part is not accepted (a small compressed part could expand without bound)")
	errPartType    = fiber.NewError(fiber.StatusUnsupportedMediaType, "send upload parts as application/octet-stream")
)

func (s *Server) putUploadPart(c *fiber.Ctx) error {
	u, err := s.uploadAccess(c)
	if err != nil {
		return err
	}
	if ce := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)); ce != "" && !strings.EqualFold(ce, "identity") {
		return errPartEncoded
	}
	if mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType)); err != nil || mt != "application/octet-stream" {
		return errPartType
	}
	start, end, total, err := parseContentRange(c.Get(fiber.HeaderContentRange))
	if err != nil {
		return err
	}
	body := c.Request().Body() // raw: Fiber's c.Body() would decompress
	if int64(len(body)) != end-start+1 {
		return apperr.Invalid("/Content-Range", fmt.Sprintf("announces %d bytes (%d-%d) but the body has %d: the part was cut off; send it again", end-start+1, start, end, len(body)))
	}
	p, err := s.deps.Media.PutPart(c.UserContext(), u, media.Part{Offset: start, Total: total, Data: body})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if p.Media != nil && !p.Deduplicated && u.State != media.UploadCompleted {
		status = http.StatusCreated
		c.Location(mediaURL(p.Media.ID, 0))
	}
	return s.progress(c, status, p)
}

// parseContentRange reads "bytes first-last/total".
func parseContentRange(h string) (start, end, total int64, err error) {
	bad := apperr.Invalid("/Content-Range", `is required on every part: "bytes first-last/total", such as bytes 0-1044479/52428800`)
	rest, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes ")
	if !ok {
		return 0, 0, 0, bad
	}
	rng, tot, ok := strings.Cut(rest, "/")
	a, b, ok2 := strings.Cut(rng, "-")
	if !ok || !ok2 {
		return 0, 0, 0, bad
	}
	start, e1 := strconv.ParseInt(a, 10, 64)
	end, e2 := strconv.ParseInt(b, 10, 64)
	total, e3 := strconv.ParseInt(tot, 10, 64)
	if e1 != nil || e2 != nil || e3 != nil || start < 0 || end < start || total <= end {
		return 0, 0, 0, bad
	}
	return start, end, total, nil
}

func (s *Server) cancelUpload(c *fiber.Ctx) error {
	u, err := s.uploadAccess(c)
	if err != nil {
		return err
	}
	if err := s.deps.Media.CancelUpload(c.UserContext(), u); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// ---- the library ----

func (s *Server) listMedia(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid, authors...); err != nil {
		return err
	}
	f := media.ListFilter{ProgrammeID: pid, Limit: 20}
	var fe apperr.Fields
	if v := c.Query("kind"); v != "" {
		f.Kind = media.Kind(v)
		fe.Check(f.Kind.Valid(), "/kind", "must be one of image, video, animation, document, captions")
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		fe.Check(err == nil && n >= 1 && n <= 100, "/limit", "must be a whole number from 1 to 100")
		f.Limit = n
	}
	if v := c.Query("cursor"); v != "" {
		at, id, ok := decodeTimeCursor(v)
		fe.Check(ok, "/cursor", "is not a cursor this API gave out")
		f.After = &media.Cursor{CreatedAt: at, ID: id}
	}
	if err := fe.Err(); err != nil {
		return asBadRequest(err)
	}
	items, next, err := s.deps.Media.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	out := mediaList{Items: make([]mediaJSON, len(items))}
	for i, m := range items {
		out.Items[i] = toMediaJSON(m)
	}
	if next != nil {
		cur := encodeTimeCursor(next.CreatedAt, next.ID)
		out.NextCursor = &cur
	}
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	return respond(c, http.StatusOK, out)
}

// asBadRequest turns a query's validation error into a 400.
func asBadRequest(err error) error {
	if ve, ok := err.(*apperr.ValidationError); ok {
		ve.Unprocessable = false
	}
	return err
}

func (s *Server) getLibrary(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid, authors...); err != nil {
		return err
	}
	l, err := s.deps.Media.Library(c.UserContext(), pid)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toLibraryJSON(l))
}

func (s *Server) putLibrary(c *fiber.Ctx) error {
	pid := strings.Clone(c.Params("programmeId"))
	if _, err := s.authorize(c, pid, programme.RoleOwner); err != nil {
		return err
	}
	var req libraryRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if req.Public == nil {
		return apperr.Invalid("/public", "is required: true publishes the library (anyone with a link can fetch its media), false makes it members-only")
	}
	l, err := s.deps.Media.SetPublic(c.UserContext(), pid, *req.Public)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toLibraryJSON(l))
}

// mediaAccess loads an item and authorizes the caller on its programme with the roles
// (any member when none); outsiders get 404.
func (s *Server) mediaAccess(c *fiber.Ctx, roles ...programme.Role) (media.Media, Caller, error) {
	if _, err := signedIn(c); err != nil {
		return media.Media{}, Caller{}, err
	}
	m, err := s.deps.Media.Media(c.UserContext(), strings.Clone(c.Params("mediaId")))
	if err != nil {
		return media.Media{}, Caller{}, err
	}
	cl, err := s.authorize(c, m.ProgrammeID, roles...)
	return m, cl, err
}

func (s *Server) getMediaInfo(c *fiber.Ctx) error {
	m, _, err := s.mediaAccess(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, fmt.Sprintf(`W/"%s-v%d"`, m.ID, m.Version))
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	return respond(c, http.StatusOK, toMediaJSON(m))
}

func (s *Server) patchMedia(c *fiber.Ctx) error {
	m, _, err := s.mediaAccess(c, authors...)
	if err != nil {
		return err
	}
	var req mediaPatchRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	next, err := s.deps.Media.Update(c.UserContext(), m.ID, req.toPatch())
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, toMediaJSON(next))
}

func (s *Server) deleteMedia(c *fiber.Ctx) error {
	m, _, err := s.mediaAccess(c, programme.RoleOwner)
	if err != nil {
		return err
	}
	if err := s.deps.Media.Delete(c.UserContext(), m.ID); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) signMediaURL(c *fiber.Ctx) error {
	m, _, err := s.mediaAccess(c)
	if err != nil {
		return err
	}
	var req signedURLRequest
	if len(c.Body()) > 0 {
		if err := decode(c, &req); err != nil {
			return err
		}
	}
	if req.Width != 0 {
		if err := media.CheckWidth(req.Width); err != nil {
			return err
		}
	}
	u := s.deps.Media.Sign(m.ID, req.Width)
	q := "exp=" + strconv.FormatInt(u.Expires.Unix(), 10) + "&sig=" + u.Sig
	url := mediaURL(m.ID, req.Width)
	if req.Width > 0 {
		url += "&" + q
	} else {
		url += "?" + q
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return respond(c, http.StatusOK, signedURLJSON{URL: url, ExpiresAt: u.Expires})
}
