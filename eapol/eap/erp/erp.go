// Package erp is the peer side of the EAP Re-authentication Protocol
// (RFC 6696) as FILS uses it (IEEE 802.11-2020 12.11.2): after a full EAP
// conversation, the EMSK and the method's Session-Id give a re-auth root
// key (rRK) and integrity key (rIK); a later association authenticates with
// one EAP-Initiate/Re-auth packet, the server's EAP-Finish/Re-auth answers
// it, and both sides hold a fresh rMSK, the FILS PMK's input.
//
// Pure code: packets in, packets and keys out; the caller keeps the
// material between connections (Material) and sends the packets (inside
// FILS Wrapped Data elements).
package erp

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/hkdf"
)

// EAP codes of RFC 6696 5.3.
const (
	CodeInitiate = 5
	CodeFinish   = 6
)

// typeReauth is the Re-auth message type (RFC 6696 5.3.2, 5.3.3).
const typeReauth = 2

// TLV types of RFC 6696 5.3.4 that the peer reads or writes.
const (
	tlvKeyNameNAI  = 1
	tvRRKLifetime  = 2 // type-value: 4 octets, no length
	tvRMSKLifetime = 3 // type-value: 4 octets, no length
)

// cryptosuite2 is HMAC-SHA256-128, the one cryptosuite wifid offers (as
// iwd and hostapd): the authentication tag is 16 octets.
const (
	cryptosuite2 = 2
	tagLen       = 16
)

// Material is what a full EAP conversation leaves for ERP: its EMSK and
// Session-Id, and the realm its identity named (the keyName-NAI's domain).
type Material struct {
	EMSK      []byte
	SessionID []byte
	Domain    string
}

// DomainOf is the realm of an identity (after its last '@'), "" if none.
func DomainOf(identity string) string {
	if i := strings.LastIndexByte(identity, '@'); i >= 0 {
		return identity[i+1:]
	}
	return ""
}

// Session is one re-authentication: its keys and sequence number.
type Session struct {
	rRK, rIK   []byte
	keyNameNAI string
	seq        uint16
	initiate   []byte // the EAP-Initiate/Re-auth sent
}

var (
	// ErrNoMaterial: no EMSK, Session-Id or domain to re-authenticate with.
	ErrNoMaterial = errors.New("erp: no EMSK, Session-Id or domain")
	// ErrRefused: the server's EAP-Finish/Re-auth said failure.
	ErrRefused = errors.New("erp: the server refused the re-authentication")
)

// kdf is RFC 5295 3.1.2's KDF, PRF+ with HMAC-SHA-256:
// T1 = HMAC(K, S | 0x01), Tn = HMAC(K, Tn-1 | S | n), S = label | "\0" |
// optional data | length (2 octets), which is HKDF-Expand (RFC 5869) with
// K as the PRK and S as the info. It returns length octets.
func kdf(key []byte, label string, optional []byte, length int) []byte {
	s := append([]byte(label), 0)
	s = append(s, optional...)
	s = binary.BigEndian.AppendUint16(s, uint16(length))
	out := make([]byte, length)
	if _, err := io.ReadFull(hkdf.Expand(sha256.New, key, s), out); err != nil {
		panic("erp: " + err.Error()) // only beyond 255 blocks: lengths here are 8 to 64
	}
	return out
}

// New derives the session's keys from m (RFC 6696 4.1, 4.3; EMSKname from
// RFC 5295 3.2) for a re-authentication with sequence number seq.
func New(m Material, seq uint16) (*Session, error) {
	if len(m.EMSK) == 0 || len(m.SessionID) == 0 || m.Domain == "" {
		return nil, ErrNoMaterial
	}
	if len(m.Domain) > 253-17 {
		return nil, fmt.Errorf("erp: domain of %d octets", len(m.Domain))
	}
	emskName := kdf(m.SessionID, "EMSK", nil, 8)
	rRK := kdf(m.EMSK, "EAP Re-authentication Root Key@ietf.org", nil, len(m.EMSK))
	rIK := kdf(rRK, "Re-authentication Integrity Key@ietf.org", []byte{cryptosuite2}, len(m.EMSK))
	return &Session{rRK: rRK, rIK: rIK, keyNameNAI: hex.EncodeToString(emskName) + "@" + m.Domain, seq: seq}, nil
}

// Close wipes the session's rRK and rIK once the exchange is over
// (Finish's rMSK is the caller's to wipe).
func (s *Session) Close() {
	clear(s.rRK)
	clear(s.rIK)
}

// KeyNameNAI is the name the server finds the keys by (EMSKname@domain).
func (s *Session) KeyNameNAI() string { return s.keyNameNAI }

// Initiate is the EAP-Initiate/Re-auth packet (RFC 6696 5.3.2) with
// identifier id: type, flags (none), SEQ, the keyName-NAI TLV, the
// cryptosuite and the authentication tag over all before it.
func (s *Session) Initiate(id uint8) []byte {
	p := []byte{CodeInitiate, id, 0, 0, typeReauth, 0}
	p = binary.BigEndian.AppendUint16(p, s.seq)
	p = append(p, tlvKeyNameNAI, byte(len(s.keyNameNAI)))
	p = append(p, s.keyNameNAI...)
	p = append(p, cryptosuite2)
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)+tagLen))
	p = append(p, s.tag(p)...)
	s.initiate = p
	return p
}

func (s *Session) tag(b []byte) []byte {
	m := hmac.New(sha256.New, s.rIK)
	m.Write(b)
	return m.Sum(nil)[:tagLen]
}

// Finish checks the server's EAP-Finish/Re-auth (RFC 6696 5.3.3): its
// tag under rIK, SEQ, the one keyName-NAI ours, and the result flag; on
// success it returns the rMSK (RFC 6696 4.6), as long as the EMSK.
func (s *Session) Finish(p []byte) (rMSK []byte, err error) {
	// Code, Identifier, Length, Type, Flags, SEQ; cryptosuite, tag.
	if len(p) < 8+1+tagLen {
		return nil, fmt.Errorf("erp: EAP-Finish of %d octets", len(p))
	}
	if p[0] != CodeFinish || p[4] != typeReauth {
		return nil, fmt.Errorf("erp: not an EAP-Finish/Re-auth (code %d type %d)", p[0], p[4])
	}
	if l := int(binary.BigEndian.Uint16(p[2:])); l != len(p) {
		return nil, fmt.Errorf("erp: EAP-Finish length %d in %d octets", l, len(p))
	}
	if cs := p[len(p)-tagLen-1]; cs != cryptosuite2 {
		return nil, fmt.Errorf("erp: EAP-Finish cryptosuite %d, want %d", cs, cryptosuite2)
	}
	if subtle.ConstantTimeCompare(s.tag(p[:len(p)-tagLen]), p[len(p)-tagLen:]) != 1 {
		return nil, errors.New("erp: EAP-Finish authentication tag does not verify")
	}
	if seq := binary.BigEndian.Uint16(p[6:]); seq != s.seq {
		return nil, fmt.Errorf("erp: EAP-Finish SEQ %d, want %d", seq, s.seq)
	}
	var nai []byte
	found := 0
	for tlvs := p[8 : len(p)-tagLen-1]; len(tlvs) > 0; {
		t := tlvs[0]
		if t == tvRRKLifetime || t == tvRMSKLifetime {
			if len(tlvs) < 5 {
				return nil, errors.New("erp: EAP-Finish lifetime truncated")
			}
			tlvs = tlvs[5:]
			continue
		}
		if len(tlvs) < 2 || len(tlvs) < 2+int(tlvs[1]) {
			return nil, errors.New("erp: EAP-Finish TLV truncated")
		}
		if t == tlvKeyNameNAI {
			nai = tlvs[2 : 2+int(tlvs[1])]
			found++
		}
		tlvs = tlvs[2+int(tlvs[1]):]
	}
	if found != 1 || string(nai) != s.keyNameNAI {
		return nil, fmt.Errorf("erp: EAP-Finish names %d keyName-NAIs, not ours alone", found)
	}
	if p[5]&0x80 != 0 { // R: the result flag, set on failure
		return nil, ErrRefused
	}
	seq := binary.BigEndian.AppendUint16(nil, s.seq)
	return kdf(s.rRK, "Re-authentication Master Session Key@ietf.org", seq, len(s.rRK)), nil
}

// Initiated is the EAP-Initiate/Re-auth packet last made (FILS derives its
// PMKID from it), nil before Initiate.
func (s *Session) Initiated() []byte { return s.initiate }
