package mschap

import (
	"bytes"
	"testing"

	"wifid/unit"
)

func TestRFC2759(t *testing.T) {
	v := unit.MSCHAPv2Vector(t)
	auth, peer := [ChallengeLen]byte(v.AuthChallenge), [ChallengeLen]byte(v.PeerChallenge)
	if got := ChallengeHash(peer, auth, v.User); !bytes.Equal(got[:], v.ChallengeHash) {
		t.Errorf("ChallengeHash %x, want %x", got, v.ChallengeHash)
	}
	hash := NTPasswordHash(v.Password)
	if !bytes.Equal(hash[:], v.PasswordHash) {
		t.Errorf("NTPasswordHash %x, want %x", hash, v.PasswordHash)
	}
	nt := GenerateNTResponse(auth, peer, v.User, hash)
	if !bytes.Equal(nt[:], v.NTResponse) {
		t.Errorf("GenerateNTResponse %x, want %x", nt, v.NTResponse)
	}
	if hh := HashNTPasswordHash(hash); !bytes.Equal(hh[:], v.PasswordHashHash) {
		t.Errorf("HashNTPasswordHash %x, want %x", hh, v.PasswordHashHash)
	}
	if got := AuthenticatorResponse(hash, nt, peer, auth, v.User); got != v.AuthResponse {
		t.Errorf("AuthenticatorResponse %s, want %s", got, v.AuthResponse)
	}
	for _, tc := range []struct {
		got string
		ok  bool
	}{
		{v.AuthResponse, true},
		{"S=407a5589115fd0d6209f510fe9c04566932cda56", true},
		{"S=407A5589115FD0D6209F510FE9C04566932CDA57", false},
		{"S=407A5589115FD0D6209F510FE9C04566932CDA5", false},
		{"", false},
	} {
		if ok := CheckAuthenticatorResponse(hash, nt, peer, auth, v.User, []byte(tc.got)); ok != tc.ok {
			t.Errorf("CheckAuthenticatorResponse(%q) = %v", tc.got, ok)
		}
	}
	// The domain is not hashed.
	if a, b := GenerateNTResponse(auth, peer, `CORP\`+v.User, hash), nt; a != b {
		t.Errorf("NT-Response with a domain %x, without %x", a, b)
	}
}

func TestRFC3079(t *testing.T) {
	v := unit.MPPEKeysVector(t)
	hh := HashNTPasswordHash(NTPasswordHash(v.Password))
	mk := MasterKey(hh, [NTResponseLen]byte(v.NTResponse))
	if !bytes.Equal(mk[:], v.MasterKey) {
		t.Fatalf("MasterKey %x, want %x", mk, v.MasterKey)
	}
	if got := AsymmetricStartKey(mk, 16, true, true); !bytes.Equal(got, v.SendStartKey128) {
		t.Errorf("server send start key %x, want %x", got, v.SendStartKey128)
	}
	if got := AsymmetricStartKey(mk, 16, false, false); !bytes.Equal(got, v.SendStartKey128) {
		t.Errorf("client receive start key %x, want %x", got, v.SendStartKey128)
	}
	clientSend := AsymmetricStartKey(mk, 16, true, false)
	if !bytes.Equal(clientSend, AsymmetricStartKey(mk, 16, false, true)) || bytes.Equal(clientSend, v.SendStartKey128) {
		t.Errorf("client send %x: not the server's receive key, or the same as the other direction", clientSend)
	}
	msk := MSK(hh, [NTResponseLen]byte(v.NTResponse))
	if len(msk) != 32 || !bytes.Equal(msk[:16], clientSend) || !bytes.Equal(msk[16:], v.SendStartKey128) {
		t.Errorf("MSK %x", msk)
	}
}

// MS-CHAPv1's NT response (RFC 2433 B.2) pins ChallengeResponse's DES
// key spreading on its own.
func TestChallengeResponseRFC2433(t *testing.T) {
	v := unit.MSCHAPVector(t)
	hash := NTPasswordHash(v.Password)
	if !bytes.Equal(hash[:], v.PasswordHash) {
		t.Fatalf("NTPasswordHash %x, want %x", hash, v.PasswordHash)
	}
	if r := ChallengeResponse([8]byte(v.Challenge), hash); !bytes.Equal(r[:], v.NTResponse) {
		t.Errorf("ChallengeResponse %x, want %x", r, v.NTResponse)
	}
}
