package bench

// The soak: a daemon's resources sampled over many connects and roams,
// drawn as one small line chart per resource. A leak shows as a line that
// keeps rising after the first steps.

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// SoakSample is one reading of the daemon's resources.
type SoakSample struct {
	Phase      string `json:"phase"` // "connect" or "roam"
	Step       int    `json:"step"`  // cycles (or roams) done when sampled
	RSSKiB     int64  `json:"rss_kib"`
	AnonKiB    int64  `json:"anon_kib"`
	FDs        int    `json:"fds"`
	Threads    int    `json:"threads"`
	Goroutines int    `json:"goroutines"` // -1: not known
}

// ReadSoak samples pid's RSS, anonymous RSS, open fds and threads (the
// goroutines come from the profiling build, see Goroutines).
func ReadSoak(pid int) (SoakSample, error) {
	s := SoakSample{Goroutines: -1}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	if s.RSSKiB, err = statusKiB(string(status), "VmRSS"); err != nil {
		return s, err
	}
	if s.AnonKiB, err = statusKiB(string(status), "RssAnon"); err != nil {
		return s, err
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "Threads:"); ok {
			s.Threads, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return s, err
	}
	s.FDs = len(fds)
	return s, nil
}

// Goroutines reads the count from a goroutine profile in text form
// ("goroutine profile: total N").
func Goroutines(text []byte) (int, bool) {
	line, _, _ := bytes.Cut(text, []byte("\n"))
	v, ok := bytes.CutPrefix(line, []byte("goroutine profile: total "))
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(v)))
	return n, err == nil
}

// Growth is a resource's change over samples: from the sample after the
// warm-up (the first quarter) to the last one.
func Growth(samples []SoakSample, get func(SoakSample) float64) (from, to float64) {
	if len(samples) == 0 {
		return 0, 0
	}
	return get(samples[len(samples)/4]), get(samples[len(samples)-1])
}

// phases splits samples into runs of one phase, in order.
func phases(samples []SoakSample) [][]SoakSample {
	var out [][]SoakSample
	for i, s := range samples {
		if i == 0 || s.Phase != samples[i-1].Phase {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], s)
	}
	return out
}

// soakSeries are the charted resources.
var soakSeries = []struct {
	name, unit string
	get        func(SoakSample) float64
}{
	{"RSS", "KiB", func(s SoakSample) float64 { return float64(s.RSSKiB) }},
	{"RssAnon", "KiB", func(s SoakSample) float64 { return float64(s.AnonKiB) }},
	{"open fds", "", func(s SoakSample) float64 { return float64(s.FDs) }},
	{"threads", "", func(s SoakSample) float64 { return float64(s.Threads) }},
	{"goroutines", "", func(s SoakSample) float64 { return float64(s.Goroutines) }},
}

// SoakTable is a Markdown table of each resource in each phase (connect
// cycles, roams: a connected daemon holds more than a disconnected one, so
// the phases are not compared with each other): after the phase's
// warm-up, at its end, and its range.
func SoakTable(samples []SoakSample) string {
	var b strings.Builder
	b.WriteString("| phase | resource | after warm-up | at the end | min | max |\n|---|---|---|---|---|---|\n")
	for _, ph := range phases(samples) {
		for _, se := range soakSeries {
			lo, hi := seriesRange(ph, se.get)
			from, to := Growth(ph, se.get)
			fmt.Fprintf(&b, "| %s (%d-%d) | %s%s | %s | %s | %s | %s |\n", ph[0].Phase, ph[0].Step, ph[len(ph)-1].Step,
				se.name, unitSuffix(se.unit), num(from), num(to), num(lo), num(hi))
		}
	}
	return b.String()
}

func unitSuffix(u string) string {
	if u == "" {
		return ""
	}
	return " (" + u + ")"
}

func seriesRange(samples []SoakSample, get func(SoakSample) float64) (lo, hi float64) {
	for i, s := range samples {
		v := get(s)
		if i == 0 || v < lo {
			lo = v
		}
		if i == 0 || v > hi {
			hi = v
		}
	}
	return lo, hi
}

// SoakChart draws each resource over the samples: one panel per resource,
// the x axis the samples in order (connect cycles, then roams), the y axis
// from zero to the resource's maximum.
func SoakChart(title string, samples []SoakSample) []byte {
	const (
		w, panelH, left, top, gap = 720, 110, 150, 40, 30
		plotW                     = w - left - 30
	)
	h := top + len(soakSeries)*(panelH+gap)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="14">%s</text>`+"\n", esc(title))
	n := len(samples)
	x := func(i int) float64 {
		if n < 2 {
			return left
		}
		return left + float64(i)*plotW/float64(n-1)
	}
	for p, se := range soakSeries {
		y0 := top + p*(panelH+gap)
		_, hi := seriesRange(samples, se.get)
		if hi <= 0 {
			hi = 1
		}
		fmt.Fprintf(&b, `<text x="10" y="%d">%s</text>`+"\n", y0+panelH/2, esc(se.name+unitSuffix(se.unit)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#ccc"/>`+"\n", left, y0, plotW, panelH)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="10">%s</text>`+"\n", left-4, y0+10, num(hi))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="10">0</text>`+"\n", left-4, y0+panelH)
		var pts []string
		for i, s := range samples {
			v := se.get(s)
			if v < 0 {
				continue // not known
			}
			pts = append(pts, f2(round2(x(i)))+","+f2(round2(float64(y0+panelH)-v/hi*panelH)))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="#4e79a7" stroke-width="1.5" points="%s"/>`+"\n", strings.Join(pts, " "))
	}
	// Where the roams begin.
	for i := 1; i < n; i++ {
		if samples[i].Phase != samples[i-1].Phase {
			fmt.Fprintf(&b, `<line x1="%s" y1="%d" x2="%s" y2="%d" stroke="#e15759" stroke-dasharray="4 3"/>`+"\n",
				f2(round2(x(i))), top, f2(round2(x(i))), h-gap)
			fmt.Fprintf(&b, `<text x="%s" y="%d" font-size="10" fill="#e15759">%s</text>`+"\n", f2(round2(x(i)+3)), top-4, esc(samples[i].Phase+"s"))
		}
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}
