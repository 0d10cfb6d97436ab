package mongodb

import (
	"net/url"
	"sync/atomic"
)

type atomicInt64 = atomic.Int64

func redactURI(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "(unparseable URI)"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	return u.String()
}
