package api_test

import (
	"net/http"
	"testing"

	"github.com/microlearn/microlearn/api/apitest"
)

func init() {
	addRows(
		Row{Method: "GET", Path: "/healthz", Expect: all(http.StatusOK)},
		Row{Method: "GET", Path: "/readyz", Expect: all(http.StatusOK)},
		Row{Method: "GET", Path: "/openapi.yaml", Expect: all(http.StatusOK)},
		Row{Method: "GET", Path: "/docs", Expect: all(http.StatusOK)},
		Row{Method: "GET", Path: "/docs/init.js", Expect: all(http.StatusOK)},
		Row{Method: "GET", Path: "/docs/assets/{file}", Expect: all(http.StatusOK), Build: func(t *testing.T, f *Fixture, who Who) apitest.Req {
			return apitest.Req{Path: "/docs/assets/swagger-ui.css"}
		}},
	)
}
