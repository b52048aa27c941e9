package eapol

// WPA: the Wi-Fi Alliance's pre-RSN Wi-Fi Protected Access (WPA
// specification v3.1, from IEEE 802.11i draft 3.0). Its 4-way handshake
// derives the PTK as RSN's SHA-1 AKMs do; what differs is here: the WPA
// vendor element instead of the RSNE, descriptor type 254, message 3 with
// the AP's WPA element in clear and no GTK, no Secure bit in the 4-way
// handshake, and the GTK in a group key handshake right after it, as the
// raw key (ARC4 with descriptor version 1, AES key wrap with version 2)
// with its key ID in the Key Index bits.

import (
	"bytes"
	"errors"
	"fmt"
	"wifid/nl80211/ie"
)

// checkWPAConfig checks a Config whose OwnRSNE is a WPA element.
func checkWPAConfig(cfg *Config) error {
	if !isWPAElement(cfg.OwnRSNE) {
		return errors.New("eapol: Config.OwnRSNE is not one whole WPA element (221, 00-50-F2:1)")
	}
	if !isWPAElement(cfg.APRSNE) {
		return errors.New("eapol: Config.OwnRSNE is a WPA element, so Config.APRSNE must be one whole WPA element (221, 00-50-F2:1)")
	}
	if cfg.AKM != ie.AKMPSK && cfg.AKM != ie.AKM8021X {
		return fmt.Errorf("eapol: AKM %v with WPA, want PSK or 802.1X", cfg.AKM)
	}
	if cfg.Pairwise != ie.CipherTKIP && cfg.Pairwise != ie.CipherCCMP128 {
		return fmt.Errorf("eapol: pairwise cipher %v with WPA, want TKIP or CCMP-128", cfg.Pairwise)
	}
	if cfg.Group != ie.CipherTKIP && cfg.Group != ie.CipherCCMP128 {
		return fmt.Errorf("eapol: group cipher %v with WPA, want TKIP or CCMP-128", cfg.Group)
	}
	if cfg.MFP || cfg.OwnRSNXE != nil || cfg.APRSNXE != nil {
		return errors.New("eapol: WPA has no management frame protection and no RSNXE")
	}
	return nil
}

// checkWPAMessage3Info checks the Key Information of a WPA message 3:
// Install, Ack and MIC set; Secure clear (WPA sets it only once the GTK
// is in place); Encrypted Key Data, a reserved bit in WPA, clear; Key
// Index zero.
func checkWPAMessage3Info(k KeyInfo) error {
	const msg = "message 3"
	if !k.Has(KeyInfoInstall | KeyInfoAck | KeyInfoMIC) {
		return drop(msg, ErrKeyInfo, "%v, want install, ack and mic", k)
	}
	if k.Has(KeyInfoSecure) || k.Has(KeyInfoEncryptedKeyData) || k.KeyIndex() != 0 {
		return drop(msg, ErrKeyInfo, "%v: secure, encrypted or key index set in a WPA message 3", k)
	}
	return nil
}

// checkWPAGroupMessage1Info checks the Key Information of a WPA group
// message 1: Ack, MIC and Secure set, a Key Index of 1 to 3 (group keys
// never use key ID 0). The Tx bit (Install's place) is allowed and, with a
// pairwise key in use, has no meaning; Encrypted Key Data is reserved in
// WPA and not looked at (the key data is always encrypted).
func checkWPAGroupMessage1Info(k KeyInfo) error {
	const msg = "group message 1"
	if !k.Has(KeyInfoAck | KeyInfoMIC | KeyInfoSecure) {
		return drop(msg, ErrKeyInfo, "%v, want ack, mic and secure", k)
	}
	if k.KeyIndex() == 0 {
		return drop(msg, ErrKeyInfo, "%v: WPA key index 0 (group keys use 1 to 3)", k)
	}
	return nil
}

// wpaMessage3 handles a WPA message 3 whose Key Information, replay
// counter, MIC, ANonce and key length have been checked. Its key data is
// in clear and must hold the AP's WPA element exactly as in the Beacon or
// Probe Response and no RSNE; anything else in it is ignored (no key is
// taken from clear text).
func (s *Supplicant) wpaMessage3(f *KeyFrame, kck []byte, retransmit bool) error {
	const msg = "message 3"
	if len(f.KeyData) == 0 {
		return drop(msg, ErrKeyData, "empty key data, want the WPA element")
	}
	kd, err := ParseKeyData(f.KeyData)
	if err != nil {
		return drop(msg, ErrKeyData, "%v", err)
	}
	if kd.WPAIE == nil || !bytes.Equal(kd.WPAIE, s.cfg.APRSNE) {
		return s.fail(ie.ReasonHandshakeElementMismatch, errors.New("WPA element in message 3 differs from the Beacon/Probe Response WPA element"))
	}
	if kd.RSNE != nil {
		// WPA is chosen only for a BSS that advertised no RSNE: an AP
		// that does RSN behind a forged WPA-only Beacon is a downgrade
		// (wpa_supplicant's "possible downgrade attack" check).
		return s.fail(ie.ReasonHandshakeElementMismatch, errors.New("RSNE in a WPA message 3: the Beacon/Probe Response had none (downgrade from RSN)"))
	}
	if err := s.sendMessage4(f, &PTK{KCK: kck}); err != nil {
		return err
	}
	if retransmit {
		s.log.Debug("eapol: retransmitted message 3 answered, PTK not reinstalled", "replay", f.ReplayCounter)
		return nil
	}
	if err := s.installPTK(); err != nil {
		return err
	}
	if s.complete {
		s.state = StateComplete
		s.log.Info("eapol: PTK rekeyed", "replay", f.ReplayCounter)
		s.emit(Event{Type: EventPTKRekeyed})
		return nil
	}
	s.state = StateWaitGroupKey
	s.log.Debug("eapol: PTK installed, waiting for the group key handshake", "replay", f.ReplayCounter)
	return nil
}

// wpaGroupKeyData decrypts the key data of a WPA group message 1 whose MIC
// has verified: the GTK itself, of the group cipher's length, followed by
// nothing or by key wrap padding (0xdd, then zeros). Its key ID is the Key
// Index.
func (s *Supplicant) wpaGroupKeyData(f *KeyFrame, kek []byte) (*KeyData, []byte, error) {
	if len(f.KeyData) == 0 {
		return nil, nil, perr("EAPOL-Key Key Data", "empty, want the GTK")
	}
	plain, err := DecryptKeyData(s.ver, kek, f.IV, f.KeyData)
	if err != nil {
		return nil, nil, err
	}
	n := s.cfg.Group.KeyLen()
	if len(plain) < n {
		return nil, plain, perr("WPA GTK", "%d octets, %v needs %d", len(plain), s.cfg.Group, n)
	}
	if rest := plain[n:]; len(rest) > 0 && (rest[0] != ElementVendor || !allZero(rest[1:])) {
		return nil, plain, perr("WPA GTK", "%d octets, %v needs %d", len(plain), s.cfg.Group, n)
	}
	return &KeyData{GTK: &GTKKDE{KeyID: f.Info.KeyIndex(), GTK: plain[:n]}}, plain, nil
}
