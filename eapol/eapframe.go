package eapol

import (
	"encoding/binary"
	"fmt"
)

// PAEGroupAddress is the Port Access Entity group address (IEEE
// 802.1X-2010 11.1.1, "Nearest non-TPMR Bridge group address"): where a
// wired supplicant sends its EAPOL frames before it knows the
// authenticator's address.
var PAEGroupAddress = [6]byte{0x01, 0x80, 0xc2, 0x00, 0x00, 0x03}

// Frame returns an EAPOL frame: the header (version, type, body length)
// and body. It fails on a body beyond the 16-bit length.
func Frame(version uint8, t PacketType, body []byte) ([]byte, error) {
	if len(body) > 0xffff {
		return nil, fmt.Errorf("eapol: %v body of %d octets does not fit the Body Length field", t, len(body))
	}
	b := make([]byte, HeaderLen, HeaderLen+len(body))
	b[0], b[1] = version, byte(t)
	binary.BigEndian.PutUint16(b[2:], uint16(len(body)))
	return append(b, body...), nil
}

// EAPFrame is an EAP-Packet frame (type 0) carrying one EAP packet.
func EAPFrame(version uint8, eap []byte) ([]byte, error) { return Frame(version, PacketEAP, eap) }

// StartFrame is an EAPOL-Start (type 1), with no body: the supplicant asks
// the authenticator to begin with an EAP Identity Request.
func StartFrame(version uint8) []byte {
	b, _ := Frame(version, PacketStart, nil)
	return b
}

// LogoffFrame is an EAPOL-Logoff (type 2), with no body.
func LogoffFrame(version uint8) []byte {
	b, _ := Frame(version, PacketLogoff, nil)
	return b
}

// ParseEAPFrame reads an EAPOL frame that should carry EAP: it returns
// the EAP packet of an EAP-Packet frame and the header, and an error for
// other types (which the caller may still handle through the header,
// e.g. EAPOL-Key) or a malformed header.
func ParseEAPFrame(b []byte) (Header, []byte, error) {
	h, body, err := ParseHeader(b)
	if err != nil {
		return h, nil, err
	}
	if h.Type != PacketEAP {
		return h, nil, perr("EAPOL Packet Type", "%v, not an EAP-Packet", h.Type)
	}
	return h, body, nil
}

// ProtectedOnceKeyed reports whether an EAPOL frame from the AP must
// arrive protected once a PTK is installed, so that an unprotected one is
// dropped (iwd's eapol.c does the same): an EAP packet, or message 1 of a
// 4-way handshake (a PTK rekey). Message 3 and group message 1 need not
// be: the AP retransmits message 3 unprotected when our message 4 was
// lost (it installs the PTK on message 4), and both carry a MIC under
// the PTK's KCK.
func ProtectedOnceKeyed(frame []byte) bool {
	h, body, err := ParseHeader(frame)
	if err != nil {
		return false
	}
	switch h.Type {
	case PacketEAP:
		return true
	case PacketKey:
		if len(body) < 3 { // Descriptor Type, Key Information
			return false
		}
		info := KeyInfo(binary.BigEndian.Uint16(body[1:3]))
		return info.Pairwise() && !info.Has(KeyInfoMIC)
	}
	return false
}
