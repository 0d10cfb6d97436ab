package fcm

import (
	"context"
	"os"

	"firebase.google.com/go/v4/messaging"
	"google.golang.org/api/option"
	"google.golang.org/api/transport"
)

// firebaseScopes are the OAuth2 scopes firebase.NewApp adds to every client
// (firebase.google.com/go/v4/internal.FirebaseScopes, which only the SDK may import).
var firebaseScopes = []string{
	"https://www.googleapis.com/auth/cloud-platform",
	"https://www.googleapis.com/auth/datastore",
	"https://www.googleapis.com/auth/devstorage.full_control",
	"https://www.googleapis.com/auth/firebase",
	"https://www.googleapis.com/auth/identitytoolkit",
	"https://www.googleapis.com/auth/userinfo.email",
}

// configOf returns a new, empty configuration of the type newClient takes. That type,
// internal.MessagingConfig, lives in the SDK's internal package, so it cannot be named
// here; type inference names it, and its exported fields are then set as usual.
func configOf[C any](newClient func(context.Context, *C) (*messaging.Client, error)) *C {
	_ = newClient
	return new(C)
}

// projectID finds the Firebase project as firebase.NewApp does: the configured one, else
// the credentials' project, else GOOGLE_CLOUD_PROJECT, else GCLOUD_PROJECT.
func projectID(ctx context.Context, configured string, opts []option.ClientOption) string {
	if configured != "" {
		return configured
	}
	if creds, _ := transport.Creds(ctx, opts...); creds != nil && creds.ProjectID != "" {
		return creds.ProjectID
	}
	if pid := os.Getenv("GOOGLE_CLOUD_PROJECT"); pid != "" {
		return pid
	}
	return os.Getenv("GCLOUD_PROJECT")
}

// SDKVersion is the linked SDK's version as firebase.Version spells it; the SDK sends it to
// FCM in its client headers. The root package that declares firebase.Version is not linked
// (see New), and a test binary carries no module versions, so it is written here and a test
// checks it against go.mod.
const SDKVersion = "4.19.0"
