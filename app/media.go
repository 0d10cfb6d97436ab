package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"path"
	"slices"
	"time"

	"github.com/microlearn/microlearn/content"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/media"
	"github.com/microlearn/microlearn/media/mediadb"
)

// MediaConfig tunes the media library (README: Configuration).
type MediaConfig struct {
	Limits        media.Limits
	ChunkSize     int
	UploadTTL     time.Duration
	SignedURLTTL  time.Duration
	SweepInterval time.Duration
}

func loadMediaConfig(env *config.Env) MediaConfig {
	mib := func(name string, def, maxMiB int) int64 {
		return int64(env.Int(name, def, 1, maxMiB<<20))
	}
	return MediaConfig{
		Limits: media.Limits{
			MaxBytes: map[media.Kind]int64{
				media.KindImage:     mib("MEDIA_MAX_IMAGE_BYTES", media.DefaultMaxImageBytes, 100),
				media.KindVideo:     mib("MEDIA_MAX_VIDEO_BYTES", media.DefaultMaxVideoBytes, 2048),
				media.KindAnimation: mib("MEDIA_MAX_ANIMATION_BYTES", media.DefaultMaxAnimationBytes, 200),
				media.KindDocument:  mib("MEDIA_MAX_DOCUMENT_BYTES", media.DefaultMaxDocumentBytes, 500),
				media.KindCaptions:  mib("MEDIA_MAX_CAPTIONS_BYTES", media.DefaultMaxCaptionsBytes, 20),
			},
			MaxPixels: int64(env.Int("MEDIA_MAX_IMAGE_PIXELS", media.DefaultMaxPixels, 1_000_000, 250_000_000)),
		},
		ChunkSize:     env.Int("MEDIA_CHUNK_BYTES", media.DefaultChunkSize, 1<<10, 8<<20),
		UploadTTL:     env.Duration("MEDIA_UPLOAD_TTL", 24*time.Hour, time.Minute, 30*24*time.Hour),
		SignedURLTTL:  env.Duration("MEDIA_SIGNED_URL_TTL", time.Hour, time.Minute, 7*24*time.Hour),
		SweepInterval: env.Duration("MEDIA_SWEEP_INTERVAL", 15*time.Minute, time.Second, 24*time.Hour),
	}
}

// newMedia builds the media library. Signed URLs are keyed by a key derived from the secret
// in JWT_KEYS_FILE (every instance shares it), never stored in the database.
func (a *App) newMedia(secret []byte) *media.Service {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("microlearn media URL key"))
	return &media.Service{Store: mediadb.New(a.DB.DB), Limits: a.Cfg.Media.Limits, Now: a.Now, ChunkSize: a.Cfg.Media.ChunkSize,
		UploadTTL: a.Cfg.Media.UploadTTL, URLKey: mac.Sum(nil), SignedURLTTL: a.Cfg.Media.SignedURLTTL}
}

// sweepMedia deletes expired uploads' chunks and finishes interrupted deletions.
func (a *App) sweepMedia(ctx context.Context) {
	every(ctx, a.Cfg.Media.SweepInterval, func() {
		n, err := a.Media.SweepUploads(ctx)
		if err == nil {
			var d int
			d, err = a.Media.SweepDeleted(ctx)
			n += d
		}
		switch {
		case err != nil && ctx.Err() == nil:
			a.Log.Error("media sweep failed", "error", err.Error())
		case n > 0:
			a.Log.Info("media swept", "count", n)
		}
	})
}

// mediaCatalog is the media library as content sees it (content.MediaCatalog).
type mediaCatalog struct{ m *media.Service }

func (mc mediaCatalog) MediaInfo(ctx context.Context, ids []string) (map[string]content.MediaInfo, error) {
	items, err := mc.m.Items(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]content.MediaInfo, len(items))
	for id, m := range items {
		out[id] = toContentInfo(m)
	}
	return out, nil
}

func toContentInfo(m media.Media) content.MediaInfo {
	return content.MediaInfo{ID: m.ID, ProgrammeID: m.ProgrammeID, Kind: string(m.Kind), DurationSeconds: m.Info.DurationSeconds(), Alt: m.Alt}
}

func (mc mediaCatalog) CheckFile(ctx context.Context, programmeID string, f content.MediaFile) (content.MediaInfo, error) {
	m, err := mc.m.CheckFile(ctx, programmeID, media.NewUpload{Filename: f.Name, Alt: f.Alt, Caption: f.Caption, Title: f.Title}, f.Data)
	if err != nil {
		return content.MediaInfo{}, err
	}
	return toContentInfo(m), nil
}

func (mc mediaCatalog) StoreFile(ctx context.Context, programmeID, authorID string, f content.MediaFile) (content.MediaInfo, error) {
	m, err := mc.m.PutFile(ctx, authorID, programmeID, media.NewUpload{Filename: path.Base(f.Name), Alt: f.Alt, Caption: f.Caption, Title: f.Title}, f.Data)
	if err != nil {
		return content.MediaInfo{}, err
	}
	return toContentInfo(m), nil
}

func (mc mediaCatalog) SetCaptions(ctx context.Context, videoID string, tracks []content.CaptionTrack) error {
	cur, err := mc.m.Media(ctx, videoID)
	if err != nil {
		return err
	}
	want := make([]media.Track, len(tracks))
	for i, t := range tracks {
		want[i] = media.Track{MediaID: t.MediaID, Language: t.Language, Label: t.Label}
	}
	if slices.Equal(cur.Captions, want) {
		return nil
	}
	_, err = mc.m.Update(ctx, videoID, media.Patch{Captions: &want})
	return err
}
