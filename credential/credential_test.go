package credential_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"strings"
	"testing"

	"github.com/microlearn/microlearn/credential"
)

func TestStatusListBits(t *testing.T) {
	enc, err := credential.EncodeStatusList([]int{0, 9, 131071, 131072, -1}, credential.StatusListLength)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(enc, "u"))
	if err != nil || !strings.HasPrefix(enc, "u") {
		t.Fatalf("encoding %q: %v", enc[:8], err)
	}
	zr, _ := gzip.NewReader(bytes.NewReader(gz))
	bits, _ := io.ReadAll(zr)
	if len(bits) != 16384 || bits[0] != 0x80 || bits[1] != 0x40 || bits[16383] != 0x01 {
		t.Errorf("%d bytes, first %08b %08b last %08b", len(bits), bits[0], bits[1], bits[16383])
	}
}

func TestBakedSVGEscapes(t *testing.T) {
	svg := string(credential.BadgeSVG(credential.Achievement{BadgeID: "x", Name: `<script>"&`}, `a.b"c`))
	if strings.Contains(svg, "<script>") || !strings.Contains(svg, `verify="a.b&#34;c"`) || !strings.Contains(svg, "&lt;script&gt;") {
		t.Errorf("unescaped SVG: %s", svg)
	}
	if plain := string(credential.BadgeSVG(credential.Achievement{BadgeID: "x", Name: "Quiz master"}, "")); strings.Contains(plain, "openbadges") ||
		!strings.Contains(plain, ">QM<") {
		t.Errorf("plain image: %s", plain)
	}
}

func TestDIDAndEmailHash(t *testing.T) {
	for _, ok := range []string{"did:web:example.org", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "did:example:123:abc"} {
		if !credential.ValidDID(ok) {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", "did:", "did:web", "web:example.org", "did:web:exa mple", "did:WEB:x"} {
		if credential.ValidDID(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
	if credential.HashEmail(" Ada@Example.org ", "s") != credential.HashEmail("ada@example.org", "s") {
		t.Error("the hash depends on case and spaces")
	}
}
