// Package labenv sets up the hardware a lab test declares, inside the qemu
// guest that lab/test-runner boots: mac80211_hwsim radios (renamed rad0,
// rad1, ...), access points (real hostapd in the "ap" network namespace, with
// dnsmasq for DHCP), a system D-Bus, a pcap of the simulated air (hwsim0),
// and the daemons under test (wifid, or iwd as the reference).
//
// Every process logs into the test's results folder; everything is torn down
// in t.Cleanup, and when the test failed the tail of each log is printed
// under the test's own error. It is only useful inside the lab guest.
package labenv
