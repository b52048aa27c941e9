package daemon

import (
	"errors"
	"fmt"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The import rules of docs/ARCHITECTURE.md ("Who imports whom"), held to
// the code. The test reads the module's source with go/build (no go
// command, no network): every package's imports as its files say them,
// with the lab's build tags and without. It lives here because the daemon
// is the one package allowed to import (nearly) everything.

// libraryImports is, for each library package, every package of wifid its
// non-test files may import besides its own subpackages ("x/..." stands for
// x and everything below it). A package's tests may import these plus the
// test helpers.
var libraryImports = map[string][]string{
	"nl80211/ie":              {},
	"nl80211/rfkill":          {},
	"nl80211":                 {"nl80211/ie"},
	"eapol":                   {"nl80211/ie", "internal/secret"},
	"eapol/internal/ecgroup":  {},
	"eapol/sae":               {"eapol", "nl80211/ie", "eapol/internal/ecgroup", "internal/secret"},
	"eapol/eapoltest":         {"eapol", "nl80211/ie"},
	"eapol/eap":               {"eapol", "eapol/internal/ecgroup", "internal/secret"},
	"eapol/eap/mschap":        {"internal/secret"},
	"eapol/eap/tls":           {"eapol/eap", "internal/secret"},
	"eapol/eap/peap":          {"eapol/eap", "eapol/eap/tls", "internal/secret"},
	"eapol/eap/ttls":          {"eapol/eap", "eapol/eap/tls", "eapol/eap/mschap", "internal/secret"},
	"eapol/eap/eaptest":       {"eapol/eap/...", "eapol/internal/ecgroup"},
	"knownnetworks":           {"internal/secret"},
	"knownnetworks/eapconf":   {"knownnetworks", "internal/secret"},
	"netconfig":               {},
	"station/eapmethod":       {"knownnetworks", "knownnetworks/eapconf", "eapol/eap/...", "internal/secret"},
	"station/anqp":            {"nl80211/ie"},
	"station":                 {"nl80211", "nl80211/ie", "eapol/...", "knownnetworks/...", "internal/secret"},
	"wired":                   {"nl80211", "eapol/...", "knownnetworks/...", "station/eapmethod", "internal/secret"},
	"internal/objtree":        {},
	"internal/busconn":        {},
	"internal/secret":         {},
	"daemon/dbusapi":          {"internal/objtree", "internal/busconn"},
	"daemon/dbusapi/dbustest": {"daemon/dbusapi", "internal/objtree"},
	"daemon/cmd/wifid":        {"daemon"},
	"unit":                    {},
}

// testHelpers exist for tests: only _test.go files import them.
var testHelpers = []string{"unit", "eapol/eapoltest", "eapol/eap/eaptest", "daemon/dbusapi/dbustest", "lab/netns", "lab/labenv"}

// noSockets are the pure packages: bytes in, bytes out. They import
// nothing that opens a socket or a file.
var noSockets = []string{"eapol", "eapol/sae", "eapol/eap", "eapol/eap/mschap", "eapol/internal/ecgroup", "nl80211/ie"}

var socketImports = []string{"net", "os", "syscall", "golang.org/x/sys/unix", "github.com/mdlayher/", "github.com/godbus/"}

type pkgImports struct {
	imports     []string // of the non-test files, wifid's without the module prefix
	testImports []string // of the _test.go files, same form
	external    []string // the non-test files' imports from outside wifid
}

// modulePackages reads every package of the module rooted at root, keyed
// by its path inside the module ("station", "daemon/dbusapi", ...).
func modulePackages(t *testing.T, root string) map[string]*pkgImports {
	t.Helper()
	mod, err := modulePath(root)
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]*pkgImports{}
	err = filepath.WalkDir(root, func(dir string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if dir != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
			name == "testdata" || name == "bin" || name == "lab-results") {
			return filepath.SkipDir
		}
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return err
		}
		for _, tags := range [][]string{nil, {"lab", "bench"}} {
			ctx := build.Default
			ctx.GOOS, ctx.BuildTags = "linux", tags
			p, err := ctx.ImportDir(dir, 0)
			var noGo *build.NoGoError
			if errors.As(err, &noGo) {
				continue
			}
			if err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
			pi := pkgs[filepath.ToSlash(rel)]
			if pi == nil {
				pi = &pkgImports{}
				pkgs[filepath.ToSlash(rel)] = pi
			}
			for _, imp := range p.Imports {
				if in, ok := inModule(mod, imp); ok {
					pi.imports = appendNew(pi.imports, in)
				} else {
					pi.external = appendNew(pi.external, imp)
				}
			}
			for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
				if in, ok := inModule(mod, imp); ok {
					pi.testImports = appendNew(pi.testImports, in)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading the module's packages: %v", err)
	}
	return pkgs
}

func modulePath(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if m, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.TrimSpace(m), nil
		}
	}
	return "", errors.New("go.mod: no module line")
}

func inModule(mod, imp string) (string, bool) {
	return strings.CutPrefix(imp, mod+"/")
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func under(pkg, dir string) bool { return pkg == dir || strings.HasPrefix(pkg, dir+"/") }

// allows reports whether the table entries allow importing imp.
func allows(entries []string, imp string) bool {
	for _, e := range entries {
		if dir, ok := strings.CutSuffix(e, "/..."); ok && under(imp, dir) {
			return true
		}
		if e == imp {
			return true
		}
	}
	return false
}

func TestImportRules(t *testing.T) {
	pkgs := modulePackages(t, "..")
	if len(pkgs) < 20 {
		t.Fatalf("found only %d packages: is the test run from daemon/?", len(pkgs))
	}
	names := make([]string, 0, len(pkgs))
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		pi := pkgs[p]
		for _, imp := range pi.imports {
			if msg := importBroken(p, imp); msg != "" {
				t.Errorf("%s imports %s: %s", p, imp, msg)
			}
		}
		if allowed, ok := libraryImports[p]; ok {
			for _, imp := range pi.testImports {
				if !under(imp, p) && !allows(allowed, imp) && !slices.Contains(testHelpers, imp) {
					t.Errorf("%s's tests import %s: a library's tests use what it may import and the test helpers %v",
						p, imp, testHelpers)
				}
			}
		}
		if slices.Contains(noSockets, p) {
			for _, imp := range pi.external {
				for _, s := range socketImports {
					if imp == s || (strings.HasSuffix(s, "/") && strings.HasPrefix(imp, s)) {
						t.Errorf("%s imports %s: it is pure (frames and elements in, frames and keys out), it opens nothing", p, imp)
					}
				}
			}
		}
		for _, imp := range pi.external {
			if strings.HasPrefix(imp, "github.com/gopacket/") && !under(p, "tools/wifimon") {
				t.Errorf("%s imports %s: gopacket is wifimon's alone (the daemon never links it)", p, imp)
			}
		}
	}
	for p := range libraryImports {
		if pkgs[p] == nil {
			t.Errorf("libraryImports names %s, which is not a package: update the table and docs/ARCHITECTURE.md", p)
		}
	}
}

// importBroken says which rule a non-test import of imp by p breaks ("" if
// none).
func importBroken(p, imp string) string {
	if allowed, ok := libraryImports[p]; ok && !under(imp, p) && !allows(allowed, imp) {
		return fmt.Sprintf("%s may import only its subpackages and %v of wifid", p, allowed)
	}
	switch {
	case imp == "daemon" && p != "daemon/cmd/wifid":
		return "nothing imports the daemon but its main"
	case slices.Contains(testHelpers, imp):
		return "a test helper, for _test.go files only"
	case under(imp, "lab") && !under(p, "lab"):
		return "lab/ exists to test; nothing outside it imports it"
	case under(imp, "tools") && !under(p, "tools"):
		return "tools are commands; nothing outside tools/ imports them"
	case under(p, "tools") && (under(imp, "daemon") || imp == "station"):
		return "tools talk to the daemon over D-Bus, never through its code"
	}
	return ""
}

// TestArchitectureNamesEveryPackage: docs/ARCHITECTURE.md names every
// package of the module (or a folder above it, written `dir/`, whose line
// covers what is below it), so a new one gets its line there.
func TestArchitectureNamesEveryPackage(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	for p := range modulePackages(t, "..") {
		if p == "." {
			continue
		}
		named := strings.Contains(string(doc), "`"+p+"`")
		for dir := p; !named && dir != "."; dir = filepath.ToSlash(filepath.Dir(dir)) {
			named = strings.Contains(string(doc), "`"+dir+"/`")
		}
		if !named {
			t.Errorf("docs/ARCHITECTURE.md does not name the package %s (as `%s`, or a folder above it as `dir/`)", p, p)
		}
	}
}
