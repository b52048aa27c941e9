package eapol

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"

	"wifid/nl80211/ie"
)

// A fast BSS transition (IEEE 802.11-2020 13.5, 13.8): from the FT keys of
// the mobility domain's initial association, one exchange with the target
// AP (FT Authentication over the air, or FT Action frames over the DS)
// and the Reassociation carry the nonces, name PMK-R0 and PMK-R1, and
// deliver the group keys; no 4-way handshake follows.
//
//	request:  RSNE(PMKR0Name), MDE, FTE(SNonce, R0KH-ID)
//	response: RSNE(PMKR0Name), MDE, FTE(ANonce, SNonce, R1KH-ID, R0KH-ID)
//	reassociation request:  RSNE(PMKR1Name), MDE, FTE(MIC, ANonce, SNonce, R1KH-ID, R0KH-ID)
//	reassociation response: RSNE(PMKR1Name), MDE, FTE(MIC, ..., GTK, IGTK)
//
// The FTE MIC is AES-128-CMAC under the KCK over SPA || target AA ||
// transaction sequence (5 request, 6 response) || RSNE || MDE || FTE with
// its MIC field zeroed (13.8.4, 13.8.5).

// FTTransition is one fast BSS transition to a target AP. Not safe for
// concurrent use.
type FTTransition struct {
	keys      FTKeys
	aa        [6]byte
	ownRSNE   []byte // for the target, no PMKID
	apRSNE    []byte // the target's, from its Beacon/Probe Response
	mde       []byte // the target's MDE, whole, as sent
	pairwise  ie.CipherSuite
	snonce    [32]byte
	anonce    [32]byte
	r1khID    [6]byte
	pmkR1     []byte
	r1Name    [16]byte
	ptk       *PTK
	reassoc   bool // ReassociationIEs was called
	finished  bool
	micLen    int
	ownRSNEv1 []byte // ownRSNE with PMKR1Name
}

// NewFTTransition starts a transition from keys (copied) to the AP aa,
// whose RSNE (apRSNE) and Mobility Domain element (mde, naming the same
// mobility domain) are as advertised; ownRSNE is our RSNE for it, without
// PMKIDs.
func NewFTTransition(keys *FTKeys, aa [6]byte, ownRSNE, apRSNE, mde []byte, pairwise ie.CipherSuite, rnd io.Reader) (*FTTransition, error) {
	if keys == nil || !IsFT(keys.AKM) {
		return nil, errors.New("eapol: FT transition without FT keys")
	}
	if err := checkElement("ownRSNE", ownRSNE, ElementRSN); err != nil {
		return nil, err
	}
	if err := checkElement("apRSNE", apRSNE, ElementRSN); err != nil {
		return nil, err
	}
	if len(mde) != 5 || mde[0] != byte(ie.IDMobilityDomain) || mde[1] != 3 {
		return nil, errors.New("eapol: FT transition: the target's MDE is not one whole Mobility Domain element")
	}
	if [2]byte(mde[2:4]) != keys.MDID {
		return nil, fmt.Errorf("eapol: FT transition: the target's mobility domain %x is not ours (%x)", mde[2:4], keys.MDID)
	}
	if !pairwiseOK(pairwise) {
		return nil, fmt.Errorf("eapol: %v is not a pairwise cipher", pairwise)
	}
	t := &FTTransition{keys: *keys.Clone(), aa: aa, ownRSNE: bytes.Clone(ownRSNE), apRSNE: bytes.Clone(apRSNE),
		mde: bytes.Clone(mde), pairwise: pairwise, micLen: akmTable[keys.AKM].micLen}
	if _, err := io.ReadFull(rnd, t.snonce[:]); err != nil {
		return nil, fmt.Errorf("eapol: SNonce: %w", err)
	}
	return t, nil
}

// Wipe zeroes the transition's keys.
func (t *FTTransition) Wipe() {
	t.keys.wipe()
	clear(t.pmkR1)
	t.ptk.wipe()
}

// RequestIEs are the elements of the FT Authentication Request (over the
// air) or the FT Request Action frame (over the DS).
func (t *FTTransition) RequestIEs() ([]byte, error) {
	rsne, err := rsneWithPMKID(t.ownRSNE, t.keys.PMKR0Name)
	if err != nil {
		return nil, err
	}
	fte, err := (&ie.FTE{SNonce: t.snonce, R0KHID: t.keys.R0KHID}).Marshal(t.micLen)
	if err != nil {
		return nil, err
	}
	return bytes.Join([][]byte{rsne, t.mde, fte}, nil), nil
}

// ftElements are the RSNE, MDE and FTE of an FT frame's elements; a
// second of any of them is an error.
func ftElements(ies []byte) (rsne, mde, fte []byte, err error) {
	for el, werr := range ie.Walk(ies) {
		if werr != nil {
			return nil, nil, nil, werr
		}
		var p *[]byte
		switch el.ID {
		case ie.IDRSN:
			p = &rsne
		case ie.IDMobilityDomain:
			p = &mde
		case ie.IDFastBSSTransition:
			p = &fte
		default:
			continue
		}
		if *p != nil {
			return nil, nil, nil, fmt.Errorf("more than one element %d", el.ID)
		}
		*p = el.Raw
	}
	if rsne == nil || mde == nil || fte == nil {
		return nil, nil, nil, errors.New("an RSNE, MDE or FTE is missing")
	}
	return rsne, mde, fte, nil
}

// HandleResponse takes the elements of the AP's successful FT
// Authentication Response (or FT Response Action frame): it checks them
// against the request and derives PMK-R1 and the PTK.
func (t *FTTransition) HandleResponse(ies []byte) error {
	if t.ptk != nil {
		return errors.New("eapol: FT: a second response")
	}
	rsne, mde, fteRaw, err := ftElements(ies)
	if err != nil {
		return fmt.Errorf("eapol: FT response: %w", err)
	}
	if err := sameRSNEButPMKID(rsne, t.apRSNE, t.keys.PMKR0Name); err != nil {
		return fmt.Errorf("eapol: FT response: %w", err)
	}
	if !bytes.Equal(mde, t.mde) {
		return errors.New("eapol: FT response: MDE differs from the request's")
	}
	fte, err := ie.ParseFTE(fteRaw[2:], t.micLen)
	if err != nil {
		return fmt.Errorf("eapol: FT response: %w", err)
	}
	switch {
	case fte.ElementCount != 0 || !allZero(fte.MIC):
		return errors.New("eapol: FT response: a MIC in the authentication response")
	case fte.R1KHID == nil:
		return errors.New("eapol: FT response: no R1KH-ID")
	case !bytes.Equal(fte.R0KHID, t.keys.R0KHID):
		return errors.New("eapol: FT response: R0KH-ID differs from ours")
	case fte.SNonce != t.snonce:
		return errors.New("eapol: FT response: SNonce differs from ours")
	case allZero(fte.ANonce[:]):
		return errors.New("eapol: FT response: no ANonce")
	}
	t.anonce, t.r1khID = fte.ANonce, *fte.R1KHID
	t.pmkR1, t.r1Name = t.keys.R1(t.r1khID)
	ptk, err := DeriveFTPTK(t.keys.AKM, t.pairwise, t.pmkR1, t.snonce[:], t.anonce[:], t.aa, t.keys.SPA)
	if err != nil {
		return err
	}
	t.ptk = ptk
	return nil
}

// fteMIC is the FTE MIC under the KCK for the transaction sequence number
// seq over rsne, mde and fte (whose MIC field must be zero).
func (t *FTTransition) fteMIC(seq byte, rsne, mde, fte []byte) ([]byte, error) {
	msg := make([]byte, 0, 13+len(rsne)+len(mde)+len(fte))
	msg = append(msg, t.keys.SPA[:]...)
	msg = append(msg, t.aa[:]...)
	msg = append(msg, seq)
	msg = append(msg, rsne...)
	msg = append(msg, mde...)
	msg = append(msg, fte...)
	return CMAC(t.ptk.KCK, msg)
}

// ReassociationIEs are the elements of the Reassociation Request: RSNE
// with PMKR1Name, MDE, FTE with its MIC. Call it after HandleResponse.
func (t *FTTransition) ReassociationIEs() ([]byte, error) {
	if t.ptk == nil {
		return nil, errors.New("eapol: FT: reassociation before the authentication response")
	}
	rsne, err := rsneWithPMKID(t.ownRSNE, t.r1Name)
	if err != nil {
		return nil, err
	}
	r1 := t.r1khID
	f := &ie.FTE{ElementCount: 3, ANonce: t.anonce, SNonce: t.snonce, R1KHID: &r1, R0KHID: t.keys.R0KHID}
	zeroed, err := f.Marshal(t.micLen)
	if err != nil {
		return nil, err
	}
	mic, err := t.fteMIC(5, rsne, t.mde, zeroed)
	if err != nil {
		return nil, err
	}
	f.MIC = mic
	fte, err := f.Marshal(t.micLen)
	if err != nil {
		return nil, err
	}
	t.ownRSNEv1, t.reassoc = rsne, true
	return bytes.Join([][]byte{rsne, t.mde, fte}, nil), nil
}

// FTStart is what a completed transition installs and hands to the
// Supplicant that runs the connection's rekeys (Config.AfterFT).
type FTStart struct {
	PTK    *PTK
	GTKID  int
	GTK    []byte
	RSC    []byte // the GTK's receive sequence counter, 8 octets little-endian
	IGTKID int    // 4 or 5; IGTK nil without management frame protection
	IGTK   []byte
	IPN    []byte // 6 octets
	ft     *ftState
}

// Wipe zeroes the keys.
func (s *FTStart) Wipe() {
	if s != nil {
		s.PTK.wipe()
		clear(s.GTK)
		clear(s.IGTK)
		s.ft.wipe()
	}
}

// HandleReassociationResponse checks the elements of the AP's successful
// Reassociation Response (13.8.5: the RSNE with PMKR1Name, the same MDE,
// the FTE's MIC, key holders and nonces) and unwraps the group keys under
// the KEK.
func (t *FTTransition) HandleReassociationResponse(ies []byte) (*FTStart, error) {
	if !t.reassoc || t.finished {
		return nil, errors.New("eapol: FT: reassociation response out of order")
	}
	rsne, mde, fteRaw, err := ftElements(ies)
	if err != nil {
		return nil, fmt.Errorf("eapol: FT reassociation response: %w", err)
	}
	if err := sameRSNEButPMKID(rsne, t.apRSNE, t.r1Name); err != nil {
		return nil, fmt.Errorf("eapol: FT reassociation response: %w", err)
	}
	if !bytes.Equal(mde, t.mde) {
		return nil, errors.New("eapol: FT reassociation response: MDE differs from the request's")
	}
	fte, err := ie.ParseFTE(fteRaw[2:], t.micLen)
	if err != nil {
		return nil, fmt.Errorf("eapol: FT reassociation response: %w", err)
	}
	if fte.ElementCount != 3 {
		return nil, fmt.Errorf("eapol: FT reassociation response: MIC element count %d, want 3", fte.ElementCount)
	}
	zeroed := bytes.Clone(fteRaw)
	clear(zeroed[4 : 4+t.micLen])
	mic, err := t.fteMIC(6, rsne, mde, zeroed)
	if err != nil {
		return nil, err
	}
	switch {
	case subtle.ConstantTimeCompare(mic, fte.MIC) != 1:
		return nil, errors.New("eapol: FT reassociation response: MIC check failed")
	case fte.R1KHID == nil || *fte.R1KHID != t.r1khID || !bytes.Equal(fte.R0KHID, t.keys.R0KHID):
		return nil, errors.New("eapol: FT reassociation response: key holders differ")
	case fte.ANonce != t.anonce || fte.SNonce != t.snonce:
		return nil, errors.New("eapol: FT reassociation response: nonces differ")
	case fte.GTK == nil:
		return nil, errors.New("eapol: FT reassociation response: no GTK")
	}
	st := &FTStart{PTK: t.ptk.clone()}
	fail := func(err error) (*FTStart, error) { st.Wipe(); return nil, err }
	gtk, err := unwrapFTKey(t.ptk.KEK, fte.GTK.WrappedKey, int(fte.GTK.KeyLength))
	if err != nil {
		return fail(fmt.Errorf("eapol: FT reassociation response GTK: %w", err))
	}
	if fte.GTK.RSC[6] != 0 || fte.GTK.RSC[7] != 0 {
		return fail(errors.New("eapol: FT reassociation response GTK: RSC above 48 bits"))
	}
	st.GTKID, st.GTK, st.RSC = int(fte.GTK.KeyID), gtk, bytes.Clone(fte.GTK.RSC[:])
	if k := fte.IGTK; k != nil {
		if k.KeyID != 4 && k.KeyID != 5 {
			return fail(fmt.Errorf("eapol: FT reassociation response IGTK: key ID %d", k.KeyID))
		}
		igtk, err := unwrapFTKey(t.ptk.KEK, k.WrappedKey, int(k.KeyLength))
		if err != nil {
			return fail(fmt.Errorf("eapol: FT reassociation response IGTK: %w", err))
		}
		st.IGTKID, st.IGTK, st.IPN = int(k.KeyID), igtk, bytes.Clone(k.PN[:])
	}
	// The Supplicant's FT state for the rekeys to come: as after an
	// initial association, with this AP's FTE and PMK-R1.
	keys := t.keys.Clone()
	st.ft = &ftState{cfg: FTConfig{SSID: keys.SSID, MDE: bytes.Clone(t.mde), FTE: bytes.Clone(fteRaw)},
		r0khID: keys.R0KHID, r1khID: t.r1khID, keys: keys, pmkR1: bytes.Clone(t.pmkR1),
		r1Name: t.r1Name, ownRSNE: bytes.Clone(t.ownRSNEv1), mdid: t.keys.MDID}
	t.finished = true
	return st, nil
}

// unwrapFTKey unwraps a GTK or IGTK subelement's key: padded to a multiple
// of 8 octets (at least 16) with 0xdd 0x00..., plus the 8-octet wrap block.
func unwrapFTKey(kek, wrapped []byte, keyLen int) ([]byte, error) {
	plain, err := KeyUnwrap(kek, wrapped)
	if err != nil {
		return nil, err
	}
	if keyLen < 5 || keyLen > len(plain) {
		clear(plain)
		return nil, fmt.Errorf("key length %d in %d unwrapped octets", keyLen, len(plain))
	}
	if pad := plain[keyLen:]; len(pad) > 0 && (pad[0] != 0xdd || !allZero(pad[1:])) {
		clear(plain)
		return nil, errors.New("bad padding")
	}
	key := bytes.Clone(plain[:keyLen])
	clear(plain)
	return key, nil
}
