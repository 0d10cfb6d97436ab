package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Start-up problems stop the process with one line naming the variable.
func TestStartupErrorsNameTheVariable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"malformed HTTP_ADDR", map[string]string{"HTTP_ADDR": "nonsense"}, `invalid HTTP_ADDR="nonsense"`},
		{"HTTP_ADDR in use", map[string]string{"HTTP_ADDR": busy}, `invalid HTTP_ADDR="` + busy + `": cannot listen`},
		{"DATA_DIR under a file", map[string]string{"HTTP_ADDR": "127.0.0.1:0", "DATA_DIR": filepath.Join(file, "data")}, "invalid DATA_DIR="},
		{"bad DEMO_SEED", map[string]string{"DEMO_SEED": "maybe"}, `invalid DEMO_SEED="maybe"`},
		{"demo data on every interface", map[string]string{"HTTP_ADDR": "0.0.0.0:0"}, "refusing to serve the demo accounts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("EMBEDDED_MONGO_ADDR", "127.0.0.1:0")
			t.Setenv("DATA_DIR", t.TempDir())
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var out bytes.Buffer
			err := run(nil, &out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}
