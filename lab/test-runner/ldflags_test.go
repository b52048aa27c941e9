package main

import (
	"os"
	"strings"
	"testing"
)

// TestLinkFlagsMatchMakefile: the lab builds wifid with the link flags
// make build ships it with (the Makefile's WIFID_LDFLAGS), so the lab and
// make bench measure the daemon users run.
func TestLinkFlagsMatchMakefile(t *testing.T) {
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(mk), "\n") {
		if v, ok := strings.CutPrefix(l, "WIFID_LDFLAGS"); ok {
			v = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(v), ":?="))
			if v != wifidLinkFlags {
				t.Errorf("Makefile WIFID_LDFLAGS %q, test-runner builds with %q", v, wifidLinkFlags)
			}
			return
		}
	}
	t.Error("no WIFID_LDFLAGS in the Makefile")
}
