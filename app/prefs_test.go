package app_test

import (
	"slices"
	"testing"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/notify"
)

// Every notification kind is switched by a preference key that identity stores and PATCH
// /v1/me accepts, and every such key switches some kind: a kind whose key identity does not
// know could never be switched off.
func TestEveryNotificationKindHasAPreference(t *testing.T) {
	used := map[string]bool{}
	for _, k := range notify.Kinds() {
		key := k.Preference()
		used[key] = true
		if !slices.Contains(identity.NotificationKinds(), key) {
			t.Errorf("notification kind %s is switched by %q, which is not a preference key (%v)", k, key, identity.NotificationKinds())
		}
	}
	for _, key := range identity.NotificationKinds() {
		if !used[key] {
			t.Errorf("preference key %q switches no notification kind", key)
		}
	}
}
