package api

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
)

// The one encoding of the opaque list cursors this API gives out: base64url of a small JSON
// object holding the position's sort key and the last document's id. Clients must treat
// cursors as opaque; only this file knows their shape.
type cursorJSON struct {
	K string `json:"k"`
	I string `json:"i"`
}

// encodeCursor returns the opaque cursor for the position (sortKey, id).
func encodeCursor(sortKey, id string) string {
	b, _ := json.Marshal(cursorJSON{K: sortKey, I: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns the position of a cursor encodeCursor made; ok is false for anything
// else (the caller names the field in its error).
func decodeCursor(s string) (sortKey, id string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", "", false
	}
	var c cursorJSON
	if json.Unmarshal(b, &c) != nil || c.I == "" || len(c.I) > 128 {
		return "", "", false
	}
	return c.K, c.I, true
}

// encodeTimeCursor is the cursor of a list sorted on (time, id): the inbox, pairings and
// assignments.
func encodeTimeCursor(at time.Time, id string) string {
	return encodeCursor(strconv.FormatInt(at.UnixNano(), 10), id)
}

// decodeTimeCursor returns the position of a cursor encodeTimeCursor made.
func decodeTimeCursor(s string) (time.Time, string, bool) {
	key, id, ok := decodeCursor(s)
	n, err := strconv.ParseInt(key, 10, 64)
	if !ok || err != nil || len(id) > 64 {
		return time.Time{}, "", false
	}
	return time.Unix(0, n).UTC(), id, true
}
