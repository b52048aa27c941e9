package mschap

import (
	"bytes"
	"crypto/sha1"
)

var (
	// RFC 3079 3.4's constants.
	keyMagic1 = []byte("This is the MPPE Master Key")
	keyMagic2 = []byte("On the client side, this is the send key; on the server side, it is the receive key.")
	keyMagic3 = []byte("On the client side, this is the receive key; on the server side, it is the send key.")
	shsPad1   = make([]byte, 40)
	shsPad2   = bytes.Repeat([]byte{0xf2}, 40)
)

// MasterKey is RFC 3079's GetMasterKey: the first 16 octets of
// SHA1(HashNtPasswordHash | NT-Response | magic).
func MasterKey(hashHash [HashLen]byte, nt [NTResponseLen]byte) [MasterKeyLen]byte {
	h := sha1.New()
	h.Write(hashHash[:])
	h.Write(nt[:])
	h.Write(keyMagic1)
	return [MasterKeyLen]byte(h.Sum(nil))
}

// AsymmetricStartKey is RFC 3079's GetAsymmetricStartKey: the first n
// octets (n <= 20) of the send or receive start key, seen from the
// server's side or the client's (the client's send key is the server's
// receive key).
func AsymmetricStartKey(master [MasterKeyLen]byte, n int, send, server bool) []byte {
	s := keyMagic3
	if send != server {
		s = keyMagic2
	}
	h := sha1.New()
	h.Write(master[:])
	h.Write(shsPad1)
	h.Write(s)
	h.Write(shsPad2)
	return h.Sum(nil)[:n]
}

// MSK is EAP-MSCHAPv2's MSK as the peer makes it: the client's send start
// key then its receive start key, 16 octets each (the server's
// MasterReceiveKey | MasterSendKey), 32 octets in all as wpa_supplicant,
// hostapd and iwd make it.
func MSK(hashHash [HashLen]byte, nt [NTResponseLen]byte) []byte {
	mk := MasterKey(hashHash, nt)
	return append(AsymmetricStartKey(mk, 16, true, false), AsymmetricStartKey(mk, 16, false, false)...)
}
