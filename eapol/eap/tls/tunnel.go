package tls

import (
	"context"
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"wifid/eapol/eap"
)

// Config is the TLS side of EAP-TLS, PEAP and TTLS: how the server is
// checked, what the peer proves itself with, how large a packet may be.
type Config struct {
	// RootCAs validate the server's certificate chain (iwd's CACert).
	// Nil means the server is not authenticated at all: a warning is
	// logged, and anyone in radio range can pose as the network.
	RootCAs *x509.CertPool
	// VerifyServer, if set, is called after the chain has been
	// validated against RootCAs, with the verified chain (leaf first):
	// where iwd's ServerDomainMask check goes. An error fails the
	// handshake before anything of the inner method is sent. It needs
	// RootCAs (a name in a certificate nobody vouched for proves
	// nothing).
	VerifyServer func(chain []*x509.Certificate) error
	// Certificate is the client certificate and its key (EAP-TLS's
	// ClientCert and ClientKey), sent when the server asks for one.
	Certificate *stdtls.Certificate
	// MinVersion and MaxVersion bound the TLS version (crypto/tls
	// constants); 0 means TLS 1.2 and the method's highest (1.3 for
	// EAP-TLS, 1.2 for PEAP and TTLS).
	MinVersion, MaxVersion uint16
	// SessionCache, if set, keeps TLS sessions for resumption (iwd's
	// FastReauthentication): give one cache per network, as iwd keys its
	// cache by network; the session is looked up under one fixed key.
	// A resumed session skips the certificate exchange (the server
	// proved itself in the handshake that made it); a conversation that
	// fails forgets it. Nil means every handshake is a full one.
	SessionCache stdtls.ClientSessionCache
	// MTU is the largest EAP packet to send (iwd's [EAP] MTU);
	// DefaultMTU if 0.
	MTU int
	// Time is the clock certificates are checked against; time.Now if
	// nil.
	Time func() time.Time
	// Logger gets the tunnel's events (handshake done, version and
	// cipher; a server left unchecked, as a warning); nil means
	// slog.Default(). Never a secret.
	Logger *slog.Logger
}

// Received is what one complete message from the server brought.
type Received struct {
	// Start: the message was the server's Start; the handshake has
	// begun and Respond sends the ClientHello.
	Start bool
	// Established: the handshake is complete (this message or an
	// earlier one finished it) and the server proved itself.
	Established bool
	// Plain is the application data the message carried (the inner
	// conversation of PEAP and TTLS, EAP-TLS 1.3's commitment).
	Plain []byte
	// Closed: the server closed the tunnel with close_notify.
	Closed bool
}

// Tunnel is the part EAP-TLS, PEAP and TTLS share: version negotiation,
// RFC 5216 fragmentation both ways and a crypto/tls client driven by whole
// messages. A method gives it each Request's Type-Data with Receive, and
// answers with Respond after writing what it has to say into the tunnel.
type Tunnel struct {
	typ        eap.Type
	maxVersion uint8
	version    int // negotiated; -1 before the Start
	cfg        Config
	log        *slog.Logger
	framer     Framer
	engine     *Engine
	tlsConfig  *stdtls.Config
	verified   bool   // the server's chain was checked (RootCAs set)
	pending    []byte // records for the next Respond
}

// NewTunnel returns the tunnel of method typ, whose version field may
// name up to maxVersion (0 for EAP-TLS and TTLS, 1 for PEAP);
// defaultMax is the highest TLS version when cfg names none.
func NewTunnel(typ eap.Type, maxVersion uint8, defaultMax uint16, cfg Config) (*Tunnel, error) {
	if cfg.VerifyServer != nil && cfg.RootCAs == nil {
		return nil, fmt.Errorf("eap %v: a server name check without CA certificates proves nothing", typ)
	}
	if cfg.MTU != 0 && cfg.MTU < minMTU {
		return nil, fmt.Errorf("eap %v: MTU %d below %d", typ, cfg.MTU, minMTU)
	}
	t := &Tunnel{typ: typ, maxVersion: maxVersion, version: -1, cfg: cfg, log: cfg.Logger}
	if t.log == nil {
		t.log = slog.Default()
	}
	t.framer.MTU = cfg.MTU
	tc := &stdtls.Config{
		MinVersion: cfg.MinVersion,
		MaxVersion: cfg.MaxVersion,
		Time:       cfg.Time,
		// The chain is checked in VerifyConnection: crypto/tls's own
		// check wants a server name, which EAP does not have.
		InsecureSkipVerify: true,
		VerifyConnection:   t.verifyServer,
		Renegotiation:      stdtls.RenegotiateNever,
		ClientSessionCache: cfg.SessionCache,
	}
	if tc.MinVersion == 0 {
		tc.MinVersion = stdtls.VersionTLS12
	}
	if tc.MaxVersion == 0 {
		tc.MaxVersion = defaultMax
	}
	if cfg.Certificate != nil {
		tc.Certificates = []stdtls.Certificate{*cfg.Certificate}
	}
	t.tlsConfig = tc
	return t, nil
}

// verifyServer checks the server's chain against RootCAs and then
// VerifyServer; without RootCAs it only warns.
func (t *Tunnel) verifyServer(cs stdtls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("the server sent no certificate")
	}
	if t.cfg.RootCAs == nil {
		t.log.Warn("eap tls server certificate not checked: no CA certificate configured, anyone can pose as this network",
			"method", t.typ, "subject", cs.PeerCertificates[0].Subject.String())
		return nil
	}
	now := time.Now()
	if t.cfg.Time != nil {
		now = t.cfg.Time()
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	chains, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
		Roots:         t.cfg.RootCAs,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return fmt.Errorf("server certificate not trusted: %w", err)
	}
	if t.cfg.VerifyServer != nil {
		if err := t.cfg.VerifyServer(chains[0]); err != nil {
			return fmt.Errorf("server certificate refused: %w", err)
		}
	}
	t.verified = true
	return nil
}

// Version is the negotiated version of the method's flags (PEAP's), -1
// before the Start.
func (t *Tunnel) Version() int { return t.version }

// SetAlwaysLength makes every packet carry the TLS Message Length (see
// Framer.AlwaysLength).
func (t *Tunnel) SetAlwaysLength(on bool) { t.framer.AlwaysLength = on }

// Receive takes one Request's Type-Data. When reply is not nil the framing
// answered by itself (the acknowledgement of a fragment, or our next
// fragment after the server's acknowledgement) and the method sends it as
// it is. Otherwise a whole message has been taken and rcv says what it
// brought; the method then writes into the tunnel what it has to and
// sends Respond's Type-Data. An error ends the method.
func (t *Tunnel) Receive(ctx context.Context, data []byte) (reply []byte, rcv Received, err error) {
	h, err := ParseHeader(data)
	if err != nil {
		return nil, rcv, err
	}
	v := h.Flags & VersionMask
	if t.maxVersion == 0 && t.typ == eap.TypeTLS {
		// RFC 5216 3.1: EAP-TLS has no version; the low bits are
		// reserved and ignored on receipt.
		v = 0
	}
	if h.Flags&FlagStart != 0 {
		if t.version >= 0 {
			return nil, rcv, fmt.Errorf("%w: a second Start", ErrFraming)
		}
		t.version = int(min(v, t.maxVersion))
		t.framer.Version = uint8(t.version)
		t.engine = NewEngine(func(c net.Conn) *stdtls.Conn { return stdtls.Client(c, t.tlsConfig) })
		t.log.Debug("eap tls start", "method", t.typ, "version", t.version)
		out, _, _, err := t.engine.Feed(ctx, nil)
		if err != nil {
			return nil, rcv, err
		}
		if len(out) == 0 {
			return nil, rcv, errors.New("tls: no ClientHello")
		}
		rcv.Start = true
		return nil, rcv, t.queue(out)
	}
	if t.version < 0 {
		return nil, rcv, fmt.Errorf("%w: a Request before the server's Start", ErrFraming)
	}
	if int(v) != t.version {
		return nil, rcv, fmt.Errorf("%w: version %d, %d was negotiated", ErrFraming, v, t.version)
	}
	if t.framer.Sending() {
		next, err := t.framer.Acked(h)
		return next, rcv, err
	}
	msg, done, err := t.framer.Receive(h)
	if err != nil {
		return nil, rcv, err
	}
	if !done {
		return t.framer.Ack(), rcv, nil
	}
	was := t.engine.HandshakeComplete()
	out, plain, eof, err := t.engine.Feed(ctx, msg)
	if err != nil {
		return nil, rcv, err
	}
	rcv.Established = t.engine.HandshakeComplete()
	rcv.Plain, rcv.Closed = plain, eof
	if rcv.Established && !was {
		cs := t.engine.Conn().ConnectionState()
		t.log.Info("eap tls handshake done", "method", t.typ, "version", stdtls.VersionName(cs.Version),
			"cipher", stdtls.CipherSuiteName(cs.CipherSuite), "server_verified", t.verified, "resumed", cs.DidResume)
	}
	return nil, rcv, t.queue(out)
}

// pending holds records waiting for Respond.
func (t *Tunnel) queue(out []byte) error {
	if len(out) == 0 {
		return nil
	}
	t.pending = append(t.pending, out...)
	if len(t.pending) > MaxMessage {
		return fmt.Errorf("%w: %d octets of TLS records to send", ErrFraming, len(t.pending))
	}
	return nil
}

// Write sends plaintext through the established tunnel (in the next
// Respond).
func (t *Tunnel) Write(plain []byte) error {
	if t.engine == nil {
		return errors.New("tls: no tunnel")
	}
	if err := t.engine.Write(plain); err != nil {
		return err
	}
	return t.queue(t.engine.Output())
}

// CloseNotify sends close_notify in the next Respond.
func (t *Tunnel) CloseNotify() error {
	if t.engine == nil {
		return nil
	}
	if err := t.engine.CloseNotify(); err != nil {
		return err
	}
	return t.queue(t.engine.Output())
}

// Respond returns the Type-Data of the Response: the records written
// since the last one, fragmented (the first fragment), or an empty
// Response when there are none.
func (t *Tunnel) Respond() ([]byte, error) {
	out := t.pending
	t.pending = nil
	if len(out) == 0 {
		return t.framer.Ack(), nil
	}
	return t.framer.Send(out)
}

// Sending tells whether fragments of the last Response are still to go.
func (t *Tunnel) Sending() bool { return t.framer.Sending() }

// ConnectionState is the tunnel's TLS state once established.
func (t *Tunnel) ConnectionState() (stdtls.ConnectionState, bool) {
	if t.engine == nil || !t.engine.HandshakeComplete() {
		return stdtls.ConnectionState{}, false
	}
	return t.engine.Conn().ConnectionState(), true
}

// ExportKeys is the TLS PRF's output for label (TLS 1.2, RFC 5705 without
// a context: PRF(master_secret, label, client.random || server.random))
// or TLS 1.3's exporter with context. crypto/tls gives TLS 1.2 keying
// material only when the server negotiated Extended Master Secret
// (RFC 7627); the error says so, and how to lift it.
func (t *Tunnel) ExportKeys(label string, context []byte, n int) ([]byte, error) {
	cs, ok := t.ConnectionState()
	if !ok {
		return nil, errors.New("tls: keys before the handshake finished")
	}
	k, err := cs.ExportKeyingMaterial(label, context, n)
	if err != nil {
		return nil, fmt.Errorf("tls: %s keys: the server did not negotiate Extended Master Secret (RFC 7627), without which crypto/tls gives no TLS 1.2 keying material; GODEBUG=tlsunsafeekm=1 in the daemon's environment accepts such a server: %w", t.typ, err)
	}
	return k, nil
}

// LabelMethodID is the exporter label of the Method-Id of TLS 1.3's
// Session-Id (RFC 9190 2.3, RFC 9427 2.1: the context is the Type-Code).
const LabelMethodID = "EXPORTER_EAP_TLS_Method-Id"

// SessionID is the conversation's Session-Id (RFC 5247 1.4), which ERP
// (RFC 6696) names the EMSK by: the Type-Code followed by, under TLS 1.2,
// client.random || server.random (RFC 5216 2.3, RFC 5281 and PEAP the
// same), under TLS 1.3 the 64-octet Method-Id exporter. nil before the
// handshake finished or when it cannot be had.
func (t *Tunnel) SessionID() []byte {
	cs, ok := t.ConnectionState()
	if !ok {
		return nil
	}
	if cs.Version == stdtls.VersionTLS13 {
		m, err := t.ExportKeys(LabelMethodID, []byte{byte(t.typ)}, 64)
		if err != nil {
			return nil
		}
		return append([]byte{byte(t.typ)}, m...)
	}
	c, s, ok := t.engine.Randoms()
	if !ok {
		return nil
	}
	return append(append([]byte{byte(t.typ)}, c[:]...), s[:]...)
}

// Resumed tells whether the established tunnel resumed a cached session.
func (t *Tunnel) Resumed() bool {
	cs, ok := t.ConnectionState()
	return ok && cs.DidResume
}

// Forget drops the cached session, if any, so the next conversation
// makes a full handshake: iwd does it after any conversation that did
// not succeed (servers that resume but then cannot finish).
func (t *Tunnel) Forget() {
	if t.cfg.SessionCache == nil {
		return
	}
	// Put(nil) deletes, but crypto/tls's LRU cache adds an empty entry
	// when there is none.
	if cs, ok := t.cfg.SessionCache.Get(sessionKey); ok && cs != nil {
		t.cfg.SessionCache.Put(sessionKey, nil)
	}
}

// sessionKey is crypto/tls's cache key for a connection without a
// ServerName: the in-memory conn's remote address.
const sessionKey = memAddrName

// Close ends the TLS connection and its goroutine.
func (t *Tunnel) Close() {
	if t.engine != nil {
		t.engine.Close()
	}
}
