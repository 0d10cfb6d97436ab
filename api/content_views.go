package api

import (
	"sync"
)

// ContentViews caches the rendered JSON of delivered items by (item, version, status, view),
// so that a warm lesson read neither touches the database nor re-encodes the lesson. Entries
// never go stale (a new version or status is a new key); the map is dropped when it grows
// past its bound.
type ContentViews struct {
	mu sync.RWMutex
	m  map[string]contentView
}

type contentView struct {
	body []byte
	etag string
}

const contentViewsMax = 4096

func (v *ContentViews) get(key string) (contentView, bool) {
	if v == nil {
		return contentView{}, false
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	cv, ok := v.m[key]
	return cv, ok
}

func (v *ContentViews) put(key string, cv contentView) {
	if v == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= contentViewsMax {
		v.m = map[string]contentView{}
	}
	v.m[key] = cv
}
