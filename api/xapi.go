package api

import (
	"bytes"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/evidence"
	"github.com/microlearn/microlearn/evidence/xapi"
	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/programme"
)

func (s *Server) mountXAPI(r fiber.Router) {
	r.Get("/programmes/:programmeId/xapi/statements", s.xapiStatements)
}

// xapiStatements pages a programme's xAPI statements for its owners as an xAPI
// StatementResult: {statements, more}, where more is the next page's URL ("" at the end).
func (s *Server) xapiStatements(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("programmeId"))
	cl, err := s.authorize(c, id, programme.RoleOwner)
	if err != nil {
		return err
	}
	var since time.Time
	if v := c.Query("since"); v != "" {
		if since, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return apperr.Invalid("/since", "must be an RFC 3339 timestamp such as 2026-09-01T00:00:00Z")
		}
	}
	after, limit, err := evidenceCursor(c)
	if err != nil {
		return err
	}
	if s.deps.Evidence.XAPI == nil {
		return apperr.New(apperr.KindNotFound, "xapi_off", "xAPI statements are not recorded on this server")
	}
	ss, err := s.deps.Evidence.XAPI.ProgrammeStatements(c.UserContext(), evidenceActor(cl), id, since, after, limit+1)
	if err != nil {
		return err
	}
	more := ""
	if len(ss) > limit {
		ss = ss[:limit]
		last := ss[len(ss)-1]
		q := url.Values{"cursor": {encodeTimeCursor(last.Stored, last.ID)}, "limit": {c.Query("limit", "20")}}
		if !since.IsZero() {
			q.Set("since", since.UTC().Format(time.RFC3339Nano))
		}
		more = "/v1/programmes/" + url.PathEscape(id) + "/xapi/statements?" + q.Encode()
	}
	var b bytes.Buffer
	b.WriteString(`{"statements":[`)
	for i, st := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(st.JSON)
	}
	b.WriteString(`],"more":`)
	m, _ := jsonMarshal(more)
	b.Write(m)
	b.WriteByte('}')
	c.Set("X-Experience-API-Version", xapi.Version)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(b.Bytes())
}

var _ = evidence.StoredStatement{}
