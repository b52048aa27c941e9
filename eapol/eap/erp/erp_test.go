package erp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"
)

// rfc5295KDF is RFC 5295 3.1.2's PRF+ written out from the text, to check
// kdf's use of HKDF-Expand against.
func rfc5295KDF(key, s []byte, length int) []byte {
	var out, t []byte
	for n := byte(1); len(out) < length; n++ {
		m := hmac.New(sha256.New, key)
		m.Write(t)
		m.Write(s)
		m.Write([]byte{n})
		t = m.Sum(nil)
		out = append(out, t...)
	}
	return out[:length]
}

func TestKDF(t *testing.T) {
	key := bytes.Repeat([]byte{0x0b}, 64)
	for _, n := range []int{8, 32, 64, 100} {
		s := append([]byte("EMSK\x00"), byte(n>>8), byte(n))
		if got, want := kdf(key, "EMSK", nil, n), rfc5295KDF(key, s, n); !bytes.Equal(got, want) {
			t.Errorf("%d octets: %x, want %x", n, got, want)
		}
	}
}

// server is the authenticator side (RFC 6696 5.3.3) as hostapd's
// eap_server_erp does it, from the same material.
type server struct {
	rRK, rIK []byte
	nai      string
}

func newServer(m Material) *server {
	emskName := rfc5295KDF(m.SessionID, []byte("EMSK\x00\x00\x08"), 8)
	rRK := rfc5295KDF(m.EMSK, append([]byte("EAP Re-authentication Root Key@ietf.org\x00"), 0, 64), 64)
	rIK := rfc5295KDF(rRK, append([]byte("Re-authentication Integrity Key@ietf.org\x00"), 2, 0, 64), 64)
	return &server{rRK: rRK, rIK: rIK, nai: hex.EncodeToString(emskName) + "@" + m.Domain}
}

func (s *server) sign(p []byte) []byte {
	m := hmac.New(sha256.New, s.rIK)
	m.Write(p)
	return append(p, m.Sum(nil)[:16]...)
}

// answer checks an EAP-Initiate/Re-auth and makes the EAP-Finish/Re-auth
// (failure sets R) and the rMSK.
func (s *server) answer(t *testing.T, in []byte, failure bool) (finish, rMSK []byte) {
	t.Helper()
	if !hmac.Equal(s.sign(bytes.Clone(in[:len(in)-16])), in) {
		t.Fatal("server: Initiate's tag does not verify")
	}
	if !bytes.Contains(in, []byte(s.nai)) {
		t.Fatalf("server: Initiate does not name %s", s.nai)
	}
	seq := in[6:8]
	flags := byte(0)
	if failure {
		flags = 0x80
	}
	p := []byte{CodeFinish, in[1], 0, 0, typeReauth, flags, seq[0], seq[1]}
	p = append(p, tvRRKLifetime, 0, 0, 0x0e, 0x10) // a lifetime, to skip
	p = append(p, tlvKeyNameNAI, byte(len(s.nai)))
	p = append(p, s.nai...)
	p = append(p, cryptosuite2)
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)+16))
	return s.sign(p), rfc5295KDF(s.rRK, append([]byte("Re-authentication Master Session Key@ietf.org\x00"), seq[0], seq[1], 0, 64), 64)
}

func material() Material {
	return Material{EMSK: bytes.Repeat([]byte{0x42}, 64), SessionID: append([]byte{52}, bytes.Repeat([]byte{7}, 32)...),
		Domain: DomainOf("pwd@example.com")}
}

// TestReauth: the peer's Initiate verifies at a server holding the same
// EMSK, the server's Finish verifies at the peer, and both hold one rMSK.
func TestReauth(t *testing.T) {
	m := material()
	s, err := New(m, 3)
	if err != nil {
		t.Fatal(err)
	}
	if s.KeyNameNAI() == "" || s.KeyNameNAI()[16:] != "@example.com" {
		t.Errorf("keyName-NAI %q", s.KeyNameNAI())
	}
	in := s.Initiate(0)
	if !bytes.Equal(s.Initiated(), in) {
		t.Error("Initiated is not the packet sent")
	}
	srv := newServer(m)
	finish, want := srv.answer(t, in, false)
	got, err := s.Finish(finish)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Finish: %x, %v; want %x", got, err, want)
	}

	finish, _ = srv.answer(t, in, true)
	if _, err := s.Finish(finish); !errors.Is(err, ErrRefused) {
		t.Errorf("refused Finish: %v", err)
	}
	finish, _ = srv.answer(t, in, false)
	finish[len(finish)-1] ^= 1
	if _, err := s.Finish(finish); err == nil {
		t.Error("a bad tag verified")
	}
	other, _ := New(Material{EMSK: bytes.Repeat([]byte{1}, 64), SessionID: m.SessionID, Domain: m.Domain}, 3)
	finish, _ = srv.answer(t, in, false)
	if _, err := other.Finish(finish); err == nil {
		t.Error("a Finish for other keys verified")
	}
	if _, err := New(Material{EMSK: m.EMSK, SessionID: m.SessionID}, 0); !errors.Is(err, ErrNoMaterial) {
		t.Errorf("no domain: %v", err)
	}
}

func FuzzFinish(f *testing.F) {
	m := material()
	s, _ := New(m, 1)
	in := s.Initiate(0)
	good, _ := newServer(m).answer(&testing.T{}, in, false)
	f.Add(good)
	f.Add([]byte{CodeFinish, 0, 0, 8, typeReauth, 0, 0, 1})
	f.Fuzz(func(t *testing.T, p []byte) {
		s, _ := New(m, 1)
		s.Initiate(0)
		if k, err := s.Finish(p); err == nil && len(k) != 64 {
			t.Fatalf("rMSK of %d octets", len(k))
		}
	})
}

// TestCloseWipes: Close zeroes the rRK and rIK.
func TestCloseWipes(t *testing.T) {
	s, err := New(material(), 1)
	if err != nil {
		t.Fatal(err)
	}
	rRK, rIK := s.rRK, s.rIK
	if bytes.Equal(rRK, make([]byte, len(rRK))) {
		t.Fatal("rRK is zero before Close")
	}
	s.Close()
	if !bytes.Equal(rRK, make([]byte, len(rRK))) || !bytes.Equal(rIK, make([]byte, len(rIK))) {
		t.Error("rRK or rIK not wiped")
	}
}
