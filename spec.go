// Package microlearn is the root of the module; it only embeds the API contract so that the
// server can serve it and the tests can check the server against it.
package microlearn

import _ "embed"

// OpenAPI is openapi.yaml, the contract the phone app is built against.
//
//go:embed openapi.yaml
var OpenAPI []byte
