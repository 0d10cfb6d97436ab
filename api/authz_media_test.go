package api_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/media"
)

// noisePNG is a w×h PNG of seeded noise: distinct seeds give distinct files (and so distinct
// media items), and noise does not compress, so a file spans as many chunks as its size says.
func noisePNG(t testing.TB, w, h int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, uint64(w*h)))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// smoothPNG is a small gradient PNG (compresses to a few hundred bytes).
func smoothPNG(t testing.TB, w, h int, tint uint8) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), tint, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// serviceUpload stores a file through the media service (fixtures; the HTTP route has its
// own tests).
func serviceUpload(t testing.TB, svc *media.Service, userID, programmeID, ct string, data []byte) media.Media {
	t.Helper()
	ctx := context.Background()
	st, err := svc.StartUpload(ctx, userID, programmeID, media.NewUpload{Filename: "fixture", ContentType: ct, Size: int64(len(data)), Alt: "A fixture image"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Existing != nil {
		return *st.Existing
	}
	u := st.Upload
	var p media.Progress
	for off := 0; off < len(data); off += u.ChunkSize * 4 {
		end := min(len(data), off+u.ChunkSize*4)
		if p, err = svc.PutPart(ctx, u, media.Part{Offset: int64(off), Total: int64(len(data)), Data: data[off:end]}); err != nil {
			t.Fatal(err)
		}
		u = p.Upload
	}
	return *p.Media
}

func startUpload(t testing.TB, svc *media.Service, userID, programmeID string, size int) media.Upload {
	t.Helper()
	st, err := svc.StartUpload(context.Background(), userID, programmeID, media.NewUpload{Filename: "x.png", ContentType: "image/png", Size: int64(size), Alt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return st.Upload
}

func partReq(path string, data []byte) apitest.Req {
	return apitest.Req{Path: path, Body: data, ContentType: "application/octet-stream",
		Header: map[string]string{"Content-Range": fmt.Sprintf("bytes 0-%d/%d", len(data)-1, len(data))}}
}

func init() {
	var seed uint64 = 100
	png := func(t *testing.T) []byte { seed++; return smoothPNG(t, 30, 20, uint8(seed)) }
	addFixture(func(t *testing.T, f *Fixture) {
		svc := f.Env.App.Media
		m := serviceUpload(t, svc, f.Users[Owner].ID, f.ProgrammeID, "image/png", smoothPNG(t, 40, 30, 1))
		f.IDs["mediaId"] = m.ID
		f.IDs["uploadId"] = startUpload(t, svc, f.Users[Owner].ID, f.ProgrammeID, 100).ID
	})
	authorsOnly := map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 403, Mentor: 200, Owner: 200, Admin: 200}
	members := map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 200, Owner: 200, Admin: 200}
	uploaderOnly := func(ok int) map[Who]int {
		return map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 403, Mentor: 403, Owner: ok, Admin: 403}
	}
	// ownUpload gives the owner a fresh upload of their own (the fixture's is used by the others).
	ownUpload := func(t *testing.T, f *Fixture, who Who, data []byte) string {
		if who == Owner {
			return startUpload(t, f.Env.App.Media, f.Users[Owner].ID, f.ProgrammeID, len(data)).ID
		}
		return f.IDs["uploadId"]
	}
	addRows(
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/media/uploads",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 403, Mentor: 201, Owner: 201, Admin: 201},
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/media/uploads"),
					Body: map[string]any{"filename": "a.png", "contentType": "image/png", "size": 1000, "alt": "a picture"}}
			}},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/media", Expect: authorsOnly},
		Row{Method: "GET", Path: "/v1/programmes/{programmeId}/media-library", Expect: authorsOnly},
		Row{Method: "PUT", Path: "/v1/programmes/{programmeId}/media-library",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 403, Mentor: 403, Owner: 200, Admin: 200},
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/programmes/{programmeId}/media-library"), Body: map[string]any{"public": false}}
			}},
		Row{Method: "GET", Path: "/v1/uploads/{uploadId}", Expect: uploaderOnly(200)},
		Row{Method: "PUT", Path: "/v1/uploads/{uploadId}", Expect: uploaderOnly(201),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				data := png(t)
				return partReq("/v1/uploads/"+ownUpload(t, f, who, data), data)
			}},
		Row{Method: "DELETE", Path: "/v1/uploads/{uploadId}", Expect: uploaderOnly(204),
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: "/v1/uploads/" + ownUpload(t, f, who, make([]byte, 10))}
			}},
		Row{Method: "GET", Path: "/v1/media/{mediaId}", Expect: members},
		Row{Method: "HEAD", Path: "/v1/media/{mediaId}", Expect: members},
		Row{Method: "GET", Path: "/v1/media/{mediaId}/info", Expect: members},
		Row{Method: "PATCH", Path: "/v1/media/{mediaId}", Expect: authorsOnly,
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				return apitest.Req{Path: f.PathWith(t, "/v1/media/{mediaId}"), Body: map[string]any{"caption": "by " + string(who)}}
			}},
		Row{Method: "DELETE", Path: "/v1/media/{mediaId}",
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 403, Mentor: 403, Owner: 204, Admin: 204},
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				id := f.IDs["mediaId"]
				if who == Owner || who == Admin {
					id = serviceUpload(t, f.Env.App.Media, f.Users[Owner].ID, f.ProgrammeID, "image/png", png(t)).ID
				}
				return apitest.Req{Path: "/v1/media/" + id}
			}},
		Row{Method: "POST", Path: "/v1/media/{mediaId}/signed-url", Expect: members},
		Row{Method: "GET", Path: "/v1/lessons/{lessonId}/bundle", Expect: members},
		Row{Method: "GET", Path: "/v1/paths/{pathId}/bundle", Expect: members},
		Row{Method: "GET", Path: "/v1/assignments/{assignmentId}/bundle",
			// The mentee whose copy it is, the pairing's mentor and admins; nobody else can tell it exists.
			Expect: map[Who]int{Anon: 401, OtherMember: 404, OtherOwner: 404, Mentee: 200, Mentor: 200, Owner: 404, Admin: 200},
			Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
				views, _, err := f.Env.App.Mentoring.MyAssignments(context.Background(), f.Users[Mentee].ID, "", nil, 10)
				if err != nil || len(views) == 0 {
					t.Fatalf("no assignment in the fixture: %v", err)
				}
				return apitest.Req{Path: "/v1/assignments/" + views[0].ID + "/bundle"}
			}},
	)
	_ = http.StatusOK
}
