package station

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"

	"wifid/nl80211"
)

// The SA Query procedure (IEEE 802.11-2020 11.13): with management frame
// protection, anyone can forge an unprotected Deauthentication or
// Disassociation, so one is not believed at once. The station asks the AP
// with a protected SA Query Request; an answer means the AP still knows us
// and the frame was forged (ignored); silence means the AP lost our
// association (it restarted, say): the station lets go and autoconnect
// reconnects, as iwd does.

const (
	saQueryCategory = 8
	saQueryRequest  = 0
	saQueryResponse = 1
	// saQueryTimeout is how long the AP has to answer
	// (dot11AssociationSAQueryMaximumTimeout, 1000 TUs).
	saQueryTimeout = 1024 * time.Millisecond
)

// saQuery is a running SA Query: its transaction identifier.
type saQuery struct {
	conn *connection
	tid  [2]byte
}

// onUnprotectedLeave: an unprotected Deauthentication or Disassociation
// arrived while MFP protects the connection.
func (s *Station) onUnprotectedLeave(e *nl80211.MLMEEvent) {
	c := s.conn
	if c == nil || c.sec == nil || !c.sec.mfp || len(e.Frame) < 24 {
		return
	}
	if from := net.HardwareAddr(e.Frame[10:16]); from.String() != c.bss.Addr.String() {
		s.log.Info("unprotected deauthentication from another BSS ignored", "from", from.String())
		return
	}
	if s.saq != nil {
		return // one query at a time
	}
	q := &saQuery{conn: c}
	if _, err := rand.Read(q.tid[:]); err != nil {
		return
	}
	s.saq = q
	s.log.Info("unprotected deauthentication: asking the AP (SA Query)", "bssid", c.bss.Addr.String())
	s.event("sa-query", c.bss.Addr.String())
	frame := make([]byte, 0, 28)
	frame = append(frame, 0xd0, 0x00, 0x00, 0x00)
	frame = append(frame, c.bss.Addr...)
	frame = append(frame, s.cfg.MAC...)
	frame = append(frame, c.bss.Addr...)
	frame = append(frame, 0x00, 0x00, saQueryCategory, saQueryRequest, q.tid[0], q.tid[1])
	s.async(func() func() {
		ctx, cancel := context.WithTimeout(s.ctx, 3*time.Second)
		_, err := s.cfg.Kernel.SendFrame(ctx, s.cfg.Ifindex, nl80211.FrameRequest{Frame: frame})
		cancel()
		if err == nil {
			select {
			case <-time.After(saQueryTimeout):
			case <-s.ctx.Done():
				return func() {}
			}
		}
		return func() { s.saQueryExpired(q, err) }
	})
}

// saQueryExpired: no answer in time (or the request could not go out).
func (s *Station) saQueryExpired(q *saQuery, sendErr error) {
	if s.saq != q {
		return // answered
	}
	s.saq = nil
	if s.conn != q.conn || s.attempt != nil {
		return
	}
	why := "SA Query unanswered: the AP no longer knows us"
	if sendErr != nil {
		why = fmt.Sprintf("SA Query not sent (%v): taking the deauthentication as real", sendErr)
	}
	s.log.Info("disconnected", "network", q.conn.network.SSID, "why", why)
	s.event("disconnected", why)
	s.connectionLost(q.conn)
	s.teardownConnection(why, true)
	s.lastScan = time.Time{}
	s.setState(Disconnected, why)
	s.startAutoconnect("connection lost")
}

// onSAQueryResponse: the AP answered; the unprotected frame was forged.
func (s *Station) onSAQueryResponse(from net.HardwareAddr, tid []byte) {
	q := s.saq
	if q == nil || len(tid) != 2 || [2]byte(tid) != q.tid || s.conn != q.conn || from.String() != q.conn.bss.Addr.String() {
		return
	}
	s.saq = nil
	s.log.Warn("the AP answered the SA Query: the unprotected deauthentication was forged; staying", "bssid", from.String())
	s.event("sa-query-answered")
}

// parseSAQueryResponse reads an SA Query Response frame: its sender and
// transaction identifier.
func parseSAQueryResponse(f []byte) (net.HardwareAddr, []byte, bool) {
	if len(f) < 28 || binary.LittleEndian.Uint16(f)&0x00fc != frameTypeAction ||
		f[24] != saQueryCategory || f[25] != saQueryResponse {
		return nil, nil, false
	}
	return net.HardwareAddr(f[10:16]), f[26:28], true
}

// isUnprotectedLeave reports the MLME events the SA Query answers.
func isUnprotectedLeave(cmd uint8) bool {
	return cmd == unix.NL80211_CMD_UNPROT_DEAUTHENTICATE || cmd == unix.NL80211_CMD_UNPROT_DISASSOCIATE
}
