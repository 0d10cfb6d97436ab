package privacydb

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/internal/mongodb"
	"github.com/microlearn/microlearn/privacy"
)

// Data is the privacy.Data of the product's database, driven by the catalog.
//
// A person's documents are found by reading each collection whole and keeping the documents
// whose bytes hold the person's ID or email (or display name where free text may name
// them): whatever field, nesting or encoded blob holds them, so a field added later cannot
// be missed. That is a scan of every collection per job; jobs are rare (a person's request
// under articles 15-20), run in the background one at a time, and never on a request's path
// (docs/decisions.md).
type Data struct {
	db *mongo.Database
	// File writes the stored file fileID (length bytes in chunks of chunkSize) to w: the
	// media library's reader.
	File func(ctx context.Context, fileID string, length int64, chunkSize int, w io.Writer) error
	// Withdraw, when set, names per collection what must run (on every pass) before that
	// collection's documents about the person are erased: a domain whose counts they feed
	// takes the person's part out of its counts first, exactly once (the programme reports:
	// members by role, active, at risk).
	Withdraw map[string]func(ctx context.Context, userID string) error
}

// NewData returns the data of db.
func NewData(db *mongo.Database) *Data { return &Data{db: db} }

var _ privacy.Data = (*Data)(nil)

const scanComment = "scan: privacy job (erasure or export, rare, background) finds every document naming one person"

// Steps implements privacy.Data.
func (d *Data) Steps() int { return len(catalog) }

// StepName implements privacy.Data.
func (d *Data) StepName(i int) string { return catalog[i].coll }

// needles are the byte strings that name p in r's collection.
func needles(p privacy.Person, r rule) [][]byte {
	var out [][]byte
	if p.UserID != "" {
		out = append(out, []byte(p.UserID))
	}
	if p.Email != "" {
		out = append(out, []byte(p.Email))
	}
	if r.names && len(p.Name) >= 3 {
		out = append(out, []byte(p.Name))
	}
	return out
}

func names(doc bson.Raw, ns [][]byte) bool {
	for _, n := range ns {
		if bytes.Contains(doc, n) {
			return true
		}
	}
	return false
}

// matching returns the documents of r's collection that name p.
func (d *Data) matching(ctx context.Context, r rule, p privacy.Person) ([]bson.Raw, error) {
	ns := needles(p, r)
	if len(ns) == 0 {
		return nil, nil
	}
	cur, err := d.db.Collection(r.coll).Find(ctx, bson.D{}, options.Find().SetComment(scanComment).SetBatchSize(500))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", r.coll, err)
	}
	defer cur.Close(ctx)
	var out []bson.Raw
	for cur.Next(ctx) {
		if names(cur.Current, ns) {
			out = append(out, append(bson.Raw(nil), cur.Current...))
		}
	}
	return out, cur.Err()
}

// Erase implements privacy.Data.
func (d *Data) Erase(ctx context.Context, i int, p privacy.Person, jobID string) (int, error) {
	r := catalog[i]
	if r.act == notPersonal {
		return 0, nil
	}
	if w := d.Withdraw[r.coll]; w != nil && p.UserID != "" {
		if err := w(ctx, p.UserID); err != nil {
			return 0, fmt.Errorf("withdraw from the counts %s feeds: %w", r.coll, err)
		}
	}
	docs, err := d.matching(ctx, r, p)
	if err != nil {
		return 0, err
	}
	coll := d.db.Collection(r.coll)
	n := 0
	for _, doc := range docs {
		id := doc.Lookup("_id")
		if s, _ := id.StringValueOK(); r.coll == Jobs && s == jobID {
			continue
		}
		if r.act == deleteAll || fieldNames(doc, r.deleteIf, p.UserID, p.Email) {
			if _, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
				return n, fmt.Errorf("delete from %s: %w", r.coll, err)
			}
		} else if err := d.rewrite(ctx, coll, doc, p, r.names); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// fieldNames reports whether one of the top-level fields holds the person (equal, or an
// array holding them).
func fieldNames(doc bson.Raw, fields []string, userID, email string) bool {
	for _, f := range fields {
		v := doc.Lookup(f)
		if s, ok := v.StringValueOK(); ok && s != "" && (s == userID || s == email) {
			return true
		}
		if arr, ok := v.ArrayOK(); ok {
			vals, _ := arr.Values()
			for _, e := range vals {
				if s, ok := e.StringValueOK(); ok && (s == userID || s == email) {
					return true
				}
			}
		}
	}
	return false
}

// rewrite replaces the person in doc by the tombstone; a document whose _id named them is
// written under its new _id and the old one deleted (in that order: a crash between the
// two leaves a document the next pass finds and deletes again).
func (d *Data) rewrite(ctx context.Context, coll *mongo.Collection, raw bson.Raw, p privacy.Person, withName bool) error {
	var doc bson.D
	if err := bson.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("decode %s document: %w", coll.Name(), err)
	}
	rw := rewriter{p: p, names: withName}
	out := rw.doc(doc)
	oldID := raw.Lookup("_id")
	newID, _ := bson.Marshal(bson.D{{Key: "_id", Value: lookup(out, "_id")}})
	if bytes.Equal(bson.Raw(newID).Lookup("_id").Value, oldID.Value) {
		_, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: oldID}}, out)
		return err
	}
	if _, err := coll.InsertOne(ctx, out); err != nil && !mongodb.IsDuplicate(err) {
		return fmt.Errorf("write anonymised %s document: %w", coll.Name(), err)
	}
	_, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: oldID}})
	return err
}

func lookup(d bson.D, key string) any {
	for _, e := range d {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}

// rewriter replaces the person in values: their ID by the tombstone, their email and (in
// free text) display name by neutral words; blobs that hold them are emptied.
type rewriter struct {
	p     privacy.Person
	names bool
}

func (rw rewriter) doc(d bson.D) bson.D {
	out := make(bson.D, len(d))
	for i, e := range d {
		out[i] = bson.E{Key: rw.str(e.Key), Value: rw.value(e.Value)}
	}
	return out
}

func (rw rewriter) value(v any) any {
	switch x := v.(type) {
	case string:
		return rw.str(x)
	case bson.D:
		return rw.doc(x)
	case bson.A:
		out := make(bson.A, len(x))
		for i, e := range x {
			out[i] = rw.value(e)
		}
		return out
	case bson.Binary:
		if names(x.Data, [][]byte{[]byte(rw.p.UserID), []byte(rw.p.Email)}) {
			return bson.Binary{Subtype: x.Subtype, Data: []byte{}}
		}
	}
	return v
}

func (rw rewriter) str(s string) string {
	p := rw.p
	switch {
	case s == "":
		return s
	case s == p.Email || (rw.names && s == p.Name):
		return ""
	}
	s = strings.ReplaceAll(s, p.UserID, p.Tombstone)
	if p.Email != "" {
		s = strings.ReplaceAll(s, p.Email, "a former member")
	}
	if rw.names && len(p.Name) >= 3 {
		s = strings.ReplaceAll(s, p.Name, "a former member")
	}
	return s
}

// Pairings implements privacy.Data.
func (d *Data) Pairings(ctx context.Context, p privacy.Person) ([]string, error) {
	docs, err := d.matching(ctx, rule{coll: "mentoring_pairings"}, privacy.Person{UserID: p.UserID})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, doc := range docs {
		if fieldNames(doc, []string{"mentorId", "menteeIds"}, p.UserID, "") {
			if id, ok := doc.Lookup("_id").StringValueOK(); ok {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// Export implements privacy.Data: a JSON array of the step's documents about p.
func (d *Data) Export(ctx context.Context, i int, p privacy.Person, pairings []string) ([]byte, error) {
	r := catalog[i]
	if r.act == notPersonal || r.coll == Jobs || r.coll == Archives {
		return nil, nil
	}
	docs, err := d.matching(ctx, r, privacy.Person{UserID: p.UserID, Email: p.Email})
	if err != nil {
		return nil, err
	}
	if r.pairing != "" && len(pairings) > 0 {
		more, err := d.ofPairings(ctx, r, pairings)
		if err != nil {
			return nil, err
		}
		docs = append(docs, more...)
	}
	return exportJSON(docs, r, p.UserID)
}

func (d *Data) ofPairings(ctx context.Context, r rule, pairings []string) ([]bson.Raw, error) {
	cur, err := d.db.Collection(r.coll).Find(ctx, bson.D{{Key: r.pairing, Value: bson.D{{Key: "$in", Value: pairings}}}},
		options.Find().SetComment(scanComment))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", r.coll, err)
	}
	var out []bson.Raw
	for cur.Next(ctx) {
		out = append(out, append(bson.Raw(nil), cur.Current...))
	}
	return out, cur.Err()
}

// secret fields are never exported: password and token hashes, leases, upload state.
func secret(key string) bool {
	k := strings.ToLower(key)
	return strings.HasSuffix(k, "hash") || k == "token" || k == "lease" || k == "hashstate" || strings.Contains(k, "secret") || k == "seed"
}

func exportJSON(docs []bson.Raw, r rule, userID string) ([]byte, error) {
	seen := map[string]bool{}
	var buf bytes.Buffer
	buf.WriteString("[")
	n := 0
	for _, raw := range docs {
		id := raw.Lookup("_id").String()
		if seen[id] || (r.private != nil && r.private(raw, userID)) {
			continue
		}
		seen[id] = true
		var doc bson.D
		if err := bson.Unmarshal(raw, &doc); err != nil {
			return nil, err
		}
		b, err := bson.MarshalExtJSON(redact(doc), false, false)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			buf.WriteString(",")
		}
		buf.WriteString("\n")
		buf.Write(b)
		n++
	}
	if n == 0 {
		return nil, nil
	}
	buf.WriteString("\n]\n")
	return buf.Bytes(), nil
}

func redact(d bson.D) bson.D {
	out := make(bson.D, 0, len(d))
	for _, e := range d {
		if secret(e.Key) {
			continue
		}
		out = append(out, bson.E{Key: e.Key, Value: redactValue(e.Value)})
	}
	return out
}

func redactValue(v any) any {
	switch x := v.(type) {
	case bson.D:
		return redact(x)
	case bson.A:
		out := make(bson.A, len(x))
		for i, e := range x {
			out[i] = redactValue(e)
		}
		return out
	case bson.Binary:
		return "(internal binary data)"
	}
	return v
}

// Attachments implements privacy.Data: the files of the media items p uploaded.
func (d *Data) Attachments(ctx context.Context, p privacy.Person, add func(name string) (io.Writer, error)) error {
	if d.File == nil {
		return nil
	}
	docs, err := d.matching(ctx, rule{coll: "media_items"}, privacy.Person{UserID: p.UserID})
	if err != nil {
		return err
	}
	for _, doc := range docs {
		if !fieldNames(doc, []string{"uploadedBy"}, p.UserID, "") {
			continue
		}
		id, _ := doc.Lookup("_id").StringValueOK()
		fileID, _ := doc.Lookup("fileId").StringValueOK()
		name, _ := doc.Lookup("filename").StringValueOK()
		length, _ := doc.Lookup("bytes").AsInt64OK()
		chunk, _ := doc.Lookup("chunkSize").AsInt64OK()
		if fileID == "" {
			continue
		}
		w, err := add(id + "-" + path.Base("/"+name))
		if err != nil {
			return err
		}
		if err := d.File(ctx, fileID, length, int(chunk), w); err != nil {
			return fmt.Errorf("export media %s: %w", id, err)
		}
	}
	return nil
}
