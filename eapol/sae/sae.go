package sae

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"slices"

	"wifid/eapol/internal/ecgroup"
)

// Config describes one SAE exchange, from our (the STA's) side.
type Config struct {
	// Password is the SAE password (any octets, not limited to 8..63
	// like a WPA2 passphrase).
	Password []byte
	// Identifier, if not nil, is the password identifier: sent in a
	// Password Identifier element and mixed into PT. Only with H2E.
	Identifier []byte
	// SSID is the network's SSID, needed by H2E.
	SSID []byte
	// Own is our MAC address (the STA's), Peer the AP's BSSID.
	Own, Peer [6]byte
	// Groups are the groups to try, in order: a status 77 from the AP
	// moves to the next. Nil means {19}.
	Groups []int
	// H2E selects hash-to-element (status 126 in commits) instead of
	// hunting-and-pecking (status 0). Use it when the AP's RSNXE has
	// the SAE Hash-to-Element bit.
	H2E bool
	// Rand is the source of rand and mask; nil means crypto/rand.
	Rand io.Reader
}

// State is the state of an SAE protocol instance (IEEE 802.11-2020
// 12.4.8.6, the parent process's view).
type State int

// States, named as in 12.4.8.6.
const (
	Nothing   State = iota // nothing sent yet
	Committed              // our commit sent, waiting for the peer's
	Confirmed              // our confirm sent, waiting for the peer's
	Accepted               // the peer's confirm verified: PMK and PMKID ready
)

func (s State) String() string {
	switch s {
	case Nothing:
		return "nothing"
	case Committed:
		return "committed"
	case Confirmed:
		return "confirmed"
	case Accepted:
		return "accepted"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// Message is an SAE Authentication frame to send: its Authentication
// Transaction Sequence Number, Status Code and the SAE part of its body
// (what follows the Status Code field). The zero Message means nothing to
// send.
type Message struct {
	Seq    uint16
	Status uint16
	Body   []byte
}

// None tells whether there is nothing to send.
func (m Message) None() bool { return m.Seq == 0 }

// ErrDiscarded is wrapped by the errors of frames the protocol drops
// without ending the exchange (a confirm before the peer's commit, a
// frame the current state does not expect): the SAE stays as it was.
// Every other error from Receive ends the exchange.
var ErrDiscarded = errors.New("frame discarded")

// maxTokenRequests bounds the anti-clogging rounds one exchange accepts.
const maxTokenRequests = 5

// SAE is one SAE exchange with one peer. It is not safe for concurrent
// use: the station's goroutine drives it.
type SAE struct {
	cfg    Config
	groups []int
	gi     int // index of the group in use in groups
	g      *group
	state  State
	err    error // set once the exchange failed

	rejected []int // groups the AP rejected with status 77
	tokens   int   // anti-clogging requests honoured

	pwe  []byte
	rand *big.Int
	own  *commit

	peer     *commit
	peerBody []byte // the peer's commit as received, to spot retransmissions

	kh    func() hash.Hash // hash of the keys and confirms
	kck   []byte
	pmk   []byte
	pmkid []byte
	sc    uint16 // send-confirm of our last confirm
	rc    uint16 // send-confirm of the peer's accepted confirm
}

// New checks the configuration; nothing is computed before Commit.
func New(cfg Config) (*SAE, error) {
	if len(cfg.Password) == 0 {
		return nil, errors.New("sae: empty password")
	}
	ids := cfg.Groups
	if len(ids) == 0 {
		ids = []int{19}
	}
	for _, id := range ids {
		if !Supported(id) {
			return nil, fmt.Errorf("sae: group %d not supported (19, 20, 21 are)", id)
		}
	}
	if cfg.Identifier != nil && !cfg.H2E {
		return nil, errors.New("sae: a password identifier needs hash-to-element")
	}
	if cfg.H2E && (len(cfg.SSID) == 0 || len(cfg.SSID) > 32) {
		return nil, fmt.Errorf("sae: hash-to-element needs the SSID (1..32 octets, have %d)", len(cfg.SSID))
	}
	if cfg.Own == cfg.Peer {
		return nil, errors.New("sae: own and peer addresses are the same")
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	cfg.Password = bytes.Clone(cfg.Password) // ours to wipe
	s := &SAE{cfg: cfg, groups: slices.Clone(ids), kh: sha256.New}
	s.g = ecgroup.ByID(s.groups[0])
	return s, nil
}

// State is the protocol instance's state.
func (s *SAE) State() State { return s.state }

// Group is the group in use (it changes when the AP rejects one).
func (s *SAE) Group() int { return s.g.ID }

// Done tells whether the peer's confirm was verified.
func (s *SAE) Done() bool { return s.state == Accepted }

// The SAE wipes what it derived from the password (its copy of the
// password, PWE, rand, KCK) as soon as the exchange is accepted or has
// failed; the PMK stays until Close. The big numbers and points math/big
// and crypto/elliptic keep inside (internal/secret says why) are not
// reached.

// Close wipes every secret of the exchange, the PMK too: call it once the
// PMK has been taken (PMK returns nil afterwards). State is unchanged.
func (s *SAE) Close() {
	s.forget()
	clear(s.pmk)
	s.pmk = nil
}

// forget wipes the password and what was derived from it on the way to
// the PMK.
func (s *SAE) forget() {
	clear(s.cfg.Password)
	clear(s.pwe)
	clear(s.kck)
	s.cfg.Password, s.pwe, s.kck = nil, nil, nil
	wipeInt(s.rand)
	s.rand = nil
}

// wipeInt zeroes the words of a big number in place.
func wipeInt(x *big.Int) {
	if x != nil {
		clear(x.Bits())
	}
}

// PMK is the pairwise master key (32 octets), once Done.
func (s *SAE) PMK() []byte {
	if s.state != Accepted {
		return nil
	}
	return bytes.Clone(s.pmk)
}

// PMKID is the PMKID of the SAE PMKSA (16 octets), once Done.
func (s *SAE) PMKID() []byte {
	if s.state != Accepted {
		return nil
	}
	return bytes.Clone(s.pmkid)
}

// KCK is the key confirmation key of the exchange, once the peer's
// commit was processed (for tests and diagnostics).
func (s *SAE) KCK() []byte { return bytes.Clone(s.kck) }

func (s *SAE) commitStatus() uint16 {
	if s.cfg.H2E {
		return StatusHashToElement
	}
	return StatusSuccess
}

func (s *SAE) fail(format string, args ...any) error {
	s.err = fmt.Errorf("sae: "+format, args...)
	s.forget() // a failed exchange is over
	return s.err
}

func discard(format string, args ...any) error {
	return fmt.Errorf("sae: "+format+": %w", append(args, ErrDiscarded)...)
}

// Commit derives the password element for the first group and returns
// our first Commit message: its status (0, or 126 with H2E) and body.
func (s *SAE) Commit() (status uint16, body []byte, err error) {
	if s.err != nil {
		return 0, nil, s.err
	}
	if s.state != Nothing {
		return 0, nil, fmt.Errorf("sae: Commit in state %v", s.state)
	}
	if err := s.prepare(); err != nil {
		return 0, nil, err
	}
	s.state = Committed
	return s.commitStatus(), s.own.marshal(s.g, s.cfg.H2E), nil
}

// prepare derives PWE for the group in use and our commit: scalar =
// (rand + mask) mod r, element = -(mask·PWE) (12.4.5.2).
func (s *SAE) prepare() error {
	g := s.g
	var err error
	clear(s.pwe) // the last group's, which the AP rejected
	wipeInt(s.rand)
	if s.cfg.H2E {
		var pt []byte
		if pt, err = derivePT(g, s.cfg.SSID, s.cfg.Password, s.cfg.Identifier); err == nil {
			s.pwe, err = pweFromPT(g, pt, s.cfg.Own, s.cfg.Peer)
		}
		clear(pt)
		s.kh = g.Hash
	} else {
		s.pwe, err = huntAndPeck(g, s.cfg.Password, s.cfg.Own, s.cfg.Peer)
		s.kh = sha256.New
	}
	if err != nil {
		return s.fail("group %d: %v", g.ID, err)
	}
	for range 100 {
		r, err := s.randomScalar()
		if err != nil {
			return s.fail("rand: %v", err)
		}
		mask, err := s.randomScalar()
		if err != nil {
			return s.fail("mask: %v", err)
		}
		scalar := new(big.Int).Add(r, mask)
		scalar.Mod(scalar, g.R)
		if scalar.Cmp(big.NewInt(1)) <= 0 {
			wipeInt(r)
			wipeInt(mask)
			continue
		}
		maskBytes := g.Fixed(mask)
		me, err := g.Mul(s.pwe, maskBytes)
		clear(maskBytes)
		wipeInt(mask)
		if err == nil {
			me, err = g.Neg(me)
		}
		if err != nil {
			return s.fail("group %d: commit element: %v", g.ID, err)
		}
		if _, err := g.XY(me); err != nil {
			return s.fail("group %d: commit element is %v", g.ID, err)
		}
		s.rand = r
		s.own = &commit{group: g.ID, scalar: scalar, element: me, identifier: s.cfg.Identifier, rejected: slices.Clone(s.rejected)}
		return nil
	}
	return s.fail("no commit scalar in 100 tries of rand and mask")
}

// randomScalar is a uniform number in 1 < x < r from Config.Rand: plen
// octets, the bits above r's length cleared, retried until in range.
func (s *SAE) randomScalar() (*big.Int, error) {
	g := s.g
	buf := make([]byte, g.Len)
	for range 100 {
		if _, err := io.ReadFull(s.cfg.Rand, buf); err != nil {
			return nil, err
		}
		if r := g.R.BitLen() % 8; r != 0 {
			buf[0] &= 0xff >> (8 - r)
		}
		x := new(big.Int).SetBytes(buf)
		clear(buf)
		if x.Cmp(big.NewInt(1)) > 0 && x.Cmp(g.R) < 0 {
			return x, nil
		}
	}
	return nil, errors.New("no number in range in 100 draws")
}

// Receive takes an SAE Authentication frame from the AP: its transaction
// sequence number (1 commit, 2 confirm), status code and the SAE part of
// its body. It returns the frame to send in answer, if any:
//
//   - the AP's commit (status 0, or 126 with H2E): our confirm;
//   - status 76 (anti-clogging token required): our commit again, with
//     the AP's token;
//   - status 77 (group not supported): our commit in the next group;
//   - the AP's confirm: nothing; Done is then true.
//
// An error wrapping ErrDiscarded means the frame was dropped and the
// exchange goes on; any other error ends it (Receive keeps returning it).
// A retransmitted commit from the AP while we wait for its confirm gets
// our confirm again; a confirm after Accepted is ignored.
func (s *SAE) Receive(seq, status uint16, body []byte) (Message, error) {
	if s.err != nil {
		return Message{}, s.err
	}
	switch seq {
	case SeqCommit:
		return s.receiveCommit(status, body)
	case SeqConfirm:
		return s.receiveConfirm(status, body)
	}
	return Message{}, discard("frame with transaction sequence number %d", seq)
}

func (s *SAE) commitMessage() Message {
	return Message{Seq: SeqCommit, Status: s.commitStatus(), Body: s.own.marshal(s.g, s.cfg.H2E)}
}

func (s *SAE) receiveCommit(status uint16, body []byte) (Message, error) {
	switch s.state {
	case Nothing:
		return Message{}, discard("commit from peer before ours")
	case Accepted:
		return Message{}, nil
	}
	switch status {
	case StatusAntiCloggingTokenRequired:
		if s.state != Committed {
			return Message{}, discard("anti-clogging request in state %v", s.state)
		}
		group, token, err := parseTokenRequest(body, s.cfg.H2E)
		if err != nil {
			return Message{}, s.fail("anti-clogging request: %v", err)
		}
		if group != s.g.ID {
			return Message{}, s.fail("anti-clogging request for group %d, we committed %d", group, s.g.ID)
		}
		if s.tokens++; s.tokens > maxTokenRequests {
			return Message{}, s.fail("more than %d anti-clogging requests", maxTokenRequests)
		}
		s.own.token = token
		return s.commitMessage(), nil
	case StatusGroupNotSupported:
		if s.state != Committed {
			return Message{}, discard("group rejection in state %v", s.state)
		}
		if len(body) >= 2 {
			if group := int(binary.LittleEndian.Uint16(body)); group != s.g.ID {
				return Message{}, discard("rejection of group %d, we committed %d", group, s.g.ID)
			}
		}
		s.rejected = append(s.rejected, s.g.ID)
		if s.gi++; s.gi >= len(s.groups) {
			return Message{}, s.fail("peer rejected every group we have (%v)", s.rejected)
		}
		s.g = ecgroup.ByID(s.groups[s.gi])
		s.tokens = 0
		if err := s.prepare(); err != nil {
			return Message{}, err
		}
		return s.commitMessage(), nil
	case StatusUnknownPasswordIdentifier:
		return Message{}, s.fail("peer does not know the password identifier")
	case StatusSuccess, StatusHashToElement:
		if status != s.commitStatus() {
			return Message{}, s.fail("commit from peer: status %d, ours was %d (H2E %v)", status, s.commitStatus(), s.cfg.H2E)
		}
	default:
		return Message{}, s.fail("peer refused our commit: status %d", status)
	}

	if len(body) < 2 {
		return Message{}, s.fail("commit from peer: %d octets, no group", len(body))
	}
	if group := int(binary.LittleEndian.Uint16(body)); group != s.g.ID {
		return Message{}, s.fail("commit from peer: group %d, we committed %d", group, s.g.ID)
	}
	if s.state == Confirmed {
		// The peer did not get our confirm and sent its commit again
		// (12.4.8.6.5): the same commit gets our confirm again.
		if !bytes.Equal(body, s.peerBody) {
			return Message{}, discard("another commit from peer after we confirmed")
		}
		if s.sc < 0xffff {
			s.sc++
		}
		return s.confirmMessage(), nil
	}
	c, err := parseCommit(s.g, body)
	if err != nil {
		return Message{}, s.fail("commit from peer: %v", err)
	}
	if c.scalar.Cmp(s.own.scalar) == 0 && bytes.Equal(c.element, s.own.element) {
		return Message{}, s.fail("commit from peer: reflection of our own commit")
	}
	if err := s.deriveKeys(c); err != nil {
		return Message{}, err
	}
	s.peer = c
	s.peerBody = bytes.Clone(body)
	s.state = Confirmed
	s.sc = 1
	return s.confirmMessage(), nil
}

// deriveKeys computes the shared secret and the keys of 12.4.5.4:
//
//	K       = rand·(peer-scalar·PWE + PEER-ELEMENT), k its x coordinate
//	keyseed = H(salt, k)
//	KCK || PMK = KDF-Hash-Length(keyseed, "SAE KCK and PMK",
//	                (scalar + peer-scalar) mod r)
//	PMKID   = L((scalar + peer-scalar) mod r, 0, 128)
//
// H and the KDF use SHA-256 with hunting-and-pecking and the group's hash
// with H2E; KCK is as long as the hash, PMK 256 bits. The salt is zeros
// of the hash's length, or with H2E after groups were rejected, the
// rejected groups of both sides, the side with the higher MAC first.
func (s *SAE) deriveKeys(c *commit) error {
	g := s.g
	t, err := g.Mul(s.pwe, g.Fixed(c.scalar))
	if err == nil {
		t, err = g.Add(t, c.element)
	}
	if err == nil {
		randBytes := g.Fixed(s.rand)
		t, err = g.Mul(t, randBytes)
		clear(randBytes)
	}
	defer clear(t) // K, the shared secret
	if err != nil {
		return s.fail("commit from peer: shared secret: %v", err)
	}
	if _, err := g.XY(t); err != nil {
		return s.fail("commit from peer: shared secret is %v", err)
	}
	k := t[1 : 1+g.Len]

	hashLen := s.kh().Size()
	salt := make([]byte, hashLen)
	if s.cfg.H2E && (len(s.rejected) > 0 || len(c.rejected) > 0) {
		own, peer := rejectedBytes(s.rejected), rejectedBytes(c.rejected)
		if bytes.Compare(s.cfg.Own[:], s.cfg.Peer[:]) > 0 {
			salt = append(own, peer...)
		} else {
			salt = append(peer, own...)
		}
	}
	keyseed := extract(s.kh, salt, k)
	defer clear(keyseed)
	ctx := new(big.Int).Add(s.own.scalar, c.scalar)
	ctxBytes := g.Fixed(ctx.Mod(ctx, g.R))
	keys := kdf(s.kh, keyseed, "SAE KCK and PMK", ctxBytes, (hashLen+32)*8)
	s.kck = keys[:hashLen]
	s.pmk = keys[hashLen : hashLen+32]
	s.pmkid = ctxBytes[:16]
	return nil
}

// confirmValue is CN(KCK, send-confirm, scalar1, ELEMENT1, scalar2,
// ELEMENT2) = HMAC-Hash(KCK, send-confirm || scalar1 || x1 || y1 ||
// scalar2 || x2 || y2), send-confirm 2 octets little-endian (12.4.5.5).
// Our confirm puts our commit first, the peer's confirm its own.
func (s *SAE) confirmValue(sc uint16, first, second *commit) []byte {
	mac := hmac.New(s.kh, s.kck)
	mac.Write(binary.LittleEndian.AppendUint16(nil, sc))
	mac.Write(s.g.Fixed(first.scalar))
	mac.Write(first.element[1:])
	mac.Write(s.g.Fixed(second.scalar))
	mac.Write(second.element[1:])
	return mac.Sum(nil)
}

func (s *SAE) confirmMessage() Message {
	body := binary.LittleEndian.AppendUint16(nil, s.sc)
	body = append(body, s.confirmValue(s.sc, s.own, s.peer)...)
	return Message{Seq: SeqConfirm, Status: StatusSuccess, Body: body}
}

func (s *SAE) receiveConfirm(status uint16, body []byte) (Message, error) {
	switch s.state {
	case Nothing, Committed:
		return Message{}, discard("confirm from peer before its commit")
	case Accepted:
		return Message{}, nil // a retransmission or replay: already done
	}
	if status != StatusSuccess {
		return Message{}, s.fail("peer refused our confirm: status %d", status)
	}
	sc, got, err := parseConfirm(body, len(s.kck))
	if err != nil {
		return Message{}, s.fail("confirm from peer: %v", err)
	}
	if !hmac.Equal(got, s.confirmValue(sc, s.peer, s.own)) {
		return Message{}, s.fail("confirm from peer: wrong confirm value (wrong password?)")
	}
	s.rc = sc
	s.state = Accepted
	s.forget() // the PMK is all that is needed from here
	return Message{}, nil
}
