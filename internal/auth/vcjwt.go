package auth

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// SigningKey returns the key that signs now (the newest one not retired): its kid and its
// private key. Verifiable credentials are signed with it too; their verifiers do not read
// the key file but the public keys a credential store keeps forever (a key dropped from
// the file after its access tokens expired still verifies the credentials it signed).
func (ks *KeySet) SigningKey() (string, ed25519.PrivateKey) {
	k := ks.current()
	return k.ID, ed25519.PrivateKey(k.Private)
}

// PublicJWK is the JSON Web Key (RFC 8037, OKP) of an Ed25519 public key.
func PublicJWK(kid string, pub ed25519.PublicKey) map[string]any {
	return map[string]any{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid,
		"x": base64.RawURLEncoding.EncodeToString(pub)}
}

// SignCompact signs claims as a compact JWS with EdDSA, with typ and the extra header
// parameters given (kid, jwk, ...).
func SignCompact(claims map[string]any, priv ed25519.PrivateKey, typ string, header map[string]any) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims(claims))
	tok.Header["typ"] = typ
	for k, v := range header {
		tok.Header[k] = v
	}
	return tok.SignedString(priv)
}

// ErrBadSignature is returned by VerifyCompact for a token that is not an EdDSA JWS signed
// by the key its kid names.
var ErrBadSignature = errors.New("the token is not signed by a key of ours")

// VerifyCompact checks an EdDSA compact JWS with the key keyFor returns for its kid header
// (nil: unknown) and returns its claims and kid. It checks the signature only: what the
// claims must say is the caller's business (a credential's validity is its status, not an
// expiry).
func VerifyCompact(token string, keyFor func(kid string) ed25519.PublicKey) (map[string]any, string, error) {
	var kid string
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ = t.Header["kid"].(string)
		pub := keyFor(kid)
		if pub == nil {
			return nil, fmt.Errorf("unknown kid %q", kid)
		}
		return pub, nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}), jwt.WithoutClaimsValidation())
	if err != nil {
		return nil, kid, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return claims, kid, nil
}
