package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestShippedDependencies: the daemon as shipped (no build tags) carries
// neither the profiling build's runtime/pprof nor the monitor's, test
// tools' or lab's code, nor an HTTP stack it does not serve.
func TestShippedDependencies(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	forbidden := []string{"runtime/pprof", "net/http", "text/template", "html/template", "wifid/tools/", "wifid/lab/", "wifid/unit", "github.com/google/gopacket"}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f) && strings.HasSuffix(f, "/") {
				t.Errorf("wifid depends on %s", dep)
			}
		}
	}
	// The profiling build does carry runtime/pprof (the check sees tags).
	out, err = exec.Command("go", "list", "-tags", "profile", "-deps", ".").Output()
	if err != nil || !strings.Contains(string(out), "runtime/pprof\n") {
		t.Errorf("the profiling build lacks runtime/pprof (err %v)", err)
	}
}
