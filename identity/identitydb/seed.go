package identitydb

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/microlearn/microlearn/identity"
	"github.com/microlearn/microlearn/internal/mongodb"
)

// SeedUsers inserts accounts in bulk (unordered; accounts already stored are skipped), for
// building large data sets (bench/scale): the documents CreateUser writes, all with the
// password hash given. The product creates each account with CreateUser.
func (s *Store) SeedUsers(ctx context.Context, us []identity.User, hash string) error {
	for i := 0; i < len(us); i += 1000 {
		docs := make([]any, 0, 1000)
		for _, u := range us[i:min(len(us), i+1000)] {
			docs = append(docs, fromUser(u, hash))
		}
		_, err := s.db.Collection(users).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
		if err != nil && !mongodb.OnlyDuplicates(err) {
			return fmt.Errorf("seed users: %w", err)
		}
	}
	return nil
}
