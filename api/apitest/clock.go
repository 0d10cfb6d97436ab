package apitest

import (
	"fmt"
	"os"
	"time"
)

// The suite's clock. Every Env's server reads Now unless the test gives it a clock
// (WithClock), and tests take the times they send (occurredAt, due dates, "today") and the
// start of their own test clocks from Now too, never from time.Now, so that the server and
// the test agree on the day. Now is the wall clock, except when the test binary starts in the
// hour before a London midnight: then it runs two hours behind, so that no run straddles the
// midnight its rules count days by. APITEST_CLOCK_SHIFT (a duration, e.g. -2h or 9h) shifts it
// by that much instead, to run the suite on another day or hour and find what still reads the
// wall clock.
var clockShift = shiftFor(time.Now(), os.Getenv("APITEST_CLOCK_SHIFT"))

// Now is the suite's clock.
func Now() time.Time { return time.Now().Add(clockShift) }

// Now is the server's clock.
func (e *Env) Now() time.Time { return e.App.Now() }

func shiftFor(wall time.Time, env string) time.Duration {
	if env != "" {
		d, err := time.ParseDuration(env)
		if err != nil {
			panic(fmt.Sprintf("APITEST_CLOCK_SHIFT=%q: %v", env, err))
		}
		return d
	}
	if wall.In(london).Hour() == 23 {
		return -2 * time.Hour
	}
	return 0
}
