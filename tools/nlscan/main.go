// Command nlscan checks the nl80211 package against a real kernel: it
// lists wiphys and wireless interfaces, optionally scans, and can print
// events for a while. It is a lab tool (run as root in the VM):
//
//	nlscan                     # wiphys and interfaces
//	nlscan -scan -i wlan0      # plus a wildcard scan on wlan0
//	nlscan -scan -freq 2412,2437 -passive
//	nlscan -dump -i wlan0      # the kernel's cached results, no new scan
//	nlscan -events 30s         # print events for 30 seconds
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"wifid/nl80211"
)

func main() {
	var (
		ifname  = flag.String("i", "", "interface to scan (default: every station interface)")
		scan    = flag.Bool("scan", false, "trigger a scan and print its results")
		dump    = flag.Bool("dump", false, "print cached scan results without scanning")
		freqs   = flag.String("freq", "", "comma-separated scan frequencies in MHz")
		ssid    = flag.String("ssid", "", "probe for this SSID (plus the wildcard)")
		passive = flag.Bool("passive", false, "passive scan (no probe requests)")
		random  = flag.Bool("random", false, "randomise the scan MAC address when supported")
		events  = flag.Duration("events", 0, "print events for this long")
		verbose = flag.Bool("v", false, "print channels, features and IEs")
	)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *ifname, *scan, *dump, *freqs, *ssid, *passive, *random, *events, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "nlscan:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, ifname string, scan, dump bool, freqs, ssid string, passive, random bool, events time.Duration, verbose bool) error {
	c, err := nl80211.Dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()

	wiphys, err := c.Wiphys(ctx)
	if err != nil {
		return err
	}
	byIndex := map[int]*nl80211.Wiphy{}
	for _, w := range wiphys {
		byIndex[w.Index] = w
		printWiphy(w, verbose)
	}
	ifaces, err := c.Interfaces(ctx)
	if err != nil {
		return err
	}
	fmt.Println("interfaces:")
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ifindex\tname\tphy\ttype\tmac\twdev\tssid\tfreq")
	for _, ifi := range ifaces {
		fmt.Fprintf(tw, "  %d\t%s\t%d\t%s\t%s\t%#x\t%q\t%d\n", ifi.Index, ifi.Name, ifi.Wiphy, ifi.Type, ifi.MAC, ifi.Wdev, ifi.SSID, ifi.Freq)
	}
	tw.Flush()

	if scan || dump {
		req := nl80211.ScanRequest{Passive: passive}
		if ssid != "" {
			req.SSIDs = [][]byte{[]byte(ssid), {}}
		}
		for _, f := range strings.Split(freqs, ",") {
			if f == "" {
				continue
			}
			v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 32)
			if err != nil {
				return fmt.Errorf("bad frequency %q", f)
			}
			req.Freqs = append(req.Freqs, uint32(v))
		}
		for _, ifi := range ifaces {
			if ifi.Index == 0 || (ifname != "" && ifi.Name != ifname) || (ifname == "" && ifi.Type != nl80211.IftypeStation) {
				continue
			}
			req := req // per interface: RandomAddr depends on its wiphy
			if w := byIndex[ifi.Wiphy]; random && w != nil && w.SupportsScanRandomAddr() {
				req.RandomAddr = true
			}
			var res []*nl80211.BSS
			start := time.Now()
			if scan {
				res, err = c.Scan(ctx, ifi.Index, req)
			} else {
				res, err = c.ScanResults(ctx, ifi.Index)
			}
			if err != nil {
				return err
			}
			fmt.Printf("scan results on %s (%d BSS, %v):\n", ifi.Name, len(res), time.Since(start).Round(time.Millisecond))
			printBSSes(res, verbose)
		}
	}

	if events > 0 {
		fmt.Printf("events for %v:\n", events)
		t := time.NewTimer(events)
		defer t.Stop()
		for {
			select {
			case ev, ok := <-c.Events():
				if !ok {
					return errors.New("event channel closed")
				}
				fmt.Printf("  %s %s\n", time.Now().Format("15:04:05.000"), describe(ev))
			case <-t.C:
				return nil
			case <-ctx.Done():
				return nil
			}
		}
	}
	return nil
}

func printWiphy(w *nl80211.Wiphy, verbose bool) {
	fmt.Printf("wiphy %d %s addr %s: max scan SSIDs %d, max scan IE len %d, iftypes %v\n",
		w.Index, w.Name, w.Address, w.MaxScanSSIDs, w.MaxScanIELen, w.SupportedIftypes)
	ciphers := make([]string, 0, len(w.CipherSuites))
	for _, s := range w.CipherSuites {
		ciphers = append(ciphers, s.String())
	}
	akms := make([]string, 0, len(w.AKMSuites))
	for _, s := range w.AKMSuites {
		akms = append(akms, s.String())
	}
	fmt.Printf("  ciphers %s\n  akms %s\n", strings.Join(ciphers, " "), strings.Join(akms, " "))
	fmt.Printf("  control port over nl80211 %v, scan random addr %v, roam offload %v, %d commands, %d combinations\n",
		w.SupportsControlPortOverNL80211(), w.SupportsScanRandomAddr(), w.RoamSupport, len(w.SupportedCommands), len(w.InterfaceCombinations))
	for _, b := range w.Bands {
		var enabled []string
		for _, ch := range b.Channels {
			if !ch.Disabled {
				enabled = append(enabled, strconv.Itoa(int(ch.Freq)))
			}
		}
		fmt.Printf("  band %d: %d channels, %d enabled\n", b.Band, len(b.Channels), len(enabled))
		if verbose {
			fmt.Printf("    %s\n", strings.Join(enabled, " "))
		}
	}
	if verbose {
		fmt.Printf("  features %v\n  ext features %v\n", w.Features.Names(), w.ExtFeatures.Names())
	}
}

func printBSSes(res []*nl80211.BSS, verbose bool) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  bssid\tfreq\tsignal\tseen ms\tcapa\tbint\tstatus\tssid")
	for _, b := range res {
		sig := "?"
		switch {
		case b.HasSignalMBm:
			sig = fmt.Sprintf("%.2f dBm", float64(b.SignalMBm)/100)
		case b.HasSignalUnspec:
			sig = fmt.Sprintf("%d/100", b.SignalUnspec)
		}
		status := ""
		if b.Associated() {
			status = "associated"
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%d\t%#04x\t%d\t%s\t%q\n", b.BSSID, b.Freq, sig, b.SeenMsAgo, b.Capability, b.BeaconInterval, status, ssidOf(b.IEs))
		if verbose {
			fmt.Fprintf(tw, "    ies %x\n    beacon ies %x\n", b.IEs, b.BeaconIEs)
		}
	}
	tw.Flush()
}

// ssidOf finds element 0 (SSID); nl80211/ie does this properly, but this
// tool stays independent of it.
func ssidOf(ies []byte) []byte {
	for len(ies) >= 2 {
		id, l := ies[0], int(ies[1])
		if len(ies) < 2+l {
			return nil
		}
		if id == 0 {
			return ies[2 : 2+l]
		}
		ies = ies[2+l:]
	}
	return nil
}

func describe(ev nl80211.Event) string {
	i := ev.Info()
	head := fmt.Sprintf("%s phy %d ifindex %d", nl80211.CmdName(i.Cmd), i.Wiphy, i.Ifindex)
	switch e := ev.(type) {
	case *nl80211.ScanEvent:
		return fmt.Sprintf("%s freqs %v ssids %q", head, e.Freqs, e.SSIDs)
	case *nl80211.ConnectEvent:
		return fmt.Sprintf("%s bssid %s status %d timed out %v", head, e.BSSID, e.Status, e.TimedOut)
	case *nl80211.DisconnectEvent:
		return fmt.Sprintf("%s reason %d by AP %v", head, e.Reason, e.ByAP)
	case *nl80211.MLMEEvent:
		return fmt.Sprintf("%s frame %d bytes timed out %v", head, len(e.Frame), e.TimedOut)
	case *nl80211.CQMEvent:
		return fmt.Sprintf("%s rssi event %d level %d beacon loss %v", head, e.RSSIThreshold, e.RSSILevel, e.BeaconLoss)
	case *nl80211.InterfaceEvent:
		return fmt.Sprintf("%s %s %s", head, e.Interface.Name, e.Interface.Type)
	case *nl80211.WiphyEvent:
		return fmt.Sprintf("%s %s", head, e.Name)
	case *nl80211.ControlPortFrameEvent:
		return fmt.Sprintf("%s from %s %d bytes unencrypted %v", head, e.Src, len(e.Frame), e.Unencrypted)
	case *nl80211.RegulatoryEvent:
		return fmt.Sprintf("%s %s", head, e.Alpha2)
	case *nl80211.OverrunEvent:
		return fmt.Sprintf("OVERRUN dropped %d", e.Dropped)
	}
	return head
}
