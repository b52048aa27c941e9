package station

import (
	"context"
	"fmt"
	"net"
	"slices"

	"golang.org/x/sys/unix"

	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// Diagnostics is the connection as StationDiagnostic.GetDiagnostics shows
// it: the BSS, the suites chosen and the kernel's view of the AP.
type Diagnostics struct {
	BSSID net.HardwareAddr
	Freq  uint32
	// AKM, Pairwise and Group are the suites the connection uses, 0 for an
	// open network; WPA1 says they came from a WPA (not RSN) element.
	AKM      ie.AKMSuite
	Pairwise ie.CipherSuite
	Group    ie.CipherSuite
	WPA1     bool
	Info     nl80211.StationInfo // NL80211_CMD_GET_STATION of the AP
}

// Diagnostics reports the connection (ErrNotConnected without one). As
// iwd's station_get_diagnostics, it asks the kernel for the AP's station
// info each time; a failed request is ErrAborted, as iwd answers it.
func (s *Station) Diagnostics(ctx context.Context) (*Diagnostics, error) {
	var d *Diagnostics
	if err := s.call(ctx, func() {
		c := s.conn
		if c == nil {
			return
		}
		d = &Diagnostics{BSSID: slices.Clone(c.bss.Addr), Freq: c.bss.Freq}
		if c.sec != nil {
			d.AKM, d.Pairwise, d.Group = c.sec.akm, c.sec.pairwise, c.sec.group
			d.WPA1 = c.sec.wpaVersion == unix.NL80211_WPA_VERSION_1
		}
	}); err != nil {
		return nil, err
	}
	if d == nil {
		return nil, ErrNotConnected
	}
	info, err := s.cfg.Kernel.Station(ctx, s.cfg.Ifindex, d.BSSID)
	if err != nil || info == nil {
		return nil, fmt.Errorf("%w: the AP's station info: %v", ErrAborted, err)
	}
	d.Info = *info
	return d, nil
}

// Security names the connection's security as iwd's diagnostics do
// (diagnostic_akm_suite_to_security): "Open" without an AKM, "Unknown"
// for one iwd does not name.
func (d *Diagnostics) Security() string {
	switch d.AKM {
	case 0:
		return "Open"
	case ie.AKM8021X, ie.AKM8021XSHA256:
		return "WPA2-Enterprise"
	case ie.AKMPSK:
		if d.WPA1 {
			return "WPA1-Personal"
		}
		return "WPA2-Personal"
	case ie.AKMPSKSHA256:
		return "WPA2-Personal"
	case ie.AKMFT8021X, ie.AKMFT8021XSHA384:
		return "WPA2-Enterprise + FT"
	case ie.AKMFTPSK:
		return "WPA2-Personal + FT"
	case ie.AKMSAE:
		return "WPA3-Personal"
	case ie.AKMFTSAE:
		return "WPA3-Personal + FT"
	case ie.AKMOWE:
		return "OWE"
	case ie.AKMFILSSHA256, ie.AKMFILSSHA384:
		return "FILS"
	case ie.AKMFTFILSSHA256, ie.AKMFTFILSSHA384:
		return "FILS + FT"
	case ie.AKMOSEN:
		return "OSEN"
	}
	return "Unknown"
}

// PairwiseCipher names the pairwise cipher as iwd does (the group cipher
// when the AP said "use group"), "" when there is none or iwd has no name
// for it.
func (d *Diagnostics) PairwiseCipher() string {
	c := d.Pairwise
	if c == ie.CipherUseGroup {
		c = d.Group
	}
	switch c {
	case ie.CipherCCMP128, ie.CipherTKIP, ie.CipherGCMP128, ie.CipherGCMP256, ie.CipherCCMP256,
		ie.CipherWEP40, ie.CipherWEP104:
		return c.String()
	}
	return ""
}
