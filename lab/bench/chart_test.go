package bench

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// svgRow is a row of the chart as read back from the SVG.
type svgRow struct {
	label string
	segs  []svgSeg
}

type svgSeg struct {
	phase       string
	ms, x, w    float64
	tooltip     string
	sectionRate float64
}

// readChart decodes the SVG with encoding/xml (so it must be well-formed)
// and returns its rows, their segments, and every text of the picture.
func readChart(t *testing.T, svg []byte) ([]svgRow, []string) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	var rows []svgRow
	var texts []string
	var rate float64
	var inTitle, inText bool
	attr := func(e xml.StartElement, name string) string {
		for _, a := range e.Attr {
			if a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("not a number: %q", s)
		}
		return v
	}
	sawRoot := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, svg)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch {
			case e.Name.Local == "svg":
				sawRoot = e.Name.Space == "http://www.w3.org/2000/svg"
			case e.Name.Local == "g" && attr(e, "class") == "section":
				rate = num(attr(e, "data-px-per-ms"))
			case e.Name.Local == "g" && attr(e, "class") == "row":
				rows = append(rows, svgRow{label: attr(e, "data-label")})
			case e.Name.Local == "rect" && attr(e, "class") == "seg":
				r := &rows[len(rows)-1]
				r.segs = append(r.segs, svgSeg{phase: attr(e, "data-phase"), ms: num(attr(e, "data-ms")),
					x: num(attr(e, "x")), w: num(attr(e, "width")), sectionRate: rate})
			case e.Name.Local == "title":
				inTitle = true
			case e.Name.Local == "text":
				inText = true
			}
		case xml.EndElement:
			inTitle, inText = false, false
		case xml.CharData:
			if inTitle && len(rows) > 0 {
				r := &rows[len(rows)-1]
				r.segs[len(r.segs)-1].tooltip += string(e)
			}
			if inText {
				texts = append(texts, string(e))
			}
		}
	}
	if !sawRoot {
		t.Fatal("no <svg> root in the SVG namespace")
	}
	return rows, texts
}

func TestBenchChartSVG(t *testing.T) {
	wifidCold := Connect{What: ConnectCold, TotalMs: 1345, Phases: []Phase{
		{Name: "secrets", StartMs: 900, DurationMs: 80},
		{Name: "associate", StartMs: 980, DurationMs: 20},
		{Name: "4-way", StartMs: 1000, DurationMs: 50},
		{Name: "group-key", StartMs: 1050, DurationMs: 0.4},
		{Name: "netconfig", StartMs: 1050.4, DurationMs: 300, Detail: "rapid <commit> & co"},
	}}
	wifidRe := Connect{What: ConnectReconnect, TotalMs: 250, Phases: []Phase{
		{Name: "associate", StartMs: 8, DurationMs: 40},
		{Name: "4-way", StartMs: 48, DurationMs: 60},
		{Name: "group-key", StartMs: 108, DurationMs: 2},
		{Name: "netconfig", StartMs: 110, DurationMs: 140},
		{Name: "roam-magic", StartMs: 250, DurationMs: 1}, // a phase the chart does not know
	}}
	results := []Run{
		{Daemon: "wifid", Round: 1, Connects: []Connect{wifidCold, wifidRe}},
		{Daemon: "iwd", Round: 1, Connects: []Connect{{What: ConnectCold, TotalMs: 1500}, {What: ConnectReconnect, TotalMs: 400}}},
		{Daemon: "wpa_supplicant", Round: 1, Connects: []Connect{{What: ConnectCold, TotalMs: 1200, Until: "CTRL-EVENT-CONNECTED"}}},
		{Daemon: "iwd", Round: 2, Err: "cold start: timed out"}, // no connects: no row
		{Daemon: "wifid", Round: 2, Connects: []Connect{{What: ConnectReconnect, TotalMs: 260, Phases: wifidRe.Phases}}},
	}
	svg := chartSVG(`bench "wifid" <vs> iwd & wpa_supplicant`, chartSections(results))
	rows, texts := readChart(t, svg)

	var labels []string
	for _, r := range rows {
		labels = append(labels, r.label)
	}
	if got, want := strings.Join(labels, ","), "wifid #1,iwd #1,wpa_supplicant #1,wifid #1,wifid #2,iwd #1"; got != want {
		t.Fatalf("rows %q, want %q (cold starts, then reconnects; a daemon's runs together)", got, want)
	}

	// Widths scale to the times: one px-per-ms per section, the cold
	// starts' axis ends at 1600 ms (steps of 200) over plotWidth px.
	coldRate := float64(plotWidth) / 1600
	for i, r := range rows {
		for _, s := range r.segs {
			if math.Abs(s.w-s.ms*s.sectionRate) > 0.01 {
				t.Errorf("row %d %s: %s is %.2f px for %.2f ms at %.4f px/ms", i, r.label, s.phase, s.w, s.ms, s.sectionRate)
			}
			if i < 3 && s.sectionRate != coldRate {
				t.Errorf("cold start rate %.4f px/ms, want %.4f", s.sectionRate, coldRate)
			}
		}
	}
	w := rows[0].segs
	if len(w) != 6 || w[0].phase != chartLeadIn || w[0].ms != 900 || w[5].phase != "netconfig" || w[5].w != 127.5 {
		t.Fatalf("wifid's cold start: %+v", w)
	}
	for i := 1; i < len(w); i++ {
		if math.Abs(w[i].x-(w[i-1].x+w[i-1].w)) > 0.02 {
			t.Errorf("%s at x=%.2f, %s ended at %.2f", w[i].phase, w[i].x, w[i-1].phase, w[i-1].x+w[i-1].w)
		}
	}
	if !strings.Contains(w[5].tooltip, "netconfig 300 ms (rapid <commit> & co)") {
		t.Errorf("tooltip %q", w[5].tooltip)
	}
	if s := rows[1].segs; len(s) != 1 || s[0].phase != chartNoPhase || s[0].w != round2(1500*coldRate) {
		t.Errorf("iwd's cold start: %+v", s)
	}
	if s := rows[2].segs; len(s) != 1 || s[0].ms != 1200 {
		t.Errorf("wpa_supplicant's cold start: %+v", s)
	}
	// The reconnects have their own axis (steps of 50 to 400 ms here).
	if r := rows[5].segs[0]; r.sectionRate != float64(plotWidth)/400 {
		t.Errorf("reconnect rate %.4f, want %.4f", r.sectionRate, float64(plotWidth)/400)
	}

	all := strings.Join(texts, "\n")
	for _, want := range []string{`bench "wifid" <vs> iwd & wpa_supplicant`, "Cold start", "Reconnect", "1600 ms", "400 ms",
		"1200 ms to CTRL-EVENT-CONNECTED", chartLeadIn, chartNoPhase, "secrets", "group-key", "netconfig", "roam-magic"} {
		if !strings.Contains(all, want) {
			t.Errorf("no text %q in the chart:\n%s", want, all)
		}
	}
	// Colours: the same phase, the same fill, in every row.
	fills := map[string]string{}
	for _, m := range regexp.MustCompile(`data-phase="([^"]+)"[^>]* fill="([^"]+)"`).FindAllStringSubmatch(string(svg), -1) {
		if f, ok := fills[m[1]]; ok && f != m[2] {
			t.Errorf("phase %s drawn in %s and %s", m[1], f, m[2])
		}
		fills[m[1]] = m[2]
	}
	if fills["4-way"] == "" || fills["4-way"] == fills["netconfig"] || fills["roam-magic"] == "" {
		t.Errorf("fills %v", fills)
	}
}

func TestNiceAxis(t *testing.T) {
	for _, c := range []struct{ max, step, end float64 }{
		{1500, 200, 1600}, {250, 50, 250}, {251, 50, 300}, {8, 1, 8}, {0, 1, 1}, {0.3, 0.05, 0.3},
	} {
		step, end := niceAxis(c.max)
		if math.Abs(step-c.step) > 1e-9 || math.Abs(end-c.end) > 1e-9 {
			t.Errorf("niceAxis(%v) = %v, %v; want %v, %v", c.max, step, end, c.step, c.end)
		}
	}
}
