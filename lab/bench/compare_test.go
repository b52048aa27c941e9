package bench

import (
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	mk := func(cpu, iwdCPU []float64) *Report {
		var runs []Run
		for i, v := range cpu {
			runs = append(runs, Run{Daemon: "wifid", Round: i + 1, Figures: map[string]float64{FigCPU: v}})
		}
		for i, v := range iwdCPU {
			runs = append(runs, Run{Daemon: "iwd", Round: i + 1, Figures: map[string]float64{FigCPU: v}})
		}
		return NewReport(len(cpu), []string{"wifid", "iwd"}, runs, nil)
	}
	out := Compare(mk([]float64{1500, 1540, 2000}, []float64{380, 380, 400}), mk([]float64{900, 1000, 1100}, []float64{320, 330, 400}))
	for _, want := range []string{
		"| wifid | CPU, start -> connected (ms) | 1540 [1500, 2000] | 1000 [900, 1100] | 0.65 |",
		"| iwd | CPU, start -> connected (ms) | 380 [380, 400] | 330 [320, 400] | 0.87 |",
		"| CPU, start -> connected | 4.05 | 3.03 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}
