package bench

import (
	"strings"
	"testing"
	"time"
)

func TestProcParsers(t *testing.T) {
	cpu, err := statCPU("1234 (a) b) S 1 1 1 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 1000 200")
	if err != nil || cpu != 3*time.Second {
		t.Fatalf("statCPU: %v %v", cpu, err)
	}
	if _, err := statCPU("1234 (x) S 1"); err == nil {
		t.Fatal("short stat accepted")
	}
	st := "Name:\twifid\nVmHWM:\t   9000 kB\nVmRSS:\t   8000 kB\n"
	if v, err := statusKiB(st, "VmRSS"); err != nil || v != 8000 {
		t.Fatalf("VmRSS: %v %v", v, err)
	}
	if _, err := statusKiB(st, "VmSwap"); err == nil || !strings.Contains(err.Error(), "VmSwap") {
		t.Fatalf("missing key: %v", err)
	}
}
