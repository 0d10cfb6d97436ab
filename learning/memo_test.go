package learning_test

import (
	"context"
	"errors"
	"testing"

	"github.com/microlearn/microlearn/learning"
)

func TestRememberSharesResultsWithinAMemoOnly(t *testing.T) {
	calls := 0
	fn := func() (int, error) { calls++; return calls, nil }
	ctx := learning.WithMemo(context.Background())
	a, _ := learning.Remember(ctx, "k", fn)
	b, _ := learning.Remember(ctx, "k", fn)
	if a != 1 || b != 1 || calls != 1 {
		t.Fatalf("within one memo: %d %d after %d calls", a, b, calls)
	}
	if c, _ := learning.Remember(context.Background(), "k", fn); c != 2 {
		t.Errorf("without a memo the function must run: %d", c)
	}
	if d, _ := learning.Remember(learning.WithMemo(context.Background()), "k", fn); d != 3 {
		t.Errorf("a new memo starts empty: %d", d)
	}
	boom := errors.New("boom")
	if _, err := learning.Remember(ctx, "e", func() (int, error) { return 0, boom }); err != boom {
		t.Fatal(err)
	}
	if v, err := learning.Remember(ctx, "e", func() (int, error) { return 7, nil }); err != nil || v != 7 {
		t.Errorf("an error was remembered: %d %v", v, err)
	}
}
