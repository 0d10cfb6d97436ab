package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image/jpeg"
	"image/png"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
)

// VariantWidths are the widths images are resized to, and the only ones: a fixed set keeps
// the stored variants (and every cache in between) small.
var VariantWidths = []int{160, 320, 640, 960, 1280, 1920}

// Variant is a resized copy of a raster image, made on first request and kept.
type Variant struct {
	MediaID     string
	Width       int
	Height      int
	FileID      string
	ContentType string
	Bytes       int64
	ChunkSize   int
	SHA256      string
	CreatedAt   time.Time
}

// Blob returns what to serve for the variant.
func (v Variant) Blob() Blob {
	return Blob{FileID: v.FileID, ContentType: v.ContentType, Bytes: v.Bytes, ChunkSize: v.ChunkSize, SHA256: v.SHA256, Width: v.Width, Height: v.Height}
}

// CheckWidth reports whether w is one of VariantWidths (as a 400 naming them).
func CheckWidth(w int) error {
	if slices.Contains(VariantWidths, w) {
		return nil
	}
	ws := make([]string, len(VariantWidths))
	for i, x := range VariantWidths {
		ws[i] = strconv.Itoa(x)
	}
	return apperr.Invalid("/w", "must be one of "+strings.Join(ws, ", "))
}

// Sized returns what to serve for an item at width w: the item itself when it is not a raster
// image (vectors, videos, documents have no variants), is no wider than w, or would not get
// smaller by resizing; else its variant, resized on the first request (concurrent first
// requests resize once). w is thus a maximum width.
func (s *Service) Sized(ctx context.Context, m Media, w int) (Blob, error) {
	if err := CheckWidth(w); err != nil {
		return Blob{}, err
	}
	if !m.Raster() || w >= m.Info.Width {
		return m.Original(), nil
	}
	v, err := s.Store.Variant(ctx, m.ID, w)
	if err == nil {
		if v.FileID == m.FileID {
			return m.Original(), nil
		}
		return v.Blob(), nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Blob{}, err
	}
	res, err, _ := s.flights.Do(fmt.Sprintf("%s:%d", m.ID, w), func() (any, error) {
		return s.makeVariant(context.WithoutCancel(ctx), m, w)
	})
	if err != nil {
		return Blob{}, err
	}
	if v := res.(Variant); v.FileID != m.FileID {
		return v.Blob(), nil
	}
	return m.Original(), nil
}

func (s *Service) makeVariant(ctx context.Context, m Media, w int) (Variant, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return Variant{}, err
	}
	data, err := s.ReadAll(ctx, m.Original())
	if err != nil {
		release()
		return Variant{}, err
	}
	img, err := decodeRaster(data, m.ContentType)
	if err != nil {
		release()
		return Variant{}, err
	}
	dst := scaleOriented(img, jpegOrientation(data, m.ContentType), w)
	var buf bytes.Buffer
	ct := TypeJPEG
	if m.ContentType == TypePNG || m.ContentType == TypeGIF || m.Info.Alpha {
		ct = TypePNG
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, dst)
	} else {
		err = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 82})
	}
	release()
	if err != nil {
		return Variant{}, fmt.Errorf("encode variant: %w", err)
	}
	if int64(buf.Len()) >= m.Bytes {
		// Resized but no smaller (a crisp screenshot resampled compresses worse): the
		// original serves this width, and the record says so, so it is not resized again.
		v := Variant{MediaID: m.ID, Width: w, Height: m.Info.Height, FileID: m.FileID, ContentType: m.ContentType,
			Bytes: m.Bytes, ChunkSize: m.ChunkSize, SHA256: m.SHA256, CreatedAt: s.now()}
		if existing, err := s.Store.InsertVariant(ctx, v); errors.Is(err, ErrDuplicate) {
			return existing, nil
		} else if err != nil {
			return Variant{}, err
		}
		return v, nil
	}
	sum := sha256.Sum256(buf.Bytes())
	v := Variant{MediaID: m.ID, Width: w, Height: dst.Bounds().Dy(), FileID: s.Store.NewFileID(), ContentType: ct,
		Bytes: int64(buf.Len()), ChunkSize: s.chunkSize(), SHA256: hex.EncodeToString(sum[:]), CreatedAt: s.now()}
	if err := s.Store.WriteChunks(ctx, v.FileID, 0, split(buf.Bytes(), v.ChunkSize)); err != nil {
		return Variant{}, err
	}
	if err := s.Store.FinishFile(ctx, File{ID: v.FileID, Length: v.Bytes, ChunkSize: v.ChunkSize, ContentType: ct,
		Filename: fmt.Sprintf("%s-w%d", m.Filename, w), ProgrammeID: m.ProgrammeID, SHA256: v.SHA256, UploadedAt: v.CreatedAt}); err != nil {
		return Variant{}, err
	}
	existing, err := s.Store.InsertVariant(ctx, v)
	if errors.Is(err, ErrDuplicate) {
		// Another process made it first: keep theirs.
		if err := s.Store.DeleteFile(ctx, v.FileID, Chunks(v.Bytes, v.ChunkSize)); err != nil {
			return Variant{}, err
		}
		return existing, nil
	}
	return v, err
}
