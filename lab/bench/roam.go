package bench

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// RoamRun is one roam of one daemon.
type RoamRun struct {
	Daemon string  `json:"daemon"`
	Round  int     `json:"round"`
	RoamS  float64 `json:"weakened_to_traffic_s"` // link weakened -> first reply through the new BSS
	GapMs  float64 `json:"traffic_gap_ms"`        // longest silence between ping replies
	Lost   int     `json:"pings_lost"`
	// Timeline is wifid's own record of the roam (scan, associate, 4-way,
	// group key), from its log.
	Timeline string `json:"timeline,omitempty"`
	Err      string `json:"error,omitempty"`
}

// PingReplies reads `ping -D` output: the times of the replies, and how
// many sequence numbers got none.
func PingReplies(path string) ([]time.Time, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	var out []time.Time
	seen := map[int]bool{}
	maxSeq := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "[") || !strings.Contains(line, "bytes from") {
			continue
		}
		end := strings.IndexByte(line, ']')
		if end < 0 {
			continue
		}
		ts, err := strconv.ParseFloat(line[1:end], 64)
		if err != nil {
			continue
		}
		sec, frac := math.Modf(ts)
		out = append(out, time.Unix(int64(sec), int64(frac*1e9)))
		if i := strings.Index(line, "icmp_seq="); i >= 0 {
			f := strings.Fields(line[i+len("icmp_seq="):])
			if len(f) > 0 {
				if n, err := strconv.Atoi(f[0]); err == nil {
					seen[n] = true
					maxSeq = max(maxSeq, n)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out, maxSeq - len(seen), sc.Err()
}

// LongestGap is the longest silence between consecutive replies that ends
// after t0, and when it began.
func LongestGap(replies []time.Time, t0 time.Time) (time.Time, time.Duration) {
	var start time.Time
	var gap time.Duration
	for i := 1; i < len(replies); i++ {
		if !replies[i].After(t0) {
			continue
		}
		if d := replies[i].Sub(replies[i-1]); d > gap {
			start, gap = replies[i-1], d
		}
	}
	return start, gap
}

func RoamTable(results []RoamRun) string {
	var sb strings.Builder
	sb.WriteString("| figure | wifid | iwd | wifid/iwd |\n|---|---|---|---|\n")
	row := func(name string, get func(RoamRun) float64) {
		med := map[string]float64{}
		cells := []string{}
		for _, d := range []string{"wifid", "iwd"} {
			var vals []float64
			for _, r := range results {
				if r.Daemon == d && r.Err == "" {
					vals = append(vals, get(r))
				}
			}
			st, ok := Summarize(vals)
			if !ok {
				cells = append(cells, "-")
				continue
			}
			med[d] = st.Median
			cells = append(cells, fmt.Sprintf("%s [%s, %s]", num(st.Median), num(st.Min), num(st.Max)))
		}
		ratio := "-"
		if med["iwd"] > 0 && med["wifid"] > 0 {
			ratio = fmt.Sprintf("%.2f", med["wifid"]/med["iwd"])
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s |\n", name, cells[0], cells[1], ratio)
	}
	row("weakened -> traffic via new BSS (s)", func(r RoamRun) float64 { return r.RoamS })
	row("longest traffic gap (ms)", func(r RoamRun) float64 { return r.GapMs })
	row("pings lost (20 ms apart)", func(r RoamRun) float64 { return float64(r.Lost) })
	return sb.String()
}
