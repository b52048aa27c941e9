package dbusapi_test

import (
	"net"
	"reflect"
	"testing"

	"github.com/godbus/dbus/v5"

	"wifid/daemon/dbusapi"
)

// TestDiagnosticsDict: GetDiagnostics's keys and Go (so D-Bus) types as iwd
// 3.9 sends them, and what an absent value leaves out.
func TestDiagnosticsDict(t *testing.T) {
	rssi, avg := int16(-52), int16(-55)
	full := &dbusapi.Diagnostics{ConnectedBss: net.HardwareAddr{2, 0, 0, 0, 0, 1}, Frequency: 5180, Channel: 36,
		Security: "WPA3-Personal", PairwiseCipher: "GCMP-256", RSSI: &rssi, AverageRSSI: &avg,
		Rx: dbusapi.Bitrate{Rate: 12010, Mode: "802.11ax", MCS: 11}, Tx: dbusapi.Bitrate{Rate: 8667, Mode: "802.11ac", MCS: 9},
		ExpectedThroughput: 600000}
	want := map[string]any{"ConnectedBss": "02:00:00:00:00:01", "Frequency": uint32(5180), "Channel": uint16(36),
		"Security": "WPA3-Personal", "PairwiseCipher": "GCMP-256", "RSSI": int16(-52), "AverageRSSI": int16(-55),
		"RxBitrate": uint32(12010), "RxMode": "802.11ax", "RxMCS": uint8(11),
		"TxBitrate": uint32(8667), "TxMode": "802.11ac", "TxMCS": uint8(9), "ExpectedThroughput": uint32(600000)}
	if got := full.Dict(); !reflect.DeepEqual(got, want) {
		t.Errorf("full:\n got %#v\nwant %#v", got, want)
	}
	// An open network on an unnumbered frequency, a legacy rate in (no
	// mode, no MCS), nothing out, no signal: only what iwd always sends.
	bare := &dbusapi.Diagnostics{ConnectedBss: net.HardwareAddr{2, 0, 0, 0, 0, 2}, Frequency: 5000, Security: "Open",
		Rx: dbusapi.Bitrate{Rate: 540}, Tx: dbusapi.Bitrate{Mode: "802.11n", MCS: 3}}
	want = map[string]any{"ConnectedBss": "02:00:00:00:00:02", "Frequency": uint32(5000), "Security": "Open",
		"RxBitrate": uint32(540)}
	if got := bare.Dict(); !reflect.DeepEqual(got, want) {
		t.Errorf("bare:\n got %#v\nwant %#v", got, want)
	}
}

// diagnosticSignatures are iwd 3.9's D-Bus types of the diagnostics.
var diagnosticSignatures = map[string]string{"ConnectedBss": "s", "Frequency": "u", "Channel": "q", "Security": "s",
	"PairwiseCipher": "s", "RSSI": "n", "AverageRSSI": "n", "RxMode": "s", "TxMode": "s", "RxMCS": "y", "TxMCS": "y",
	"RxBitrate": "u", "TxBitrate": "u", "ExpectedThroughput": "u"}

// checkDiagnostics fails t for a key iwd 3.9 does not send or a value of
// another D-Bus type than iwd's.
func checkDiagnostics(t *testing.T, diag map[string]dbus.Variant) {
	t.Helper()
	for k, v := range diag {
		if want, ok := diagnosticSignatures[k]; !ok {
			t.Errorf("diagnostics key %s: iwd has none", k)
		} else if got := v.Signature().String(); got != want {
			t.Errorf("diagnostics %s has signature %s, want %s", k, got, want)
		}
	}
}
