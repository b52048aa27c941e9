package ie

import (
	"encoding/binary"
	"slices"
)

// RSNCapabilities is the RSN Capabilities field (IEEE 802.11-2020
// Figure 9-257).
type RSNCapabilities uint16

// RSN Capabilities bits.
const (
	RSNCapPreAuth            RSNCapabilities = 1 << 0
	RSNCapNoPairwise         RSNCapabilities = 1 << 1
	RSNCapMFPR               RSNCapabilities = 1 << 6 // management frame protection required
	RSNCapMFPC               RSNCapabilities = 1 << 7 // management frame protection capable
	RSNCapJointMultiBandRSNA RSNCapabilities = 1 << 8
	RSNCapPeerKeyEnabled     RSNCapabilities = 1 << 9
	RSNCapSPPAMSDUCapable    RSNCapabilities = 1 << 10
	RSNCapSPPAMSDURequired   RSNCapabilities = 1 << 11
	RSNCapPBAC               RSNCapabilities = 1 << 12
	RSNCapExtendedKeyID      RSNCapabilities = 1 << 13
	RSNCapOCVC               RSNCapabilities = 1 << 14 // operating channel validation capable
)

// MFPR reports Management Frame Protection Required.
func (c RSNCapabilities) MFPR() bool { return c&RSNCapMFPR != 0 }

// MFPC reports Management Frame Protection Capable.
func (c RSNCapabilities) MFPC() bool { return c&RSNCapMFPC != 0 }

// PreAuth reports the Preauthentication bit.
func (c RSNCapabilities) PreAuth() bool { return c&RSNCapPreAuth != 0 }

// OCVC reports Operating Channel Validation Capable.
func (c RSNCapabilities) OCVC() bool { return c&RSNCapOCVC != 0 }

// ExtendedKeyID reports Extended Key ID for Individually Addressed Frames.
func (c RSNCapabilities) ExtendedKeyID() bool { return c&RSNCapExtendedKeyID != 0 }

// PTKSAReplayCounters returns the PTKSA Replay Counter subfield (0..3,
// meaning 1, 2, 4 or 16 counters).
func (c RSNCapabilities) PTKSAReplayCounters() uint8 { return uint8(c>>2) & 3 }

// GTKSAReplayCounters returns the GTKSA Replay Counter subfield.
func (c RSNCapabilities) GTKSAReplayCounters() uint8 { return uint8(c>>4) & 3 }

// PMKID is a pairwise master key identifier.
type PMKID [16]byte

// RSN is a parsed RSN element (IEEE 802.11-2020 9.4.2.24). Fields absent
// from the element hold the standard's defaults: group and pairwise cipher
// CCMP-128, AKM 802.1X, capabilities 0, no PMKIDs. GroupManagementCipher is
// 0 when absent; GroupMgmtCipher applies the default.
type RSN struct {
	Version               uint16
	GroupCipher           CipherSuite
	PairwiseCiphers       []CipherSuite
	AKMs                  []AKMSuite
	Capabilities          RSNCapabilities
	PMKIDs                []PMKID
	GroupManagementCipher CipherSuite
}

// ParseRSN parses the body of an RSN element (without ID and length).
// Trailing octets after the Group Management Cipher Suite are ignored, as
// the standard asks of extensible elements.
func ParseRSN(b []byte) (*RSN, error) {
	const id = IDRSN
	if len(b) < 2 {
		return nil, errf(id, 0, "version truncated: %d bytes", len(b))
	}
	r := &RSN{
		Version:         binary.LittleEndian.Uint16(b),
		GroupCipher:     CipherCCMP128,
		PairwiseCiphers: []CipherSuite{CipherCCMP128},
		AKMs:            []AKMSuite{AKM8021X},
	}
	if r.Version != 1 {
		return nil, errf(id, 0, "version %d, want 1", r.Version)
	}
	c := cursor{b: b, off: 2, id: id}
	if c.done() {
		return r, nil
	}
	g, err := c.selector("group cipher")
	if err != nil {
		return nil, err
	}
	r.GroupCipher = CipherSuite(g)
	if c.done() {
		return r, nil
	}
	pw, err := c.selectorList("pairwise")
	if err != nil {
		return nil, err
	}
	r.PairwiseCiphers = r.PairwiseCiphers[:0]
	for _, s := range pw {
		r.PairwiseCiphers = append(r.PairwiseCiphers, CipherSuite(s))
	}
	if c.done() {
		return r, nil
	}
	akms, err := c.selectorList("AKM")
	if err != nil {
		return nil, err
	}
	r.AKMs = r.AKMs[:0]
	for _, s := range akms {
		r.AKMs = append(r.AKMs, AKMSuite(s))
	}
	if c.done() {
		return r, nil
	}
	caps, err := c.u16("RSN capabilities")
	if err != nil {
		return nil, err
	}
	r.Capabilities = RSNCapabilities(caps)
	if c.done() {
		return r, nil
	}
	n, err := c.u16("PMKID count")
	if err != nil {
		return nil, err
	}
	if int(n)*16 > c.left() {
		return nil, errf(id, c.off-2, "PMKID count %d exceeds length (%d bytes left)", n, c.left())
	}
	for range n {
		r.PMKIDs = append(r.PMKIDs, PMKID(c.b[c.off:c.off+16]))
		c.off += 16
	}
	if c.done() {
		return r, nil
	}
	gm, err := c.selector("group management cipher")
	if err != nil {
		return nil, err
	}
	r.GroupManagementCipher = CipherSuite(gm)
	return r, nil
}

// GroupMgmtCipher returns the group management cipher in effect: the one
// in the element, else BIP-CMAC-128 when MFPC is set, else 0.
func (r *RSN) GroupMgmtCipher() CipherSuite {
	if r.GroupManagementCipher != 0 {
		return r.GroupManagementCipher
	}
	if r.Capabilities.MFPC() {
		return CipherBIPCMAC128
	}
	return 0
}

// HasAKM reports whether the element lists a.
func (r *RSN) HasAKM(a AKMSuite) bool { return slices.Contains(r.AKMs, a) }

// HasPairwise reports whether the element lists c as a pairwise cipher.
func (r *RSN) HasPairwise(c CipherSuite) bool { return slices.Contains(r.PairwiseCiphers, c) }

// SameSecurity reports whether r and o describe the same security
// parameters: everything but the PMKID list, with suite lists compared as
// sets. The 4-way handshake uses it to check the RSNE in message 3
// against the one from the beacon or probe response.
func (r *RSN) SameSecurity(o *RSN) bool {
	if r == nil || o == nil {
		return r == o
	}
	return r.Version == o.Version && r.GroupCipher == o.GroupCipher &&
		sameSet(r.PairwiseCiphers, o.PairwiseCiphers) && sameSet(r.AKMs, o.AKMs) &&
		r.Capabilities == o.Capabilities && r.GroupMgmtCipher() == o.GroupMgmtCipher()
}

func sameSet[T comparable](a, b []T) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

// Marshal encodes r as a whole RSN element (ID, length, body), as the
// station sends it in (Re)Association Requests and EAPOL-Key message 2.
// It always writes through RSN Capabilities; the PMKID Count and list
// follow when there are PMKIDs or a Group Management Cipher Suite, which is
// written when non-zero. A Version of 0 is written as 1.
func (r *RSN) Marshal() ([]byte, error) {
	const id = IDRSN
	if len(r.PairwiseCiphers) == 0 {
		return nil, errf(id, 0, "encode: no pairwise cipher")
	}
	if len(r.AKMs) == 0 {
		return nil, errf(id, 0, "encode: no AKM")
	}
	v := r.Version
	if v == 0 {
		v = 1
	}
	b := []byte{byte(id), 0}
	b = binary.LittleEndian.AppendUint16(b, v)
	b = putSelector(b, uint32(r.GroupCipher))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(r.PairwiseCiphers)))
	for _, s := range r.PairwiseCiphers {
		b = putSelector(b, uint32(s))
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(r.AKMs)))
	for _, s := range r.AKMs {
		b = putSelector(b, uint32(s))
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(r.Capabilities))
	if len(r.PMKIDs) > 0 || r.GroupManagementCipher != 0 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(r.PMKIDs)))
		for _, p := range r.PMKIDs {
			b = append(b, p[:]...)
		}
	}
	if r.GroupManagementCipher != 0 {
		b = putSelector(b, uint32(r.GroupManagementCipher))
	}
	if len(b)-2 > 255 {
		return nil, errf(id, 0, "encode: body of %d bytes exceeds 255", len(b)-2)
	}
	b[1] = byte(len(b) - 2)
	return b, nil
}

// cursor reads fixed fields from an element body, producing errors that
// name the element, the field and its offset.
type cursor struct {
	b   []byte
	off int
	id  ID
	ext ExtID
}

func (c *cursor) done() bool { return c.off >= len(c.b) }
func (c *cursor) left() int  { return len(c.b) - c.off }

func (c *cursor) fail(format string, args ...any) *Error {
	e := errf(c.id, c.off, format, args...)
	e.Ext = c.ext
	return e
}

func (c *cursor) need(n int, field string) error {
	if c.left() < n {
		return c.fail("%s truncated: %d of %d bytes", field, c.left(), n)
	}
	return nil
}

func (c *cursor) u16(field string) (uint16, error) {
	if err := c.need(2, field); err != nil {
		return 0, err
	}
	c.off += 2
	return binary.LittleEndian.Uint16(c.b[c.off-2:]), nil
}

func (c *cursor) selector(field string) (uint32, error) {
	if err := c.need(4, field); err != nil {
		return 0, err
	}
	c.off += 4
	return getSelector(c.b[c.off-4:]), nil
}

// selectorList reads a 2-octet count and that many suite selectors.
func (c *cursor) selectorList(what string) ([]uint32, error) {
	n, err := c.u16(what + " count")
	if err != nil {
		return nil, err
	}
	if n == 0 {
		c.off -= 2
		return nil, c.fail("%s count 0", what)
	}
	if int(n)*4 > c.left() {
		left := c.left()
		c.off -= 2
		return nil, c.fail("%s count %d exceeds length (%d bytes left)", what, n, left)
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = getSelector(c.b[c.off:])
		c.off += 4
	}
	return out, nil
}
