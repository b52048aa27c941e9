package mschap

import (
	"crypto/des"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"unicode/utf16"

	"golang.org/x/crypto/md4"
)

// Lengths of the protocol's values.
const (
	ChallengeLen      = 16 // authenticator and peer challenges
	NTResponseLen     = 24
	HashLen           = 16 // NT password hash and its hash
	AuthResponseLen   = 42 // "S=" and 40 hex digits
	MasterKeyLen      = 16
	challengeHashLen  = 8
	desKeyLen         = 7
	zeroPaddedHashLen = 21
)

// NTPasswordHash is RFC 2759's NtPasswordHash: MD4 of the password in
// UTF-16 little-endian (iwd's EAP-MSCHAPV2-Password-Hash holds this).
func NTPasswordHash(password string) [HashLen]byte {
	u := utf16.Encode([]rune(password))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return md4Sum(b)
}

// HashNTPasswordHash is RFC 2759's HashNtPasswordHash: MD4 of the hash.
func HashNTPasswordHash(h [HashLen]byte) [HashLen]byte { return md4Sum(h[:]) }

func md4Sum(b []byte) [HashLen]byte {
	h := md4.New()
	h.Write(b)
	return [HashLen]byte(h.Sum(nil))
}

// UserName is the user name as RFC 2759 hashes it: without a Windows
// domain ("DOMAIN\user" is "user"; up to the first backslash, as iwd and
// wpa_supplicant strip it). The Name field still carries the whole name.
func UserName(user string) string {
	if _, u, ok := strings.Cut(user, `\`); ok {
		return u
	}
	return user
}

// ChallengeHash is RFC 2759's ChallengeHash: the first 8 octets of
// SHA1(peer challenge | authenticator challenge | user name). user is
// passed through UserName.
func ChallengeHash(peer, auth [ChallengeLen]byte, user string) [challengeHashLen]byte {
	h := sha1.New()
	h.Write(peer[:])
	h.Write(auth[:])
	h.Write([]byte(UserName(user)))
	return [challengeHashLen]byte(h.Sum(nil))
}

// ChallengeResponse is RFC 2759's ChallengeResponse (also MS-CHAPv1's NT
// response, RFC 2433): the 8-octet challenge DES-encrypted under three
// keys cut from the zero-padded hash.
func ChallengeResponse(challenge [challengeHashLen]byte, hash [HashLen]byte) [NTResponseLen]byte {
	var z [zeroPaddedHashLen]byte
	copy(z[:], hash[:])
	var out [NTResponseLen]byte
	for i := range 3 {
		desEncrypt(out[8*i:8*i+8], challenge[:], z[desKeyLen*i:desKeyLen*i+desKeyLen])
	}
	return out
}

// desEncrypt is RFC 2759's DesEncrypt: one block under a 56-bit key
// spread over 8 octets (the parity bits, which DES ignores, left 0).
func desEncrypt(dst, block, key7 []byte) {
	var k [8]byte
	bits := uint64(0)
	for _, b := range key7 {
		bits = bits<<8 | uint64(b)
	}
	for i := range 8 {
		k[i] = byte(bits>>(49-7*i)) << 1
	}
	c, err := des.NewCipher(k[:])
	if err != nil {
		panic("mschap: DES refused an 8-octet key: " + err.Error())
	}
	c.Encrypt(dst, block)
}

// GenerateNTResponse is RFC 2759's GenerateNTResponse.
func GenerateNTResponse(auth, peer [ChallengeLen]byte, user string, hash [HashLen]byte) [NTResponseLen]byte {
	return ChallengeResponse(ChallengeHash(peer, auth, user), hash)
}

var (
	magic1 = []byte("Magic server to client signing constant")
	magic2 = []byte("Pad to make it do more than one iteration")
)

// AuthenticatorResponse is RFC 2759's GenerateAuthenticatorResponse: the
// server's proof that it knows the password hash, "S=" and 40 upper-case
// hex digits.
func AuthenticatorResponse(hash [HashLen]byte, nt [NTResponseLen]byte, peer, auth [ChallengeLen]byte, user string) string {
	hh := HashNTPasswordHash(hash)
	h := sha1.New()
	h.Write(hh[:])
	h.Write(nt[:])
	h.Write(magic1)
	digest := h.Sum(nil)
	ch := ChallengeHash(peer, auth, user)
	h.Reset()
	h.Write(digest)
	h.Write(ch[:])
	h.Write(magic2)
	return "S=" + strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

// CheckAuthenticatorResponse is RFC 2759's CheckAuthenticatorResponse:
// whether got (the first 42 octets of a Success message, "S=" and 40 hex
// digits of either case) is the response of a server that knows the
// hash. The comparison takes the same time wherever they differ.
func CheckAuthenticatorResponse(hash [HashLen]byte, nt [NTResponseLen]byte, peer, auth [ChallengeLen]byte, user string, got []byte) bool {
	if len(got) != AuthResponseLen {
		return false
	}
	want := AuthenticatorResponse(hash, nt, peer, auth, user)
	return subtle.ConstantTimeCompare([]byte(strings.ToUpper(string(got))), []byte(want)) == 1
}
