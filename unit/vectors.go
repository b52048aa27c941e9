package unit

import (
	"strconv"
	"testing"
)

// PSKVector is a passphrase-to-PSK mapping:
// PSK = PBKDF2(HMAC-SHA1, passphrase, SSID, 4096, 256).
type PSKVector struct {
	Passphrase string
	SSID       []byte
	PSK        []byte
}

// PSKVectors are IEEE Std 802.11-2020 Annex J.4 (802.11i-2004 H.4).
func PSKVectors(t testing.TB) []PSKVector {
	t.Helper()
	return all(t, "ieee80211-annexj/psk.txt", func(f fields) PSKVector {
		return PSKVector{Passphrase: f.str("passphrase"), SSID: f.bytes("ssid"), PSK: f.bytes("psk")}
	})
}

// PRFVector is PRF-n(Key, Prefix, Data) = Out, n = len(Out)*8.
type PRFVector struct {
	Key    []byte
	Prefix string
	Data   []byte
	Out    []byte
}

// PRFVectors are IEEE Std 802.11-2020 Annex J.3, the PRF (HMAC-SHA1).
func PRFVectors(t testing.TB) []PRFVector {
	t.Helper()
	return all(t, "ieee80211-annexj/prf-sha1.txt", func(f fields) PRFVector {
		return PRFVector{Key: f.bytes("key"), Prefix: f.str("prefix"), Data: f.bytes("data"), Out: f.bytes("prf")}
	})
}

// KDFVector is KDF-SHA256-n(Key, Label, Context) = Out, n = len(Out)*8
// (IEEE Std 802.11-2020 12.7.1.6.2).
type KDFVector struct {
	Key     []byte
	Label   string
	Context []byte
	Out     []byte
}

// KDFSHA256Vectors come from iwd's unit/test-kdf-sha256.c: not an Annex J
// vector, a cross-implementation check.
func KDFSHA256Vectors(t testing.TB) []KDFVector {
	t.Helper()
	return all(t, "ieee80211-annexj/kdf-sha256.txt", func(f fields) KDFVector {
		return KDFVector{Key: f.bytes("key"), Label: f.str("label"), Context: f.bytes("context"), Out: f.bytes("out")}
	})
}

// PTKVector is a pairwise key expansion (PRF-SHA1, "Pairwise key
// expansion"). TK's length says the cipher (16 CCMP-128, 32 TKIP); KCK and
// KEK are nil where the source does not give them.
type PTKVector struct {
	PMK            []byte
	AA, SPA        [6]byte
	ANonce, SNonce []byte
	KCK, KEK, TK   []byte
}

// PTKVectors are IEEE 802.11 Annex J's sample PTK derivation (PMK from
// J.4) as reproduced in iwd's unit/test-crypto.c, and two PTKs from real
// captures in that file.
func PTKVectors(t testing.TB) []PTKVector {
	t.Helper()
	return all(t, "ieee80211-annexj/ptk.txt", func(f fields) PTKVector {
		return PTKVector{PMK: f.bytes("pmk"), AA: f.mac("aa"), SPA: f.mac("spa"),
			ANonce: f.bytes("anonce"), SNonce: f.bytes("snonce"),
			KCK: f.optional("kck"), KEK: f.optional("kek"), TK: f.bytes("tk")}
	})
}

// CMACVector is AES-CMAC(Key, Msg) = MAC.
type CMACVector struct{ Key, Msg, MAC []byte }

// CMACVectors are RFC 4493 section 4, AES-128-CMAC examples 1 to 4.
func CMACVectors(t testing.TB) []CMACVector {
	t.Helper()
	return all(t, "rfc4493/vectors.txt", func(f fields) CMACVector {
		return CMACVector{Key: f.bytes("key"), Msg: f.bytes("msg"), MAC: f.bytes("mac")}
	})
}

// KeyWrapVector is AES key wrap (default IV) of Key under KEK = Wrapped.
type KeyWrapVector struct{ KEK, Key, Wrapped []byte }

// KeyWrapVectors are RFC 3394 section 4 (4.1 to 4.6).
func KeyWrapVectors(t testing.TB) []KeyWrapVector {
	t.Helper()
	return all(t, "rfc3394/vectors.txt", func(f fields) KeyWrapVector {
		return KeyWrapVector{KEK: f.bytes("kek"), Key: f.bytes("key"), Wrapped: f.bytes("wrapped")}
	})
}

// Point is an elliptic curve point's affine coordinates, each the field's
// length.
type Point struct{ X, Y []byte }

// Uncompressed is the point as 0x04 || X || Y.
func (p Point) Uncompressed() []byte {
	return append(append([]byte{4}, p.X...), p.Y...)
}

// SSWUVector is the simplified SWU map of U on group Group's curve.
type SSWUVector struct {
	Group int // IANA group: 19 P-256, 20 P-384
	U     []byte
	Q     Point
}

// SSWUVectors are RFC 9380 Appendix J.1.1, J.1.2 and J.2.1: the field
// elements u and map_to_curve(u), the map SAE's hash-to-element uses.
func SSWUVectors(t testing.TB) []SSWUVector {
	t.Helper()
	return all(t, "sae/sswu.txt", func(f fields) SSWUVector {
		g, err := strconv.Atoi(f.str("group"))
		if err != nil {
			t.Fatalf("unit: %s record %d: group: %v", f.file, f.i, err)
		}
		return SSWUVector{Group: g, U: f.bytes("u"), Q: Point{f.bytes("x"), f.bytes("y")}}
	})
}

// SAEHuntingAndPecking is an SAE exchange on group 19 with
// hunting-and-pecking. Commit and PeerCommit are the SAE part of the
// Authentication frame body (group, scalar, element); the local side
// (MAC1) draws Rand then Mask. Confirm and PeerConfirm are for
// send-confirm 1.
type SAEHuntingAndPecking struct {
	Password             []byte
	MAC1, MAC2           [6]byte
	Rand, Mask           []byte
	Commit, PeerCommit   []byte
	KCK, PMK, PMKID      []byte
	Confirm, PeerConfirm []byte
}

// SAEHuntingAndPeckingVector is IEEE Std 802.11-2020 Annex J.10 (group
// 19, 12.4.4.2.2) as carried by hostap's common_module_tests.c; the
// confirms are not published with it and were computed outside this
// project from its KCK and commits (see the file).
func SAEHuntingAndPeckingVector(t testing.TB) SAEHuntingAndPecking {
	t.Helper()
	return only(t, "sae/hunting-and-pecking.txt", func(f fields) SAEHuntingAndPecking {
		return SAEHuntingAndPecking{Password: f.bytes("password"), MAC1: f.mac("mac1"), MAC2: f.mac("mac2"),
			Rand: f.bytes("rand"), Mask: f.bytes("mask"), Commit: f.bytes("commit"), PeerCommit: f.bytes("peer_commit"),
			KCK: f.bytes("kck"), PMK: f.bytes("pmk"), PMKID: f.bytes("pmkid"),
			Confirm: f.bytes("confirm"), PeerConfirm: f.bytes("peer_confirm")}
	})
}

// SAEH2E is hash-to-element's intermediate values (IEEE Std 802.11-2020
// 12.4.4.2.3) for group 19: pwd-seed, pwd-value1/2, u1/2, P1/2 =
// SSWU(u1/2), PT = P1 + P2, val and PWE.
type SAEH2E struct {
	SSID, Password, Identifier []byte
	MAC1, MAC2                 [6]byte
	PwdSeed                    []byte
	PwdValue, U                [2][]byte
	P                          [2]Point
	PT                         Point
	Val                        []byte
	PWE                        Point
}

// SAEH2EVector is IEEE Std 802.11-2020 Annex J.10, hash-to-element for
// group 19, as also carried by iwd's unit/test-sae.c and hostap's
// common_module_tests.c.
func SAEH2EVector(t testing.TB) SAEH2E {
	t.Helper()
	return only(t, "sae/h2e.txt", func(f fields) SAEH2E {
		return SAEH2E{SSID: f.bytes("ssid"), Password: f.bytes("password"), Identifier: f.bytes("identifier"),
			MAC1: f.mac("mac1"), MAC2: f.mac("mac2"), PwdSeed: f.bytes("pwd_seed"),
			PwdValue: [2][]byte{f.bytes("pwd_value1"), f.bytes("pwd_value2")},
			U:        [2][]byte{f.bytes("u1"), f.bytes("u2")},
			P:        [2]Point{{f.bytes("p1x"), f.bytes("p1y")}, {f.bytes("p2x"), f.bytes("p2y")}},
			PT:       Point{f.bytes("ptx"), f.bytes("pty")},
			Val:      f.bytes("val"),
			PWE:      Point{f.bytes("pwex"), f.bytes("pwey")}}
	})
}

// Capture is a PSK 4-way (and group key) handshake captured between a
// real authenticator and supplicant: whole EAPOL frames, header included.
// Passphrase and SSID are empty where the capture gives only the PSK;
// APRSNE is the AP's RSNE for RSN, APWPAIE its WPA element for WPA;
// GMsg1/2 are nil without a group key handshake.
type Capture struct {
	Passphrase   string
	SSID         []byte
	PSK          []byte
	AA, SPA      [6]byte
	APRSNE       []byte
	APWPAIE      []byte
	EAPOLVersion byte
	Msg1, Msg2   []byte
	Msg3, Msg4   []byte
	GMsg1, GMsg2 []byte
}

// Captures lists the capture files, by the name Handshake takes. Each
// names its source (iwd's unit/test-eapol.c) in its header.
var Captures = []string{"wpa2-psk-ccmp", "psk-ccmp-v1", "psk-tkip-mfp", "wpa-psk-tkip", "wpa-psk-tkip-2"}

// Handshake is the capture of that name (see Captures).
func Handshake(t testing.TB, name string) Capture {
	t.Helper()
	file := "eapol-captures/" + name + ".txt"
	return only(t, file, func(f fields) Capture {
		return Capture{Passphrase: string(f.optional("passphrase")), SSID: f.optional("ssid"), PSK: f.bytes("psk"),
			AA: f.mac("aa"), SPA: f.mac("spa"), APRSNE: f.optional("ap_rsne"), APWPAIE: f.optional("ap_wpa_ie"),
			EAPOLVersion: f.octet("eapol_version"),
			Msg1:         f.bytes("msg1"), Msg2: f.bytes("msg2"), Msg3: f.bytes("msg3"), Msg4: f.bytes("msg4"),
			GMsg1: f.optional("gmsg1"), GMsg2: f.optional("gmsg2")}
	})
}

// MSCHAPv2 is RFC 2759 section 9.2's sample MS-CHAPv2 exchange.
type MSCHAPv2 struct {
	User, Password                 string
	AuthChallenge, PeerChallenge   []byte
	ChallengeHash, UnicodePassword []byte
	PasswordHash, NTResponse       []byte
	PasswordHashHash               []byte
	AuthResponse                   string
}

// MSCHAPv2Vector is RFC 2759 section 9.2.
func MSCHAPv2Vector(t testing.TB) MSCHAPv2 {
	t.Helper()
	return only(t, "rfc2759/vectors.txt", func(f fields) MSCHAPv2 {
		return MSCHAPv2{User: f.str("user"), Password: f.str("password"),
			AuthChallenge: f.bytes("auth_challenge"), PeerChallenge: f.bytes("peer_challenge"),
			ChallengeHash: f.bytes("challenge_hash"), UnicodePassword: f.bytes("unicode_password"),
			PasswordHash: f.bytes("password_hash"), NTResponse: f.bytes("nt_response"),
			PasswordHashHash: f.bytes("password_hash_hash"), AuthResponse: f.str("auth_response")}
	})
}

// MPPEKeys is RFC 3079 section 3.5.3's 128-bit sample: the MasterKey and
// the server's send start key (the client's receive start key) from the
// RFC 2759 9.2 exchange.
type MPPEKeys struct {
	Password        string
	NTResponse      []byte
	MasterKey       []byte
	SendStartKey128 []byte
}

// MPPEKeysVector is RFC 3079 section 3.5.3.
func MPPEKeysVector(t testing.TB) MPPEKeys {
	t.Helper()
	return only(t, "rfc3079/vectors.txt", func(f fields) MPPEKeys {
		return MPPEKeys{Password: f.str("password"), NTResponse: f.bytes("nt_response"),
			MasterKey: f.bytes("master_key"), SendStartKey128: f.bytes("send_start_key_128")}
	})
}

// MSCHAP is RFC 2433 Appendix B.2's sample: MS-CHAPv1's NT response.
type MSCHAP struct {
	Password                 string
	Challenge                []byte
	PasswordHash, NTResponse []byte
}

// MSCHAPVector is RFC 2433 Appendix B.2.
func MSCHAPVector(t testing.TB) MSCHAP {
	t.Helper()
	return only(t, "rfc2433/vectors.txt", func(f fields) MSCHAP {
		return MSCHAP{Password: f.str("password"), Challenge: f.bytes("challenge"),
			PasswordHash: f.bytes("password_hash"), NTResponse: f.bytes("nt_response")}
	})
}

// PMKIDVector is a PMKID of the SHA-1 AKMs from a passphrase: PMK =
// PBKDF2(passphrase, SSID), PMKID = Truncate-128(HMAC-SHA1(PMK, "PMK Name"
// || AA || SPA)).
type PMKIDVector struct {
	Passphrase string
	SSID       []byte
	AA, SPA    [6]byte
	PMKID      []byte
}

// PMKIDVectors are hashcat's published mode-16800 example (see the file).
func PMKIDVectors(t testing.TB) []PMKIDVector {
	t.Helper()
	return all(t, "pmkid/hashcat.txt", func(f fields) PMKIDVector {
		return PMKIDVector{Passphrase: f.str("passphrase"), SSID: f.bytes("ssid"), AA: f.mac("aa"), SPA: f.mac("spa"),
			PMKID: f.bytes("pmkid")}
	})
}
