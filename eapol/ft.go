package eapol

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"

	"wifid/nl80211/ie"
)

// Fast BSS Transition (802.11r): the FT key hierarchy of IEEE 802.11-2020
// 12.7.1.7 and what the 4-way handshake of the initial mobility domain
// association (13.4) adds to the usual one.
//
//	PMK-R0 || salt = KDF(XXKey, "FT-R0", len(SSID) || SSID || MDID || len(R0KH-ID) || R0KH-ID || S0KH-ID)
//	PMKR0Name      = Truncate-128(H("FT-R0N" || salt))
//	PMK-R1         = KDF(PMK-R0, "FT-R1", R1KH-ID || S1KH-ID)
//	PMKR1Name      = Truncate-128(H("FT-R1N" || PMKR0Name || R1KH-ID || S1KH-ID))
//	PTK            = KDF(PMK-R1, "FT-PTK", SNonce || ANonce || BSSID || STA-ADDR)
//
// XXKey is the PSK (FT-PSK), the SAE PMK (FT-SAE) or the second 256 bits
// of the MSK (FT-802.1X); the station is S0KH-ID and S1KH-ID.

// IsFT reports whether the AKM is one of the FT AKMs this package runs.
func IsFT(a ie.AKMSuite) bool {
	switch a {
	case ie.AKMFTPSK, ie.AKMFT8021X, ie.AKMFTSAE:
		return true
	}
	return false
}

// ftHash is the hash of an FT AKM's key hierarchy and its PMK-R0/R1 length
// in bits: SHA-256 and 256 for the AKMs this package runs.
func ftHash(a ie.AKMSuite) (func() hash.Hash, int) {
	if a.IsSHA384() {
		return sha512.New384, 384
	}
	return sha256.New, 256
}

// FTKeys is the station's top of the FT key hierarchy in one mobility
// domain: what a transition to another AP of the domain starts from.
type FTKeys struct {
	AKM       ie.AKMSuite
	PMKR0     []byte
	PMKR0Name [16]byte
	SSID      []byte
	MDID      [2]byte // as in the Mobility Domain element
	R0KHID    []byte  // the R0 key holder: the AP of the initial association
	SPA       [6]byte // S0KH-ID and S1KH-ID
}

// DeriveFTKeys derives PMK-R0 and PMKR0Name from XXKey.
func DeriveFTKeys(akm ie.AKMSuite, xxkey, ssid []byte, mdid [2]byte, r0khID []byte, spa [6]byte) (*FTKeys, error) {
	if !IsFT(akm) {
		return nil, fmt.Errorf("eapol: %v is not an FT AKM", akm)
	}
	if len(xxkey) == 0 {
		return nil, errors.New("eapol: FT: empty XXKey")
	}
	if len(ssid) < 1 || len(ssid) > 32 {
		return nil, fmt.Errorf("eapol: FT: SSID length %d, want 1..32", len(ssid))
	}
	if len(r0khID) < 1 || len(r0khID) > 48 {
		return nil, fmt.Errorf("eapol: FT: R0KH-ID length %d, want 1..48", len(r0khID))
	}
	h, q := ftHash(akm)
	ctx := make([]byte, 0, 1+len(ssid)+2+1+len(r0khID)+6)
	ctx = append(ctx, byte(len(ssid)))
	ctx = append(ctx, ssid...)
	ctx = append(ctx, mdid[:]...)
	ctx = append(ctx, byte(len(r0khID)))
	ctx = append(ctx, r0khID...)
	ctx = append(ctx, spa[:]...)
	r0 := KDF(h, xxkey, "FT-R0", ctx, q+128)
	k := &FTKeys{AKM: akm, PMKR0: r0[:q/8], SSID: bytes.Clone(ssid), MDID: mdid,
		R0KHID: bytes.Clone(r0khID), SPA: spa}
	d := h()
	d.Write([]byte("FT-R0N"))
	d.Write(r0[q/8:])
	copy(k.PMKR0Name[:], d.Sum(nil))
	return k, nil
}

// R1 derives the PMK-R1 and PMKR1Name for the R1 key holder (the AP the
// station associates with).
func (k *FTKeys) R1(r1khID [6]byte) (pmkR1 []byte, name [16]byte) {
	h, q := ftHash(k.AKM)
	ctx := append(r1khID[:len(r1khID):len(r1khID)], k.SPA[:]...)
	pmkR1 = KDF(h, k.PMKR0, "FT-R1", ctx, q)
	d := h()
	d.Write([]byte("FT-R1N"))
	d.Write(k.PMKR0Name[:])
	d.Write(ctx)
	copy(name[:], d.Sum(nil))
	return pmkR1, name
}

// wipe zeroes PMK-R0.
func (k *FTKeys) wipe() {
	if k != nil {
		clear(k.PMKR0)
	}
}

// DeriveFTPTK derives the PTK of an FT AKM from the PMK-R1, split as
// KCK, KEK, TK.
func DeriveFTPTK(akm ie.AKMSuite, pairwise ie.CipherSuite, pmkR1 []byte, snonce, anonce []byte, bssid, sta [6]byte) (*PTK, error) {
	if !IsFT(akm) {
		return nil, fmt.Errorf("eapol: %v is not an FT AKM", akm)
	}
	if !pairwiseOK(pairwise) {
		return nil, fmt.Errorf("eapol: %v is not a pairwise cipher", pairwise)
	}
	if len(anonce) != 32 || len(snonce) != 32 {
		return nil, errors.New("eapol: nonces must be 32 octets")
	}
	info := akmTable[akm]
	h, _ := ftHash(akm)
	ctx := make([]byte, 0, 76)
	ctx = append(ctx, snonce...)
	ctx = append(ctx, anonce...)
	ctx = append(ctx, bssid[:]...)
	ctx = append(ctx, sta[:]...)
	kck, kek := info.kckLen, info.kekLen
	raw := KDF(h, pmkR1, "FT-PTK", ctx, (kck+kek+pairwise.KeyLen())*8)
	return &PTK{KCK: raw[:kck], KEK: raw[kck : kck+kek], TK: raw[kck+kek:]}, nil
}

// FTConfig is what the initial mobility domain association (an
// association with an FT AKM, not itself a transition) gives the 4-way
// handshake: message 2 carries the MDE and the AP's FTE, and both the
// PTK and the PMKID in the RSNEs come from the FT key hierarchy.
type FTConfig struct {
	SSID []byte
	// MDE is the Mobility Domain element, whole, as sent in the
	// Association Request.
	MDE []byte
	// FTE is the Fast BSS Transition element, whole, from the Association
	// Response: it names the R0 and R1 key holders.
	FTE []byte
}

// ftState is the Supplicant's FT part.
type ftState struct {
	cfg     FTConfig
	r0khID  []byte
	r1khID  [6]byte
	keys    *FTKeys // once the PMK (XXKey) is known
	pmkR1   []byte
	r1Name  [16]byte
	ownRSNE []byte // OwnRSNE with PMKR1Name: message 2's
	mdid    [2]byte
}

// newFTState checks an FTConfig.
func newFTState(c FTConfig, micLen int) (*ftState, error) {
	if err := checkElement("FT.MDE", c.MDE, byte(ie.IDMobilityDomain)); err != nil {
		return nil, err
	}
	if len(c.MDE) != 5 {
		return nil, fmt.Errorf("eapol: Config.FT.MDE length %d, want 5", len(c.MDE))
	}
	if err := checkElement("FT.FTE", c.FTE, byte(ie.IDFastBSSTransition)); err != nil {
		return nil, err
	}
	fte, err := ie.ParseFTE(c.FTE[2:], micLen)
	if err != nil {
		return nil, fmt.Errorf("eapol: Association Response FTE: %w", err)
	}
	if fte.R0KHID == nil || fte.R1KHID == nil {
		return nil, errors.New("eapol: Association Response FTE names no R0KH-ID or no R1KH-ID")
	}
	return &ftState{cfg: c, r0khID: bytes.Clone(fte.R0KHID), r1khID: *fte.R1KHID,
		mdid: [2]byte(c.MDE[2:4])}, nil
}

// derive builds the key hierarchy from XXKey (the Supplicant's PMK).
func (f *ftState) derive(akm ie.AKMSuite, xxkey []byte, spa [6]byte, ownRSNE []byte) error {
	f.wipe()
	keys, err := DeriveFTKeys(akm, xxkey, f.cfg.SSID, f.mdid, f.r0khID, spa)
	if err != nil {
		return err
	}
	f.keys = keys
	f.pmkR1, f.r1Name = keys.R1(f.r1khID)
	f.ownRSNE, err = rsneWithPMKID(ownRSNE, f.r1Name)
	return err
}

func (f *ftState) wipe() {
	if f != nil {
		f.keys.wipe()
		clear(f.pmkR1)
	}
}

// rsneWithPMKID is the RSN element e with its PMKID list replaced by one
// PMKID.
func rsneWithPMKID(e []byte, pmkid [16]byte) ([]byte, error) {
	r, err := ie.ParseRSN(e[2:])
	if err != nil {
		return nil, err
	}
	r.PMKIDs = []ie.PMKID{ie.PMKID(pmkid)}
	return r.Marshal()
}

// sameRSNEButPMKID checks message 3's RSNE (FT, 13.4.2): the AP's
// Beacon RSNE with exactly the PMKR1Name as its PMKID list.
func sameRSNEButPMKID(got, beacon []byte, pmkid [16]byte) error {
	g, err := ie.ParseRSN(got[2:])
	if err != nil {
		return err
	}
	if len(g.PMKIDs) != 1 || g.PMKIDs[0] != ie.PMKID(pmkid) {
		return errors.New("RSNE in message 3 does not name PMKR1Name alone")
	}
	b, err := ie.ParseRSN(beacon[2:])
	if err != nil {
		return err
	}
	g.PMKIDs, b.PMKIDs = nil, nil
	gb, err1 := g.Marshal()
	bb, err2 := b.Marshal()
	if err1 != nil || err2 != nil || !bytes.Equal(gb, bb) {
		return errors.New("RSNE in message 3 differs from the Beacon/Probe Response RSNE")
	}
	return nil
}

// checkFTMessage3 checks the FT elements of message 3's key data: the
// RSNE with PMKR1Name, and the MDE and FTE exactly as in the association.
func (f *ftState) checkMessage3(kd *KeyData, apRSNE []byte) error {
	if kd.RSNE == nil {
		return errors.New("no RSNE in message 3")
	}
	if err := sameRSNEButPMKID(kd.RSNE, apRSNE, f.r1Name); err != nil {
		return err
	}
	var mde, fte []byte
	for _, e := range kd.Elements {
		switch e.ID {
		case byte(ie.IDMobilityDomain):
			mde = e.Raw
		case byte(ie.IDFastBSSTransition):
			fte = e.Raw
		}
	}
	if !bytes.Equal(mde, f.cfg.MDE) {
		return errors.New("MDE in message 3 differs from the association's")
	}
	if !bytes.Equal(fte, f.cfg.FTE) {
		return errors.New("FTE in message 3 differs from the Association Response's")
	}
	return nil
}

// FTKeys returns a copy of the top of the FT key hierarchy once the
// handshake of an initial mobility domain association completed (nil
// before, and for other AKMs): a transition to another AP of the domain
// starts from it. The caller wipes it (Wipe) when done.
func (s *Supplicant) FTKeys() *FTKeys {
	if s.ft == nil || s.ft.keys == nil || !s.complete {
		return nil
	}
	return s.ft.keys.Clone()
}

// Clone returns a copy of k with its own PMK-R0.
func (k *FTKeys) Clone() *FTKeys {
	if k == nil {
		return nil
	}
	c := *k
	c.PMKR0, c.SSID, c.R0KHID = bytes.Clone(k.PMKR0), bytes.Clone(k.SSID), bytes.Clone(k.R0KHID)
	return &c
}

// Wipe zeroes PMK-R0.
func (k *FTKeys) Wipe() { k.wipe() }
