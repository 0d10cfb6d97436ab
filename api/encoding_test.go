package api_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"net/http"
	"runtime"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/microlearn/microlearn/api/apitest"
)

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bomb is a JSON object whose one string field holds n spaces: well-formed JSON that
// compresses about a thousand to one.
func bomb(n int) []byte {
	b := make([]byte, 0, n+20)
	b = append(b, `{"email":"`...)
	b = append(b, bytes.Repeat([]byte{' '}, n)...)
	return append(b, `"}`...)
}

// A compressed request body is inflated into at most BODY_LIMIT_BYTES: a gzip bomb gets a
// clean 413 problem+json, not a server that fills its memory (Fiber's c.Body() would
// inflate it whole); a small compressed body still works.
func TestEncodedRequestBodiesAreBounded(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg, _ := json.Marshal(map[string]string{"email": "zip@test.example", "password": "correct-horse-battery",
		"displayName": "Zip", "timezone": "Europe/London"})
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/register", Body: gzipped(t, reg),
		Header: map[string]string{"Content-Encoding": "gzip"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("gzip-encoded register: %d %s", r.Status, r.Body)
	}

	const inflated = 64 << 20 // 64 MiB of spaces, against the default 1 MiB limit
	gz := gzipped(t, bomb(inflated))
	if len(gz) > 1<<20 {
		t.Fatalf("the bomb is %d bytes compressed: it must fit the body limit to test inflation", len(gz))
	}
	var br bytes.Buffer
	bw := brotli.NewWriterLevel(&br, 5)
	_, _ = bw.Write(bomb(inflated))
	_ = bw.Close()
	var zl bytes.Buffer
	zw := zlib.NewWriter(&zl)
	_, _ = zw.Write(bomb(inflated))
	_ = zw.Close()

	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for _, c := range []struct {
		name, encoding string
		body           []byte
		status         int
		code           string
	}{
		{"gzip bomb", "gzip", gz, http.StatusRequestEntityTooLarge, "body_too_large"},
		{"br bomb", "br", br.Bytes(), http.StatusRequestEntityTooLarge, "body_too_large"},
		{"deflate bomb", "deflate", zl.Bytes(), http.StatusRequestEntityTooLarge, "body_too_large"},
		{"corrupt gzip", "gzip", []byte("not gzip at all"), http.StatusBadRequest, "body_encoding_corrupt"},
		{"truncated gzip", "gzip", gzipped(t, reg)[:20], http.StatusBadRequest, "body_encoding_corrupt"},
		{"unknown coding", "compress", reg, http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"a list of codings", "gzip, br", gz, http.StatusUnsupportedMediaType, "unsupported_media_type"},
	} {
		r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: c.body,
			Header: map[string]string{"Content-Encoding": c.encoding}})
		var p struct{ Code, Detail string }
		r.JSON(t, &p)
		if r.Status != c.status || p.Code != c.code || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s (%s), want %d %s problem+json", c.name, r.Status, p.Code, p.Detail, c.status, c.code)
		}
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	// The server runs in this process: had it inflated the bombs, it would have allocated
	// 192 MiB at least.
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 96<<20 {
		t.Errorf("the server allocated %d MiB answering three bombs of 64 MiB", grown>>20)
	}
}
