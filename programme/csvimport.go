package programme

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
)

// MaxImportRows is the most invitations one CSV upload may hold.
const MaxImportRows = 10_000

// The outcome of one CSV row.
const (
	RowCreated   = "created"   // a new invitation
	RowRenewed   = "renewed"   // an expired invitation of this person, issued anew
	RowUnchanged = "unchanged" // a pending invitation of this person exists (an upload repeated)
	RowAccepted  = "accepted"  // this person accepted an invitation already
	RowRevoked   = "revoked"   // this person's invitation was revoked: invite them one by one
	RowInvalid   = "invalid"   // see Errors
	RowDuplicate = "duplicate" // the same email is on an earlier line of the file
)

// RowResult is what became of one row.
type RowResult struct {
	Line     int
	Email    string
	Status   string
	InviteID string
	// DuplicateOf is the earlier line with the same email.
	DuplicateOf int
	Errors      []apperr.FieldError
	// Token is the join token of the pending invitation, when mail is off (the owner passes
	// the links on).
	Token string
}

// ImportResult is what became of every row of an upload.
type ImportResult struct {
	DryRun bool
	Rows   []RowResult
	Counts map[string]int
}

// csvColumns are the columns an invitation CSV may have; email and role are required.
var csvColumns = []string{"email", "name", "role", "department", "locale", "languages"}

// csvRow is one data row, by column name, with where each field is.
type csvRow struct {
	line   int
	fields map[string]string
	cols   map[string]int
}

// parseInviteCSV reads an invitation CSV: UTF-8 with or without a byte-order mark, LF or CRLF
// line ends, comma, semicolon or tab as delimiter (whichever the header uses), a header row
// naming the columns in any order and case. Errors that make the file unreadable (a broken
// quote, a wrong header, too many rows) are a validation error naming the line and column;
// everything about a single row is left to that row's result.
func parseInviteCSV(data []byte) ([]csvRow, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalidUTF8(data)], []byte("\n"))
		return nil, unreadable(line, 0, "the file is not UTF-8 text: save it as CSV UTF-8")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = sniffDelimiter(data)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = false
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fileErr(1, 0, "the file is empty: the first line must name the columns (email, name, role, department)")
	}
	if err != nil {
		return nil, csvErr(err)
	}
	cols, err := headerColumns(header)
	if err != nil {
		return nil, err
	}
	var rows []csvRow
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvErr(err)
		}
		line, _ := r.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(rows) == MaxImportRows {
			return nil, fileErr(line, 0, fmt.Sprintf("the file has more than %d invitations: split it", MaxImportRows))
		}
		row := csvRow{line: line, fields: map[string]string{}, cols: cols}
		for name, i := range cols {
			if i < len(rec) {
				row.fields[name] = strings.TrimSpace(rec[i])
			}
		}
		if len(rec) != len(header) {
			row.fields["\x00count"] = fmt.Sprintf("has %d fields where the header has %d", len(rec), len(header))
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// sniffDelimiter picks the delimiter the header line uses most, outside quotes.
func sniffDelimiter(data []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, c := range string(data) {
		if c == '"' {
			quoted = !quoted
		}
		if !quoted && (c == '\n' || c == '\r') {
			break
		}
		if !quoted && (c == ',' || c == ';' || c == '\t') {
			counts[c]++
		}
	}
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

func headerColumns(header []string) (map[string]int, error) {
	cols := map[string]int{}
	var f apperr.Fields
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case name == "":
			addAt(&f, 1, i+1, "", "a column has no name")
		case !contains(csvColumns, name):
			addAt(&f, 1, i+1, "", fmt.Sprintf("unknown column %q: the columns are email, name, role, department (and optionally locale, languages)", h))
		case hasKey(cols, name):
			addAt(&f, 1, i+1, "", fmt.Sprintf("column %q appears twice", h))
		default:
			cols[name] = i
		}
	}
	for _, req := range []string{"email", "role"} {
		if !hasKey(cols, req) {
			addAt(&f, 1, 0, "", fmt.Sprintf("the header has no %q column (the first line must name the columns: email, name, role, department)", req))
		}
	}
	return cols, f.Err()
}

func hasKey(m map[string]int, k string) bool { _, ok := m[k]; return ok }

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func blank(rec []string) bool {
	for _, x := range rec {
		if strings.TrimSpace(x) != "" {
			return false
		}
	}
	return true
}

// addAt records a field error at a line and column of the file.
func addAt(f *apperr.Fields, line, col int, pointer, detail string) {
	f.AddAt(pointer, detail, line, col)
}

// fileErr is a 422: the file was read, but it is not an invitation list we can take.
func fileErr(line, col int, detail string) error {
	var f apperr.Fields
	f.AddAt("", detail, line, col)
	return f.Err()
}

// unreadable is a 400: the file cannot be read as CSV text at all.
func unreadable(line, col int, detail string) error {
	var f apperr.Fields
	f.AddAt("", detail, line, col)
	return f.Invalid()
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		detail := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
			detail += ": a field with a quote must be quoted whole, with quotes inside doubled"
		}
		if pe.StartLine != 0 && pe.StartLine != pe.Line {
			// A quote opened on StartLine runs on: that is where to look.
			return unreadable(pe.StartLine, 0, fmt.Sprintf("%s (the quoted field that starts on line %d is still open on line %d)",
				detail, pe.StartLine, pe.Line))
		}
		return unreadable(pe.Line, pe.Column, detail)
	}
	return unreadable(0, 0, "the file cannot be read as CSV")
}

// rowInput validates one row into an invitation input (mentor or mentee: a file that is
// passed around must not hand out ownership).
func (row csvRow) input(defaultLocale string) (InviteInput, []apperr.FieldError) {
	var errs []apperr.FieldError
	at := func(col, detail string) {
		errs = append(errs, apperr.FieldError{Pointer: "/" + col, Detail: detail, Line: row.line, Column: row.cols[col] + 1})
	}
	if msg, ok := row.fields["\x00count"]; ok {
		errs = append(errs, apperr.FieldError{Pointer: "", Detail: "the line " + msg, Line: row.line})
	}
	in := InviteInput{Email: row.fields["email"], Name: row.fields["name"], Department: row.fields["department"],
		Locale: row.fields["locale"], Role: Role(strings.ToLower(row.fields["role"]))}
	if in.Locale == "" {
		in.Locale = defaultLocale
	}
	if l := row.fields["languages"]; l != "" {
		in.Languages = strings.FieldsFunc(l, func(r rune) bool { return r == '|' || r == '/' || r == ' ' || r == ',' })
	}
	var f apperr.Fields
	validateInvite(&in, &f, "")
	if err := f.Err(); err != nil {
		var ve *apperr.ValidationError
		errors.As(err, &ve)
		for _, fe := range ve.Fields {
			col := strings.TrimPrefix(fe.Pointer, "/")
			detail := fe.Detail
			if col == "role" {
				detail = "must be mentor or mentee"
			}
			at(col, detail)
		}
	} else if in.Role == RoleOwner {
		at("role", "must be mentor or mentee (invite owners one at a time)")
	}
	return in, errs
}

// ImportInvites invites everyone in a CSV upload (see parseInviteCSV for the format). Every
// row gets a result; valid rows are invited even when others are not. The same upload again
// creates nothing twice: an invitation's ID comes from the programme and the email, so a
// person invited already is reported, and an import that stopped half-way (a crash, a lost
// connection) is completed by uploading the file again. With dryRun nothing is written.
func (s *Service) ImportInvites(ctx context.Context, programmeID, invitedBy, defaultLocale string, data []byte, dryRun bool) (ImportResult, error) {
	rows, err := parseInviteCSV(data)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{DryRun: dryRun, Rows: make([]RowResult, len(rows)), Counts: map[string]int{}}
	inputs, ids := checkInviteRows(programmeID, defaultLocale, rows, res.Rows)
	existing, err := s.Store.InvitesByID(ctx, ids)
	if err != nil {
		return ImportResult{}, fmt.Errorf("import invites: %w", err)
	}
	now := s.Now().UTC()
	var fresh, renew []Invite
	var freshRow, renewRow []int
	for i := range res.Rows {
		rr := &res.Rows[i]
		if rr.InviteID == "" {
			continue
		}
		cur, ok := existing[rr.InviteID]
		switch {
		case !ok:
			rr.Status = RowCreated
			inv := Invite{ID: rr.InviteID, ProgrammeID: programmeID, CreatedAt: now}
			fillInvite(&inv, inputs[i], invitedBy)
			s.issue(&inv, now)
			fresh, freshRow = append(fresh, inv), append(freshRow, i)
		case cur.Status(now) == InvitePending:
			rr.Status = RowUnchanged
		case cur.Status(now) == InviteAccepted:
			rr.Status = RowAccepted
		case cur.Status(now) == InviteRevoked:
			rr.Status = RowRevoked
		default: // expired
			rr.Status = RowRenewed
			next := cur
			fillInvite(&next, inputs[i], invitedBy)
			s.issue(&next, now)
			renew, renewRow = append(renew, next), append(renewRow, i)
		}
	}
	if !dryRun {
		if err := s.writeImport(ctx, &res, existing, fresh, freshRow, renew, renewRow); err != nil {
			return ImportResult{}, err
		}
	}
	if !s.MailOn() && !dryRun {
		s.handOutTokens(res.Rows, existing, append(fresh, renew...))
	}
	for _, rr := range res.Rows {
		res.Counts[rr.Status]++
	}
	return res, nil
}

// checkInviteRows turns the rows into invitation inputs and fills in each row's result:
// invalid, a duplicate of an earlier row, or (with its invitation ID, also returned in ids)
// to be looked up.
func checkInviteRows(programmeID, defaultLocale string, rows []csvRow, out []RowResult) (inputs []InviteInput, ids []string) {
	inputs = make([]InviteInput, len(rows))
	firstLine := map[string]int{}
	for i, row := range rows {
		in, errs := row.input(defaultLocale)
		rr := RowResult{Line: row.line, Email: in.Email, Errors: errs}
		switch {
		case len(errs) > 0:
			rr.Status = RowInvalid
		case firstLine[in.Email] != 0:
			rr.Status, rr.DuplicateOf = RowDuplicate, firstLine[in.Email]
		default:
			firstLine[in.Email] = row.line
			rr.InviteID = InviteID(programmeID, in.Email)
			ids = append(ids, rr.InviteID)
		}
		out[i], inputs[i] = rr, in
	}
	return inputs, ids
}

// handOutTokens gives the owner each pending invitation's link when no mail goes out.
func (s *Service) handOutTokens(rows []RowResult, existing map[string]Invite, written []Invite) {
	tokens := map[string]string{}
	for _, inv := range written {
		tokens[inv.ID] = s.InviteToken(inv)
	}
	for i := range rows {
		rr := &rows[i]
		switch rr.Status {
		case RowCreated, RowRenewed:
			rr.Token = tokens[rr.InviteID]
		case RowUnchanged:
			if cur, ok := existing[rr.InviteID]; ok {
				rr.Token = s.InviteToken(cur)
			}
		}
	}
}

// writeImport queues the emails, then writes the invitations: new ones in bulk, renewed ones
// one conditional update each. A row that lost a race to a concurrent upload is reported
// unchanged.
func (s *Service) writeImport(ctx context.Context, res *ImportResult, existing map[string]Invite, fresh []Invite, freshRow []int, renew []Invite, renewRow []int) error {
	if err := s.queue(ctx, append(append([]Invite(nil), fresh...), renew...)...); err != nil {
		return err
	}
	dup, err := s.Store.InsertInvites(ctx, fresh)
	if err != nil {
		return fmt.Errorf("import invites: %w", err)
	}
	for k, inv := range fresh {
		if dup[inv.ID] {
			res.Rows[freshRow[k]].Status = RowUnchanged
		}
	}
	for k, inv := range renew {
		ok, err := s.Store.ReissueInvite(ctx, inv, existing[inv.ID].Generation)
		if err != nil {
			return fmt.Errorf("import invites: %w", err)
		}
		if !ok {
			res.Rows[renewRow[k]].Status = RowUnchanged
		}
	}
	return nil
}
