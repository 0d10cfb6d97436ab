package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/microlearn/microlearn/internal/config"
)

func TestInvalidValuesNameTheVariable(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		read  func(e *config.Env)
		wants string
	}{
		{"addr without port", map[string]string{"HTTP_ADDR": "localhost"}, func(e *config.Env) { e.Addr("HTTP_ADDR", ":8080") }, `invalid HTTP_ADDR="localhost"`},
		{"addr bad port", map[string]string{"HTTP_ADDR": ":99999"}, func(e *config.Env) { e.Addr("HTTP_ADDR", ":8080") }, "port must be a number"},
		{"addr hostname", map[string]string{"HTTP_ADDR": "example.com:80"}, func(e *config.Env) { e.Addr("HTTP_ADDR", ":8080") }, "host must be an IP"},
		{"bool", map[string]string{"DEMO_SEED": "perhaps"}, func(e *config.Env) { e.Bool("DEMO_SEED", true) }, `invalid DEMO_SEED="perhaps": want true or false`},
		{"int range", map[string]string{"N": "0"}, func(e *config.Env) { e.Int("N", 5, 1, 10) }, "from 1 to 10"},
		{"duration", map[string]string{"D": "soon"}, func(e *config.Env) { e.Duration("D", time.Second, 0, time.Minute) }, "want a duration"},
		{"one of", map[string]string{"LOG_LEVEL": "loud"}, func(e *config.Env) { e.OneOf("LOG_LEVEL", "info", "debug", "info") }, "want one of debug, info"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := config.FromMap(tt.env)
			tt.read(e)
			err := e.Err()
			if err == nil || !strings.Contains(err.Error(), tt.wants) {
				t.Fatalf("error %v, want it to contain %q", err, tt.wants)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
		})
	}
}

func TestDefaultsAndValidValues(t *testing.T) {
	e := config.FromMap(map[string]string{"HTTP_ADDR": "127.0.0.1:9000", "DEMO_SEED": "false", "D": "2m"})
	if got := e.Addr("HTTP_ADDR", ":8080"); got != "127.0.0.1:9000" {
		t.Errorf("addr %q", got)
	}
	if e.Bool("DEMO_SEED", true) {
		t.Error("DEMO_SEED=false read as true")
	}
	if got := e.Duration("D", time.Second, 0, time.Hour); got != 2*time.Minute {
		t.Errorf("duration %v", got)
	}
	if got := e.String("UNSET", "dflt"); got != "dflt" {
		t.Errorf("default %q", got)
	}
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
}
