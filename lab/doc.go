// Package lab is wifid's lab suite: Go tests built with the "lab" build tag
// that run inside the qemu guest (see tools/test-runner) against the real
// kernel, mac80211_hwsim radios and real hostapd, dnsmasq and iwd.
//
// Each test declares the hardware it needs through lab/labenv.
package lab
