package hwsim

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A Radio is one mac80211_hwsim radio as the medium knows it.
type Radio struct {
	ID   int    // the kernel's hwsim radio id
	Name string // the wiphy's name (renames followed through nl80211)
	// Addresses are the radio's two addresses: [0] the permanent address
	// (the first interface's), [1] the address hwsim knows it by.
	Addresses [2]net.HardwareAddr
	Wiphy     int // wiphy index; -1 when unknown
	P2P       bool
	Channels  uint32
	Alpha2    string // regulatory hint; empty when none
	CustomReg int    // custom regulatory domain index; -1 when none
}

// An Interface is a wireless interface on one of the medium's radios
// (seen through nl80211 in the medium's network namespace).
type Interface struct {
	Radio   int // Radio.ID
	Index   int // ifindex
	Name    string
	Address net.HardwareAddr
	Type    uint32 // nl80211 interface type
}

// radio is a Radio with the addresses of its interfaces, which rules and
// ACKs also match.
type radio struct {
	Radio
	vifs map[string]bool // interface addresses from ADD_MAC_ADDR and nl80211
}

func (r *radio) hasAddr(a net.HardwareAddr) bool {
	if bytes.Equal(a, r.Addresses[0]) || bytes.Equal(a, r.Addresses[1]) {
		return true
	}
	return r.vifs[string(a)]
}

// sysfsRoot is where the kernel lists wiphys (a variable for tests).
const sysfsRoot = "/sys/class/ieee80211"

// newRadio builds a radio from what the kernel said, reading its
// addresses and wiphy index from sysfs (as iwd's tool does); without
// them, the addresses hwsim gives a radio it was not told addresses for.
func newRadio(info *radioInfo, root string) *radio {
	r := &radio{Radio: Radio{ID: info.ID, Name: info.Name, Wiphy: -1, P2P: info.P2P,
		Channels: info.Channels, Alpha2: info.Alpha2, CustomReg: info.CustomReg}, vifs: map[string]bool{}}
	if info.Name != "" {
		dir := filepath.Join(root, info.Name)
		if b, err := os.ReadFile(filepath.Join(dir, "addresses")); err == nil {
			if a, err := parseAddresses(b); err == nil {
				r.Addresses = a
			}
		}
		if b, err := os.ReadFile(filepath.Join(dir, "index")); err == nil {
			if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				r.Wiphy = n
			}
		}
	}
	if r.Addresses[0] == nil {
		r.Addresses = defaultAddresses(info.ID, info.PermAddr)
	}
	return r
}

// defaultAddresses are mac80211_hwsim's: 02:00:00:ii:ii:00 from the radio
// id (or the permanent address given at creation), and the same with the
// 0x40 bit set in the first octet.
func defaultAddresses(id int, perm net.HardwareAddr) [2]net.HardwareAddr {
	a0 := net.HardwareAddr{0x02, 0, 0, byte(id >> 8), byte(id), 0}
	if len(perm) == 6 {
		a0 = clone(perm)
	}
	a1 := clone(a0)
	a1[0] |= 0x40
	return [2]net.HardwareAddr{a0, a1}
}

// parseAddresses reads sysfs's addresses file: one MAC address a line, at
// least two.
func parseAddresses(b []byte) ([2]net.HardwareAddr, error) {
	var out [2]net.HardwareAddr
	fields := strings.Fields(string(b))
	if len(fields) < 2 {
		return out, fmt.Errorf("hwsim: %d addresses in sysfs, want 2", len(fields))
	}
	for i := range out {
		a, err := net.ParseMAC(fields[i])
		if err != nil || len(a) != 6 {
			return out, fmt.Errorf("hwsim: sysfs address %q: not a MAC address", fields[i])
		}
		out[i] = a
	}
	return out, nil
}
