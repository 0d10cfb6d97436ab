// Package mediadb keeps the media library in MongoDB: the files in GridFS (bucket "media":
// media.files and media.chunks, in GridFS's own layout, so mongofiles and every driver's
// GridFS bucket read them), the items describing them, their resized variants, upload
// sessions and library settings.
//
// Chunk _ids are derived from the file and the chunk number ("<fileId>.<n>") instead of
// being random ObjectIDs. A GridFS reader finds chunks by {files_id, n}; we read them by _id
// instead, which is an _id lookup on MongoDB and the one filter embedded FerretDB pushes down
// to SQLite (shared/mongodb-compat.md), so a seek into a video costs one chunk read, not a
// scan of every chunk of every file. The files_id/n fields and their unique index stay, so
// the files remain ordinary GridFS files.
package mediadb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/media"
)

// The collections.
const (
	Bucket    = "media"
	Files     = Bucket + ".files"
	Chunks    = Bucket + ".chunks"
	Items     = "media_items"
	Variants  = "media_variants"
	Uploads   = "media_uploads"
	Libraries = "media_libraries"
)

// Indexes lists the indexes the queries in this package need.
func Indexes() []mongodb.Index {
	return []mongodb.Index{
		// GridFS's own index: drivers' GridFS readers find chunks by (files_id, n).
		{Collection: Chunks, Model: mongo.IndexModel{Keys: bson.D{{Key: "files_id", Value: 1}, {Key: "n", Value: 1}}, Options: options.Index().SetUnique(true)}},
		{Collection: Files, Model: mongo.IndexModel{Keys: bson.D{{Key: "filename", Value: 1}, {Key: "uploadDate", Value: 1}}}},
		// Library listing: one programme's items, newest first.
		{Collection: Items, Model: mongo.IndexModel{Keys: bson.D{{Key: "programmeId", Value: 1}, {Key: "deleted", Value: 1}, {Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}}},
		{Collection: Items, Model: mongo.IndexModel{Keys: bson.D{{Key: "programmeId", Value: 1}, {Key: "deleted", Value: 1}, {Key: "kind", Value: 1}, {Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}}},
		// The sweep of interrupted deletions.
		{Collection: Items, Model: mongo.IndexModel{Keys: bson.D{{Key: "deleted", Value: 1}}}},
		// The sweep of expired uploads.
		{Collection: Uploads, Model: mongo.IndexModel{Keys: bson.D{{Key: "expiresAt", Value: 1}}}},
	}
}

// Store is the MongoDB media.Store.
type Store struct{ db *mongo.Database }

// New returns a store on db.
func New(db *mongo.Database) *Store { return &Store{db: db} }

// ---- GridFS files and chunks ----

type chunkDoc struct {
	ID      string        `bson:"_id"`
	FilesID bson.ObjectID `bson:"files_id"`
	N       int32         `bson:"n"`
	Data    []byte        `bson:"data"`
}

type fileDoc struct {
	ID         bson.ObjectID `bson:"_id"`
	Length     int64         `bson:"length"`
	ChunkSize  int32         `bson:"chunkSize"`
	UploadDate time.Time     `bson:"uploadDate"`
	Filename   string        `bson:"filename"`
	Metadata   fileMetadata  `bson:"metadata"`
}

type fileMetadata struct {
	ContentType string `bson:"contentType"`
	ProgrammeID string `bson:"programmeId"`
	SHA256      string `bson:"sha256"`
}

// ChunkID is the _id of chunk n of a file.
func ChunkID(fileID string, n int) string { return fileID + "." + strconv.Itoa(n) }

func objectID(hex string) (bson.ObjectID, error) {
	id, err := bson.ObjectIDFromHex(hex)
	if err != nil {
		return id, fmt.Errorf("file id %q: %w", hex, err)
	}
	return id, nil
}

// NewFileID returns a fresh GridFS file ID (an ObjectID, as drivers make them).
func (s *Store) NewFileID() string { return bson.NewObjectID().Hex() }

// WriteChunks stores chunks of a file in one insert; chunks already stored (a part sent again
// after a crash) are replaced one by one.
func (s *Store) WriteChunks(ctx context.Context, fileID string, firstN int, chunks [][]byte) error {
	oid, err := objectID(fileID)
	if err != nil {
		return err
	}
	docs := make([]any, len(chunks))
	for i, c := range chunks {
		docs[i] = chunkDoc{ID: ChunkID(fileID, firstN+i), FilesID: oid, N: int32(firstN + i), Data: c}
	}
	_, err = s.db.Collection(Chunks).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil
	}
	if !mongodb.OnlyDuplicates(err) {
		return fmt.Errorf("write chunks: %w", err)
	}
	var bwe mongo.BulkWriteException
	errors.As(err, &bwe)
	for _, we := range bwe.WriteErrors {
		d := docs[we.Index].(chunkDoc)
		if _, err := s.db.Collection(Chunks).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d); err != nil {
			return fmt.Errorf("rewrite chunk %s: %w", d.ID, err)
		}
	}
	return nil
}

// ReadChunk returns chunk n of a file by its _id.
func (s *Store) ReadChunk(ctx context.Context, fileID string, n int) ([]byte, error) {
	var d struct {
		Data []byte `bson:"data"`
	}
	err := s.db.Collection(Chunks).FindOne(ctx, bson.D{{Key: "_id", Value: ChunkID(fileID, n)}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return nil, media.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read chunk: %w", err)
	}
	return d.Data, nil
}

// FinishFile writes the GridFS files document; writing it again changes nothing.
func (s *Store) FinishFile(ctx context.Context, f media.File) error {
	oid, err := objectID(f.ID)
	if err != nil {
		return err
	}
	_, err = s.db.Collection(Files).InsertOne(ctx, fileDoc{ID: oid, Length: f.Length, ChunkSize: int32(f.ChunkSize),
		UploadDate: f.UploadedAt, Filename: f.Filename, Metadata: fileMetadata{ContentType: f.ContentType, ProgrammeID: f.ProgrammeID, SHA256: f.SHA256}})
	if err != nil && !mongodb.IsDuplicate(err) {
		return fmt.Errorf("finish file: %w", err)
	}
	return nil
}

// DeleteFile removes the files document first (the file stops being a GridFS file), then
// each chunk by _id.
func (s *Store) DeleteFile(ctx context.Context, fileID string, chunks int) error {
	oid, err := objectID(fileID)
	if err != nil {
		return err
	}
	if _, err := s.db.Collection(Files).DeleteOne(ctx, bson.D{{Key: "_id", Value: oid}}); err != nil {
		return fmt.Errorf("delete file: %w", err)
	}
	for n := 0; n < chunks; n++ {
		if _, err := s.db.Collection(Chunks).DeleteOne(ctx, bson.D{{Key: "_id", Value: ChunkID(fileID, n)}}); err != nil {
			return fmt.Errorf("delete chunk: %w", err)
		}
	}
	return nil
}

// ---- items ----

type infoDoc struct {
	Width          int    `bson:"width,omitempty"`
	Height         int    `bson:"height,omitempty"`
	DurationMillis int64  `bson:"durationMillis,omitempty"`
	Codec          string `bson:"codec,omitempty"`
	Frames         int    `bson:"frames,omitempty"`
	Cues           int    `bson:"cues,omitempty"`
	Blurhash       string `bson:"blurhash,omitempty"`
	DominantColor  string `bson:"dominantColor,omitempty"`
	Alpha          bool   `bson:"alpha,omitempty"`
}

type trackDoc struct {
	MediaID  string `bson:"mediaId"`
	Language string `bson:"language"`
	Label    string `bson:"label"`
}

type itemDoc struct {
	ID          string     `bson:"_id"`
	ProgrammeID string     `bson:"programmeId"`
	FileID      string     `bson:"fileId"`
	Kind        string     `bson:"kind"`
	ContentType string     `bson:"contentType"`
	Filename    string     `bson:"filename"`
	Bytes       int64      `bson:"bytes"`
	ChunkSize   int        `bson:"chunkSize"`
	SHA256      string     `bson:"sha256"`
	Info        infoDoc    `bson:"info"`
	Alt         string     `bson:"alt"`
	Caption     string     `bson:"caption"`
	Title       string     `bson:"title"`
	Captions    []trackDoc `bson:"captions"`
	UploadedBy  string     `bson:"uploadedBy"`
	CreatedAt   time.Time  `bson:"createdAt"`
	UpdatedAt   time.Time  `bson:"updatedAt"`
	Version     int        `bson:"version"`
	Deleted     bool       `bson:"deleted"`
}

func toItemDoc(m media.Media) itemDoc {
	d := itemDoc{ID: m.ID, ProgrammeID: m.ProgrammeID, FileID: m.FileID, Kind: string(m.Kind), ContentType: m.ContentType,
		Filename: m.Filename, Bytes: m.Bytes, ChunkSize: m.ChunkSize, SHA256: m.SHA256, Alt: m.Alt, Caption: m.Caption,
		Title: m.Title, UploadedBy: m.UploadedBy, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, Version: m.Version, Deleted: m.Deleted,
		Info: infoDoc{Width: m.Info.Width, Height: m.Info.Height, DurationMillis: m.Info.DurationMillis, Codec: m.Info.Codec,
			Frames: m.Info.Frames, Cues: m.Info.Cues, Blurhash: m.Info.Blurhash, DominantColor: m.Info.DominantColor, Alpha: m.Info.Alpha},
		Captions: []trackDoc{}}
	for _, t := range m.Captions {
		d.Captions = append(d.Captions, trackDoc{MediaID: t.MediaID, Language: t.Language, Label: t.Label})
	}
	return d
}

func (d itemDoc) toMedia() media.Media {
	m := media.Media{ID: d.ID, ProgrammeID: d.ProgrammeID, FileID: d.FileID, Kind: media.Kind(d.Kind), ContentType: d.ContentType,
		Filename: d.Filename, Bytes: d.Bytes, ChunkSize: d.ChunkSize, SHA256: d.SHA256, Alt: d.Alt, Caption: d.Caption, Title: d.Title,
		UploadedBy: d.UploadedBy, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Version: d.Version, Deleted: d.Deleted,
		Info: media.Info{Width: d.Info.Width, Height: d.Info.Height, DurationMillis: d.Info.DurationMillis, Codec: d.Info.Codec,
			Frames: d.Info.Frames, Cues: d.Info.Cues, Blurhash: d.Info.Blurhash, DominantColor: d.Info.DominantColor, Alpha: d.Info.Alpha}}
	for _, t := range d.Captions {
		m.Captions = append(m.Captions, media.Track{MediaID: t.MediaID, Language: t.Language, Label: t.Label})
	}
	return m
}

// InsertMedia stores a new item; when its ID is taken, it returns the stored item and
// media.ErrDuplicate.
func (s *Store) InsertMedia(ctx context.Context, m media.Media) (media.Media, error) {
	_, err := s.db.Collection(Items).InsertOne(ctx, toItemDoc(m))
	if mongodb.IsDuplicate(err) {
		cur, gerr := s.Media(ctx, m.ID)
		if gerr != nil {
			return media.Media{}, gerr
		}
		return cur, media.ErrDuplicate
	}
	if err != nil {
		return media.Media{}, fmt.Errorf("insert media: %w", err)
	}
	return m, nil
}

// Media returns an item by _id (deleted ones too: the service decides).
func (s *Store) Media(ctx context.Context, id string) (media.Media, error) {
	var d itemDoc
	err := s.db.Collection(Items).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return media.Media{}, media.ErrNotFound
	}
	if err != nil {
		return media.Media{}, fmt.Errorf("media: %w", err)
	}
	return d.toMedia(), nil
}

// ReplaceMedia stores m when the stored item is still at prevVersion.
func (s *Store) ReplaceMedia(ctx context.Context, m media.Media, prevVersion int) error {
	res, err := s.db.Collection(Items).ReplaceOne(ctx, bson.D{{Key: "_id", Value: m.ID}, {Key: "version", Value: prevVersion}}, toItemDoc(m))
	if err != nil {
		return fmt.Errorf("replace media: %w", err)
	}
	if res.MatchedCount == 0 {
		return media.ErrConflict
	}
	return nil
}

// DeleteMedia removes an item.
func (s *Store) DeleteMedia(ctx context.Context, id string) error {
	if _, err := s.db.Collection(Items).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete media: %w", err)
	}
	return nil
}

// ListMedia lists a programme's items newest first, after the cursor.
func (s *Store) ListMedia(ctx context.Context, f media.ListFilter) ([]media.Media, error) {
	filter := bson.D{{Key: "programmeId", Value: f.ProgrammeID}, {Key: "deleted", Value: false}}
	if f.Kind != "" {
		filter = append(filter, bson.E{Key: "kind", Value: string(f.Kind)})
	}
	if f.After != nil {
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: f.After.CreatedAt}}}},
			bson.D{{Key: "createdAt", Value: f.After.CreatedAt}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: f.After.ID}}}},
		}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(f.Limit))
	return s.findItems(ctx, filter, opts)
}

// DeletedMedia lists items marked deleted.
func (s *Store) DeletedMedia(ctx context.Context, limit int) ([]media.Media, error) {
	return s.findItems(ctx, bson.D{{Key: "deleted", Value: true}}, options.Find().SetLimit(int64(limit)))
}

func (s *Store) findItems(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder) ([]media.Media, error) {
	cur, err := s.db.Collection(Items).Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("list media: %w", err)
	}
	var docs []itemDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list media: %w", err)
	}
	out := make([]media.Media, len(docs))
	for i, d := range docs {
		out[i] = d.toMedia()
	}
	return out, nil
}

// ---- variants ----

type variantDoc struct {
	ID          string    `bson:"_id"`
	MediaID     string    `bson:"mediaId"`
	Width       int       `bson:"width"`
	Height      int       `bson:"height"`
	FileID      string    `bson:"fileId"`
	ContentType string    `bson:"contentType"`
	Bytes       int64     `bson:"bytes"`
	ChunkSize   int       `bson:"chunkSize"`
	SHA256      string    `bson:"sha256"`
	CreatedAt   time.Time `bson:"createdAt"`
}

func variantID(mediaID string, w int) string { return mediaID + ":w" + strconv.Itoa(w) }

func (d variantDoc) toVariant() media.Variant {
	return media.Variant{MediaID: d.MediaID, Width: d.Width, Height: d.Height, FileID: d.FileID, ContentType: d.ContentType,
		Bytes: d.Bytes, ChunkSize: d.ChunkSize, SHA256: d.SHA256, CreatedAt: d.CreatedAt.UTC()}
}

// Variant returns a variant by _id (the item and the width).
func (s *Store) Variant(ctx context.Context, mediaID string, w int) (media.Variant, error) {
	var d variantDoc
	err := s.db.Collection(Variants).FindOne(ctx, bson.D{{Key: "_id", Value: variantID(mediaID, w)}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return media.Variant{}, media.ErrNotFound
	}
	if err != nil {
		return media.Variant{}, fmt.Errorf("variant: %w", err)
	}
	return d.toVariant(), nil
}

// InsertVariant stores a variant; when one exists it returns it and media.ErrDuplicate.
func (s *Store) InsertVariant(ctx context.Context, v media.Variant) (media.Variant, error) {
	d := variantDoc{ID: variantID(v.MediaID, v.Width), MediaID: v.MediaID, Width: v.Width, Height: v.Height, FileID: v.FileID,
		ContentType: v.ContentType, Bytes: v.Bytes, ChunkSize: v.ChunkSize, SHA256: v.SHA256, CreatedAt: v.CreatedAt}
	_, err := s.db.Collection(Variants).InsertOne(ctx, d)
	if mongodb.IsDuplicate(err) {
		cur, gerr := s.Variant(ctx, v.MediaID, v.Width)
		if gerr != nil {
			return media.Variant{}, gerr
		}
		return cur, media.ErrDuplicate
	}
	if err != nil {
		return media.Variant{}, fmt.Errorf("insert variant: %w", err)
	}
	return v, nil
}

// DeleteVariants removes an item's variants of the given widths, each by _id.
func (s *Store) DeleteVariants(ctx context.Context, mediaID string, widths []int) ([]media.Variant, error) {
	var out []media.Variant
	for _, w := range widths {
		var d variantDoc
		err := s.db.Collection(Variants).FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: variantID(mediaID, w)}}).Decode(&d)
		if mongodb.IsNotFound(err) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("delete variant: %w", err)
		}
		out = append(out, d.toVariant())
	}
	return out, nil
}

// ---- uploads ----

type uploadDoc struct {
	ID          string    `bson:"_id"`
	ProgrammeID string    `bson:"programmeId"`
	UserID      string    `bson:"userId"`
	FileID      string    `bson:"fileId"`
	Filename    string    `bson:"filename"`
	ContentType string    `bson:"contentType"`
	Size        int64     `bson:"size"`
	Offset      int64     `bson:"offset"`
	ChunkSize   int       `bson:"chunkSize"`
	SHA256      string    `bson:"sha256"`
	Alt         string    `bson:"alt"`
	Caption     string    `bson:"caption"`
	Title       string    `bson:"title"`
	HashState   []byte    `bson:"hashState"`
	State       string    `bson:"state"`
	MediaID     string    `bson:"mediaId"`
	FailCode    string    `bson:"failCode"`
	FailMessage string    `bson:"failMessage"`
	CreatedAt   time.Time `bson:"createdAt"`
	ExpiresAt   time.Time `bson:"expiresAt"`
}

func toUploadDoc(u media.Upload) uploadDoc {
	return uploadDoc{ID: u.ID, ProgrammeID: u.ProgrammeID, UserID: u.UserID, FileID: u.FileID, Filename: u.Filename,
		ContentType: u.ContentType, Size: u.Size, Offset: u.Offset, ChunkSize: u.ChunkSize, SHA256: u.SHA256, Alt: u.Alt,
		Caption: u.Caption, Title: u.Title, HashState: u.HashState, State: string(u.State), MediaID: u.MediaID,
		FailCode: u.FailCode, FailMessage: u.FailMessage, CreatedAt: u.CreatedAt, ExpiresAt: u.ExpiresAt}
}

func (d uploadDoc) toUpload() media.Upload {
	return media.Upload{ID: d.ID, ProgrammeID: d.ProgrammeID, UserID: d.UserID, FileID: d.FileID, Filename: d.Filename,
		ContentType: d.ContentType, Size: d.Size, Offset: d.Offset, ChunkSize: d.ChunkSize, SHA256: d.SHA256, Alt: d.Alt,
		Caption: d.Caption, Title: d.Title, HashState: d.HashState, State: media.UploadState(d.State), MediaID: d.MediaID,
		FailCode: d.FailCode, FailMessage: d.FailMessage, CreatedAt: d.CreatedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC()}
}

// CreateUpload stores a new session.
func (s *Store) CreateUpload(ctx context.Context, u media.Upload) error {
	_, err := s.db.Collection(Uploads).InsertOne(ctx, toUploadDoc(u))
	if mongodb.IsDuplicate(err) {
		return media.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("create upload: %w", err)
	}
	return nil
}

// Upload returns a session by _id.
func (s *Store) Upload(ctx context.Context, id string) (media.Upload, error) {
	var d uploadDoc
	err := s.db.Collection(Uploads).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return media.Upload{}, media.ErrUploadNotFound
	}
	if err != nil {
		return media.Upload{}, fmt.Errorf("upload: %w", err)
	}
	return d.toUpload(), nil
}

// AdvanceUpload moves an open session's offset on, when it is still at from.
func (s *Store) AdvanceUpload(ctx context.Context, u media.Upload, from int64) error {
	res, err := s.db.Collection(Uploads).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: u.ID}, {Key: "offset", Value: from}, {Key: "state", Value: string(media.UploadOpen)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "offset", Value: u.Offset}, {Key: "hashState", Value: u.HashState}}}})
	if err != nil {
		return fmt.Errorf("advance upload: %w", err)
	}
	if res.MatchedCount == 0 {
		return media.ErrConflict
	}
	return nil
}

// SetUploadState records a session's state, media ID and failure.
func (s *Store) SetUploadState(ctx context.Context, u media.Upload) error {
	_, err := s.db.Collection(Uploads).UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: string(u.State)}, {Key: "mediaId", Value: u.MediaID},
			{Key: "failCode", Value: u.FailCode}, {Key: "failMessage", Value: u.FailMessage}}}})
	if err != nil {
		return fmt.Errorf("set upload state: %w", err)
	}
	return nil
}

// DeleteUpload removes a session.
func (s *Store) DeleteUpload(ctx context.Context, id string) error {
	if _, err := s.db.Collection(Uploads).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("delete upload: %w", err)
	}
	return nil
}

// ExpiredUploads lists sessions that expired before now (the collection holds only live and
// recently finished sessions, so this sweep query stays small).
func (s *Store) ExpiredUploads(ctx context.Context, now time.Time, limit int) ([]media.Upload, error) {
	cur, err := s.db.Collection(Uploads).Find(ctx, bson.D{{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: now}}}},
		options.Find().SetLimit(int64(limit)).SetProjection(bson.D{{Key: "hashState", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("expired uploads: %w", err)
	}
	var docs []uploadDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("expired uploads: %w", err)
	}
	out := make([]media.Upload, len(docs))
	for i, d := range docs {
		out[i] = d.toUpload()
	}
	return out, nil
}

// ---- library settings ----

type libraryDoc struct {
	ID        string    `bson:"_id"`
	Public    bool      `bson:"public"`
	UpdatedAt time.Time `bson:"updatedAt"`
}

// Library returns a programme's settings by _id (private when none are stored).
func (s *Store) Library(ctx context.Context, programmeID string) (media.Library, error) {
	var d libraryDoc
	err := s.db.Collection(Libraries).FindOne(ctx, bson.D{{Key: "_id", Value: programmeID}}).Decode(&d)
	if mongodb.IsNotFound(err) {
		return media.Library{ProgrammeID: programmeID}, nil
	}
	if err != nil {
		return media.Library{}, fmt.Errorf("library: %w", err)
	}
	return media.Library{ProgrammeID: d.ID, Public: d.Public, UpdatedAt: d.UpdatedAt.UTC()}, nil
}

// SetLibrary stores a programme's settings.
func (s *Store) SetLibrary(ctx context.Context, l media.Library) error {
	_, err := s.db.Collection(Libraries).ReplaceOne(ctx, bson.D{{Key: "_id", Value: l.ProgrammeID}},
		libraryDoc{ID: l.ProgrammeID, Public: l.Public, UpdatedAt: l.UpdatedAt}, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("set library: %w", err)
	}
	return nil
}

var _ media.Store = (*Store)(nil)
