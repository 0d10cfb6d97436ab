// Command layers checks the direction of imports that /work/shared/style.md asks for
// (docs/decisions.md, "Layers, checked"), on the packages of this module (tests excluded):
//
//   - api links no database or push code: no FerretDB, MongoDB driver or Firebase package
//     among its dependencies, and it imports no store (a package named <x>db);
//   - a domain (a top-level package such as content, gamification, mentoring) imports the
//     standard library, internal/, the learning kernel and outside libraries other than
//     Fiber, the MongoDB driver, FerretDB and Firebase; never another domain or a store;
//   - a store (<domain>/<domain>db) imports its domain, learning and internal/, never api,
//     app or another domain;
//   - internal/ imports nothing of ours outside internal/.
//
// It prints every violation and exits 1 if there is one. Run it from the module root.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Standard   bool
}

// notDomains are the top-level directories that hold no domain.
var notDomains = map[string]bool{"api": true, "app": true, "bench": true, "cmd": true, "internal": true, "third_party": true,
	"console": true, "authz": true}

// drivers are the outside libraries that only api (Fiber), stores (MongoDB, FerretDB) and
// push adapters (Firebase) may use.
var drivers = []string{"github.com/gofiber/", "github.com/valyala/fasthttp", "go.mongodb.org/", "github.com/FerretDB/", "firebase.google.com/"}

func main() {
	out, err := exec.Command("go", "list", "-deps=false", "-json", "./...").Output()
	if err != nil {
		fail(err)
	}
	mod, err := exec.Command("go", "list", "-m").Output()
	if err != nil {
		fail(err)
	}
	root := strings.TrimSpace(string(mod))
	dec := json.NewDecoder(bytes.NewReader(out))
	var bad []string
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			fail(err)
		}
		bad = append(bad, check(root, p)...)
	}
	sort.Strings(bad)
	for _, b := range bad {
		fmt.Println(b)
	}
	if len(bad) > 0 {
		fmt.Printf("%d import rules broken (see docs/decisions.md, \"Layers, checked\")\n", len(bad))
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "layers:", err)
	os.Exit(2)
}

// rel returns path inside the module ("" for the root, ok false for other modules).
func rel(root, path string) (string, bool) {
	if path == root {
		return "", true
	}
	r, ok := strings.CutPrefix(path, root+"/")
	return r, ok
}

func isDriver(path string) bool {
	for _, d := range drivers {
		if strings.HasPrefix(path, d) {
			return true
		}
	}
	return false
}

func isStore(r string) bool {
	parts := strings.Split(r, "/")
	return len(parts) >= 2 && strings.HasSuffix(parts[len(parts)-1], "db") && parts[len(parts)-1] != "db"
}

func top(r string) string { return strings.Split(r, "/")[0] }

func check(root string, p pkg) []string {
	r, ok := rel(root, p.ImportPath)
	if !ok || strings.HasPrefix(r, "third_party/") {
		return nil
	}
	var bad []string
	say := func(format string, a ...any) { bad = append(bad, r+": "+fmt.Sprintf(format, a...)) }
	switch {
	case r == "api":
		deps, err := exec.Command("go", "list", "-deps", "./api").Output()
		if err != nil {
			fail(err)
		}
		var linked []string
		for _, d := range strings.Fields(string(deps)) {
			if strings.HasPrefix(d, "github.com/FerretDB/") || strings.HasPrefix(d, "go.mongodb.org/") || strings.HasPrefix(d, "firebase.google.com/") {
				linked = append(linked, d)
			}
		}
		if len(linked) > 0 {
			say("links %d packages of FerretDB, the MongoDB driver or Firebase, such as %s (go list -deps ./api)", len(linked), linked[0])
		}
		for _, imp := range p.Imports {
			if ir, ok := rel(root, imp); ok && isStore(ir) {
				say("imports the store %s", ir)
			}
		}
	case strings.HasPrefix(r, "internal/"):
		for _, imp := range p.Imports {
			if ir, ok := rel(root, imp); ok && !strings.HasPrefix(ir, "internal/") {
				say("imports %s (internal/ imports nothing of ours outside internal/)", ir)
			}
		}
	case r != "" && !notDomains[top(r)] && !strings.Contains(r, "/"):
		for _, imp := range p.Imports {
			ir, ours := rel(root, imp)
			switch {
			case !ours && isDriver(imp):
				say("imports %s (a domain imports no Fiber, MongoDB, FerretDB or Firebase)", imp)
			case ours && ir != "learning" && !strings.HasPrefix(ir, "internal/") && !strings.HasPrefix(ir, r+"/"):
				say("imports %s (a domain imports only learning and internal/ of ours)", ir)
			}
		}
	case isStore(r) && !notDomains[top(r)]:
		for _, imp := range p.Imports {
			ir, ours := rel(root, imp)
			if ours && ir != "learning" && !strings.HasPrefix(ir, "internal/") && top(ir) != top(r) {
				say("imports %s (a store imports its domain, learning and internal/)", ir)
			}
		}
	}
	return bad
}
