package eapol

import (
	"errors"
	"fmt"
	"wifid/nl80211/ie"
)

// Port is how a Supplicant reaches the world: the station implements it
// over nl80211 (control port for frames, NEW_KEY for keys). Calls come from
// the goroutine that drives the Supplicant.
//
// Keys are handed over in the standard's layout: the TK as the PTK's TK
// part, the GTK as in the GTK KDE. For TKIP that layout is TK (16) ||
// Michael key for authenticator Tx (8) || for authenticator Rx (8); a
// supplicant's driver wants the two Michael keys swapped, as iwd and
// wpa_supplicant do before NEW_KEY: the station does that swap, with
// SwapTKIPMICKeys, for TKIP keys only.
type Port interface {
	// SendEAPOL sends a whole EAPOL frame (header included) to the AP.
	SendEAPOL(frame []byte) error
	// InstallPTK installs the pairwise temporal key (key ID 0).
	InstallPTK(tk []byte, cipher ie.CipherSuite) error
	// InstallGTK installs a group temporal key with its receive sequence
	// counter (the 8-octet Key RSC field, little-endian as received).
	InstallGTK(keyID int, gtk []byte, rsc []byte, cipher ie.CipherSuite) error
	// InstallIGTK installs an integrity group temporal key (key ID 4 or 5)
	// with its IPN (6 octets, little-endian as received).
	InstallIGTK(keyID int, igtk []byte, ipn []byte, cipher ie.CipherSuite) error
}

// Reasons a frame is dropped. A Receive that drops a frame returns a
// *DropError whose Err is one of these (test with errors.Is); the
// handshake goes on, as the standard asks for frames that fail a check.
var (
	ErrMalformed       = errors.New("malformed frame")
	ErrUnexpected      = errors.New("unexpected message for the handshake state")
	ErrKeyInfo         = errors.New("key information bits wrong for the message")
	ErrReplay          = errors.New("replay counter not above the last verified one")
	ErrMIC             = errors.New("MIC check failed")
	ErrANonceMismatch  = errors.New("ANonce differs from message 1")
	ErrNoMessage1      = errors.New("message 3 without message 1")
	ErrNotEncrypted    = errors.New("key data not encrypted")
	ErrKeyData         = errors.New("key data invalid")
	ErrKeyLength       = errors.New("key length wrong for the cipher")
	ErrHandshakeFailed = errors.New("handshake has failed")
)

// ErrPMKIDMismatch fails a handshake (a *HandshakeError wraps it) whose
// message 1 names another PMKID than Config.PMKID.
var ErrPMKIDMismatch = errors.New("message 1 names another PMKID")

// DropError says why a received frame was ignored.
type DropError struct {
	Message string // "message 1", "message 3", "group message 1", "frame"
	Err     error  // one of the Err* above
	Detail  string
}

func (e *DropError) Error() string {
	s := "eapol: dropped " + e.Message + ": " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *DropError) Unwrap() error { return e.Err }

func drop(msg string, err error, format string, a ...any) error {
	d := &DropError{Message: msg, Err: err}
	if format != "" {
		d.Detail = fmt.Sprintf(format, a...)
	}
	return d
}

// HandshakeError is a failure that ends the association: the station
// should deauthenticate with Reason.
type HandshakeError struct {
	Reason ie.ReasonCode
	Err    error
}

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("eapol: handshake failed (reason %d): %v", e.Reason, e.Err)
}

func (e *HandshakeError) Unwrap() error { return e.Err }

// EventType tells what happened.
type EventType int

// Events.
const (
	// EventHandshakeComplete: the 4-way handshake finished, PTK and GTK
	// (and IGTK with MFP) are installed; the port may be opened.
	EventHandshakeComplete EventType = iota + 1
	// EventPTKRekeyed: a later 4-way handshake installed a new PTK.
	EventPTKRekeyed
	// EventGroupRekeyed: a group key handshake finished (a new GTK was
	// installed, or the same one was confirmed without reinstalling).
	EventGroupRekeyed
	// EventFailed: the handshake failed; Event.Reason and Err say why.
	EventFailed
)

func (t EventType) String() string {
	switch t {
	case EventHandshakeComplete:
		return "handshake-complete"
	case EventPTKRekeyed:
		return "ptk-rekeyed"
	case EventGroupRekeyed:
		return "group-rekeyed"
	case EventFailed:
		return "failed"
	}
	return fmt.Sprintf("event %d", int(t))
}

// Event is reported through Config.OnEvent.
type Event struct {
	Type   EventType
	Reason ie.ReasonCode // for EventFailed
	Err    error         // for EventFailed
	// TransitionDisable, for EventHandshakeComplete: the bitmap of
	// message 3's Transition Disable KDE (KDETransitionDisable), nil if
	// it had none. The AP says which older modes of its network to
	// refuse from now on.
	TransitionDisable []byte
	// FTKeys, for EventHandshakeComplete of an initial mobility domain
	// association: a copy of the top of its FT key hierarchy, which the
	// receiver keeps for fast transitions and wipes (FTKeys.Wipe).
	FTKeys *FTKeys
}

// SwapTKIPMICKeys returns a 32-octet TKIP key (PTK TK or GTK, as handed to
// the Port) with its two Michael keys swapped: TK (16) || Michael key for
// supplicant Tx (8) || for supplicant Rx (8). That is the layout a
// station's driver takes (Linux nl80211: Tx MIC key at offset 16, Rx at
// 24), and what iwd and wpa_supplicant hand the kernel. Other keys are
// returned unchanged.
func SwapTKIPMICKeys(key []byte) []byte {
	out := make([]byte, len(key))
	copy(out, key)
	if len(key) == 32 {
		copy(out[16:24], key[24:32])
		copy(out[24:32], key[16:24])
	}
	return out
}
