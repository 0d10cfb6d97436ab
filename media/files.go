package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
)

// typeByExtension names the content type a file name claims, for files that arrive without
// one (content packs).
var typeByExtension = map[string]string{
	".png": TypePNG, ".jpg": TypeJPEG, ".jpeg": TypeJPEG, ".webp": TypeWebP, ".svg": TypeSVG, ".gif": TypeGIF,
	".json": TypeLottie, ".mp4": TypeMP4, ".m4v": TypeMP4, ".webm": TypeWebM, ".pdf": TypePDF, ".vtt": TypeVTT,
}

// TypeOfName returns the content type a file name's extension claims ("" when none we take).
func TypeOfName(name string) string { return typeByExtension[strings.ToLower(path.Ext(name))] }

// CheckFile runs an upload's checks on a whole file held in memory, without storing
// anything, and returns what it would become (its ID included).
func (s *Service) CheckFile(ctx context.Context, programmeID string, in NewUpload, data []byte) (Media, error) {
	in.Size = int64(len(data))
	if in.ContentType == "" {
		in.ContentType = TypeOfName(in.Filename)
	}
	ct, err := s.checkNewUpload(&in)
	if err != nil {
		return Media{}, err
	}
	release, err := s.acquire(ctx)
	if err != nil {
		return Media{}, err
	}
	checked, err := Inspect(bytes.NewReader(data), in.Size, ct, s.limits())
	release()
	if err != nil {
		return Media{}, err
	}
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	return Media{ID: DeriveID(programmeID, h), ProgrammeID: programmeID, Kind: checked.Kind, ContentType: checked.ContentType,
		Filename: in.Filename, Bytes: in.Size, SHA256: h, Info: checked.Info, Alt: in.Alt, Caption: in.Caption, Title: in.Title}, nil
}

// PutFile stores a whole file held in memory as an upload would (the same checks, the same
// deduplication: a file the library holds already is returned as it is).
func (s *Service) PutFile(ctx context.Context, userID, programmeID string, in NewUpload, data []byte) (Media, error) {
	in.Size = int64(len(data))
	if in.ContentType == "" {
		in.ContentType = TypeOfName(in.Filename)
	}
	sum := sha256.Sum256(data)
	in.SHA256 = hex.EncodeToString(sum[:])
	st, err := s.StartUpload(ctx, userID, programmeID, in)
	if err != nil {
		return Media{}, err
	}
	if st.Existing != nil {
		return *st.Existing, nil
	}
	u := st.Upload
	part := u.ChunkSize * 16
	for off := 0; off < len(data); off += part {
		p, err := s.PutPart(ctx, u, Part{Offset: int64(off), Total: in.Size, Data: data[off:min(len(data), off+part)]})
		if err != nil {
			return Media{}, err
		}
		if p.Media != nil {
			return *p.Media, nil
		}
		u = p.Upload
	}
	return Media{}, ErrUploadNotFound
}
