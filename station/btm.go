package station

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"

	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// AP-directed roaming (802.11v BSS Transition Management, IEEE 802.11-2020
// 11.21.7): an AP asks a station to move, optionally with a list of
// candidate BSSes (Neighbor Report elements). As iwd does, wifid scans the
// candidates' channels (every channel without a list) and roams to the best
// BSS of the network; when the AP says it will disassociate us (or is going
// away) any candidate will do, even one that ranks below the current BSS.

// Frame type and the action prefix wifid registers for: an Action frame of
// category WNM (10), action BSS Transition Management Request (7).
const (
	frameTypeAction = 0x00d0
	wnmCategory     = 10
	wnmBTMRequest   = 7
)

// Request Mode bits of a BTM Request (IEEE 802.11-2020 Figure 9-924).
const (
	btmPreferredList       = 1 << 0
	btmAbridged            = 1 << 1
	btmDisassocImminent    = 1 << 2
	btmTerminationIncluded = 1 << 3
	btmESSDisassocImminent = 1 << 4
)

// btmRequest is a parsed BSS Transition Management Request frame.
type btmRequest struct {
	From, BSSID   net.HardwareAddr // address 2 and 3 of the frame
	Token         uint8
	Mode          uint8
	DisassocTimer uint16 // beacon intervals
	Validity      uint8
	Candidates    []*ie.NeighborReport
}

// directed says the AP means it: it will disassociate us, or the BSS or the
// whole ESS goes away.
func (r *btmRequest) directed() bool {
	return r.Mode&(btmDisassocImminent|btmTerminationIncluded|btmESSDisassocImminent) != 0
}

var errNotBTM = errors.New("not a BSS Transition Management Request")

// parseBTMRequest parses a whole management frame (802.11 header on).
func parseBTMRequest(frame []byte) (*btmRequest, error) {
	if len(frame) < 24 {
		return nil, fmt.Errorf("BTM request: %d bytes, shorter than a management header", len(frame))
	}
	hdr := 24
	if binary.LittleEndian.Uint16(frame)&0x8000 != 0 { // +HTC
		hdr += 4
	}
	if binary.LittleEndian.Uint16(frame)&0x00fc != frameTypeAction {
		return nil, errNotBTM
	}
	if len(frame) < hdr+2 {
		return nil, fmt.Errorf("BTM request: body of %d bytes", len(frame)-hdr)
	}
	b := frame[hdr:]
	if b[0] != wnmCategory || b[1] != wnmBTMRequest {
		return nil, errNotBTM
	}
	if len(b) < 7 {
		return nil, fmt.Errorf("BTM request: %d bytes, want at least 7", len(b))
	}
	r := &btmRequest{
		From:          net.HardwareAddr(append([]byte(nil), frame[10:16]...)),
		BSSID:         net.HardwareAddr(append([]byte(nil), frame[16:22]...)),
		Token:         b[2],
		Mode:          b[3],
		DisassocTimer: binary.LittleEndian.Uint16(b[4:]),
		Validity:      b[6],
	}
	off := 7
	if r.Mode&btmTerminationIncluded != 0 {
		if off+12 > len(b) {
			return nil, fmt.Errorf("BTM request: BSS Termination Duration truncated at offset %d", off)
		}
		off += 12
	}
	if r.Mode&btmESSDisassocImminent != 0 {
		if off+1 > len(b) || off+1+int(b[off]) > len(b) {
			return nil, fmt.Errorf("BTM request: Session Information URL truncated at offset %d", off)
		}
		off += 1 + int(b[off])
	}
	if r.Mode&btmPreferredList == 0 {
		return r, nil
	}
	els, err := ie.Parse(b[off:])
	if err != nil {
		return nil, fmt.Errorf("BTM request candidate list: %w", err)
	}
	for _, el := range els {
		if el.ID != ie.IDNeighborReport {
			continue
		}
		n, err := ie.ParseNeighborReport(el.Data)
		if err != nil {
			return nil, fmt.Errorf("BTM request candidate list: %w", err)
		}
		r.Candidates = append(r.Candidates, n)
	}
	return r, nil
}

// onFrame handles the management frames wifid registered for.
func (s *Station) onFrame(e *nl80211.FrameEvent) {
	if len(e.Frame) >= 2 && binary.LittleEndian.Uint16(e.Frame)&0x00fc == frameTypeAuth {
		s.onFTAuthFrame(e.Frame)
		return
	}
	if len(e.Frame) >= 26 && binary.LittleEndian.Uint16(e.Frame)&0x00fc == frameTypeAction && e.Frame[24] == ftCategory {
		s.onFTActionFrame(e.Frame)
		return
	}
	if s.onGASFrame(e.Frame) {
		return
	}
	if from, tid, ok := parseSAQueryResponse(e.Frame); ok {
		s.onSAQueryResponse(from, tid)
		return
	}
	r, err := parseBTMRequest(e.Frame)
	if errors.Is(err, errNotBTM) {
		return
	}
	if err != nil {
		s.log.Info("frame dropped: malformed", "err", err)
		return
	}
	s.onBTMRequest(r)
}

// onBTMRequest: the AP asks us to move.
func (s *Station) onBTMRequest(r *btmRequest) {
	c := s.conn
	switch {
	case c == nil || !c.configured || s.attempt != nil || s.state != Connected:
		s.log.Info("BSS transition request ignored: not connected", "from", r.From.String())
		return
	case string(r.From) != string(c.bss.Addr) || string(r.BSSID) != string(r.From):
		s.log.Info("BSS transition request ignored: not from our AP", "from", r.From.String(), "bssid", r.BSSID.String())
		return
	case !s.cfg.Roam.DisableScan && s.preemptRestScan(func() { s.onBTMRequest(r) }):
		s.log.Info("BSS transition request: the background scan gives way", "from", r.From.String())
		return
	case s.cfg.Roam.DisableScan || s.roam.scanning || s.scanning:
		s.log.Info("BSS transition request ignored: roaming off or a scan runs", "from", r.From.String())
		return
	}
	var freqs []uint32
	for _, n := range r.Candidates {
		if f := n.Freq(); f != 0 {
			freqs = append(freqs, f)
		}
	}
	s.log.Info("AP asks us to move", "from", r.From.String(), "mode", fmt.Sprintf("%#02x", r.Mode),
		"disassoc_timer", r.DisassocTimer, "candidates", len(r.Candidates), "imminent", r.directed())
	s.roam.directed = r.directed()
	s.roam.stopTimer()
	s.roam.tl = s.newTimeline(kindRoam.String(), c.network.SSID)
	s.roam.tl.BSSID = c.bss.Addr.String()
	s.roam.tl.Begin(PhaseScan)
	s.roamScan(freqs, len(freqs) > 0)
}

// registerFrames asks the kernel for the management frames the station
// handles: BSS Transition Management Requests, SA Query Responses and the
// GAS responses that carry ANQP.
func (s *Station) registerFrames() {
	s.async(func() func() {
		ctx, cancel := context.WithTimeout(s.ctx, 3*time.Second)
		defer cancel()
		err := s.cfg.Kernel.RegisterFrame(ctx, s.cfg.Ifindex, frameTypeAction, []byte{wnmCategory, wnmBTMRequest})
		err2 := s.cfg.Kernel.RegisterFrame(ctx, s.cfg.Ifindex, frameTypeAction, []byte{saQueryCategory, saQueryResponse})
		err3 := s.cfg.Kernel.RegisterFrame(ctx, s.cfg.Ifindex, frameTypeAction, []byte{publicActionCategory, gasInitialResponse})
		err4 := s.cfg.Kernel.RegisterFrame(ctx, s.cfg.Ifindex, frameTypeAction, []byte{publicActionCategory, gasComebackResponse})
		err5 := errors.Join(s.cfg.Kernel.RegisterFrame(ctx, s.cfg.Ifindex, frameTypeAuth, []byte{authAlgFT, 0}),
			s.cfg.Kernel.RegisterFrame(ctx, s.cfg.Ifindex, frameTypeAction, []byte{ftCategory, ftActionResponse}))
		// EALREADY: the daemon's socket registered the match for an
		// earlier station on this interface (before a down and up, an
		// rfkill cycle); the registration lasts as long as the socket and
		// its frames still come.
		return func() {
			if err != nil && !errors.Is(err, unix.EALREADY) {
				s.log.Info("no BSS transition requests: frame registration refused", "err", err)
			}
			if err2 != nil && !errors.Is(err2, unix.EALREADY) {
				s.log.Info("no SA Query responses: frame registration refused", "err", err2)
			}
			if err5 != nil && !errors.Is(err5, unix.EALREADY) {
				s.log.Info("no fast transitions over the air: frame registration refused", "err", err5)
			}
			if err := errors.Join(err3, err4); err != nil && !errors.Is(err3, unix.EALREADY) {
				s.log.Info("no ANQP answers: frame registration refused", "err", err)
			}
		}
	})
}
