// Command media-seek measures the time to the first byte of a seek into a 50 MB video with
// 1 GB of other media stored, over real HTTP, on the embedded database (FerretDB, patched as
// docs/decisions.md says), the way a phone's player seeks: GET /v1/media/{id} with
// Range: bytes=<offset>-, reading the first byte of the body. It also times the same seeks
// through the official driver's GridFS bucket (OpenDownloadStream + Skip), which finds
// chunks by {files_id, n} and must read every chunk before the offset. It is not a test.
//
//	go run ./bench/media-seek -filler-mb 1024 -video-mb 50 -seeks 40
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/media"
	"github.com/microlearn/microlearn/media/mediadb"
	"github.com/microlearn/microlearn/programme"
)

func main() {
	fillerMB := flag.Int("filler-mb", 1024, "MiB of other media stored before the video")
	videoMB := flag.Int("video-mb", 50, "size of the video in MiB")
	seeks := flag.Int("seeks", 40, "seeks measured")
	chunk := flag.Int("chunk-bytes", media.DefaultChunkSize, "GridFS chunk size (MEDIA_CHUNK_BYTES)")
	firstOnly := flag.Bool("first-byte-only", false, "time only the first byte (an engine too slow to stream a MiB within HTTP_WRITE_TIMEOUT)")
	driver := flag.Int("driver-seeks", 10, "seeks through the driver's GridFS bucket (0: none)")
	flag.Parse()
	readMiB = !*firstOnly
	if err := run(*fillerMB, *videoMB, *seeks, *chunk, *driver); err != nil {
		fmt.Fprintln(os.Stderr, "media-seek:", err)
		os.Exit(1)
	}
}

// readMiB makes each seek read its first MiB too.
var readMiB = true

func run(fillerMB, videoMB, seeks, chunk, driverSeeks int) error {
	dir, err := os.MkdirTemp("", "microlearn-media-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, err := app.LoadConfig(config.FromMap(map[string]string{"DATA_DIR": dir, "DEMO_SEED": "false", "EMBEDDED_MONGO_ADDR": "127.0.0.1:0",
		"BODY_LIMIT_BYTES": "4194304", "MEDIA_CHUNK_BYTES": fmt.Sprint(chunk)}))
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = a.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	owner, token, err := register(base)
	if err != nil {
		return err
	}
	p, err := a.Programmes.Create(ctx, owner, programme.Programme{Name: "Bench", Timezone: "UTC"})
	if err != nil {
		return err
	}
	t0 := time.Now()
	n, err := fill(ctx, a.Media.Store, int64(fillerMB)<<20, a.Media.ChunkBytes())
	if err != nil {
		return err
	}
	fillTime := time.Since(t0)
	video, err := paddedVideo(int64(videoMB) << 20)
	if err != nil {
		return err
	}
	t0 = time.Now()
	id, err := upload(base, token, p.ID, video)
	if err != nil {
		return err
	}
	upTime := time.Since(t0)
	dbSize := dirSize(dir)
	fmt.Printf("stored: %d MiB of other media in %d files (%.0f s to insert), then a %d MiB MP4 uploaded over HTTP in 4 MiB parts in %.1f s (%.1f MiB/s); data dir %.0f MiB\n",
		fillerMB, n, fillTime.Seconds(), videoMB, upTime.Seconds(), float64(len(video))/(1<<20)/upTime.Seconds(), float64(dbSize)/(1<<20))

	rng := mrand.New(mrand.NewPCG(1, 2))
	offsets := make([]int64, seeks)
	for i := range offsets {
		offsets[i] = rng.Int64N(int64(len(video)) - 1)
	}
	load := loadAverage()
	httpTTFB, httpMiB, err := seekHTTP(base+"/v1/media/"+id, token, offsets, video)
	if err != nil {
		return err
	}
	m, err := a.Media.Media(ctx, id)
	if err != nil {
		return err
	}
	driverTTFB, err := seekDriver(ctx, a, m, offsets[:min(len(offsets), driverSeeks)], video)
	if err != nil {
		return err
	}
	printSeeks(videoMB, fillerMB, chunk, load, httpTTFB, httpMiB, driverTTFB)
	return nil
}

// printSeeks writes the figures as the table docs/benchmarks.md holds.
func printSeeks(videoMB, fillerMB, chunk int, load string, httpTTFB, httpMiB, driverTTFB []time.Duration) {
	fmt.Printf("\n| seek into the %d MiB video, %d MiB of media stored, %d KiB chunks (load average %s) | seeks | p50 | p95 | max |\n|---|---|---|---|---|\n", videoMB, fillerMB, chunk>>10, load)
	fmt.Printf("| HTTP Range bytes=N-, first body byte (chunk _id lookup) | %d | %s | %s | %s |\n", len(httpTTFB), pct(httpTTFB, 50), pct(httpTTFB, 95), pct(httpTTFB, 100))
	if readMiB {
		fmt.Printf("| HTTP Range bytes=N-, first MiB of the body | %d | %s | %s | %s |\n", len(httpMiB), pct(httpMiB, 50), pct(httpMiB, 95), pct(httpMiB, 100))
	}
	if len(driverTTFB) > 0 {
		fmt.Printf("| driver GridFS bucket: open + Skip(N) + first byte ({files_id, n} reads) | %d | %s | %s | %s |\n", len(driverTTFB), pct(driverTTFB, 50), pct(driverTTFB, 95), pct(driverTTFB, 100))
	}
}

// fill stores total bytes of other programmes' media straight through the store (as if
// uploaded earlier), in 8 MiB files of random bytes.
func fill(ctx context.Context, st media.Store, total int64, chunk int) (int, error) {
	const fileBytes = 8 << 20
	data := make([]byte, fileBytes)
	n := 0
	for stored := int64(0); stored < total; stored += fileBytes {
		_, _ = rand.Read(data)
		fid := st.NewFileID()
		var chunks [][]byte
		for off := 0; off < len(data); off += chunk {
			chunks = append(chunks, data[off:min(len(data), off+chunk)])
		}
		for i := 0; i < len(chunks); i += 8 {
			if err := st.WriteChunks(ctx, fid, i, chunks[i:min(len(chunks), i+8)]); err != nil {
				return n, err
			}
		}
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])
		pid := fmt.Sprintf("filler-%d", n%50)
		if err := st.FinishFile(ctx, media.File{ID: fid, Length: fileBytes, ChunkSize: chunk, Filename: "filler.bin", ContentType: media.TypeMP4, ProgrammeID: pid, SHA256: h, UploadedAt: time.Now()}); err != nil {
			return n, err
		}
		if _, err := st.InsertMedia(ctx, media.Media{ID: media.DeriveID(pid, h), ProgrammeID: pid, FileID: fid, Kind: media.KindVideo,
			ContentType: media.TypeMP4, Filename: "filler.bin", Bytes: fileBytes, ChunkSize: chunk, SHA256: h, Version: 1,
			CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// paddedVideo is the demo video followed by a free box up to size bytes: a valid MP4
// (players skip free boxes) of the wanted size, made without ffmpeg.
func paddedVideo(size int64) ([]byte, error) {
	v, err := os.ReadFile(filepath.Join("content", "packs", "demo", "media", "session-walkthrough.mp4"))
	if err != nil {
		return nil, fmt.Errorf("run from the repository root: %w", err)
	}
	pad := size - int64(len(v))
	out := make([]byte, 0, size)
	out = append(out, v...)
	hdr := make([]byte, 8)
	binary.BigEndian.PutUint32(hdr, uint32(pad))
	copy(hdr[4:], "free")
	out = append(out, hdr...)
	filler := make([]byte, pad-8)
	_, _ = rand.Read(filler)
	return append(out, filler...), nil
}

func register(base string) (string, string, error) {
	body := `{"email":"bench@example.com","password":"correct-horse-battery","displayName":"Bench","timezone":"UTC"}`
	resp, err := http.Post(base+"/v1/auth/register", "application/json", bytes.NewReader([]byte(body)))
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string
		User        struct{ ID string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		return "", "", fmt.Errorf("register: %d %v", resp.StatusCode, err)
	}
	return out.User.ID, out.AccessToken, nil
}

func do(req *http.Request, token string) (*http.Response, error) {
	req.Header.Set("Authorization", "Bearer "+token)
	return http.DefaultClient.Do(req)
}

func upload(base, token, pid string, data []byte) (string, error) {
	body, _ := json.Marshal(map[string]any{"filename": "big.mp4", "contentType": "video/mp4", "size": len(data)})
	req, _ := http.NewRequest("POST", base+"/v1/programmes/"+pid+"/media/uploads", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := do(req, token)
	if err != nil {
		return "", err
	}
	var p struct {
		Upload struct {
			URL          string
			MaxPartBytes int
		}
		Media struct{ ID string }
	}
	err = json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("start upload: %d %v", resp.StatusCode, err)
	}
	part := p.Upload.MaxPartBytes
	for off := 0; off < len(data); off += part {
		end := min(len(data), off+part)
		req, _ := http.NewRequest("PUT", base+p.Upload.URL, bytes.NewReader(data[off:end]))
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, end-1, len(data)))
		resp, err := do(req, token)
		if err != nil {
			return "", err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return "", fmt.Errorf("part at %d: %d %s", off, resp.StatusCode, b)
		}
		if end == len(data) {
			if err := json.Unmarshal(b, &p); err != nil {
				return "", err
			}
		}
	}
	return p.Media.ID, nil
}

// seekHTTP seeks to each offset and returns the times to the first byte and to the first
// MiB of the body (what a player buffers before it plays on).
func seekHTTP(url, token string, offsets []int64, video []byte) ([]time.Duration, []time.Duration, error) {
	var first, mib []time.Duration
	for i, off := range append([]int64{0}, offsets...) { // the first request warms the item cache
		off = min(off, int64(len(video))-(1<<20))
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", off))
		start := time.Now()
		resp, err := do(req, token)
		if err != nil {
			return nil, nil, err
		}
		b := make([]byte, 1<<20)
		_, err = io.ReadFull(resp.Body, b[:1])
		d1 := time.Since(start)
		want := b[:1]
		if err == nil && readMiB {
			_, err = io.ReadFull(resp.Body, b[1:])
			want = b
		}
		d2 := time.Since(start)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusPartialContent || !bytes.Equal(want, video[off:off+int64(len(want))]) {
			return nil, nil, fmt.Errorf("seek to %d: %d %v", off, resp.StatusCode, err)
		}
		if i > 0 {
			first, mib = append(first, d1), append(mib, d2)
		}
	}
	return first, mib, nil
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := bytes.Fields(b)
	return string(f[0])
}

func seekDriver(ctx context.Context, a *app.App, m media.Media, offsets []int64, video []byte) ([]time.Duration, error) {
	oid, err := bson.ObjectIDFromHex(m.FileID)
	if err != nil {
		return nil, err
	}
	bucket := a.DB.DB.GridFSBucket(options.GridFSBucket().SetName(mediadb.Bucket))
	var out []time.Duration
	for _, off := range offsets {
		start := time.Now()
		s, err := bucket.OpenDownloadStream(ctx, oid)
		if err != nil {
			return nil, err
		}
		if _, err := s.Skip(off); err != nil {
			return nil, err
		}
		b := make([]byte, 1)
		if _, err := io.ReadFull(s, b); err != nil || b[0] != video[off] {
			return nil, fmt.Errorf("driver seek to %d: %v", off, err)
		}
		out = append(out, time.Since(start))
		_ = s.Close()
	}
	return out, nil
}

func pct(ds []time.Duration, p int) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[min(i, len(s)-1)].Round(10 * time.Microsecond).String()
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}
