package lab

// The bench's report: figures, medians, the Markdown table (bench_test.go
// runs the bench in the guest, with build tags lab and bench). No build tag
// here: the arithmetic and parsers are tested on the host by plain
// go test ./lab/.

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Figure keys of a bench run, in table order.
const (
	figCold         = "cold_start_ms"      // daemon start -> IPv4 address from DHCP
	figReconnect    = "reconnect_ms"       // Network.Connect after Station.Disconnect -> address
	figLinkUp       = "link_up_ms"         // daemon start -> operstate UP (associated, keys in)
	figConnected    = "connected_event_ms" // wpa_supplicant start -> CTRL-EVENT-CONNECTED (its log's stamp)
	figCPU          = "cpu_ms"             // utime+stime from start to the address (or CTRL-EVENT-CONNECTED)
	figRSS          = "rss_kib"            // VmRSS when connected
	figPeakRSS      = "peak_rss_kib"       // VmHWM when connected
	figStationUp    = "station_up_ms"      // wifid: start -> its "station started" log line
	figFirstScan    = "first_scan_ms"      // wifid: its first scan's duration, as it logs it
	figCPUStationUp = "cpu_station_up_ms"  // wifid: CPU until its station started (sampled)
	figCPUFirstScan = "cpu_first_scan_ms"  // wifid: CPU during its first scan (sampled)
	figRSSAnon      = "rss_anon_kib"       // RssAnon when connected: heap and stacks, no file pages
)

type figureSpec struct {
	Key   string
	Label string
	Unit  string  // what the table shows
	Scale float64 // stored value / Scale = shown value
}

var figures = []figureSpec{
	{figCold, "cold start -> address", "s", 1000},
	{figReconnect, "reconnect -> address", "s", 1000},
	{figLinkUp, "start -> operstate up", "s", 1000},
	{figConnected, "start -> CTRL-EVENT-CONNECTED", "s", 1000},
	{figCPU, "CPU, start -> connected", "ms", 1},
	{figRSS, "RSS when connected", "MiB", 1024},
	{figPeakRSS, "peak RSS (VmHWM)", "MiB", 1024},
	{figRSSAnon, "RssAnon when connected", "MiB", 1024},
	{figStationUp, "start -> station up (wifid's log)", "s", 1000},
	{figFirstScan, "first scan (wifid's log)", "s", 1000},
	{figCPUStationUp, "CPU, start -> station up (wifid)", "ms", 1},
	{figCPUFirstScan, "CPU in the first scan (wifid)", "ms", 1},
}

// benchRun is one start-to-stop run of one daemon.
type benchRun struct {
	Daemon    string             `json:"daemon"`
	Round     int                `json:"round"`
	Figures   map[string]float64 `json:"figures"`
	Timelines []string           `json:"timelines,omitempty"` // wifid's "timeline=" log values
	Connects  []benchConnect     `json:"connects,omitempty"`  // the chart's rows: cold start, reconnect
	Err       string             `json:"error,omitempty"`
}

// stat is a figure's spread over the runs that measured it.
type stat struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

func summarize(vals []float64) (stat, bool) {
	if len(vals) == 0 {
		return stat{}, false
	}
	v := append([]float64(nil), vals...)
	sort.Float64s(v)
	s := stat{N: len(v), Min: v[0], Max: v[len(v)-1]}
	if n := len(v); n%2 == 1 {
		s.Median = v[n/2]
	} else {
		s.Median = (v[n/2-1] + v[n/2]) / 2
	}
	return s, true
}

// binarySize is a daemon's executable and the shared libraries it loads
// (ldd), glibc's own libraries and the loader excepted.
type binarySize struct {
	Path      string           `json:"path"`
	Bytes     int64            `json:"bytes"`
	Libs      map[string]int64 `json:"libs,omitempty"`
	WithLibs  int64            `json:"bytes_with_libs"`
	LinkError string           `json:"ldd_error,omitempty"`
}

// benchReport is what bench.json holds.
type benchReport struct {
	Runs      int                           `json:"runs_per_daemon"`
	Daemons   []string                      `json:"daemons"`
	Results   []benchRun                    `json:"results"`
	Summary   map[string]map[string]stat    `json:"summary"` // daemon -> figure -> stat
	Ratio     map[string]float64            `json:"wifid_over_iwd"`
	Sizes     map[string]binarySize         `json:"binary_sizes"`
	Timelines map[string]map[string]float64 `json:"wifid_timeline_median_ms"` // kind -> phase -> ms
	Table     string                        `json:"table"`
}

func newReport(runs int, daemons []string, results []benchRun, sizes map[string]binarySize) *benchReport {
	r := &benchReport{Runs: runs, Daemons: daemons, Results: results, Sizes: sizes,
		Summary: map[string]map[string]stat{}, Ratio: map[string]float64{}}
	for _, d := range daemons {
		r.Summary[d] = map[string]stat{}
		for _, f := range figures {
			var vals []float64
			for _, run := range results {
				if v, ok := run.Figures[f.Key]; ok && run.Daemon == d {
					vals = append(vals, v)
				}
			}
			if s, ok := summarize(vals); ok {
				r.Summary[d][f.Key] = s
			}
		}
	}
	for _, f := range figures {
		a, okA := r.Summary["wifid"][f.Key]
		b, okB := r.Summary["iwd"][f.Key]
		if okA && okB && b.Median > 0 {
			r.Ratio[f.Key] = a.Median / b.Median
		}
	}
	var tls []string
	for _, run := range results {
		if run.Daemon == "wifid" {
			tls = append(tls, run.Timelines...)
		}
	}
	r.Timelines = timelineMedians(tls)
	r.Table = r.table()
	return r
}

// table is the Markdown table: median [min, max] per daemon and figure,
// and the wifid/iwd ratio of the medians.
func (r *benchReport) table() string {
	var b strings.Builder
	b.WriteString("| figure |")
	for _, d := range r.Daemons {
		fmt.Fprintf(&b, " %s |", d)
	}
	b.WriteString(" wifid/iwd |\n|---|")
	for range r.Daemons {
		b.WriteString("---|")
	}
	b.WriteString("---|\n")
	for _, f := range figures {
		var cells []string
		any := false
		for _, d := range r.Daemons {
			s, ok := r.Summary[d][f.Key]
			if !ok {
				cells = append(cells, "-")
				continue
			}
			any = true
			cells = append(cells, fmt.Sprintf("%s [%s, %s]", num(s.Median/f.Scale), num(s.Min/f.Scale), num(s.Max/f.Scale)))
		}
		if !any {
			continue
		}
		ratio := "-"
		if v, ok := r.Ratio[f.Key]; ok {
			ratio = fmt.Sprintf("%.2f", v)
		}
		fmt.Fprintf(&b, "| %s (%s) | %s | %s |\n", f.Label, f.Unit, strings.Join(cells, " | "), ratio)
	}
	for _, row := range []struct {
		label string
		get   func(binarySize) int64
	}{
		{"binary", func(s binarySize) int64 { return s.Bytes }},
		{"binary + shared libraries", func(s binarySize) int64 { return s.WithLibs }},
	} {
		fmt.Fprintf(&b, "| %s (MiB) |", row.label)
		for _, d := range r.Daemons {
			if s, ok := r.Sizes[d]; ok {
				fmt.Fprintf(&b, " %s |", num(float64(row.get(s))/(1<<20)))
			} else {
				b.WriteString(" - |")
			}
		}
		w, okW := r.Sizes["wifid"]
		i, okI := r.Sizes["iwd"]
		if okW && okI && row.get(i) > 0 {
			fmt.Fprintf(&b, " %.2f |\n", float64(row.get(w))/float64(row.get(i)))
		} else {
			b.WriteString(" - |\n")
		}
	}
	var failed []string
	for _, run := range r.Results {
		if run.Err != "" {
			failed = append(failed, fmt.Sprintf("%s round %d: %s", run.Daemon, run.Round, run.Err))
		}
	}
	fmt.Fprintf(&b, "\n%d runs per daemon, alternating; median [min, max].\n", r.Runs)
	if len(failed) > 0 {
		fmt.Fprintf(&b, "Failed runs (left out of the figures):\n- %s\n", strings.Join(failed, "\n- "))
	}
	if len(r.Timelines) > 0 {
		b.WriteString("\nwifid's own timeline (median ms per phase):\n")
		kinds := make([]string, 0, len(r.Timelines))
		for k := range r.Timelines {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			fmt.Fprintf(&b, "- %s: %s\n", k, formatPhases(r.Timelines[k]))
		}
	}
	return b.String()
}

// num prints a figure with three significant digits at most.
func num(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// timelinePhase matches one phase of station.Timeline.String():
// " scan 812ms (cached)", " group-key 0.412ms".
var timelinePhase = regexp.MustCompile(`^\s*([a-z0-9-]+) (\d+(?:\.\d+)?)ms`)

// phaseOrder is station's phase order, the total last.
var phaseOrder = []string{"scan", "secrets", "authenticate", "associate", "4-way", "group-key", "netconfig", "total"}

// parseTimeline splits "autoconnect labnet: scan 812ms, authenticate 3ms
// (x), ... = 1200ms connected" into its kind and phase durations (ms),
// with the whole under "total". Lines not in that shape give ok false.
func parseTimeline(s string) (kind string, phases map[string]float64, ok bool) {
	head, rest, found := strings.Cut(s, ":")
	if !found {
		return "", nil, false
	}
	kind, _, _ = strings.Cut(head, " ")
	steps, total, found := strings.Cut(rest, " = ")
	if !found {
		return "", nil, false
	}
	phases = map[string]float64{}
	for _, st := range strings.Split(steps, ",") {
		m := timelinePhase.FindStringSubmatch(st)
		if m == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		phases[m[1]] += v
	}
	ms, _, _ := strings.Cut(total, "ms")
	v, err := strconv.ParseFloat(strings.TrimSpace(ms), 64)
	if err != nil {
		return "", nil, false
	}
	phases["total"] = v
	return kind, phases, true
}

// timelineMedians is the median of each phase per kind of connect
// ("autoconnect" for the cold start, "connect" for the D-Bus reconnect),
// over the connects that succeeded.
func timelineMedians(lines []string) map[string]map[string]float64 {
	vals := map[string]map[string][]float64{}
	for _, l := range lines {
		if !strings.HasSuffix(strings.TrimSpace(l), "connected") {
			continue
		}
		kind, phases, ok := parseTimeline(l)
		if !ok {
			continue
		}
		if vals[kind] == nil {
			vals[kind] = map[string][]float64{}
		}
		for p, v := range phases {
			vals[kind][p] = append(vals[kind][p], v)
		}
	}
	out := map[string]map[string]float64{}
	for kind, ps := range vals {
		out[kind] = map[string]float64{}
		for p, v := range ps {
			s, _ := summarize(v)
			out[kind][p] = s.Median
		}
	}
	return out
}

func formatPhases(m map[string]float64) string {
	var parts []string
	seen := map[string]bool{}
	for _, p := range phaseOrder {
		if v, ok := m[p]; ok {
			parts = append(parts, p+" "+num(v))
			seen[p] = true
		}
	}
	var rest []string
	for p := range m {
		if !seen[p] {
			rest = append(rest, p)
		}
	}
	sort.Strings(rest)
	for _, p := range rest {
		parts = append(parts, p+" "+num(m[p]))
	}
	return strings.Join(parts, ", ")
}

// timelineValue extracts the value of slog's timeline="..." from a log line.
func timelineValue(line string) (string, bool) {
	_, v, ok := strings.Cut(line, "timeline=")
	if !ok {
		return "", false
	}
	if strings.HasPrefix(v, `"`) {
		if s, err := strconv.QuotedPrefix(v); err == nil {
			u, _ := strconv.Unquote(s)
			return u, true
		}
	}
	v, _, _ = strings.Cut(v, " ")
	return v, true
}
