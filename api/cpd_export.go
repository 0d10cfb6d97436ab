package api

import (
	"encoding/json"
	"strings"

	"github.com/microlearn/microlearn/evidence"
)

// CPDJSON renders a CPD record exactly as GET /v1/me/cpd answers it in JSON, so that the
// console's download is the same document (app/ hands it to the console). publicURL is the
// server's PUBLIC_URL, the base of the record's verification address.
func CPDJSON(r evidence.CPDRecord, publicURL string) ([]byte, error) {
	return json.Marshal(toCPDJSON(r, CPDVerifyURL(publicURL, r.Code)))
}

// CPDVerifyURL is the public address that verifies a CPD record by its code.
func CPDVerifyURL(publicURL, code string) string {
	return strings.TrimSuffix(publicURL, "/") + "/v1/cpd/verify/" + code
}
