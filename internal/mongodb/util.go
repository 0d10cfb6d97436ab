package mongodb

import "net/url"

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
