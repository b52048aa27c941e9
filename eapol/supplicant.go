package eapol

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"wifid/nl80211/ie"
)

// Config describes one association for the Supplicant.
type Config struct {
	SPA [6]byte // our (supplicant) address
	AA  [6]byte // the AP's (authenticator) address

	// PMK is the pairwise master key: the PSK for PSK AKMs, the SAE PMK,
	// OWE's (its length, 32, 48 or 64 octets, says the group and so the
	// algorithms), or nil for 802.1X AKMs until EAP gives it (then call
	// SetPMK).
	PMK []byte

	// PMKID, when set, is the PMKID the AP's first message 1 must name if
	// it names one (OWE: the exchange's, RFC 8110 4.4); another fails the
	// handshake with ErrPMKIDMismatch.
	PMKID *ie.PMKID

	// OwnRSNE is the RSN element, whole (ID and length included), exactly
	// as sent in the (Re)Association Request; message 2 carries it.
	//
	// For WPA (the pre-RSN Wi-Fi Protected Access) OwnRSNE and APRSNE are
	// both the WPA vendor element (ID 221, 00-50-F2, type 1), whole; the
	// Supplicant then runs WPA's handshakes: EAPOL-Key descriptor type 254,
	// the AP's WPA element in clear in message 3, no Secure bit in the
	// 4-way handshake, and the GTK in a group key handshake that follows
	// it (RC4- or AES-wrapped raw key, its key ID in the Key Index bits).
	// EventHandshakeComplete then comes once that first GTK is installed.
	// WPA allows only the SHA-1 AKMs, TKIP or CCMP-128, no MFP or RSNXE.
	OwnRSNE []byte
	// OwnRSNXE is our RSNX element if we sent one; message 2 carries it.
	OwnRSNXE []byte
	// APRSNE is the AP's RSN element, whole, exactly as in its Beacon or
	// Probe Response. Message 3 must carry the same octets (12.7.6.4).
	APRSNE []byte
	// APRSNXE is the AP's RSNX element, whole, from the Beacon or Probe
	// Response, nil when it advertised none. Message 3 must carry the same
	// octets, or no RSNXE when nil (12.7.6.4): a forged Beacon without the
	// RSNXE (SAE hash-to-element pushed down to hunting-and-pecking) is
	// found out by the AP's message 3.
	APRSNXE []byte

	AKM       ie.AKMSuite
	Pairwise  ie.CipherSuite
	Group     ie.CipherSuite
	MFP       bool           // management frame protection negotiated
	GroupMgmt ie.CipherSuite // the BIP cipher with MFP; zero means BIP-CMAC-128

	// EAPOLVersion is the protocol version of the frames we send; zero
	// means the version of the AP's frame we answer.
	EAPOLVersion uint8

	// AfterFILS, for a FILS AKM, starts the Supplicant complete: the
	// FILS exchange keyed the association, and only rekeys run (with
	// PMK the FILS PMK).
	AfterFILS *FILSStart

	// FT is the initial mobility domain association's part, required with
	// an FT AKM (ft.go); PMK is then XXKey.
	FT *FTConfig
	// AfterFT, for an FT AKM instead of FT, starts the Supplicant
	// complete after a fast BSS transition (fttransition.go) installed
	// its keys: only rekeys run. The Supplicant keeps its own copies.
	AfterFT *FTStart

	// Rand is the source of SNonces; nil means crypto/rand.
	Rand io.Reader
	// Logger gets one line per message; nil means slog.Default(). Keys
	// are never logged.
	Logger *slog.Logger
	// OnEvent, if set, is called (on the goroutine driving the
	// Supplicant) when the handshake completes, rekeys or fails.
	OnEvent func(Event)
}

// State is the state of the supplicant's 4-way handshake.
type State int

// States.
const (
	StateWaitMessage1 State = iota // associated, waiting for message 1 (or for the PMK)
	StateWaitMessage3              // message 2 sent
	StateComplete                  // keys installed; group and PTK rekeys handled
	StateFailed                    // ended; the station deauthenticates
	StateWaitGroupKey              // WPA: PTK installed, waiting for the first group message 1
)

func (s State) String() string {
	switch s {
	case StateWaitMessage1:
		return "wait-message-1"
	case StateWaitMessage3:
		return "wait-message-3"
	case StateComplete:
		return "complete"
	case StateFailed:
		return "failed"
	case StateWaitGroupKey:
		return "wait-group-key"
	}
	return fmt.Sprintf("state %d", int(s))
}

// Supplicant runs the supplicant side of the 4-way and group key
// handshakes for one association. It is driven by one goroutine: feed it
// received EAPOL frames with Receive (or use Run). It is not safe for
// concurrent use.
type Supplicant struct {
	cfg    Config
	port   Port
	log    *slog.Logger
	micLen int
	ver    KeyDescriptorVersion
	mic    MICAlgorithm
	wpa    bool           // WPA (descriptor 254) rather than RSN
	aead   bool           // no MIC: the Key Data is AES-SIV (FILS, aead.go)
	desc   DescriptorType // of every frame sent and received
	ft     *ftState       // FT AKMs: the initial mobility domain association (ft.go)

	state    State
	complete bool // the first 4-way handshake has finished

	pmk []byte

	// replay is the replay counter of the last EAPOL-Key frame whose MIC
	// verified (12.7.2: message 1, having no MIC, never updates it).
	replay    uint64
	replaySet bool

	anonce     [32]byte
	snonce     [32]byte
	haveSNonce bool
	tptk       *PTK // from the latest message 1, not yet confirmed
	ptk        *PTK // confirmed by a message 3 and installed

	gtk  map[int][]byte // installed GTK per key ID
	igtk map[int][]byte // installed IGTK per key ID

	pendingMsg1 []byte // message 1 that came before the 802.1X PMK
}

// The Supplicant owns its copies of the keys (PMK, PTKs, GTKs, IGTKs)
// and wipes each when it is done with it: a PTK or group key when a
// rekey replaces it, the key data it decrypted once handled, everything
// when the handshake fails or Close ends it.

// Close ends the Supplicant and wipes every key it holds. Call it, from
// the goroutine that drives it, once the association is over (or the
// Supplicant is replaced); from then on it is as a failed one, without
// an event. Close may be called more than once.
func (s *Supplicant) Close() {
	s.state = StateFailed
	s.wipe()
}

// wipe zeroes and drops every key of the Supplicant.
func (s *Supplicant) wipe() {
	clear(s.pmk)
	clear(s.pendingMsg1)
	clear(s.snonce[:])
	s.pmk, s.pendingMsg1, s.haveSNonce = nil, nil, false
	s.tptk.wipe()
	s.ptk.wipe()
	s.tptk, s.ptk = nil, nil
	s.ft.wipe()
	for id, k := range s.gtk {
		clear(k)
		delete(s.gtk, id)
	}
	for id, k := range s.igtk {
		clear(k)
		delete(s.igtk, id)
	}
}

// New checks cfg and returns a Supplicant waiting for message 1.
func New(cfg Config, port Port) (*Supplicant, error) {
	if port == nil {
		return nil, errors.New("eapol: nil Port")
	}
	if !SupportsAKM(cfg.AKM) {
		return nil, fmt.Errorf("eapol: AKM %v not supported", cfg.AKM)
	}
	info, ok := akmFor(cfg.AKM, len(cfg.PMK))
	if !ok {
		// OWE: the PMK, of its group's length, comes with the Config.
		return nil, fmt.Errorf("eapol: %v with a PMK of %d octets (32, 48 or 64 for groups 19, 20, 21)", cfg.AKM, len(cfg.PMK))
	}
	if !pairwiseOK(cfg.Pairwise) {
		return nil, fmt.Errorf("eapol: pairwise cipher %v not supported", cfg.Pairwise)
	}
	if cfg.Group != ie.CipherNoGroupTraffic && !pairwiseOK(cfg.Group) {
		return nil, fmt.Errorf("eapol: group cipher %v not supported", cfg.Group)
	}
	if cfg.MFP {
		if cfg.GroupMgmt == 0 {
			cfg.GroupMgmt = ie.CipherBIPCMAC128
		}
		if !cfg.GroupMgmt.IsGroupManagement() {
			return nil, fmt.Errorf("eapol: group management cipher %v not supported", cfg.GroupMgmt)
		}
	}
	wpa := isWPAElement(cfg.OwnRSNE)
	if wpa {
		if err := checkWPAConfig(&cfg); err != nil {
			return nil, err
		}
	} else {
		if err := checkElement("OwnRSNE", cfg.OwnRSNE, ElementRSN); err != nil {
			return nil, err
		}
		if err := checkElement("APRSNE", cfg.APRSNE, ElementRSN); err != nil {
			return nil, err
		}
	}
	if cfg.OwnRSNXE != nil {
		if err := checkElement("OwnRSNXE", cfg.OwnRSNXE, ElementRSNX); err != nil {
			return nil, err
		}
	}
	if cfg.APRSNXE != nil {
		if err := checkElement("APRSNXE", cfg.APRSNXE, ElementRSNX); err != nil {
			return nil, err
		}
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	s := &Supplicant{
		cfg:    cfg,
		port:   port,
		log:    cfg.Logger,
		micLen: info.micLen,
		ver:    descriptorVersion(info, cfg.Pairwise),
		mic:    micAlgorithm(info, cfg.Pairwise),
		wpa:    wpa,
		aead:   info.mic == MICNone,
		desc:   DescriptorRSN,
		gtk:    map[int][]byte{},
		igtk:   map[int][]byte{},
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if wpa {
		s.desc = DescriptorWPA
	}
	s.log = s.log.With("akm", cfg.AKM.String(), "pairwise", cfg.Pairwise.String())
	if wpa {
		s.log = s.log.With("proto", "WPA")
	}
	switch {
	case IsFT(cfg.AKM) && cfg.AfterFT != nil:
		fs := cfg.AfterFT
		if cfg.FT != nil || fs.ft == nil || fs.PTK == nil {
			return nil, errors.New("eapol: Config.AfterFT needs the FTStart of a transition, and no Config.FT")
		}
		ft := *fs.ft
		ft.keys, ft.pmkR1 = fs.ft.keys.Clone(), bytes.Clone(fs.ft.pmkR1)
		s.ft = &ft
		s.ptk = fs.PTK.clone()
		s.state, s.complete = StateComplete, true
		s.gtk[fs.GTKID] = bytes.Clone(fs.GTK)
		if fs.IGTK != nil {
			s.igtk[fs.IGTKID] = bytes.Clone(fs.IGTK)
		}
		cfg.PMK = nil // the transition's keys stand; a PTK rekey uses its PMK-R1
	case IsFT(cfg.AKM) && cfg.FT == nil:
		return nil, fmt.Errorf("eapol: %v needs Config.FT", cfg.AKM)
	case IsFT(cfg.AKM):
		ft, err := newFTState(*cfg.FT, info.micLen)
		if err != nil {
			return nil, err
		}
		s.ft = ft
	case cfg.FT != nil || cfg.AfterFT != nil:
		return nil, fmt.Errorf("eapol: Config.FT or AfterFT with AKM %v", cfg.AKM)
	}
	if cfg.PMK != nil {
		if err := s.setPMK(cfg.PMK); err != nil {
			return nil, err
		}
	}
	if fs := cfg.AfterFILS; fs != nil {
		if !s.aead {
			return nil, fmt.Errorf("eapol: AfterFILS with AKM %v", cfg.AKM)
		}
		s.ptk = &PTK{KEK: bytes.Clone(fs.KEK), TK: bytes.Clone(fs.TK)}
		s.state, s.complete = StateComplete, true
		if fs.GTK != nil {
			s.gtk[fs.GTKID] = bytes.Clone(fs.GTK)
		}
		if fs.IGTK != nil {
			s.igtk[fs.IGTKID] = bytes.Clone(fs.IGTK)
		}
	} else if s.aead {
		return nil, fmt.Errorf("eapol: AKM %v runs only after a FILS association (Config.AfterFILS)", cfg.AKM)
	}
	return s, nil
}

func checkElement(name string, e []byte, id byte) error {
	if len(e) < 2 || e[0] != id || int(e[1]) != len(e)-2 {
		return fmt.Errorf("eapol: Config.%s is not one whole element with ID %d", name, id)
	}
	return nil
}

func (s *Supplicant) setPMK(pmk []byte) error {
	if want := PMKLen(s.cfg.AKM); len(pmk) != want && s.cfg.AKM != ie.AKMOWE {
		return fmt.Errorf("eapol: PMK length %d, %v wants %d", len(pmk), s.cfg.AKM, want)
	}
	clear(s.pmk) // a re-authentication's PMK replaces the last
	s.pmk = bytes.Clone(pmk)
	if s.ft != nil {
		return s.ft.derive(s.cfg.AKM, s.pmk, s.cfg.SPA, s.cfg.OwnRSNE)
	}
	return nil
}

// State returns the handshake state.
func (s *Supplicant) State() State { return s.state }

// Complete reports whether the first 4-way handshake has finished.
func (s *Supplicant) Complete() bool { return s.complete }

// SetPMK gives the PMK for an 802.1X AKM once EAP has produced it (the
// first PMKLen octets of the MSK). A message 1
// that arrived before it is answered now; the error is as for Receive.
func (s *Supplicant) SetPMK(pmk []byte) error {
	if s.state == StateFailed {
		return ErrHandshakeFailed
	}
	if err := s.setPMK(pmk); err != nil {
		return err
	}
	if p := s.pendingMsg1; p != nil {
		s.pendingMsg1 = nil
		return s.Receive(p)
	}
	return nil
}

// Receive handles one received EAPOL frame (header included). It returns
// nil when the frame was processed, a *DropError when it was ignored (the
// handshake goes on; log it), or a *HandshakeError when the handshake
// failed (deauthenticate with its Reason). Frames that are not EAPOL-Key
// are dropped with ErrUnexpected.
func (s *Supplicant) Receive(frame []byte) error {
	if s.state == StateFailed {
		return drop("frame", ErrHandshakeFailed, "")
	}
	h, _, err := ParseHeader(frame)
	if err != nil {
		return drop("frame", ErrMalformed, "%v", err)
	}
	if h.Type != PacketKey {
		return drop("frame", ErrUnexpected, "%v", h.Type)
	}
	f, err := ParseKeyFrame(frame, s.micLen)
	if err != nil {
		return drop("EAPOL-Key frame", ErrMalformed, "%v", err)
	}
	if f.DescriptorType != s.desc {
		return drop("EAPOL-Key frame", ErrUnexpected, "descriptor type %d, want %d", f.DescriptorType, s.desc)
	}
	if f.Info.DescriptorVersion() != s.ver {
		return drop("EAPOL-Key frame", ErrKeyInfo, "key descriptor version %d, want %d", f.Info.DescriptorVersion(), s.ver)
	}
	if f.Info.Has(KeyInfoRequest) || f.Info.Has(KeyInfoError) || f.Info.Has(KeyInfoSMKMessage) {
		return drop("EAPOL-Key frame", ErrKeyInfo, "request, error or SMK bit set in a frame from the AP: %v", f.Info)
	}
	if !f.Info.Has(KeyInfoAck) {
		return drop("EAPOL-Key frame", ErrKeyInfo, "Ack bit clear in a frame from the AP: %v", f.Info)
	}
	first := !f.Info.Has(KeyInfoMIC)
	if s.aead {
		first = !f.Info.Has(KeyInfoEncryptedKeyData)
	}
	switch {
	case f.Info.Pairwise() && first:
		return s.handleMessage1(f, frame)
	case f.Info.Pairwise():
		return s.handleMessage3(f)
	default:
		return s.handleGroupMessage1(f)
	}
}

// checkReplay implements 12.7.2: the counter of a frame must be above that
// of the last frame whose MIC verified.
func (s *Supplicant) checkReplay(msg string, f *KeyFrame) error {
	if s.replaySet && f.ReplayCounter <= s.replay {
		return drop(msg, ErrReplay, "counter %d, last verified %d", f.ReplayCounter, s.replay)
	}
	return nil
}

func (s *Supplicant) version(f *KeyFrame) uint8 {
	if s.cfg.EAPOLVersion != 0 {
		return s.cfg.EAPOLVersion
	}
	return f.Version
}

func (s *Supplicant) handleMessage1(f *KeyFrame, raw []byte) error {
	const msg = "message 1"
	if f.Info.Has(KeyInfoInstall) || f.Info.Has(KeyInfoEncryptedKeyData) {
		return drop(msg, ErrKeyInfo, "install or encrypted bit set: %v", f.Info)
	}
	if s.wpa && f.Info.KeyIndex() != 0 {
		return drop(msg, ErrKeyInfo, "WPA key index set in a pairwise message: %v", f.Info)
	}
	// Secure is not checked: some APs set it in the message 1 of a PTK
	// rekey. Message 1 carries no MIC, so nothing in it is trusted beyond
	// the ANonce it proposes.
	if err := s.checkReplay(msg, f); err != nil {
		return err
	}
	if len(f.KeyData) > 0 {
		kd, err := ParseKeyData(f.KeyData)
		if err != nil {
			return drop(msg, ErrKeyData, "%v", err)
		}
		if want := s.cfg.PMKID; want != nil && !s.complete && kd.PMKID != nil && !bytes.Equal(kd.PMKID, want[:]) {
			// OWE: an AP that answered a repeated association request
			// keys the second exchange, whose key we never saw.
			return s.fail(ie.ReasonUnspecified, fmt.Errorf("%w: %x, ours %x", ErrPMKIDMismatch, kd.PMKID, want[:]))
		}
	}
	if s.pmk == nil && (s.ft == nil || s.ft.pmkR1 == nil) {
		// 802.1X: EAP has not given the PMK yet; answer when it does.
		// (After a fast transition PMK-R1 keys a PTK rekey.)
		s.pendingMsg1 = bytes.Clone(raw)
		s.log.Debug("eapol: message 1 before PMK, held", "replay", f.ReplayCounter)
		return nil
	}
	if !s.haveSNonce {
		if _, err := io.ReadFull(s.cfg.Rand, s.snonce[:]); err != nil {
			return s.fail(ie.ReasonUnspecified, fmt.Errorf("SNonce: %w", err))
		}
		s.haveSNonce = true
	}
	var tptk *PTK
	var err error
	keyData := bytes.Clone(s.cfg.OwnRSNE)
	if s.ft != nil {
		// 13.4.2: the RSNE names PMKR1Name; the MDE and the AP's FTE follow.
		tptk, err = DeriveFTPTK(s.cfg.AKM, s.cfg.Pairwise, s.ft.pmkR1, s.snonce[:], f.Nonce[:], s.cfg.AA, s.cfg.SPA)
		keyData = bytes.Join([][]byte{s.ft.ownRSNE, s.ft.cfg.MDE, s.ft.cfg.FTE}, nil)
	} else {
		tptk, err = DerivePTK(s.cfg.AKM, s.cfg.Pairwise, s.pmk, s.cfg.AA, s.cfg.SPA, f.Nonce[:], s.snonce[:])
	}
	if err != nil {
		return s.fail(ie.ReasonUnspecified, err)
	}
	keyData = append(keyData, s.cfg.OwnRSNXE...)
	m2 := &KeyFrame{
		Version:        s.version(f),
		DescriptorType: s.desc,
		Info:           KeyInfo(s.ver) | KeyInfoKeyType | KeyInfoMIC,
		ReplayCounter:  f.ReplayCounter,
		Nonce:          s.snonce,
		MIC:            make([]byte, s.micLen),
		KeyData:        keyData,
	}
	out, err := s.protect(m2, tptk)
	if err != nil {
		tptk.wipe()
		return s.fail(ie.ReasonUnspecified, err)
	}
	if err := s.port.SendEAPOL(out); err != nil {
		tptk.wipe()
		return fmt.Errorf("eapol: sending message 2: %w", err)
	}
	s.anonce = f.Nonce
	s.tptk.wipe() // an earlier message 1's, never confirmed
	s.tptk = tptk
	s.state = StateWaitMessage3
	s.log.Debug("eapol: message 1 answered with message 2", "replay", f.ReplayCounter, "rekey", s.complete)
	return nil
}

func (s *Supplicant) handleMessage3(f *KeyFrame) error {
	const msg = "message 3"
	var kck, kek []byte
	var retransmit bool
	switch {
	case s.state == StateWaitMessage3 && s.tptk != nil:
		kck, kek = s.tptk.KCK, s.tptk.KEK
	case (s.state == StateComplete || s.state == StateWaitGroupKey) && s.ptk != nil:
		// A retransmitted message 3 (our message 4 was lost): answer it
		// again, install nothing again.
		kck, kek = s.ptk.KCK, s.ptk.KEK
		retransmit = true
	default:
		return drop(msg, ErrNoMessage1, "state %v", s.state)
	}
	if s.wpa {
		if err := checkWPAMessage3Info(f.Info); err != nil {
			return err
		}
	} else {
		want := KeyInfoInstall | KeyInfoAck | KeyInfoMIC | KeyInfoSecure | KeyInfoEncryptedKeyData
		if s.aead {
			want &^= KeyInfoMIC
		}
		if !f.Info.Has(KeyInfoEncryptedKeyData) {
			return drop(msg, ErrNotEncrypted, "encrypted key data bit clear: %v", f.Info)
		}
		if !f.Info.Has(want) {
			return drop(msg, ErrKeyInfo, "%v, want install, ack, mic, secure and encrypted", f.Info)
		}
	}
	if err := s.checkReplay(msg, f); err != nil {
		return err
	}
	plain, err := s.verify(f, kck, kek)
	if err != nil {
		return drop(msg, ErrMIC, "%v", err)
	}
	defer func() { clear(plain) }() // the GTK and IGTK in clear, once handled
	// Only now, with the MIC verified, is anything else in the frame used.
	if subtle.ConstantTimeCompare(f.Nonce[:], s.anonce[:]) != 1 {
		return drop(msg, ErrANonceMismatch, "")
	}
	if int(f.KeyLength) != s.cfg.Pairwise.KeyLen() {
		return drop(msg, ErrKeyLength, "key length %d for %v", f.KeyLength, s.cfg.Pairwise)
	}
	if s.wpa {
		return s.wpaMessage3(f, kck, retransmit)
	}
	kd, plain, err := s.keyData(f, kek, plain)
	if err != nil {
		return drop(msg, ErrKeyData, "%v", err)
	}
	if s.ft != nil {
		if err := s.ft.checkMessage3(kd, s.cfg.APRSNE); err != nil {
			return s.fail(ie.ReasonHandshakeElementMismatch, err)
		}
	} else if kd.RSNE == nil || !bytes.Equal(kd.RSNE, s.cfg.APRSNE) {
		return s.fail(ie.ReasonHandshakeElementMismatch, errors.New("RSNE in message 3 differs from the Beacon/Probe Response RSNE"))
	}
	if kd.SecondRSNE != nil {
		pw, err := rsnePairwise(kd.SecondRSNE)
		if err != nil || len(pw) != 1 || pw[0] != s.cfg.Pairwise {
			return s.fail(ie.ReasonHandshakeElementMismatch, fmt.Errorf("second RSNE in message 3 does not name our pairwise cipher %v", s.cfg.Pairwise))
		}
	}
	switch {
	case s.cfg.APRSNXE == nil && kd.RSNXE != nil:
		return s.fail(ie.ReasonHandshakeElementMismatch, errors.New("RSNXE in message 3, none in the Beacon/Probe Response"))
	case !bytes.Equal(kd.RSNXE, s.cfg.APRSNXE):
		return s.fail(ie.ReasonHandshakeElementMismatch, errors.New("RSNXE in message 3 differs from the Beacon/Probe Response RSNXE"))
	}
	if err := s.checkGroupKeys(kd, true); err != nil {
		return drop(msg, ErrKeyData, "%v", err)
	}

	ptk := s.tptk
	if retransmit {
		ptk = s.ptk
	}
	if err := s.sendMessage4(f, ptk); err != nil {
		return err
	}
	if retransmit {
		s.log.Debug("eapol: retransmitted message 3 answered, keys not reinstalled", "replay", f.ReplayCounter)
		// A GTK that changed since is still installed (only a new one).
		if err := s.installGroupKeys(kd, f.RSC[:]); err != nil {
			return err
		}
		return nil
	}
	if err := s.installPTK(); err != nil {
		return err
	}
	if err := s.installGroupKeys(kd, f.RSC[:]); err != nil {
		return err
	}
	s.state = StateComplete
	if s.complete {
		s.log.Info("eapol: PTK rekeyed", "replay", f.ReplayCounter)
		s.emit(Event{Type: EventPTKRekeyed})
	} else {
		s.complete = true
		s.log.Info("eapol: 4-way handshake complete", "replay", f.ReplayCounter)
		s.emit(Event{Type: EventHandshakeComplete, TransitionDisable: bytes.Clone(kd.TransitionDisable), FTKeys: s.FTKeys()})
	}
	return nil
}

// sendMessage4 answers a message 3 whose MIC verified; once sent, the
// replay counter is the message 3's.
func (s *Supplicant) sendMessage4(f *KeyFrame, ptk *PTK) error {
	info := KeyInfo(s.ver) | KeyInfoKeyType | KeyInfoMIC
	if !s.wpa {
		info |= KeyInfoSecure // WPA sets Secure only in the group handshake
	}
	m4 := &KeyFrame{
		Version:        s.version(f),
		DescriptorType: s.desc,
		Info:           info,
		ReplayCounter:  f.ReplayCounter,
		MIC:            make([]byte, s.micLen),
	}
	out, err := s.protect(m4, ptk)
	if err != nil {
		return s.fail(ie.ReasonUnspecified, err)
	}
	if err := s.port.SendEAPOL(out); err != nil {
		return fmt.Errorf("eapol: sending message 4: %w", err)
	}
	s.replay, s.replaySet = f.ReplayCounter, true
	return nil
}

// installPTK installs the PTK that message 3 confirmed.
func (s *Supplicant) installPTK() error {
	ptk := s.tptk
	s.tptk = nil
	s.haveSNonce = false // the next message 1 gets a fresh SNonce
	if err := s.port.InstallPTK(bytes.Clone(ptk.TK), s.cfg.Pairwise); err != nil {
		ptk.wipe()
		return s.fail(ie.ReasonUnspecified, fmt.Errorf("installing PTK: %w", err))
	}
	s.ptk.wipe() // a rekey's new PTK replaces the old
	s.ptk = ptk
	return nil
}

func (s *Supplicant) handleGroupMessage1(f *KeyFrame) error {
	const msg = "group message 1"
	if s.ptk == nil {
		// Before the first message 3 there is no PTK to check it with.
		return drop(msg, ErrUnexpected, "no PTK yet (state %v)", s.state)
	}
	if s.wpa {
		if err := checkWPAGroupMessage1Info(f.Info); err != nil {
			return err
		}
	} else {
		if !f.Info.Has(KeyInfoEncryptedKeyData) {
			return drop(msg, ErrNotEncrypted, "encrypted key data bit clear: %v", f.Info)
		}
		want := KeyInfoAck | KeyInfoMIC | KeyInfoSecure
		if s.aead {
			want &^= KeyInfoMIC
		}
		if !f.Info.Has(want) || f.Info.Has(KeyInfoInstall) {
			return drop(msg, ErrKeyInfo, "%v, want ack, mic, secure, encrypted and no install", f.Info)
		}
	}
	if err := s.checkReplay(msg, f); err != nil {
		return err
	}
	plain, err := s.verify(f, s.ptk.KCK, s.ptk.KEK)
	if err != nil {
		return drop(msg, ErrMIC, "%v", err)
	}
	defer func() { clear(plain) }() // the GTK and IGTK in clear, once handled
	var kd *KeyData
	if s.wpa {
		kd, plain, err = s.wpaGroupKeyData(f, s.ptk.KEK)
	} else {
		kd, plain, err = s.keyData(f, s.ptk.KEK, plain)
		if err == nil && kd.GTK == nil {
			err = errors.New("no GTK KDE")
		}
	}
	if err != nil {
		return drop(msg, ErrKeyData, "%v", err)
	}
	if err := s.checkGroupKeys(kd, false); err != nil {
		return drop(msg, ErrKeyData, "%v", err)
	}
	info := KeyInfo(s.ver) | KeyInfoMIC | KeyInfoSecure
	if s.wpa {
		// The Key Type and Key Index are never both zero (WPA 2.2.4):
		// the answer names the key ID it acknowledges.
		info |= f.Info & KeyInfoKeyIndexMask
	}
	m2 := &KeyFrame{
		Version:        s.version(f),
		DescriptorType: s.desc,
		Info:           info,
		ReplayCounter:  f.ReplayCounter,
		MIC:            make([]byte, s.micLen),
	}
	out, err := s.protect(m2, s.ptk)
	if err != nil {
		return s.fail(ie.ReasonUnspecified, err)
	}
	if err := s.port.SendEAPOL(out); err != nil {
		return fmt.Errorf("eapol: sending group message 2: %w", err)
	}
	s.replay, s.replaySet = f.ReplayCounter, true
	if err := s.installGroupKeys(kd, f.RSC[:]); err != nil {
		return err
	}
	if s.wpa && !s.complete {
		// WPA: the first GTK completes the connection's handshakes.
		s.complete = true
		s.state = StateComplete
		s.log.Info("eapol: 4-way and group key handshakes complete", "replay", f.ReplayCounter, "keyid", kd.GTK.KeyID)
		s.emit(Event{Type: EventHandshakeComplete})
		return nil
	}
	s.log.Info("eapol: group key handshake complete", "replay", f.ReplayCounter, "keyid", kd.GTK.KeyID)
	s.emit(Event{Type: EventGroupRekeyed})
	return nil
}

// protect makes frame f ready to send under ptk: signed with the KCK, or
// under an AEAD AKM its Key Data (possibly empty) sealed with the KEK and
// the Encrypted Key Data bit set in place of the MIC bit.
func (s *Supplicant) protect(f *KeyFrame, ptk *PTK) ([]byte, error) {
	if s.aead {
		f.Info = f.Info&^KeyInfoMIC | KeyInfoEncryptedKeyData
		return sealFrame(f, ptk.KEK)
	}
	out := f.Marshal()
	if err := SignFrame(s.mic, ptk.KCK, out, s.micLen); err != nil {
		return nil, err
	}
	return out, nil
}

// verify checks a received frame's integrity: its MIC under kck, or under
// an AEAD AKM its Key Data's AES-SIV under kek, whose plaintext it returns.
func (s *Supplicant) verify(f *KeyFrame, kck, kek []byte) (plain []byte, err error) {
	if s.aead {
		return openKeyData(f, kek)
	}
	if !f.VerifyMIC(s.mic, kck) {
		return nil, errors.New("MIC does not verify")
	}
	return nil, nil
}

// keyData is the parsed Key Data of a verified frame: plain, the AEAD
// plaintext, or else decrypted with kek.
// kd points into clear, the plaintext, which the caller wipes once it is
// done with kd.
func (s *Supplicant) keyData(f *KeyFrame, kek, plain []byte) (kd *KeyData, clear []byte, err error) {
	if s.aead {
		kd, err = ParseKeyData(plain)
		return kd, plain, err
	}
	return s.decryptKeyData(f, kek)
}

// decryptKeyData decrypts and parses the key data of a frame whose MIC
// has verified. kd points into plain, the decrypted octets, which the
// caller wipes once it is done with kd (nil when nothing was decrypted).
func (s *Supplicant) decryptKeyData(f *KeyFrame, kek []byte) (kd *KeyData, plain []byte, err error) {
	if len(f.KeyData) == 0 {
		return nil, nil, perr("EAPOL-Key Key Data", "empty")
	}
	plain, err = DecryptKeyData(s.ver, kek, f.IV, f.KeyData)
	if err != nil {
		return nil, nil, err
	}
	kd, err = ParseKeyData(plain)
	return kd, plain, err
}

// checkGroupKeys checks the GTK and IGTK KDEs against the negotiated
// ciphers. In message 3 the GTK is required (unless group traffic is not
// allowed) and, with MFP, the IGTK.
func (s *Supplicant) checkGroupKeys(kd *KeyData, msg3 bool) error {
	if kd.GTK != nil {
		if s.cfg.Group == ie.CipherNoGroupTraffic {
			return errors.New("GTK KDE, but group traffic is not allowed")
		}
		if len(kd.GTK.GTK) != s.cfg.Group.KeyLen() {
			return fmt.Errorf("GTK length %d for %v", len(kd.GTK.GTK), s.cfg.Group)
		}
		if kd.GTK.KeyID == 0 {
			return errors.New("GTK key ID 0")
		}
	} else if msg3 && s.cfg.Group != ie.CipherNoGroupTraffic {
		return errors.New("no GTK KDE")
	}
	if kd.IGTK != nil {
		if !s.cfg.MFP {
			return errors.New("IGTK KDE without MFP")
		}
		if len(kd.IGTK.IGTK) != s.cfg.GroupMgmt.KeyLen() {
			return fmt.Errorf("IGTK length %d for %v", len(kd.IGTK.IGTK), s.cfg.GroupMgmt)
		}
	} else if msg3 && s.cfg.MFP {
		return errors.New("no IGTK KDE with MFP")
	}
	return nil
}

// installGroupKeys installs the GTK and IGTK unless the very same key is
// already installed under that key ID (no reinstallation, KRACK).
func (s *Supplicant) installGroupKeys(kd *KeyData, rsc []byte) error {
	if g := kd.GTK; g != nil {
		if old, ok := s.gtk[g.KeyID]; ok && subtle.ConstantTimeCompare(old, g.GTK) == 1 {
			s.log.Debug("eapol: GTK already installed, not reinstalled", "keyid", g.KeyID)
		} else {
			if err := s.port.InstallGTK(g.KeyID, bytes.Clone(g.GTK), bytes.Clone(rsc), s.cfg.Group); err != nil {
				return s.fail(ie.ReasonUnspecified, fmt.Errorf("installing GTK: %w", err))
			}
			clear(s.gtk[g.KeyID])
			s.gtk[g.KeyID] = bytes.Clone(g.GTK)
		}
	}
	if g := kd.IGTK; g != nil {
		if old, ok := s.igtk[g.KeyID]; ok && subtle.ConstantTimeCompare(old, g.IGTK) == 1 {
			s.log.Debug("eapol: IGTK already installed, not reinstalled", "keyid", g.KeyID)
		} else {
			if err := s.port.InstallIGTK(g.KeyID, bytes.Clone(g.IGTK), bytes.Clone(g.IPN[:]), s.cfg.GroupMgmt); err != nil {
				return s.fail(ie.ReasonUnspecified, fmt.Errorf("installing IGTK: %w", err))
			}
			clear(s.igtk[g.KeyID])
			s.igtk[g.KeyID] = bytes.Clone(g.IGTK)
		}
	}
	return nil
}

func (s *Supplicant) fail(reason ie.ReasonCode, err error) error {
	s.state = StateFailed
	s.wipe() // a failed handshake is over: nothing of it is used again
	herr := &HandshakeError{Reason: reason, Err: err}
	s.log.Warn("eapol: handshake failed", "reason", int(reason), "err", err)
	s.emit(Event{Type: EventFailed, Reason: reason, Err: herr})
	return herr
}

// Fail ends the handshake from outside (a timeout, say): the state becomes
// failed and EventFailed is reported with the reason.
func (s *Supplicant) Fail(reason ie.ReasonCode, err error) error {
	if s.state == StateFailed {
		return ErrHandshakeFailed
	}
	return s.fail(reason, err)
}

func (s *Supplicant) emit(e Event) {
	if s.cfg.OnEvent != nil {
		s.cfg.OnEvent(e)
	}
}

// rsnePairwise returns the pairwise cipher suites listed in a whole RSN
// element.
func rsnePairwise(e []byte) ([]ie.CipherSuite, error) {
	b := e[2:]
	if len(b) < 2+4+2 {
		return nil, perr("RSNE", "too short for a pairwise cipher suite list")
	}
	n := int(b[6]) | int(b[7])<<8
	b = b[8:]
	if len(b) < 4*n {
		return nil, perr("RSNE Pairwise Cipher Suite Count", "%d suites, %d octets", n, len(b))
	}
	out := make([]ie.CipherSuite, n)
	for i := range out {
		out[i] = ie.CipherSuite(binary.BigEndian.Uint32(b[4*i:]))
	}
	return out, nil
}
