package console

import (
	"bytes"
	"net/http"

	"github.com/microlearn/microlearn/evidence/cpdfile"
	"github.com/microlearn/microlearn/internal/apperr"
)

// The CPD record in the browser: the same record as GET /v1/me/cpd (the evidence service
// builds and seals it), for a period, as JSON, CSV or PDF, each with its verification
// address. It is the caller's own record, whatever their role.
func (c *Console) cpdRoutes() {
	m := c.mux
	m.HandleFunc("GET /p/{pid}/cpd", c.wrap(c.cpdPage, member))
	m.HandleFunc("GET /p/{pid}/cpd/record", c.wrap(c.cpdRecord, member))
}

type cpdData struct {
	From, To string
}

func (c *Console) cpdPage(w http.ResponseWriter, v *view) error {
	c.render(w, v, http.StatusOK, "cpd", cpdData{From: v.Req("from"), To: v.Req("to")})
	return nil
}

func (c *Console) cpdRecord(w http.ResponseWriter, v *view) error {
	q := v.r.URL.Query()
	format := q.Get("format")
	switch format {
	case "json", "csv", "pdf":
	default:
		return apperr.Invalid("/format", "must be json, csv or pdf")
	}
	r, err := c.deps.Evidence.CPD(v.r.Context(), v.Caller.UserID, q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	verify := c.deps.CPDVerifyURL(r.Code)
	name := "cpd-record-" + r.From + "-to-" + r.To
	var buf bytes.Buffer
	ctype := "application/json"
	switch format {
	case "csv":
		ctype, err = "text/csv; charset=utf-8", cpdfile.CSV(&buf, r, verify)
	case "pdf":
		ctype, err = "application/pdf", cpdfile.PDF(&buf, r, verify)
	default:
		var b []byte
		b, err = c.deps.CPDJSON(r)
		buf.Write(b)
	}
	if err != nil {
		return err
	}
	download(w, ctype, name+"."+format, buf.Bytes())
	return nil
}
