package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// PasswordCost is the argon2id work factor of new password hashes. Checking a hash uses the
// factor written in the hash itself, so hashes made with any cost keep verifying.
type PasswordCost struct {
	Time      uint32
	MemoryKiB uint32
	Threads   uint8
}

// DefaultPasswordCost is the production cost, tuned on a 2-core machine to about 40 ms a
// hash (docs/benchmarks.md): memory-hard enough to make offline guessing expensive, cheap
// enough for a login. Only tests choose another (Service.Cost), to keep the suite fast.
func DefaultPasswordCost() PasswordCost {
	return PasswordCost{Time: 2, MemoryKiB: 32 * 1024, Threads: 2}
}

const (
	argonKeyLen = 32
	saltLen     = 16
)

// Hash returns an encoded argon2id hash at cost c with a fresh random salt.
func (c PasswordCost) Hash(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, c.Time, c.MemoryKiB, c.Threads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.MemoryKiB, c.Time, c.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the encoded hash, comparing in constant time.
func CheckPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHashes holds, per cost, the hash checked when no user has the email, so that a login
// for an unknown email takes as long as one for a known email.
var dummyHashes sync.Map // PasswordCost -> string

func dummyHash(c PasswordCost) string {
	if h, ok := dummyHashes.Load(c); ok {
		return h.(string)
	}
	h, _ := c.Hash("not-a-real-password-0")
	v, _ := dummyHashes.LoadOrStore(c, h)
	return v.(string)
}
