package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPingRepliesAndGap(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ping.txt")
	// ping -D: replies 1, 2, then 3 and 4 lost, then 5.
	out := "PING 192.0.2.1 (192.0.2.1) 56(84) bytes of data.\n" +
		"[1732000000.000000] 64 bytes from 192.0.2.1: icmp_seq=1 ttl=64 time=1.0 ms\n" +
		"[1732000000.020000] 64 bytes from 192.0.2.1: icmp_seq=2 ttl=64 time=1.0 ms\n" +
		"[1732000000.500000] 64 bytes from 192.0.2.1: icmp_seq=5 ttl=64 time=1.0 ms\n"
	if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	replies, lost, err := PingReplies(p)
	if err != nil || len(replies) != 3 || lost != 2 {
		t.Fatalf("PingReplies = %v, %d lost, %v", replies, lost, err)
	}
	start, gap := LongestGap(replies, time.Unix(1732000000, 10_000_000))
	// ping's stamps go through a float64: equal to the microsecond.
	if start.Sub(time.Unix(1732000000, 20_000_000)).Abs() > time.Microsecond || (gap-480*time.Millisecond).Abs() > time.Microsecond {
		t.Errorf("LongestGap = %v at %v, want 480ms after the second reply", gap, start)
	}
}

func TestRoamTable(t *testing.T) {
	table := RoamTable([]RoamRun{
		{Daemon: "wifid", RoamS: 6, GapMs: 100, Lost: 4},
		{Daemon: "iwd", RoamS: 5, GapMs: 200, Lost: 8},
		{Daemon: "iwd", Err: "did not roam"},
	})
	for _, want := range []string{"| longest traffic gap (ms) | 100 [100, 100] | 200 [200, 200] | 0.50 |", "| 6.00 [6.00, 6.00] | 5.00 [5.00, 5.00] | 1.20 |"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}
