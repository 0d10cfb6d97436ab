package media

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// chunkReader reads a GridFS file chunk by chunk, each chunk an _id lookup, keeping the
// current chunk. It is an io.ReadSeeker for the parsers and the body of range responses.
type chunkReader struct {
	ctx       context.Context
	store     Store
	fileID    string
	size      int64
	chunkSize int
	pos       int64
	cur       []byte
	curN      int
}

func newChunkReader(ctx context.Context, st Store, fileID string, size int64, chunkSize int) *chunkReader {
	return &chunkReader{ctx: ctx, store: st, fileID: fileID, size: size, chunkSize: chunkSize, curN: -1}
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		return 0, io.EOF
	}
	n := int(r.pos / int64(r.chunkSize))
	if n != r.curN {
		b, err := r.store.ReadChunk(r.ctx, r.fileID, n)
		if err != nil {
			return 0, fmt.Errorf("read chunk %d of file %s: %w", n, r.fileID, err)
		}
		want := int64(r.chunkSize)
		if rest := r.size - int64(n)*int64(r.chunkSize); rest < want {
			want = rest
		}
		if int64(len(b)) != want {
			return 0, fmt.Errorf("chunk %d of file %s has %d bytes, want %d", n, r.fileID, len(b), want)
		}
		r.cur, r.curN = b, n
	}
	off := int(r.pos - int64(n)*int64(r.chunkSize))
	c := copy(p, r.cur[off:])
	r.pos += int64(c)
	return c, nil
}

func (r *chunkReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.pos + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return 0, errors.New("seek: bad whence")
	}
	if abs < 0 {
		return 0, errors.New("seek: negative position")
	}
	r.pos = abs
	return abs, nil
}

// rangeReader is a chunkReader limited to [start, start+length), closed by the HTTP server
// when the response is written.
type rangeReader struct {
	io.Reader
	cancel context.CancelFunc
}

func (r rangeReader) Close() error {
	r.cancel()
	return nil
}
