package api

import (
	"sync"

	"github.com/microlearn/microlearn/internal/cache"
)

// ContentViews caches the rendered JSON of delivered items by (item, version, status, view),
// so that a warm lesson read neither touches the database nor re-encodes the lesson. Entries
// never go stale (a new version or status is a new key), so they stay until the least
// recently used go past the bound. The zero value is ready; a nil one caches nothing.
type ContentViews struct {
	once sync.Once
	c    *cache.Cache[string, contentView]
}

type contentView struct {
	body []byte
	etag string
}

const contentViewsMax = 4096

func (v *ContentViews) views() *cache.Cache[string, contentView] {
	v.once.Do(func() { v.c = cache.New[string, contentView](cache.Config{Max: contentViewsMax}) })
	return v.c
}

func (v *ContentViews) get(key string) (contentView, bool) {
	if v == nil {
		return contentView{}, false
	}
	return v.views().Get(key)
}

func (v *ContentViews) put(key string, cv contentView) {
	if v != nil {
		v.views().Put(key, cv)
	}
}
