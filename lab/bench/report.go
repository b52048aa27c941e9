package bench

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"wifid/station"
)

// Figure keys of a bench run, in table order.
const (
	FigCold         = "cold_start_ms"      // daemon start -> IPv4 address from DHCP
	FigReconnect    = "reconnect_ms"       // Network.Connect after Station.Disconnect -> address
	FigLinkUp       = "link_up_ms"         // daemon start -> operstate UP (associated, keys in)
	FigConnected    = "connected_event_ms" // wpa_supplicant start -> CTRL-EVENT-CONNECTED (its log's stamp)
	FigCPU          = "cpu_ms"             // utime+stime from start to the address (or CTRL-EVENT-CONNECTED)
	FigRSS          = "rss_kib"            // VmRSS when connected
	FigPeakRSS      = "peak_rss_kib"       // VmHWM when connected
	FigStationUp    = "station_up_ms"      // wifid: start -> its "station started" log line
	FigFirstScan    = "first_scan_ms"      // wifid: its first scan's duration, as it logs it
	FigCPUStationUp = "cpu_station_up_ms"  // wifid: CPU until its station started (sampled)
	FigCPUFirstScan = "cpu_first_scan_ms"  // wifid: CPU during its first scan (sampled)
	FigRSSAnon      = "rss_anon_kib"       // RssAnon when connected: heap and stacks, no file pages
)

type FigureSpec struct {
	Key   string
	Label string
	Unit  string  // what the table shows
	Scale float64 // stored value / Scale = shown value
}

var Figures = []FigureSpec{
	{FigCold, "cold start -> address", "s", 1000},
	{FigReconnect, "reconnect -> address", "s", 1000},
	{FigLinkUp, "start -> operstate up", "s", 1000},
	{FigConnected, "start -> CTRL-EVENT-CONNECTED", "s", 1000},
	{FigCPU, "CPU, start -> connected", "ms", 1},
	{FigRSS, "RSS when connected", "MiB", 1024},
	{FigPeakRSS, "peak RSS (VmHWM)", "MiB", 1024},
	{FigRSSAnon, "RssAnon when connected", "MiB", 1024},
	{FigStationUp, "start -> station up (wifid's log)", "s", 1000},
	{FigFirstScan, "first scan (wifid's log)", "s", 1000},
	{FigCPUStationUp, "CPU, start -> station up (wifid)", "ms", 1},
	{FigCPUFirstScan, "CPU in the first scan (wifid)", "ms", 1},
}

// Run is one start-to-stop run of one daemon.
type Run struct {
	Daemon    string             `json:"daemon"`
	Round     int                `json:"round"`
	Figures   map[string]float64 `json:"Figures"`
	Timelines []string           `json:"timelines,omitempty"` // wifid's "timeline=" log values
	Connects  []Connect          `json:"connects,omitempty"`  // the chart's rows: cold start, reconnect
	Err       string             `json:"error,omitempty"`
}

// Stat is a figure's spread over the runs that measured it.
type Stat struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

func Summarize(vals []float64) (Stat, bool) {
	if len(vals) == 0 {
		return Stat{}, false
	}
	v := append([]float64(nil), vals...)
	sort.Float64s(v)
	s := Stat{N: len(v), Min: v[0], Max: v[len(v)-1]}
	if n := len(v); n%2 == 1 {
		s.Median = v[n/2]
	} else {
		s.Median = (v[n/2-1] + v[n/2]) / 2
	}
	return s, true
}

// BinarySize is a daemon's executable and the shared libraries it loads
// (ldd), glibc's own libraries and the loader excepted.
type BinarySize struct {
	Path      string           `json:"path"`
	Bytes     int64            `json:"bytes"`
	Libs      map[string]int64 `json:"libs,omitempty"`
	WithLibs  int64            `json:"bytes_with_libs"`
	LinkError string           `json:"ldd_error,omitempty"`
}

// Report is what bench.json holds.
type Report struct {
	Runs      int                           `json:"runs_per_daemon"`
	Daemons   []string                      `json:"daemons"`
	Results   []Run                         `json:"results"`
	Summary   map[string]map[string]Stat    `json:"summary"` // daemon -> figure -> Stat
	Ratio     map[string]float64            `json:"wifid_over_iwd"`
	Sizes     map[string]BinarySize         `json:"binary_sizes"`
	Timelines map[string]map[string]float64 `json:"wifid_timeline_median_ms"` // kind -> phase -> ms
	Table     string                        `json:"table"`
}

func NewReport(runs int, daemons []string, results []Run, sizes map[string]BinarySize) *Report {
	r := &Report{Runs: runs, Daemons: daemons, Results: results, Sizes: sizes,
		Summary: map[string]map[string]Stat{}, Ratio: map[string]float64{}}
	for _, d := range daemons {
		r.Summary[d] = map[string]Stat{}
		for _, f := range Figures {
			var vals []float64
			for _, run := range results {
				if v, ok := run.Figures[f.Key]; ok && run.Daemon == d {
					vals = append(vals, v)
				}
			}
			if s, ok := Summarize(vals); ok {
				r.Summary[d][f.Key] = s
			}
		}
	}
	for _, f := range Figures {
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
func (r *Report) table() string {
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
	for _, f := range Figures {
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
		get   func(BinarySize) int64
	}{
		{"binary", func(s BinarySize) int64 { return s.Bytes }},
		{"binary + shared libraries", func(s BinarySize) int64 { return s.WithLibs }},
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
		fmt.Fprintf(&b, "Failed runs (left out of the Figures):\n- %s\n", strings.Join(failed, "\n- "))
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
var phaseOrder = append(slices.Clone(station.Phases), "total")

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
			s, _ := Summarize(v)
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

// TimelineValue extracts the value of slog's timeline="..." from a log line.
func TimelineValue(line string) (string, bool) {
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

// Millis is d in milliseconds, to the microsecond.
func Millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func FmtFigures(f map[string]float64) string {
	var parts []string
	for _, spec := range Figures {
		if v, ok := f[spec.Key]; ok {
			parts = append(parts, fmt.Sprintf("%s=%.0f", spec.Key, v))
		}
	}
	return strings.Join(parts, " ")
}
