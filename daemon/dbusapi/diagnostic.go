package dbusapi

import "net"

// Diagnostics is StationDiagnostic.GetDiagnostics's answer, as iwd 3.9
// builds it (station_get_diagnostic_cb, diagnostic_info_to_dict). Dict
// turns it into iwd's keys and D-Bus types; an optional value that is
// zero (nil for the signals) is left out, as iwd leaves out what the
// kernel did not report.
type Diagnostics struct {
	ConnectedBss net.HardwareAddr
	Frequency    uint32 // MHz
	Channel      uint16 // 0 leaves Channel out
	Security     string // "Open", "WPA2-Personal", ... (iwd's names)
	// PairwiseCipher is "CCMP-128", "TKIP", "GCMP-128", "GCMP-256" or
	// "CCMP-256"; "" leaves it out.
	PairwiseCipher string
	RSSI           *int16 // dBm
	AverageRSSI    *int16 // dBm
	Rx, Tx         Bitrate
	// ExpectedThroughput is in kbit/s; 0 leaves it out (the kernel's
	// attribute is absent unless the driver estimates it).
	ExpectedThroughput uint32
}

// Bitrate is the rate of the last frames one way: RxBitrate/TxBitrate and,
// for HT, VHT and HE rates, RxMode/TxMode and RxMCS/TxMCS.
type Bitrate struct {
	Rate uint32 // 100 kbit/s; 0 leaves the bitrate, mode and MCS out
	Mode string // "802.11n", "802.11ac", "802.11ax"; "" leaves mode and MCS out
	MCS  uint8
}

// Dict is the a{sv} of GetDiagnostics: ConnectedBss s, Frequency u,
// Channel q, Security s, PairwiseCipher s, RSSI n, AverageRSSI n,
// RxMode/TxMode s, RxMCS/TxMCS y, RxBitrate/TxBitrate u (100 kbit/s),
// ExpectedThroughput u (kbit/s).
func (d *Diagnostics) Dict() map[string]any {
	out := map[string]any{
		"ConnectedBss": d.ConnectedBss.String(),
		"Frequency":    d.Frequency,
		"Security":     d.Security,
	}
	if d.Channel != 0 {
		out["Channel"] = d.Channel
	}
	if d.PairwiseCipher != "" {
		out["PairwiseCipher"] = d.PairwiseCipher
	}
	if d.RSSI != nil {
		out["RSSI"] = *d.RSSI
	}
	if d.AverageRSSI != nil {
		out["AverageRSSI"] = *d.AverageRSSI
	}
	d.Rx.put(out, "Rx")
	d.Tx.put(out, "Tx")
	if d.ExpectedThroughput != 0 {
		out["ExpectedThroughput"] = d.ExpectedThroughput
	}
	return out
}

func (b Bitrate) put(out map[string]any, dir string) {
	if b.Rate == 0 {
		return
	}
	out[dir+"Bitrate"] = b.Rate
	if b.Mode != "" {
		out[dir+"Mode"] = b.Mode
		out[dir+"MCS"] = b.MCS
	}
}
