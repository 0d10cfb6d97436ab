// Package config reads configuration from environment variables, collecting the first
// problem as a one-line error that names the variable and says what is wrong.
package config

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Env reads typed values from an environment lookup function.
type Env struct {
	lookup func(string) (string, bool)
	err    error
}

// FromOS reads the process environment.
func FromOS() *Env { return &Env{lookup: os.LookupEnv} }

// FromMap reads the given map (used by tests).
func FromMap(m map[string]string) *Env {
	return &Env{lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }}
}

// Err returns the first problem found, naming the variable.
func (e *Env) Err() error { return e.err }

func (e *Env) fail(name, value, why string) {
	if e.err == nil {
		e.err = fmt.Errorf("invalid %s=%q: %s", name, value, why)
	}
}

func (e *Env) raw(name string) (string, bool) {
	v, ok := e.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// Set reports whether name is set to a non-empty value.
func (e *Env) Set(name string) bool { _, ok := e.raw(name); return ok }

// String returns the variable or def.
func (e *Env) String(name, def string) string {
	if v, ok := e.raw(name); ok {
		return v
	}
	return def
}

// Bool returns the variable parsed as a boolean, or def.
func (e *Env) Bool(name string, def bool) bool {
	v, ok := e.raw(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.fail(name, v, "want true or false")
		return def
	}
	return b
}

// Int returns the variable parsed as an integer within [min, max], or def.
func (e *Env) Int(name string, def, min, max int) int {
	v, ok := e.raw(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		e.fail(name, v, fmt.Sprintf("want a whole number from %d to %d", min, max))
		return def
	}
	return n
}

// Duration returns the variable parsed as a Go duration (such as 15s or 2m) within
// [min, max], or def.
func (e *Env) Duration(name string, def, min, max time.Duration) time.Duration {
	v, ok := e.raw(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < min || d > max {
		e.fail(name, v, fmt.Sprintf("want a duration such as 15s, from %s to %s", min, max))
		return def
	}
	return d
}

// Addr returns the variable checked as a host:port listen address, or def.
func (e *Env) Addr(name, def string) string {
	v, ok := e.raw(name)
	if !ok {
		return def
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		e.fail(name, v, "want host:port such as :8080 or 127.0.0.1:8080")
		return def
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		e.fail(name, v, "the port must be a number from 0 to 65535")
		return def
	}
	if host != "" && net.ParseIP(host) == nil && host != "localhost" {
		e.fail(name, v, "the host must be an IP address, localhost or empty")
		return def
	}
	return v
}

// OneOf returns the variable checked against the allowed values, or def.
func (e *Env) OneOf(name, def string, allowed ...string) string {
	v, ok := e.raw(name)
	if !ok {
		return def
	}
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a
		}
	}
	e.fail(name, v, "want one of "+strings.Join(allowed, ", "))
	return def
}
