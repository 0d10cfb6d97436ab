// Package tz loads IANA time zones once per process. time.LoadLocation reads and parses the
// zone's file on every call; the gamification worker and the notification sender need a
// person's zone for every event and every notification. Only zones that loaded are kept,
// so the memory is bounded by the zone database (about 600 names) whatever clients send.
package tz

import (
	"sync"
	"time"
)

// zones is the one package-level memory of the codebase (docs/decisions.md, "Package
// state"): it holds immutable system data, as a constant table would.
var zones sync.Map // name -> *time.Location

// Load returns the zone called name, as time.LoadLocation does ("" and "UTC" are UTC).
func Load(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}
