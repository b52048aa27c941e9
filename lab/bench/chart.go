package bench

// The bench's chart: one row per daemon and run, each a horizontal bar of
// that connect's phases to scale, coloured alike across rows, with a time
// axis in ms and a legend. Standard library only; every text is escaped.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"wifid/station"
)

// Kinds of connect the bench measures.
const (
	ConnectCold      = "cold start" // daemon exec -> IPv4 address
	ConnectReconnect = "reconnect"  // Network.Connect after Station.Disconnect -> address
)

// Connect is one measured connect of a run as the chart draws it.
type Connect struct {
	What    string  `json:"what"`     // ConnectCold or ConnectReconnect
	TotalMs float64 `json:"total_ms"` // the bench's own measure, from its start mark
	// Until names the event that ends TotalMs when it is not the IPv4
	// address (wpa_supplicant: "CTRL-EVENT-CONNECTED", no DHCP).
	Until string `json:"until,omitempty"`
	// Phases are wifid's timeline (LastConnect), offsets from the
	// bench's start mark; none for a daemon without a timeline.
	Phases []Phase `json:"phases,omitempty"`
}

type Phase struct {
	Name       string  `json:"name"`
	StartMs    float64 `json:"start_ms"`
	DurationMs float64 `json:"duration_ms"`
	Detail     string  `json:"detail,omitempty"`
}

// Names the chart gives what is not a phase of wifid's timeline.
const (
	chartLeadIn  = "before the attempt (start, scan, D-Bus)" // start mark -> the timeline's first phase
	chartNoPhase = "total (no timeline)"
)

// phaseColours: one colour per phase name, the same in every row.
var phaseColours = map[string]string{
	chartLeadIn:    "#d9d9d9",
	chartNoPhase:   "#8c8c8c",
	"scan":         "#4e79a7",
	"secrets":      "#f28e2b",
	"authenticate": "#e15759",
	"associate":    "#76b7b2",
	"eap":          "#ff9da7",
	"4-way":        "#59a14f",
	"group-key":    "#edc948",
	"netconfig":    "#b07aa1",
}

// spareColours go to phase names the chart does not know, in order of
// appearance.
var spareColours = []string{"#ff9da7", "#9c755f", "#bab0ac", "#17becf", "#bcbd22"}

// chartSection is one kind of connect: its rows share a time axis.
type chartSection struct {
	Title string
	Rows  []chartRow
}

// chartRow is one daemon's run: a bar of segments, or of its total alone.
type chartRow struct {
	Label    string
	TotalMs  float64
	Note     string // after the total, e.g. "to CTRL-EVENT-CONNECTED"
	Segments []chartSegment
}

type chartSegment struct {
	Name    string
	StartMs float64
	DurMs   float64
	Detail  string
}

// chartSections arranges the bench's runs: a section per kind of connect,
// a row per daemon and run that measured it, a daemon's runs together
// (daemons in the order they first ran, runs in order).
// wifid's rows are its timeline's phases, preceded by what came before the
// attempt began; a daemon without a timeline gets one grey bar.
func chartSections(results []Run) []chartSection {
	var out []chartSection
	for _, what := range []string{ConnectCold, ConnectReconnect} {
		sec := chartSection{Title: chartTitle(what)}
		for _, r := range byDaemon(results) {
			for _, c := range r.Connects {
				if c.What != what {
					continue
				}
				row := chartRow{Label: fmt.Sprintf("%s #%d", r.Daemon, r.Round), TotalMs: c.TotalMs}
				if c.Until != "" {
					row.Note = "to " + c.Until
				}
				if len(c.Phases) == 0 {
					row.Segments = []chartSegment{{Name: chartNoPhase, DurMs: c.TotalMs}}
				} else {
					if first := c.Phases[0].StartMs; first > 0 {
						row.Segments = append(row.Segments, chartSegment{Name: chartLeadIn, DurMs: first})
					}
					for _, p := range c.Phases {
						row.Segments = append(row.Segments, chartSegment{Name: p.Name, StartMs: p.StartMs, DurMs: p.DurationMs, Detail: p.Detail})
					}
				}
				sec.Rows = append(sec.Rows, row)
			}
		}
		if len(sec.Rows) > 0 {
			out = append(out, sec)
		}
	}
	return out
}

// byDaemon orders runs by daemon (as they first appear), keeping each
// daemon's runs in the order they ran.
func byDaemon(results []Run) []Run {
	first := map[string]int{}
	for i, r := range results {
		if _, ok := first[r.Daemon]; !ok {
			first[r.Daemon] = i
		}
	}
	out := append([]Run(nil), results...)
	sort.SliceStable(out, func(i, j int) bool { return first[out[i].Daemon] < first[out[j].Daemon] })
	return out
}

func chartTitle(what string) string {
	switch what {
	case ConnectCold:
		return "Cold start: daemon exec -> IPv4 address"
	case ConnectReconnect:
		return "Reconnect: Network.Connect (D-Bus) -> IPv4 address"
	}
	return what
}

// Chart geometry, in SVG user units (px).
const (
	chartWidth  = 960
	chartLabelW = 150 // the row labels' column
	chartRightW = 130 // room for the totals after the longest bar
	chartRowH   = 22
	chartBarH   = 14
	chartAxisH  = 34 // a section's title and axis labels above its rows
	chartGapH   = 18 // between sections
)

// plotWidth is the width of the bars' area: axisMax ms spans it.
const plotWidth = chartWidth - chartLabelW - chartRightW

// niceAxis returns a tick step and an axis end (a whole number of steps
// at or beyond max): steps of 1, 2 or 5 times a power of ten, 4 to 10 of them.
func niceAxis(max float64) (step, end float64) {
	if max <= 0 || math.IsNaN(max) || math.IsInf(max, 0) {
		return 1, 1
	}
	raw := max / 8
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if step = m * p; step >= raw {
			break
		}
	}
	return step, math.Ceil(max/step) * step
}

// esc escapes s for XML text and attribute values.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// f2 prints a coordinate with two decimals at most.
func f2(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// fmtMs prints a duration in ms for labels: "812 ms", "3.2 ms", "0.042 ms".
func fmtMs(v float64) string {
	switch a := math.Abs(v); {
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
	default:
		return strconv.FormatFloat(v, 'f', 3, 64) + " ms"
	}
}

// Chart is the SVG picture of the runs' connects: a section per kind of
// connect, a row per daemon and run (see chartSections and chartSVG).
func Chart(title string, results []Run) []byte {
	return chartSVG(title, chartSections(results))
}

// chartSVG draws the sections, each with its own time axis, and a
// legend of every segment name used. Rows are <g class="row">, bars'
// segments <rect class="seg" data-phase=... data-ms=...>, so tools (and the
// tests) can read the picture back.
func chartSVG(title string, sections []chartSection) []byte {
	colours := map[string]string{}
	var names []string // legend order: known phases first, as they happen
	seen := map[string]bool{}
	for _, sec := range sections {
		for _, r := range sec.Rows {
			for _, s := range r.Segments {
				if !seen[s.Name] {
					seen[s.Name] = true
					names = append(names, s.Name)
				}
			}
		}
	}
	order := append(append([]string{chartLeadIn}, station.Phases...), chartNoPhase)
	rank := func(n string) int {
		for i, o := range order {
			if o == n {
				return i
			}
		}
		return len(order)
	}
	sort.SliceStable(names, func(i, j int) bool { return rank(names[i]) < rank(names[j]) })
	spare := 0
	for _, n := range names {
		if c, ok := phaseColours[n]; ok {
			colours[n] = c
			continue
		}
		colours[n] = spareColours[spare%len(spareColours)]
		spare++
	}

	var body bytes.Buffer
	y := 40.0
	for _, sec := range sections {
		max := 0.0
		for _, r := range sec.Rows {
			max = math.Max(max, r.TotalMs)
			for _, s := range r.Segments {
				max = math.Max(max, s.StartMs+s.DurMs)
			}
		}
		step, end := niceAxis(max)
		scale := plotWidth / end // px per ms
		top := y + chartAxisH
		bottom := top + float64(len(sec.Rows))*chartRowH
		fmt.Fprintf(&body, "<g class=\"section\" data-px-per-ms=\"%s\">\n", f2(scale))
		fmt.Fprintf(&body, "<text x=\"10\" y=\"%s\" class=\"h\">%s</text>\n", f2(y+14), esc(sec.Title))
		for v := 0.0; v <= end+step/2; v += step {
			x := chartLabelW + v*scale
			fmt.Fprintf(&body, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" class=\"grid\"/>\n", f2(x), f2(top-4), f2(x), f2(bottom))
			label := strconv.FormatFloat(v, 'f', -1, 64)
			if v+step > end+step/2 {
				label += " ms"
			}
			fmt.Fprintf(&body, "<text x=\"%s\" y=\"%s\" class=\"tick\">%s</text>\n", f2(x), f2(top-8), esc(label))
		}
		for i, r := range sec.Rows {
			ry := top + float64(i)*chartRowH
			by := ry + (chartRowH-chartBarH)/2
			fmt.Fprintf(&body, "<g class=\"row\" data-label=\"%s\" data-total-ms=\"%s\">\n", esc(r.Label), f2(round2(r.TotalMs)))
			fmt.Fprintf(&body, "<text x=\"%d\" y=\"%s\" class=\"label\">%s</text>\n", chartLabelW-8, f2(by+chartBarH-3), esc(r.Label))
			for _, s := range r.Segments {
				tip := fmt.Sprintf("%s, %s: %s %s", r.Label, strings.ToLower(sec.Title), s.Name, fmtMs(s.DurMs))
				if s.Detail != "" {
					tip += " (" + s.Detail + ")"
				}
				fmt.Fprintf(&body, "<rect class=\"seg\" data-phase=\"%s\" data-ms=\"%s\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%d\" fill=\"%s\"><title>%s</title></rect>\n",
					esc(s.Name), f2(round2(s.DurMs)), f2(round2(chartLabelW+s.StartMs*scale)), f2(by), f2(round2(s.DurMs*scale)), chartBarH, colours[s.Name], esc(tip))
			}
			tx := chartLabelW + r.TotalMs*scale
			fmt.Fprintf(&body, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" class=\"total\"/>\n", f2(round2(tx)), f2(by-2), f2(round2(tx)), f2(by+chartBarH+2))
			note := fmtMs(r.TotalMs)
			if r.Note != "" {
				note += " " + r.Note
			}
			endX := tx
			for _, s := range r.Segments {
				endX = math.Max(endX, chartLabelW+(s.StartMs+s.DurMs)*scale)
			}
			fmt.Fprintf(&body, "<text x=\"%s\" y=\"%s\" class=\"note\">%s</text>\n", f2(round2(endX+6)), f2(by+chartBarH-3), esc(note))
			body.WriteString("</g>\n")
		}
		body.WriteString("</g>\n")
		y = bottom + chartGapH
	}

	// The legend: a swatch and a name per segment kind, wrapped.
	lx, ly := 10.0, y+6
	body.WriteString("<g class=\"legend\">\n")
	for _, n := range names {
		w := 26 + 7*float64(len(n))
		if lx+w > chartWidth-10 {
			lx, ly = 10, ly+20
		}
		fmt.Fprintf(&body, "<rect x=\"%s\" y=\"%s\" width=\"14\" height=\"14\" fill=\"%s\"/><text x=\"%s\" y=\"%s\" class=\"legend\">%s</text>\n",
			f2(lx), f2(ly), colours[n], f2(lx+19), f2(ly+11), esc(n))
		lx += w + 12
	}
	body.WriteString("</g>\n")
	height := ly + 30

	var b bytes.Buffer
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	fmt.Fprintf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%s\" viewBox=\"0 0 %d %s\" font-family=\"sans-serif\" font-size=\"12\">\n",
		chartWidth, f2(height), chartWidth, f2(height))
	b.WriteString("<style>.h{font-weight:bold;font-size:13px}.tick{text-anchor:middle;fill:#555;font-size:10px}" +
		".label{text-anchor:end}.note{fill:#333;font-size:11px}.grid{stroke:#e6e6e6}.total{stroke:#000;stroke-width:1.5}" +
		".seg{stroke:#fff;stroke-width:0.3}.title{font-weight:bold;font-size:15px}</style>\n")
	fmt.Fprintf(&b, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n")
	fmt.Fprintf(&b, "<text x=\"10\" y=\"22\" class=\"title\">%s</text>\n", esc(title))
	b.Write(body.Bytes())
	b.WriteString("</svg>\n")
	return b.Bytes()
}
