package eapol

import (
	"errors"
	"fmt"
)

// EAPOL-Key frames under an AEAD AKM (the FILS AKMs; IEEE 802.11-2020
// 12.7.2): no Key MIC field; the Key Data is AES-SIV under the KEK with
// the frame from the EAPOL header up to the Key Data as associated data,
// and its Encrypted Key Data bit set. Message 1 alone carries no Key Data
// protection, as everywhere.

// aeadAADLen is where the Key Data starts in a frame without a MIC: the
// EAPOL header, the fixed fields and the Key Data Length.
const aeadAADLen = HeaderLen + keyFixedLen + 2

// openKeyData authenticates and decrypts the Key Data of a received AEAD
// frame: its plaintext, or an error when the frame was not sealed with kek.
func openKeyData(f *KeyFrame, kek []byte) ([]byte, error) {
	if len(f.raw) < aeadAADLen || len(f.KeyData) < 16 {
		return nil, errors.New("no AES-SIV Key Data")
	}
	return SIVDecrypt(kek, f.KeyData, f.raw[:aeadAADLen])
}

// sealFrame marshals f, its KeyData plaintext, with the Key Data sealed
// under kek (its lengths counting the 16-octet synthetic IV).
func sealFrame(f *KeyFrame, kek []byte) ([]byte, error) {
	plain := f.KeyData
	g := *f
	g.MIC = nil
	g.KeyData = make([]byte, len(plain)+16)
	out := g.Marshal()
	ct, err := SIVEncrypt(kek, plain, out[:aeadAADLen])
	if err != nil {
		return nil, fmt.Errorf("sealing Key Data: %w", err)
	}
	copy(out[aeadAADLen:], ct)
	return out, nil
}

// FILSStart starts a Supplicant after a FILS association (Config.AfterFILS):
// the PTK the FILS exchange derived, installed already, and the group keys
// its association response delivered, installed already (remembered so
// that a rekey does not install them again).
type FILSStart struct {
	KEK, TK []byte
	GTKID   int
	GTK     []byte
	IGTKID  int
	IGTK    []byte // nil without management frame protection
}
