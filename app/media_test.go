package app_test

import (
	"strings"
	"testing"

	"github.com/microlearn/microlearn/app"
	"github.com/microlearn/microlearn/internal/config"
	"github.com/microlearn/microlearn/media"
)

func TestMediaConfiguration(t *testing.T) {
	c, err := app.LoadConfig(config.FromMap(map[string]string{"MEDIA_MAX_VIDEO_BYTES": "5000000", "MEDIA_UPLOAD_TTL": "2h"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Media.Limits.MaxBytes[media.KindVideo] != 5000000 || c.Media.Limits.MaxBytes[media.KindImage] != media.DefaultMaxImageBytes || c.Media.UploadTTL.Hours() != 2 {
		t.Fatalf("media config %+v", c.Media)
	}
	c, err = app.LoadConfig(config.FromMap(map[string]string{"MEDIA_CHUNK_BYTES": "2097152"}))
	if err != nil || c.Media.ChunkSize != c.BodyLimit {
		t.Fatalf("a chunk larger than the body limit: %d, %v", c.Media.ChunkSize, err)
	}
	_, err = app.LoadConfig(config.FromMap(map[string]string{"MEDIA_MAX_IMAGE_BYTES": "lots"}))
	if err == nil || !strings.Contains(err.Error(), "MEDIA_MAX_IMAGE_BYTES") {
		t.Fatalf("a bad limit: %v", err)
	}
}
