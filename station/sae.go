package station

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"wifid/eapol/sae"
	"wifid/internal/secret"
	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// WPA3-Personal: the SAE exchange (eapol/sae does the protocol) runs in
// Authentication frames the station sends with CMD_AUTHENTICATE and gets
// back as AUTHENTICATE events, so the station drives the kernel's userspace
// SME: authenticate (commit, confirm), then CMD_ASSOCIATE, after which the
// 4-way handshake runs with the SAE PMK as for PSK. A roam runs a new SAE
// with the next BSS.

// saePossible: SAE needs the passphrase itself (a PreSharedKey alone cannot
// do it) — in the network file, or from the agent when the file has none.
func saePossible(n *Network) bool {
	if n.Known == nil {
		return true
	}
	sec := n.Known.Settings.Security
	return sec.Passphrase != "" || sec.PreSharedKey == nil
}

// saeUsable says whether SAE may be chosen for n: not for a radio whose
// driver main.conf's [DriverQuirks] SaeDisable names, and only with a
// passphrase at hand (password, or one the file or the agent can give).
func (s *Station) saeUsable(n *Network, password []byte) bool {
	return !s.cfg.SAEDisabled && (len(password) > 0 || saePossible(n))
}

// startSAE begins the exchange with a's BSS using password, which a
// owns from now on (kept for the next BSS, wiped with a's secrets).
func (s *Station) startSAE(a *attempt, password []byte) {
	a.password = password
	a.tl.Begin(PhaseAuth) // the commit's computation is part of it
	var own, peer [6]byte
	copy(own[:], s.cfg.MAC)
	copy(peer[:], a.bss.Addr)
	var id []byte
	if k := a.network.Known; k != nil && k.Settings.Security.PasswordIdentifier != "" {
		id = []byte(k.Settings.Security.PasswordIdentifier) // H2E only: sae.New says so
	}
	x, err := sae.New(sae.Config{Password: password, Identifier: id, SSID: []byte(a.network.SSID),
		Own: own, Peer: peer, H2E: a.sec.h2e,
		// P-256 first; an AP that rejects it (status 77) gets the next.
		Groups: eccGroups(a.network, []int{19, 20, 21})})
	if err != nil {
		s.failAttempt(fmt.Errorf("%w: SAE: %v", ErrInvalidFormat, err), false)
		return
	}
	a.sae = x // its secrets go with a's
	status, body, err := x.Commit()
	if err != nil {
		s.failAttempt(fmt.Errorf("SAE commit: %w", err), false)
		return
	}
	s.setStage(a, stageSAE, "SAE commit")
	s.log.Info("SAE", "bssid", a.bss.Addr.String(), "h2e", a.sec.h2e, "group", x.Group())
	s.sendAuth(a, sae.Message{Seq: sae.SeqCommit, Status: status, Body: body})
}

// sendAuth sends one SAE message in an Authentication frame.
func (s *Station) sendAuth(a *attempt, m sae.Message) {
	data := binary.LittleEndian.AppendUint16(nil, m.Seq)
	data = binary.LittleEndian.AppendUint16(data, m.Status)
	data = append(data, m.Body...)
	s.authenticate(a, unix.NL80211_AUTHTYPE_SAE, data, "SAE")
}

// authenticate sends an Authentication frame of a userspace exchange (SAE,
// FILS) with CMD_AUTHENTICATE: data is its body from the transaction
// sequence number on. A refusal of the kernel fails the BSS.
func (s *Station) authenticate(a *attempt, authType uint32, data []byte, what string) {
	req := nl80211.AuthenticateRequest{BSSID: a.bss.Addr, Freq: a.bss.Freq, SSID: []byte(a.network.SSID),
		AuthType: authType, AuthData: data}
	s.async(func() func() {
		ctx, cancel := context.WithTimeout(a.ctx, 5*time.Second)
		defer cancel()
		err := s.cfg.Kernel.Authenticate(ctx, s.cfg.Ifindex, req)
		return func() {
			if err != nil && s.attempt == a {
				s.failBSS(fmt.Errorf("%s: authenticate: %w", what, err), true)
			}
		}
	})
}

// onMLME handles the userspace-SME events: the AP's Authentication frames
// (SAE) and a timed-out association.
func (s *Station) onMLME(e *nl80211.MLMEEvent) {
	if isUnprotectedLeave(e.Cmd) {
		s.onUnprotectedLeave(e)
		return
	}
	a := s.attempt
	if a != nil && a.fils != nil {
		switch {
		case a.stage == stageFILS && e.Cmd == unix.NL80211_CMD_AUTHENTICATE:
			s.onFILSAuth(a, e)
		case a.stage == stageAssociate && e.Cmd == unix.NL80211_CMD_ASSOCIATE && e.TimedOut:
			s.failBSS(errors.New("FILS: association timed out"), s.blameTimeout(a))
		}
		return
	}
	if a == nil || a.sae == nil {
		return
	}
	switch e.Cmd {
	case unix.NL80211_CMD_AUTHENTICATE:
		if a.stage != stageSAE {
			return
		}
		confirmed := a.sae.State() == sae.Confirmed // our confirm is out
		if e.TimedOut {
			if confirmed {
				// The AP went quiet after our confirm: it could not
				// verify it (some APs discard a bad confirm silently).
				s.saeRejected(a, "the AP did not answer our confirm")
				return
			}
			s.failBSS(errors.New("SAE: authentication timed out"), s.blameTimeout(a))
			return
		}
		seq, status, body, err := parseAuthFrame(e.Frame, authAlgSAE)
		if err != nil {
			s.log.Info("frame dropped: malformed", "err", err)
			return
		}
		m, err := a.sae.Receive(seq, status, body)
		switch {
		case errors.Is(err, sae.ErrDiscarded):
			s.log.Debug("SAE frame discarded", "err", err)
			return
		case err != nil && confirmed && seq == sae.SeqConfirm && status != 0:
			// hostapd answers a confirm it cannot verify with a failure.
			s.saeRejected(a, fmt.Sprintf("the AP refused our confirm (status %d)", status))
			return
		case err != nil:
			s.failBSS(fmt.Errorf("SAE: %w", err), true)
			return
		}
		if !m.None() {
			s.sendAuth(a, m)
		}
		if a.sae.Done() {
			secret.Zero(a.pmk) // a roam's copy of the last exchange's
			a.pmk = a.sae.PMK()
			a.sae.Close() // the PMK is a's now
			a.tl.Done(fmt.Sprintf("SAE group %d", a.sae.Group()))
			s.log.Info("SAE done", "bssid", a.bss.Addr.String())
			s.sendConnect(a)
		}
	case unix.NL80211_CMD_ASSOCIATE:
		if e.TimedOut && a.stage == stageAssociate {
			s.failBSS(errors.New("association timed out"), s.blameTimeout(a))
		}
	}
}

// saeRejected: the AP could not verify our confirm, so the passphrase is
// probably wrong (evidence counted, credentials.go).
func (s *Station) saeRejected(a *attempt, why string) {
	s.credentialsRejected(a, wrongSecret("SAE: "+why))
}

// Authentication algorithm numbers (IEEE 802.11-2020 9.4.1.1).
const (
	authAlgSAE  = 3
	authAlgFILS = 4 // FILS shared key authentication without PFS
)

// parseAuthFrame splits an Authentication frame: transaction sequence,
// status and the rest (SAE's commit or confirm, FILS's elements), after
// checking the algorithm is alg.
func parseAuthFrame(f []byte, alg uint16) (seq, status uint16, body []byte, err error) {
	const hdr = 24
	if len(f) < hdr+6 {
		return 0, 0, nil, fmt.Errorf("authentication frame of %d bytes", len(f))
	}
	if binary.LittleEndian.Uint16(f)&0x00fc != 0x00b0 {
		return 0, 0, nil, fmt.Errorf("not an authentication frame (frame control %#04x)", binary.LittleEndian.Uint16(f))
	}
	if got := binary.LittleEndian.Uint16(f[hdr:]); got != alg {
		return 0, 0, nil, fmt.Errorf("authentication algorithm %d, want %d", got, alg)
	}
	return binary.LittleEndian.Uint16(f[hdr+2:]), binary.LittleEndian.Uint16(f[hdr+4:]), f[hdr+6:], nil
}

// usesSAE says whether the AKM authenticates with SAE (WPA3-Personal,
// with or without FT).
func usesSAE(a ie.AKMSuite) bool { return a == ie.AKMSAE || a == ie.AKMFTSAE }

// eccGroups are the groups SAE and OWE offer n, in order: groups, or only
// group 19 (P-256) when n's file says UseDefaultEccGroup=true, as iwd.
func eccGroups(n *Network, groups []int) []int {
	if n.Known != nil && n.Known.Settings.UseDefaultEccGroup {
		return []int{19}
	}
	return groups
}
