package bench

import (
	"bufio"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// wpaConnected is wpa_supplicant's "-t" stamp on its CTRL-EVENT-CONNECTED
// line: "1732000000.123456: wlan1: CTRL-EVENT-CONNECTED - ...".
var wpaConnected = regexp.MustCompile(`^(\d+)\.(\d{6}): .*CTRL-EVENT-CONNECTED`)

func WpaConnectedAt(path string, from int64) (time.Time, bool) {
	for _, l := range logLines(path, from) {
		if m := wpaConnected.FindStringSubmatch(l); m != nil {
			sec, _ := strconv.ParseInt(m[1], 10, 64)
			usec, _ := strconv.ParseInt(m[2], 10, 64)
			return time.Unix(sec, usec*1000), true
		}
	}
	return time.Time{}, false
}

// WifidMilestones adds where wifid's cold start went before its connect
// timeline began: exec to its station running (process start, nl80211,
// D-Bus), and its first scan (the ms= of the first "scan done" line).
func WifidMilestones(path string, from int64, start time.Time, f map[string]float64) {
	for _, l := range logLines(path, from) {
		switch {
		case strings.Contains(l, `msg="station started"`):
			if _, ok := f[FigStationUp]; ok {
				continue
			}
			ts, _, _ := strings.Cut(strings.TrimPrefix(l, "time="), " ")
			if at, err := time.Parse(time.RFC3339Nano, ts); err == nil {
				f[FigStationUp] = Millis(at.Sub(start))
			}
		case strings.Contains(l, `msg="scan done"`):
			if _, ok := f[FigFirstScan]; ok {
				continue
			}
			if _, v, ok := strings.Cut(l, " ms="); ok {
				v, _, _ = strings.Cut(v, " ")
				if n, err := strconv.ParseFloat(v, 64); err == nil {
					f[FigFirstScan] = n
				}
			}
		}
	}
}

// LogTimelines returns the timeline= values of wifid's log from offset on.
func LogTimelines(path string, from int64) []string {
	var out []string
	for _, l := range logLines(path, from) {
		if v, ok := TimelineValue(l); ok {
			out = append(out, v)
		}
	}
	return out
}

func logLines(path string, from int64) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return nil
	}
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}
