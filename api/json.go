package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/microlearn/microlearn/internal/apperr"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// decode reads the JSON body strictly into dst: one object, no unknown fields, types as
// declared. dst's fields are plain Go types, so nothing a client sends can become a MongoDB
// operator: a {"$ne": null} where a string belongs is a type error, reported as 400.
func decode(c *fiber.Ctx, dst any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return apperr.Invalid("", "a JSON body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.Invalid("", "the body must hold exactly one JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return apperr.Invalid("", fmt.Sprintf("malformed JSON at byte %d", se.Offset))
	case errors.As(err, &te):
		return apperr.Invalid(pointer(te.Field), fmt.Sprintf("must be %s, not %s", jsonType(te.Type.Kind().String()), te.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Invalid("/"+name, "unknown field")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Invalid("", "the JSON body ends early")
	}
	return apperr.Invalid("", "malformed JSON")
}

func pointer(field string) string {
	if field == "" {
		return ""
	}
	return "/" + strings.ReplaceAll(field, ".", "/")
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	}
	return "a " + kind
}

// respond writes v as JSON with status.
func respond(c *fiber.Ctx, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(b)
}
