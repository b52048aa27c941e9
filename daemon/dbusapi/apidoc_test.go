package dbusapi_test

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"

	"wifid/daemon/dbusapi"
)

// apiInterface is one interface of an expectations file (testdata/*-api.txt)
// or of wifid's introspection, reduced to what the documents fix: member
// names, signatures, property access. Each member is one line in the file's
// own syntax, so differences print readably.
type apiInterface struct {
	name    string
	role    string // "served" or "called"
	members []string
}

func readAPIFile(t *testing.T, path string) []apiInterface {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []apiInterface
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		switch {
		case fs[0] == "interface" && len(fs) == 3 && (fs[2] == "served" || fs[2] == "called"):
			out = append(out, apiInterface{name: fs[1], role: fs[2]})
		case len(out) == 0:
			t.Fatalf("%s line %d: member before any interface: %q", path, n, line)
		case fs[0] == "method" && len(fs) == 4, fs[0] == "signal" && len(fs) == 3,
			fs[0] == "property" && len(fs) == 4 && (fs[3] == "read" || fs[3] == "readwrite"):
			out[len(out)-1].members = append(out[len(out)-1].members, strings.Join(fs, " "))
		default:
			t.Fatalf("%s line %d: cannot read %q", path, n, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sigOr(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// members reduces an introspected interface to expectation lines.
func members(i introspect.Interface) []string {
	var out []string
	for _, m := range i.Methods {
		var in, outSig strings.Builder
		for _, a := range m.Args {
			if a.Direction == "out" {
				outSig.WriteString(a.Type)
			} else {
				in.WriteString(a.Type)
			}
		}
		out = append(out, fmt.Sprintf("method %s %s %s", m.Name, sigOr(in.String()), sigOr(outSig.String())))
	}
	for _, s := range i.Signals {
		var sig strings.Builder
		for _, a := range s.Args {
			sig.WriteString(a.Type)
		}
		out = append(out, fmt.Sprintf("signal %s %s", s.Name, sigOr(sig.String())))
	}
	for _, p := range i.Properties {
		out = append(out, fmt.Sprintf("property %s %s %s", p.Name, p.Type, p.Access))
	}
	return out
}

// diffMembers says what one side has that the other lacks.
func diffMembers(want, got []string) []string {
	var d []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			d = append(d, "missing:    "+w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			d = append(d, "unexpected: "+g)
		}
	}
	slices.Sort(d)
	return d
}

// introspectAll walks wifid's object tree from / and returns each interface
// it finds, by name (the first object's copy; all copies must agree).
func introspectAll(t *testing.T, e *env) map[string]introspect.Interface {
	t.Helper()
	found := map[string]introspect.Interface{}
	queue := []dbus.ObjectPath{"/"}
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		var data string
		if err := e.call(path, dbusapi.IntrospectInterface+".Introspect").Store(&data); err != nil {
			t.Fatalf("Introspect %s: %v", path, err)
		}
		var node introspect.Node
		if err := xml.Unmarshal([]byte(data), &node); err != nil {
			t.Fatalf("Introspect %s: XML: %v", path, err)
		}
		for _, i := range node.Interfaces {
			if prev, ok := found[i.Name]; ok {
				if d := diffMembers(members(prev), members(i)); len(d) > 0 {
					t.Errorf("%s on %s differs from another object's:\n%s", i.Name, path, strings.Join(d, "\n"))
				}
				continue
			}
			found[i.Name] = i
		}
		for _, c := range node.Children {
			child := dbus.ObjectPath(strings.TrimSuffix(string(path), "/") + "/" + c.Name)
			queue = append(queue, child)
		}
	}
	return found
}

// mergeAPI joins expectation files: an interface listed in more than one
// has the members of all.
func mergeAPI(files ...[]apiInterface) []apiInterface {
	var out []apiInterface
	for _, f := range files {
		for _, in := range f {
			if i := slices.IndexFunc(out, func(o apiInterface) bool { return o.name == in.name && o.role == in.role }); i >= 0 {
				out[i].members = append(out[i].members, in.members...)
				continue
			}
			out = append(out, in)
		}
	}
	return out
}

// TestIntrospectionMatchesIwdDocs compares what wifid announces in its
// introspection XML (every object, developer mode, connected, so every
// interface is up) with iwd 2.3's API documents, what iwd 3.9's add that
// wifid serves, and wifid's own extension.
func TestIntrospectionMatchesIwdDocs(t *testing.T) {
	want := mergeAPI(readAPIFile(t, "testdata/iwd-2.3-api.txt"), readAPIFile(t, "testdata/iwd-3.9-api.txt"),
		readAPIFile(t, "testdata/wifid-api.txt"))
	e := setup(t, dbusapi.Config{Developer: true})
	e.scan()
	e.ok(e.call(openPath, dbusapi.NetworkInterface+".Connect"))
	got := introspectAll(t, e)
	t.Logf("%d interfaces announced", len(got))

	called := map[string]introspect.Interface{
		dbusapi.AgentInterface:            dbusapi.AgentSpec,
		dbusapi.SignalLevelAgentInterface: dbusapi.SignalLevelAgentSpec,
	}
	expected := map[string]bool{}
	for _, w := range want {
		expected[w.name] = true
		var have introspect.Interface
		var ok bool
		if w.role == "served" {
			have, ok = got[w.name]
		} else {
			have, ok = called[w.name]
		}
		if !ok {
			t.Errorf("%s (%s): wifid has no such interface", w.name, w.role)
			continue
		}
		if d := diffMembers(w.members, members(have)); len(d) > 0 {
			t.Errorf("%s differs from the documents:\n%s", w.name, strings.Join(d, "\n"))
		}
	}
	for name := range got {
		if (strings.HasPrefix(name, "net.connman.iwd") || strings.HasPrefix(name, "net.connman.wifid")) && !expected[name] {
			t.Errorf("wifid serves %s, which no expectations file describes", name)
		}
	}
	for _, std := range []string{dbusapi.PropertiesInterface, dbusapi.IntrospectInterface, dbusapi.ObjectManagerInterface} {
		if _, ok := got[std]; !ok {
			t.Errorf("no object announces %s", std)
		}
	}
}

// TestAPIDiff: the comparison notices a changed signature, a missing
// member and a changed access.
func TestAPIDiff(t *testing.T) {
	want := []string{"method Scan - -", "property State s read", "property AutoConnect b readwrite"}
	got := []string{"method Scan aq -", "property State s read", "property AutoConnect b read"}
	d := diffMembers(want, got)
	if len(d) != 4 {
		t.Errorf("diff = %q", d)
	}
}
