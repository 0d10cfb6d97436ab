package api_test

import (
	"testing"

	"github.com/microlearn/microlearn/api/apitest"
	"github.com/microlearn/microlearn/app"
)

// The demo accounts sign in with the demo password and get a full pair.
func TestDemoAccountsSignIn(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, apitest.WithDemo())
	for _, acc := range app.DemoAccounts {
		r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": acc.Email, "password": app.DemoPassword}})
		var p tokenPair
		r.JSON(t, &p)
		if r.Status != 200 || p.RefreshToken == "" || me(env, p.AccessToken) != 200 {
			t.Errorf("%s: %d %s", acc.Email, r.Status, r.Body)
		}
	}
}
