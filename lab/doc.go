// Package lab is wifid's lab suite: Go tests built with the "lab" build tag
// that run inside the qemu guest (see lab/test-runner) against the real
// kernel, mac80211_hwsim radios and real hostapd, dnsmasq and iwd.
//
// Everything that exists to test lives under lab/: the VM runner
// (test-runner), the Go hwsim medium (hwsim, and its command wifi-hwsim),
// the guest environment (labenv), the host namespace harness (netns), the
// benchmark report (bench), deps.sh (the Debian packages) and test-all.sh
// (what `make test` runs).
//
// Each test declares the hardware it needs through lab/labenv.
package lab
