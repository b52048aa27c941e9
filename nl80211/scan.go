package nl80211

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// ErrScanAborted is returned by Scan when the kernel reports
// NL80211_CMD_SCAN_ABORTED for the scan.
var ErrScanAborted = errors.New("scan aborted")

// ScanRequest describes a scan (NL80211_CMD_TRIGGER_SCAN).
type ScanRequest struct {
	// SSIDs to probe for. Nil or empty means one wildcard (empty) SSID,
	// an active scan for everything; add an empty SSID next to named
	// ones to probe for both. Ignored when Passive is set.
	SSIDs [][]byte
	// Passive sends no probe requests (no NL80211_ATTR_SCAN_SSIDS).
	Passive bool
	// Freqs limits the scan to these frequencies in MHz; nil scans all.
	Freqs []uint32
	// IEs are appended to probe requests (NL80211_ATTR_IE).
	IEs []byte
	// Flags are NL80211_SCAN_FLAG_* bits.
	Flags uint32
	// RandomAddr adds NL80211_SCAN_FLAG_RANDOM_ADDR; set it only when
	// Wiphy.SupportsScanRandomAddr reports true, else the kernel refuses.
	RandomAddr bool
}

func (r ScanRequest) encode(ifindex int) []byte {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	if !r.Passive {
		ssids := r.SSIDs
		if len(ssids) == 0 {
			ssids = [][]byte{{}}
		}
		e.nested(unix.NL80211_ATTR_SCAN_SSIDS, func(n *encoder) {
			for i, s := range ssids {
				n.bytes(uint16(i+1), s)
			}
		})
	}
	if len(r.Freqs) > 0 {
		e.nested(unix.NL80211_ATTR_SCAN_FREQUENCIES, func(n *encoder) {
			for i, f := range r.Freqs {
				n.u32(uint16(i+1), f)
			}
		})
	}
	if len(r.IEs) > 0 {
		e.bytes(unix.NL80211_ATTR_IE, r.IEs)
	}
	flags := r.Flags
	if r.RandomAddr {
		flags |= unix.NL80211_SCAN_FLAG_RANDOM_ADDR
	}
	if flags != 0 {
		e.u32(unix.NL80211_ATTR_SCAN_FLAGS, flags)
	}
	return e.b
}

// TriggerScan starts a scan and returns once the kernel accepted it;
// completion comes as a ScanEvent (CMD_NEW_SCAN_RESULTS or
// CMD_SCAN_ABORTED). A busy radio answers unix.EBUSY.
func (c *Client) TriggerScan(ctx context.Context, ifindex int, req ScanRequest) error {
	_, err := c.execute(ctx, unix.NL80211_CMD_TRIGGER_SCAN, ifTarget(ifindex), 0, req.encode(ifindex), nil)
	return err
}

// AbortScan stops a running scan (NL80211_CMD_ABORT_SCAN).
func (c *Client) AbortScan(ctx context.Context, ifindex int) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	_, err := c.execute(ctx, unix.NL80211_CMD_ABORT_SCAN, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// Scan triggers a scan on ifindex, waits for its NEW_SCAN_RESULTS (or
// SCAN_ABORTED: ErrScanAborted) and dumps the results. The scan events
// also reach Events. Cancelling ctx aborts the scan.
func (c *Client) Scan(ctx context.Context, ifindex int, req ScanRequest) ([]*BSS, error) {
	w := c.addWaiter(func(ev Event) bool {
		s, ok := ev.(*ScanEvent)
		return ok && s.Ifindex == ifindex &&
			(s.Cmd == unix.NL80211_CMD_NEW_SCAN_RESULTS || s.Cmd == unix.NL80211_CMD_SCAN_ABORTED)
	})
	defer c.removeWaiter(w)
	t := ifTarget(ifindex)
	_, err := c.execute(ctx, unix.NL80211_CMD_TRIGGER_SCAN, t, 0, req.encode(ifindex), func() { c.arm(w) })
	if err != nil {
		return nil, err
	}
	select {
	case ev := <-w.ch:
		if ev.Info().Cmd == unix.NL80211_CMD_SCAN_ABORTED {
			return nil, newError(unix.NL80211_CMD_TRIGGER_SCAN, t, ErrScanAborted)
		}
	case <-ctx.Done():
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		_ = c.AbortScan(actx, ifindex)
		cancel()
		return nil, newError(unix.NL80211_CMD_TRIGGER_SCAN, t, ctx.Err())
	case <-c.done:
		return nil, ErrClosed
	}
	return c.ScanResults(ctx, ifindex)
}

// BSS is one scan result (NL80211_ATTR_BSS of NL80211_CMD_GET_SCAN). The
// information elements are kept raw; nl80211/ie parses them.
type BSS struct {
	BSSID      net.HardwareAddr
	Freq       uint32 // MHz
	FreqOffset uint32 // kHz, for S1G
	// SignalMBm is the signal in mBm (dBm*100) when HasSignalMBm
	// (NL80211_BSS_SIGNAL_MBM); SignalUnspec is 0..100 otherwise.
	SignalMBm       int32
	HasSignalMBm    bool
	SignalUnspec    uint8
	HasSignalUnspec bool
	SeenMsAgo       uint32
	LastSeenBoot    time.Duration // NL80211_BSS_LAST_SEEN_BOOTTIME, since boot
	TSF             uint64
	BeaconTSF       uint64
	Capability      uint16
	BeaconInterval  uint16 // TUs
	ChanWidth       uint32 // NL80211_BSS_CHAN_WIDTH_*
	// Status is NL80211_BSS_STATUS_* when HasStatus: this interface is
	// authenticated with or associated to the BSS.
	Status    uint32
	HasStatus bool
	// IEs are NL80211_BSS_INFORMATION_ELEMENTS (from the newest of probe
	// response or beacon); BeaconIEs are NL80211_BSS_BEACON_IES.
	// FromProbeResp (NL80211_BSS_PRESP_DATA) says IEs came from a probe
	// response.
	IEs           []byte
	BeaconIEs     []byte
	FromProbeResp bool
	ParentTSF     uint64
	ParentBSSID   net.HardwareAddr

	Ifindex    int
	Wdev       uint64
	Generation uint32
}

// Associated reports whether the interface is associated to this BSS.
func (b *BSS) Associated() bool {
	return b.HasStatus && b.Status == unix.NL80211_BSS_STATUS_ASSOCIATED
}

// ScanResults dumps the kernel's scan results for ifindex
// (NL80211_CMD_GET_SCAN).
func (c *Client) ScanResults(ctx context.Context, ifindex int) ([]*BSS, error) {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	t := ifTarget(ifindex)
	msgs, err := c.execute(ctx, unix.NL80211_CMD_GET_SCAN, t, netlink.Dump, e.b, nil)
	if err != nil {
		return nil, err
	}
	out, err := decodeScanDump(msgs)
	return out, newError(unix.NL80211_CMD_GET_SCAN, t, err)
}

func decodeScanDump(msgs []genetlink.Message) ([]*BSS, error) {
	out := make([]*BSS, 0, len(msgs))
	for _, m := range msgs {
		b, err := decodeBSSMessage(m.Data)
		if err != nil {
			return nil, err
		}
		if b != nil {
			out = append(out, b)
		}
	}
	return out, nil
}

// decodeBSSMessage decodes one GET_SCAN reply; it returns nil without
// error when the message carries no NL80211_ATTR_BSS.
func decodeBSSMessage(data []byte) (*BSS, error) {
	as, err := parseAttrs(data)
	if err != nil {
		return nil, err
	}
	var b *BSS
	var ifindex int
	var wdev uint64
	var gen uint32
	for _, a := range as {
		var v uint32
		switch a.Type {
		case unix.NL80211_ATTR_IFINDEX:
			v, err = getU32("ATTR_IFINDEX", a.Data)
			ifindex = int(v)
		case unix.NL80211_ATTR_WDEV:
			wdev, err = getU64("ATTR_WDEV", a.Data)
		case unix.NL80211_ATTR_GENERATION:
			gen, err = getU32("ATTR_GENERATION", a.Data)
		case unix.NL80211_ATTR_BSS:
			b, err = decodeBSS(a.Data)
		}
		if err != nil {
			return nil, err
		}
	}
	if b != nil {
		b.Ifindex, b.Wdev, b.Generation = ifindex, wdev, gen
	}
	return b, nil
}

// decodeBSS decodes the nested NL80211_ATTR_BSS.
func decodeBSS(data []byte) (*BSS, error) {
	as, err := parseNested("ATTR_BSS", data)
	if err != nil {
		return nil, err
	}
	b := &BSS{}
	for _, a := range as {
		var err error
		switch a.Type {
		case unix.NL80211_BSS_BSSID:
			b.BSSID, err = getMAC("BSS_BSSID", a.Data)
		case unix.NL80211_BSS_FREQUENCY:
			b.Freq, err = getU32("BSS_FREQUENCY", a.Data)
		case unix.NL80211_BSS_FREQUENCY_OFFSET:
			b.FreqOffset, err = getU32("BSS_FREQUENCY_OFFSET", a.Data)
		case unix.NL80211_BSS_TSF:
			b.TSF, err = getU64("BSS_TSF", a.Data)
		case unix.NL80211_BSS_BEACON_TSF:
			b.BeaconTSF, err = getU64("BSS_BEACON_TSF", a.Data)
		case unix.NL80211_BSS_BEACON_INTERVAL:
			b.BeaconInterval, err = getU16("BSS_BEACON_INTERVAL", a.Data)
		case unix.NL80211_BSS_CAPABILITY:
			b.Capability, err = getU16("BSS_CAPABILITY", a.Data)
		case unix.NL80211_BSS_INFORMATION_ELEMENTS:
			b.IEs = clone(a.Data)
		case unix.NL80211_BSS_BEACON_IES:
			b.BeaconIEs = clone(a.Data)
		case unix.NL80211_BSS_PRESP_DATA:
			b.FromProbeResp = true
		case unix.NL80211_BSS_SIGNAL_MBM:
			b.SignalMBm, err = getS32("BSS_SIGNAL_MBM", a.Data)
			b.HasSignalMBm = err == nil
		case unix.NL80211_BSS_SIGNAL_UNSPEC:
			b.SignalUnspec, err = getU8("BSS_SIGNAL_UNSPEC", a.Data)
			b.HasSignalUnspec = err == nil
		case unix.NL80211_BSS_STATUS:
			b.Status, err = getU32("BSS_STATUS", a.Data)
			b.HasStatus = err == nil
		case unix.NL80211_BSS_SEEN_MS_AGO:
			b.SeenMsAgo, err = getU32("BSS_SEEN_MS_AGO", a.Data)
		case unix.NL80211_BSS_LAST_SEEN_BOOTTIME:
			var ns uint64
			ns, err = getU64("BSS_LAST_SEEN_BOOTTIME", a.Data)
			b.LastSeenBoot = time.Duration(ns)
		case unix.NL80211_BSS_CHAN_WIDTH:
			b.ChanWidth, err = getU32("BSS_CHAN_WIDTH", a.Data)
		case unix.NL80211_BSS_PARENT_TSF:
			b.ParentTSF, err = getU64("BSS_PARENT_TSF", a.Data)
		case unix.NL80211_BSS_PARENT_BSSID:
			b.ParentBSSID, err = getMAC("BSS_PARENT_BSSID", a.Data)
		}
		if err != nil {
			return nil, attrErr("ATTR_BSS", err)
		}
	}
	if b.BSSID == nil {
		return nil, &AttrError{Attr: "ATTR_BSS/BSS_BSSID", Err: errMissing}
	}
	return b, nil
}
