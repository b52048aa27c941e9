package peap

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"

	"wifid/eapol/eap"
)

// TLV types of the Extensions method (MS-PEAP 2.2.8), without the M and R
// bits.
const (
	TLVResult        = 3
	TLVCryptoBinding = 12
)

// TLV flag bits in the type field.
const (
	tlvMandatory = 0x8000
	tlvReserved  = 0x4000
	tlvTypeMask  = 0x3fff
)

// Result TLV values.
const (
	ResultSuccess = 1
	ResultFailure = 2
)

// Crypto-Binding TLV layout (MS-PEAP 2.2.8.3).
const (
	cbValueLen    = 56 // Reserved, Version, RecvVersion, SubType, Nonce, Compound MAC
	cbNonceLen    = 32
	cbMACLen      = 20
	cbSubRequest  = 0
	cbSubResponse = 1
)

// ErrTLV is wrapped by the errors of Extensions packets that break MS-PEAP.
var ErrTLV = errors.New("malformed PEAP Extensions TLV")

// TLV is one TLV of an Extensions packet.
type TLV struct {
	Type      uint16 // without the M and R bits
	Mandatory bool
	Value     []byte
}

// ParseTLVs reads the TLVs of an Extensions packet's Type-Data: each at
// most once for Result and Crypto-Binding, no octets left over.
func ParseTLVs(b []byte) ([]TLV, error) {
	var tlvs []TLV
	seen := map[uint16]bool{}
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, fmt.Errorf("%w: %d octets left, below a TLV header", ErrTLV, len(b))
		}
		typ := binary.BigEndian.Uint16(b)
		n := int(binary.BigEndian.Uint16(b[2:]))
		if n > len(b)-4 {
			return nil, fmt.Errorf("%w: TLV %d of %d octets, %d left", ErrTLV, typ&tlvTypeMask, n, len(b)-4)
		}
		t := TLV{Type: typ & tlvTypeMask, Mandatory: typ&tlvMandatory != 0, Value: b[4 : 4+n]}
		if (t.Type == TLVResult || t.Type == TLVCryptoBinding) && seen[t.Type] {
			return nil, fmt.Errorf("%w: TLV %d twice", ErrTLV, t.Type)
		}
		seen[t.Type] = true
		tlvs = append(tlvs, t)
		b = b[4+n:]
	}
	return tlvs, nil
}

// AppendTLV appends one TLV.
func AppendTLV(b []byte, typ uint16, mandatory bool, value []byte) []byte {
	if mandatory {
		typ |= tlvMandatory
	}
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(len(value)))
	return append(b, value...)
}

// ExtensionsPacket is a whole EAP packet of the Extensions method (Type
// 33), which travels with its header in both PEAP versions.
func ExtensionsPacket(code eap.Code, id uint8, tlvs []byte) ([]byte, error) {
	return eap.Packet{Code: code, ID: id, Type: eap.TypeTLV, Data: tlvs}.Marshal()
}

// isExtensions tells whether plaintext from the tunnel is a whole
// Extensions Request (iwd's test: the fifth octet is Type 33).
func isExtensions(b []byte) bool {
	return len(b) > 4 && b[4] == byte(eap.TypeTLV)
}

// PRFPlus is MS-PEAP's PRF+ (3.1.5.5.2.2) as iwd and wpa_supplicant compute
// it for PEAPv0: T(i) = HMAC-SHA1(key, T(i-1) | label | seed | i | 0 | 0).
func PRFPlus(key []byte, label string, seed []byte, n int) []byte {
	out := make([]byte, 0, n+sha1.Size)
	var t []byte
	for i := byte(1); len(out) < n; i++ {
		h := hmac.New(sha1.New, key)
		h.Write(t)
		h.Write([]byte(label))
		h.Write(seed)
		h.Write([]byte{i, 0, 0})
		t = h.Sum(nil)
		out = append(out, t...)
	}
	return out[:n]
}

// IMCK is the Intermediate Combined Key of MS-PEAP 3.1.5.5.2.2: PRF+ of
// the tunnel key's first 40 octets and the inner method's first 32 MSK
// octets (zeros for a method without keys). Its first 40 octets make the
// Compound Session Key, the last 20 are the Compound MAC Key.
func IMCK(tlsKey, innerMSK []byte) []byte {
	isk := make([]byte, 32)
	copy(isk, innerMSK)
	return PRFPlus(tlsKey[:40], "Inner Methods Compound Keys", isk, 60)
}

// CSK is the Compound Session Key: its first 64 octets are the MSK.
func CSK(imck []byte) []byte {
	return PRFPlus(imck[:40], "Session Key Generating Function", []byte{0}, 128)
}

// CompoundMAC is HMAC-SHA1 with the Compound MAC Key over the Crypto-
// Binding TLV (header and value, its Compound MAC zeroed) and the PEAP
// Type octet, as MS-PEAP 3.1.5.5.2.2 and iwd compute it.
func CompoundMAC(imck, tlv []byte) []byte {
	buf := append([]byte(nil), tlv...)
	clear(buf[len(buf)-cbMACLen:])
	buf = append(buf, byte(eap.TypePEAP))
	h := hmac.New(sha1.New, imck[40:60])
	h.Write(buf)
	return h.Sum(nil)
}

// CryptoBindingTLV is the whole TLV (header included) of a Crypto-
// Binding request or response with nonce, its MAC computed with imck.
func CryptoBindingTLV(subType uint8, nonce, imck []byte) []byte {
	v := make([]byte, 0, cbValueLen)
	v = append(v, 0, 0, 0, subType) // Reserved, Version 0, RecvVersion 0
	v = append(v, nonce...)
	v = append(v, make([]byte, cbMACLen)...)
	tlv := AppendTLV(nil, TLVCryptoBinding, false, v)
	copy(tlv[len(tlv)-cbMACLen:], CompoundMAC(imck, tlv))
	return tlv
}

// checkCryptoBinding checks a Crypto-Binding request's fields and
// Compound MAC and returns its nonce.
func checkCryptoBinding(value, imck []byte) ([]byte, error) {
	if len(value) != cbValueLen {
		return nil, fmt.Errorf("%w: Crypto-Binding of %d octets, not %d", ErrTLV, len(value), cbValueLen)
	}
	if value[1] != 0 || value[2] != 0 {
		return nil, fmt.Errorf("%w: Crypto-Binding version %d, received version %d", ErrTLV, value[1], value[2])
	}
	if value[3] != cbSubRequest {
		return nil, fmt.Errorf("%w: Crypto-Binding sub-type %d where a request was due", ErrTLV, value[3])
	}
	tlv := AppendTLV(nil, TLVCryptoBinding, false, value)
	if !hmac.Equal(CompoundMAC(imck, tlv), value[cbValueLen-cbMACLen:]) {
		return nil, errors.New("the server's Crypto-Binding Compound MAC is wrong: the tunnel and the inner method do not share their keys")
	}
	return value[4 : 4+cbNonceLen], nil
}
