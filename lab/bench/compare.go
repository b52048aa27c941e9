package bench

import (
	"fmt"
	"strings"
)

// Compare is a Markdown table of two bench.json reports (say, of two
// commits): for each daemon and figure both measured, the medians and
// new/old, and the wifid/iwd ratios of each. Figures under emulation are
// noisy: a change within the runs' spread is not a change.
func Compare(old, cur *Report) string {
	var b strings.Builder
	b.WriteString("| daemon | figure | old median [min, max] | new median [min, max] | new/old |\n|---|---|---|---|---|\n")
	for _, d := range cur.Daemons {
		for _, f := range Figures {
			o, okO := old.Summary[d][f.Key]
			n, okN := cur.Summary[d][f.Key]
			if !okO || !okN {
				continue
			}
			ratio := "-"
			if o.Median != 0 {
				ratio = fmt.Sprintf("%.2f", n.Median/o.Median)
			}
			fmt.Fprintf(&b, "| %s | %s (%s) | %s | %s | %s |\n", d, f.Label, f.Unit, statCell(o, f.Scale), statCell(n, f.Scale), ratio)
		}
	}
	b.WriteString("\n| figure | wifid/iwd old | wifid/iwd new |\n|---|---|---|\n")
	for _, f := range Figures {
		o, okO := old.Ratio[f.Key]
		n, okN := cur.Ratio[f.Key]
		if okO && okN {
			fmt.Fprintf(&b, "| %s | %.2f | %.2f |\n", f.Label, o, n)
		}
	}
	return b.String()
}

func statCell(s Stat, scale float64) string {
	return fmt.Sprintf("%s [%s, %s]", num(s.Median/scale), num(s.Min/scale), num(s.Max/scale))
}
