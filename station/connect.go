package station

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"wifid/eapol"
	"wifid/eapol/eap"
	"wifid/eapol/eap/erp"
	"wifid/eapol/sae"
	"wifid/internal/secret"
	"wifid/knownnetworks"
	"wifid/knownnetworks/eapconf"
	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// attempt is one connection attempt in progress: the network and BSS, its
// timeline, and the callers waiting for its outcome.
type attempt struct {
	network *Network
	bss     *BSS
	kind    attemptKind
	tl      *Timeline
	cancel  context.CancelFunc
	ctx     context.Context // the station's, with req's values (attemptContext)
	req     context.Context // a user's request (nil for autoconnect and roams)
	replies []chan error
	// pmk: PSK networks' PSK, or SAE's PMK once the exchange is done.
	// The attempt owns it (and password, eapPMK, cachedPMK): a copy of
	// its own, wiped when the attempt ends (wipe.go) or handed on.
	pmk     []byte
	newPass string // a passphrase the agent gave, saved once it works
	// transitionDisable: what message 3 said to refuse from now on (0:
	// nothing), saved in the network file once connected.
	transitionDisable transitionDisable
	sec               *rsnChoice
	port              nl80211.EAPOLPort
	sup               *eapol.Supplicant
	stage             stage
	kp                *keyPort // the handshake's port (set once it starts)
	rejected          bool     // this attempt counted as a refusal of the secret
	// tried are the BSSes of the network this connect has tried (a
	// failed one makes way for the next, as in iwd).
	tried map[string]bool
	// WPA3-Personal: the SAE exchange, and the passphrase it needs again
	// for the next BSS (never logged).
	sae      *sae.SAE
	password []byte
	// 802.1X: the agent's answers (memory only, carried to the next BSS),
	// the EAP conversation's settings, and associated, closed when the
	// association is up (the EAPOL-Start timer starts there).
	answers    eapconf.Answers
	eap        *eap.Config
	newEAP     func() (eap.Config, error) // a re-authentication's settings
	associated chan struct{}
	// PMKSA caching (pmksa.go): pmksaKey is the entry this attempt offers
	// the AP (nil: none), cachedPMK and cachedPMKID its copies for the
	// handshake goroutine (set before it starts, never changed); eapPMK
	// is the PMK of this attempt's EAP conversation, cached once the
	// 4-way handshake completes.
	pmksaKey    *pmksaKey
	cachedPMK   []byte
	cachedPMKID ie.PMKID
	eapPMK      []byte
	// FILS (fils.go): the exchange of a FILS attempt; erp, the ERP
	// material of this attempt's full EAP conversation, kept once the
	// connection is up.
	fils *filsState
	erp  *erp.Material
	// filsStart: the keys a FILS association installed, for the
	// supplicant that runs its rekeys (set before startHandshake).
	filsStart *eapol.FILSStart
	// OWE (owe.go): the exchange's key pair, the group to offer (0: the
	// first; the next after the AP refused one), and the PMK the
	// Association Response gives, for the handshake goroutine.
	owe      *eapol.OWE
	oweGroup int
	owePMK   chan []byte
	// owePMKID is the exchange's PMKID (message 1 must name it, if any);
	// oweRetried: this BSS was associated again once already after the
	// AP keyed another exchange (oweKeyedOther).
	owePMKID   *ie.PMKID
	oweRetried bool
	// FT's initial mobility domain association (ft.go): the MDE sent,
	// and what the Association Response gave the 4-way handshake, set
	// before ftReady closes.
	ftMDE   []byte
	ft      *eapol.FTConfig
	ftReady chan struct{}
	// A fast transition (a roam within the domain): its exchange, the
	// timer for the target's answer, the keys it delivered (for the
	// Supplicant), and ftFallback once it gave way to a reassociation
	// with a new handshake. ftKeys: the domain's FT keys, the connection's
	// once up.
	ftTr       *eapol.FTTransition
	ftTimer    *time.Timer
	ftStart    *eapol.FTStart
	ftFallback bool
	ftOverDS   bool // the FT request went through the current AP
	ftKeys     *eapol.FTKeys
}

// connection is an established connection.
type connection struct {
	network *Network
	bss     *BSS
	port    nl80211.EAPOLPort
	sec     *rsnChoice // nil for an open network
	pmk     []byte     // kept for roaming: the next BSS's 4-way handshake
	// password is the SAE passphrase, kept for roaming (a new SAE with
	// the next BSS); nil for PSK. The connection owns it and pmk: wiped
	// when it is torn down.
	password []byte
	// ftKeys: an FT connection's key hierarchy (PMK-R0), for fast
	// transitions within its mobility domain; wiped with the connection.
	ftKeys *eapol.FTKeys
	// answers are the agent's 802.1X answers, kept in memory for a roam
	// (which runs EAP again and asks nobody).
	answers eapconf.Answers
	// hsCancel stops the handshake goroutine (rekeys) of the BSS; a roam
	// replaces it. netCancel stops IP configuration, which outlives roams.
	hsCancel  context.CancelFunc
	netCancel context.CancelFunc
	ipStop    func()
	address   string
	// configured: the connection is up (state connected): keyed, and
	// with IP configuration an address in place, as in iwd. Until then the
	// station is in state netconfig; Connect is answered when the link is
	// keyed, before that (iwd's order too: a client follows State). A
	// roam returns to connected or netconfig by it.
	configured bool
	kind       attemptKind
	tl         *Timeline
}

type requestTimeKey struct{}

// WithRequestTime marks ctx with when a user's request arrived (the D-Bus
// layer sets it as a call comes in): a connect's timeline starts there.
func WithRequestTime(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, requestTimeKey{}, t)
}

func requestTime(ctx context.Context, now func() time.Time) time.Time {
	if t, ok := ctx.Value(requestTimeKey{}).(time.Time); ok {
		return t
	}
	return now()
}

// Connect connects to the network with that ID (Network.Connect) and
// returns when the connection is up or has failed.
func (s *Station) Connect(ctx context.Context, networkID string) error {
	reply := make(chan error, 1)
	at := requestTime(ctx, s.now)
	if err := s.call(ctx, func() {
		n, ok := s.networks[networkID]
		if !ok || n.Best() == nil {
			reply <- ErrNotFound
			return
		}
		s.requestAt = at
		s.userConnect(ctx, n, nil, reply)
	}); err != nil {
		return err
	}
	return s.waitReply(ctx, reply)
}

// ConnectBSSID connects to one BSS (StationDebug.ConnectBssid).
func (s *Station) ConnectBSSID(ctx context.Context, bssid []byte) error {
	reply := make(chan error, 1)
	if err := s.call(ctx, func() {
		for _, n := range s.ordered {
			for _, b := range n.BSSes {
				if string(b.Addr) == string(bssid) {
					s.userConnect(ctx, n, b, reply)
					return
				}
			}
		}
		reply <- ErrNotFound
	}); err != nil {
		return err
	}
	return s.waitReply(ctx, reply)
}

// ConnectHidden finds a hidden network by a probe for its SSID and
// connects to it (Station.ConnectHiddenNetwork), with iwd's rules: not for
// a network already known, nor one whose beacons show its name.
func (s *Station) ConnectHidden(ctx context.Context, ssid string) error {
	if len(ssid) == 0 || len(ssid) > 32 {
		return ErrInvalidArgs
	}
	if s.cfg.Known != nil {
		for _, sec := range []knownnetworks.Security{knownnetworks.SecurityPSK, knownnetworks.SecurityOpen} {
			if _, ok := s.cfg.Known.Get(ssid, sec); ok {
				return ErrAlreadyProvisioned
			}
		}
	}
	reply := make(chan error, 1)
	var hidden func()
	hidden = func() {
		for _, n := range s.ordered {
			if n.SSID == ssid {
				if !n.Hidden {
					reply <- ErrNotHidden
					return
				}
				s.userConnect(ctx, n, nil, reply)
				return
			}
		}
		if s.attempt == nil && s.preemptRestScan(hidden) {
			return
		}
		if s.scanning || s.attempt != nil {
			reply <- ErrBusy
			return
		}
		s.scanning = true
		s.publish()
		req := nl80211.ScanRequest{SSIDs: [][]byte{[]byte(ssid)}, Flags: unix.NL80211_SCAN_FLAG_FLUSH}
		s.async(func() func() {
			sctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
			defer cancel()
			res, err := s.cfg.Kernel.Scan(sctx, s.cfg.Ifindex, req)
			return func() {
				s.scanDone(res, err, 0, nil)
				if err != nil {
					reply <- err
					return
				}
				// As iwd: the SSID as an open and as a protected network
				// is ambiguous; the user cannot say which one is meant.
				var found []*Network
				for _, n := range s.ordered {
					if n.SSID == ssid {
						found = append(found, n)
					}
				}
				switch {
				case len(found) == 0:
					reply <- ErrNotFound
				case len(found) > 1:
					reply <- ErrServiceSetOverlap
				case found[0].Visible && !found[0].Hidden:
					// Its beacons name it: not a hidden network
					// (Network.Connect is the way), as iwd answers.
					reply <- ErrNotHidden
				default:
					found[0].Hidden = true
					s.userConnect(ctx, found[0], nil, reply)
				}
			}
		})
	}
	if err := s.call(ctx, hidden); err != nil {
		return err
	}
	return s.waitReply(ctx, reply)
}

func (s *Station) waitReply(ctx context.Context, reply chan error) error {
	select {
	case err := <-reply:
		if herr := s.heard(ctx); herr != nil {
			return herr
		}
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// userConnect starts (or joins) a user's connect; req is the request's
// context, whose values (the D-Bus caller, for the agent to ask) the
// attempt carries.
func (s *Station) userConnect(req context.Context, n *Network, b *BSS, reply chan error) {
	if s.oweScan && b == nil {
		// The network may gain its OWE twin (owetransition.go): the
		// connect waits for that scan and takes the network it leaves.
		s.whenScanEnds(func() {
			if m := s.networks[n.ID()]; m != nil {
				n = m
			}
			s.userConnect(req, n, nil, reply)
		})
		return
	}
	if a := s.attempt; a != nil {
		if a.network == n && b == nil {
			a.replies = append(a.replies, reply)
			return
		}
		if a.kind == kindRoam {
			reply <- ErrBusy
			return
		}
		// As iwd: the user's latest choice wins; the attempt under way
		// (autoconnect, a connect elsewhere, a hidden network's) ends
		// with Aborted.
		s.log.Info("connect replaces the attempt under way", "network", n.SSID, "aborted", a.network.SSID)
		s.failAttempt(ErrAborted, false)
	}
	if s.conn != nil {
		if s.conn.network.ID() == n.ID() && (b == nil || string(b.Addr) == string(s.conn.bss.Addr)) {
			reply <- nil // connected, or keyed with IP configuration under way
			return
		}
		s.teardownConnection("connecting elsewhere", true)
	}
	if b == nil {
		b = s.bestAllowedBSS(n)
	}
	delete(s.rejected, n.ID())
	// A user's connect turns autoconnect on, as in iwd (in developer mode
	// too): a connection lost later is found again.
	s.autoconnect = true
	s.stopPeriodicScan()
	s.startAttempt(req, n, b, kindConnect, reply, nil)
}

func (s *Station) bestAllowedBSS(n *Network) *BSS {
	now := s.now()
	for _, b := range n.BSSes {
		if b.Summary.Security == ie.SecurityOWE && s.cfg.OWEDisabled {
			continue // a transition pair's open side serves
		}
		if !s.blacklist.contains(hwString(b.Addr), now) {
			return b
		}
	}
	return n.Best()
}

// startAttempt begins connecting to b of n: secrets, then CMD_CONNECT. A
// roam brings its timeline (the roam scan is its first phase) and reuses
// the connection's PMK.
func (s *Station) startAttempt(req context.Context, n *Network, b *BSS, kind attemptKind, reply chan error, tl *Timeline) {
	if kind != kindRoam && s.preemptRestScan(func() { s.startAttempt(req, n, b, kind, reply, tl) }) {
		// The background scan gives way, and the attempt waits for
		// its abort to be done: an authentication sent meanwhile would
		// wait for the scan in the kernel, or go out while the radio
		// listens on another channel.
		return
	}
	ctx, cancel := s.attemptContext(req)
	if tl == nil {
		tl = s.newTimeline(kind.String(), n.SSID)
		// A user's connect is timed from its request (it waited for
		// the station's loop meanwhile).
		if at := s.requestAt; kind == kindConnect && !at.IsZero() && at.Before(tl.Start) {
			tl.Start = at
		}
	}
	s.requestAt = time.Time{}
	if kind != kindRoam {
		// The store is the truth: a file forgotten or written a moment
		// ago (its watch event still on the way) counts now.
		s.attachKnown(map[string]*Network{n.ID(): n})
	}
	a := &attempt{network: n, bss: b, kind: kind, req: req, ctx: ctx, cancel: cancel, tl: tl, tried: map[string]bool{}}
	if kind == kindRoam && s.conn != nil {
		// Copies of the attempt's own: the connection keeps its secrets
		// until the roam is done (roamed) or has failed.
		a.password, a.answers = bytes.Clone(s.conn.password), s.conn.answers
		if c := s.conn; c.sec == nil || !usesSAE(c.sec.akm) {
			// A PSK serves the next BSS; an SAE PMK is its exchange's
			// alone (a PSK BSS of the network gets the PSK anew).
			a.pmk = bytes.Clone(c.pmk)
		}
	}
	if reply != nil {
		a.replies = append(a.replies, reply)
	}
	s.beginAttempt(a)
}

// beginAttempt runs attempt a: state, log, then secrets or straight to
// CMD_CONNECT when the PMK is at hand (a roam, or the next BSS of a connect
// whose first BSS failed).
func (s *Station) beginAttempt(a *attempt) {
	n, b, kind := a.network, a.bss, a.kind
	a.tl.BSSID = b.Addr.String()
	a.tried[hwString(b.Addr)] = true
	s.attempt = a
	s.last = a.tl
	s.log.Info("connecting", "network", n.SSID, "security", n.Security, "bssid", b.Addr.String(), "freq", b.Freq,
		"signal", b.Signal, "kind", kind.String())
	s.event("connecting", n.ID(), b.Addr.String())
	s.setState(kind.connectingState(), kind.String()+" "+n.SSID)

	s.tried[hwString(b.Addr)] = true
	if err := supported(n); err != nil {
		s.failAttempt(err, false)
		return
	}
	s.beginSecurity(a)
}

// beginSecurity goes on with attempt a by its network's security: the
// association, or first the secrets, SAE, FILS, OWE or a fast transition.
func (s *Station) beginSecurity(a *attempt) {
	n, b := a.network, a.bss
	switch n.Security {
	case knownnetworks.SecurityOpen:
		if b.Summary.Security == ie.SecurityOWE {
			s.startOWE(a)
			return
		}
		s.sendConnect(a)
	case knownnetworks.SecurityPSK:
		sec, err := chooseRSN(b.Summary, s.cfg.Wiphy, s.cfg.MFP, s.saeUsable(n, a.password), fileTransitionDisable(n.Known))
		if err != nil {
			s.noRSN(err)
			return
		}
		a.sec = sec
		if s.ftTransitionUsable(a) {
			s.ftAuthenticate(a)
			return
		}
		switch {
		case usesSAE(sec.akm) && len(a.password) > 0:
			s.startSAE(a, a.password) // a roam, or the next BSS
		case !usesSAE(sec.akm) && a.pmk != nil:
			s.sendConnect(a)
		default:
			s.psk(a)
		}
	case knownnetworks.Security8021X:
		sec, err := chooseRSN(b.Summary, s.cfg.Wiphy, s.cfg.MFP, false, fileTransitionDisable(n.Known))
		if err == nil && eapol.UsesPSK(sec.akm) {
			err = unsupported("no 802.1X AKM in %v", b.Summary.RSN.AKMs)
		}
		if err != nil {
			s.noRSN(err)
			return
		}
		a.sec = sec
		if s.ftTransitionUsable(a) {
			s.ftAuthenticate(a)
			return
		}
		if akm := s.filsAKM(n, b); akm != 0 {
			s.startFILS(a, akm)
			return
		}
		s.offerPMKSA(a)
		s.eapSettings(a)
	}
}

// noRSN fails the attempt chooseRSN found no security for: not the
// BSS's fault when it is ours (radio, main.conf).
func (s *Station) noRSN(err error) {
	if errors.Is(err, ErrNotSupported) {
		s.failAttempt(err, false)
	} else {
		s.failBSS(err, true)
	}
}

// supported says whether wifid can connect to n yet.
func supported(n *Network) error {
	b := n.Best()
	if b == nil {
		return ErrNotFound
	}
	switch {
	case n.Security == knownnetworks.Security8021X && n.Known == nil:
		return fmt.Errorf("802.1X network without a network file: %w", ErrNotSupported)
	}
	return nil
}

// psk finds the PMK: the file's PreSharedKey, or PBKDF2 of its
// Passphrase, or of a passphrase the agent asks the user for.
func (s *Station) psk(a *attempt) {
	s.setStage(a, stageSecrets, "passphrase needed")
	n := a.network
	useSAE := usesSAE(a.sec.akm)
	if n.Known != nil && !useSAE {
		if k := n.Known.Settings.Security.PreSharedKey; k != nil {
			a.pmk = bytes.Clone(k[:]) // the store's record keeps its own
			s.sendConnect(a)
			return
		}
	}
	// PBKDF2 or the agent: time worth a phase of its own.
	a.tl.Begin(PhaseSecrets)
	var pass string
	if n.Known != nil {
		pass = string(n.Known.Settings.Security.Passphrase)
	}
	s.async(func() func() {
		fromAgent := false
		if pass == "" {
			if s.cfg.Agent == nil {
				return func() { s.attemptDone(a, ErrNoAgent) }
			}
			p, err := s.cfg.Agent.RequestPassphrase(a.ctx, n.SSID, n.Security)
			if err != nil {
				return func() { s.attemptDone(a, err) }
			}
			pass, fromAgent = p, true
		}
		if useSAE {
			// The SAE keeps it for the next BSS: bytes, to be wiped.
			password := []byte(pass)
			return func() {
				if s.attempt != a {
					secret.Zero(password)
					return
				}
				if fromAgent {
					a.newPass = pass
				}
				s.startSAE(a, password)
			}
		}
		pmk, err := eapol.PSKFromPassphrase(pass, []byte(n.SSID))
		return func() {
			if s.attempt != a {
				secret.Zero(pmk)
				return
			}
			if err != nil {
				s.failAttempt(fmt.Errorf("%w: %v", ErrInvalidFormat, err), false)
				return
			}
			a.pmk = pmk
			if fromAgent {
				a.newPass = pass
			}
			s.sendConnect(a)
		}
	})
}

// setStage moves attempt a on, one log line per transition.
func (s *Station) setStage(a *attempt, to stage, why string) {
	if a.stage == to {
		return
	}
	s.log.Info("stage", "network", a.network.SSID, "kind", a.kind.String(), "from", a.stage.String(),
		"to", to.String(), "why", why)
	a.stage = to
}

// attemptDone fails a if it is still the current attempt.
func (s *Station) attemptDone(a *attempt, err error) {
	if s.attempt == a && err != nil {
		s.failAttempt(err, false)
	}
}

// sendConnect opens the EAPOL port (PSK) and sends CMD_CONNECT; for a roam,
// with the BSS we leave as the previous BSSID (a reassociation).
func (s *Station) sendConnect(a *attempt) {
	s.setStage(a, stageAssociate, "associating with "+a.bss.Addr.String())
	a.tl.Begin(PhaseAssoc)
	b := a.bss
	req := nl80211.ConnectRequest{
		SSID:        b.ssid(a.network),
		BSSID:       b.Addr,
		Freq:        b.Freq,
		AuthType:    unix.NL80211_AUTHTYPE_OPEN_SYSTEM,
		SocketOwner: true,
	}
	req.PrevBSSID = s.leaveForRoam(a)
	if a.sec != nil {
		req.IEs = append(append([]byte(nil), a.sec.ownRSNE...), a.sec.ownRSNXE...)
		if a.owe != nil {
			req.IEs = append(req.IEs, a.owe.Element()...)
		}
		if eapol.IsFT(a.sec.akm) {
			if !s.ftPrepare(a) {
				return
			}
			req.IEs = append(req.IEs, a.ftMDE...)
		}
		var ok bool
		if req.Crypto, ok = s.openPort(a); !ok {
			return
		}
		if err := s.startHandshake(a); err != nil {
			s.failAttempt(err, false)
			return
		}
	}
	req.IEs = append(req.IEs, hotspotIEs(a.network, b)...)
	s.async(func() func() {
		ctx, cancel := context.WithTimeout(a.ctx, 10*time.Second)
		defer cancel()
		var err error
		if a.sae != nil {
			// Authenticated by SAE: the userspace SME's association.
			err = s.cfg.Kernel.Associate(ctx, s.cfg.Ifindex, nl80211.AssociateRequest{BSSID: req.BSSID,
				Freq: req.Freq, SSID: req.SSID, IEs: req.IEs, PrevBSSID: req.PrevBSSID, Crypto: req.Crypto,
				SocketOwner: true})
		} else {
			err = s.cfg.Kernel.Connect(ctx, s.cfg.Ifindex, req)
		}
		return func() {
			if err != nil && s.attempt == a {
				s.failBSS(err, true)
			}
		}
	})
}

// leaveForRoam ends the old BSS's keys and handshake when a is a roam:
// its EAPOL port must close before the new one opens. It returns the old
// BSS's address, the reassociation's previous BSSID (nil for no roam).
func (s *Station) leaveForRoam(a *attempt) net.HardwareAddr {
	c := s.conn
	if a.kind != kindRoam || c == nil {
		return nil
	}
	c.hsCancel()
	if c.port != nil {
		c.port.Close()
		c.port = nil
	}
	return c.bss.Addr
}

// openPort opens attempt a's EAPOL port and returns the association's
// crypto settings; false (the attempt failed) when the port would not open.
func (s *Station) openPort(a *attempt) (nl80211.Crypto, bool) {
	cr := nl80211.Crypto{
		WPAVersions:     a.sec.wpaVersion,
		PairwiseCiphers: []ie.CipherSuite{a.sec.pairwise},
		GroupCipher:     a.sec.group,
		AKMSuites:       []ie.AKMSuite{a.sec.akm},
		ControlPort:     true,
	}
	if a.sec.mfp {
		cr.MFP = unix.NL80211_MFP_REQUIRED
	}
	useNL := s.controlPortOverNL80211()
	cr.ControlPortOverNL80211 = useNL
	port, err := s.cfg.Kernel.OpenEAPOLPort(s.cfg.Ifindex, useNL)
	if err != nil {
		s.failAttempt(fmt.Errorf("EAPOL port: %w", err), false)
		return cr, false
	}
	a.port = port
	return cr, true
}

// attemptContext is an attempt's context: cancelled with the station's,
// carrying the values of req, the user's request that started it, if any
// (the D-Bus caller: its agent is asked for secrets, as iwd asks the
// caller's own agent rather than the first registered).
func (s *Station) attemptContext(req context.Context) (context.Context, context.CancelFunc) {
	if req == nil {
		return context.WithCancel(s.ctx)
	}
	return context.WithCancel(requestValues{Context: s.ctx, req: req})
}

// requestValues is the station's context with a request's values.
type requestValues struct {
	context.Context
	req context.Context
}

func (r requestValues) Value(key any) any {
	if v := r.req.Value(key); v != nil {
		return v
	}
	return r.Context.Value(key)
}

// onConnectEvent is CMD_CONNECT's result.
func (s *Station) onConnectEvent(e *nl80211.ConnectEvent) {
	a := s.attempt
	if a == nil || a.stage != stageAssociate {
		s.log.Debug("connect event with no attempt", "status", e.Status)
		return
	}
	if e.Status != 0 || e.TimedOut {
		why := fmt.Sprintf("association failed: status %d (%s)", e.Status, ie.StatusCode(e.Status))
		if e.TimedOut {
			why = "association timed out"
		}
		a.tl.Done(fmt.Sprintf("status %d", e.Status))
		// A full or busy AP: skip it for this connect only, as iwd does.
		if e.TimedOut {
			s.failBSS(errors.New(why), s.blameTimeout(a))
			return
		}
		if a.owe != nil && ie.StatusCode(e.Status) == ie.StatusUnsupportedFiniteCyclicGroup {
			s.oweGroupRefused(a, errors.New(why))
			return
		}
		if a.pmksaKey != nil && ie.StatusCode(e.Status) == ie.StatusInvalidPMKID {
			// 12.6.10.3: the AP has no PMKSA for our PMKID. The
			// entry goes and the same BSS is tried again with EAP,
			// not blacklisted (iwd's station_pmksa_fallback).
			s.pmksaRefused(a, errors.New(why))
			return
		}
		if ie.StatusCode(e.Status) == ie.StatusDeniedNoMoreSTAs {
			// A full AP: a busy entry, ranked last in roams (iwd 3.9).
			s.blacklist.addBusy(hwString(a.bss.Addr), s.now())
		}
		s.failBSS(errors.New(why), !temporaryStatus(e.Status))
		return
	}
	a.tl.Done("")
	s.log.Info("associated", "bssid", e.BSSID.String(), "network", a.network.SSID)
	if a.ftTr != nil {
		s.ftReassociated(a, e.RespIEs)
		return
	}
	if a.fils != nil {
		s.filsAssociated(a, e.RespIEs)
		return
	}
	if a.sec == nil {
		s.connected(a)
		return
	}
	if a.owe != nil && !s.oweAssociated(a, e.RespIEs) {
		return
	}
	if a.ftReady != nil && !s.ftAssociated(a, e.RespIEs) {
		return
	}
	if a.eap != nil {
		s.setStage(a, stageEAP, "associated")
		a.tl.Begin(PhaseEAP)
		close(a.associated)
		s.event("eap-started", a.bss.Addr.String())
		return
	}
	s.setStage(a, stageHandshake, "associated")
	a.tl.Begin(PhaseFourWay)
	s.event("handshake-started", a.bss.Addr.String())
}

// onDisconnectEvent: the AP or the kernel ended the association.
func (s *Station) onDisconnectEvent(e *nl80211.DisconnectEvent) {
	why := fmt.Sprintf("reason %d (%s), by AP %v", e.Reason, ie.ReasonCode(e.Reason), e.ByAP)
	if !e.ByAP && ie.ReasonCode(e.Reason) == ie.ReasonLeavingNetworkDeauth && !s.leftAt.IsZero() &&
		time.Since(s.leftAt) < ownDisconnectWindow {
		// The echo of our own CMD_DISCONNECT (a user's connect elsewhere
		// tore the old link down): it ends nothing that runs now.
		s.leftAt = time.Time{}
		s.log.Debug("own disconnect confirmed", "why", why)
		return
	}
	if a := s.attempt; a != nil && a.stage == stageFTAuth {
		// A fast transition had not left the current AP: this ends the
		// connection, not the target's fault. The transition goes
		// unblamed, then the connection as below.
		a.stopFTTimer()
		s.retireAttempt(a, errors.New("connection lost during a fast transition: "+why))
	}
	if a := s.attempt; a != nil && a.kind == kindRoam && !e.ByAP &&
		(a.stage == stageAssociate || a.stage == stageSAE || a.stage == stageFILS) {
		// The kernel leaves the old BSS as it reassociates, or as it
		// authenticates with the new one (SAE, FILS: CMD_AUTHENTICATE);
		// the roam's own outcome comes as its events.
		s.log.Info("left the previous BSS", "why", why)
		return
	}
	if a := s.attempt; a != nil {
		if a.stage == stageEAP {
			// The AP ended the conversation (hostapd deauthenticates
			// with reason 23 right after its EAP-Failure, which may
			// come first): a refusal, not retried; another reason
			// is the BSS's.
			err := fmt.Errorf("%w: deauthenticated during EAP: %s", ErrEAP, why)
			if ie.ReasonCode(e.Reason) == ie.Reason8021XAuthFailed {
				a.tl.Done("failed")
				s.credentialsRejected(a, err)
			} else {
				s.failBSS(err, true)
			}
			return
		}
		if a.stage == stageHandshake {
			why = "handshake failed: " + why
			if a.owe != nil && !a.oweRetried && ie.ReasonCode(e.Reason) == ie.Reason4WayHandshakeTimeout {
				// Most likely the AP keyed the exchange of a repeated
				// Association Request (its message 1 named no PMKID).
				s.oweKeyedOther(a, errors.New(why))
				return
			}
			if r := ie.ReasonCode(e.Reason); (r == ie.Reason4WayHandshakeTimeout || r == ie.ReasonInvalidAuthentication) &&
				a.kp != nil && a.kp.sentKey.Load() && a.owe == nil {
				// The AP dropped our message 2 and gave up: almost always
				// a wrong passphrase (evidence counted, credentials.go).
				// Before our message 2 the AP had nothing of our key to
				// refuse: that is the BSS's failure.
				s.credentialsRejected(a, wrongSecret(why))
				return
			}
		}
		if s.rejected.bad(a.network.ID()) {
			s.failAttempt(errors.New(why), false)
		} else {
			s.failBSS(errors.New(why), true)
		}
		return
	}
	if s.conn != nil {
		s.log.Info("disconnected", "network", s.conn.network.SSID, "why", why)
		s.event("disconnected", why)
		s.connectionLost(s.conn)
		s.teardownConnection(why, false)
		s.lastScan = time.Time{} // the AP may be gone: scan before choosing
		s.setState(Disconnected, why)
		s.startAutoconnect("connection lost")
	}
}

// temporaryStatus: association status codes that say "not now" rather than
// "never" (IEEE 802.11-2020 Table 9-78): no more stations (17), too little
// bandwidth (33), poor channel (34), try another BSS (82).
func temporaryStatus(code uint16) bool {
	switch ie.StatusCode(code) {
	case ie.StatusDeniedNoMoreSTAs, ie.StatusDeniedInsufficientBandwidth,
		ie.StatusDeniedPoorChannelConditions, ie.StatusRejectedWithSuggestedBSSTransition:
		return true
	}
	return false
}

// failBSS: the attempt failed for a reason of the BSS. It is blacklisted
// (unless temporary: then only this connect skips it) and a user's connect
// goes on to the network's next BSS, answering its caller only when none
// is left, as iwd does.
func (s *Station) failBSS(err error, timed bool) {
	a := s.attempt
	if a == nil {
		return
	}
	if timed {
		t := s.blacklist.add(hwString(a.bss.Addr), s.now())
		s.log.Info("blacklisted", "bssid", a.bss.Addr.String(), "for", t)
	}
	if a.kind == kindConnect {
		now := s.now()
		for _, b := range a.network.BSSes {
			if a.tried[hwString(b.Addr)] || s.blacklist.contains(hwString(b.Addr), now) {
				continue
			}
			s.log.Info("trying the next BSS", "network", a.network.SSID, "failed", a.bss.Addr.String(),
				"next", b.Addr.String(), "err", err)
			s.nextAttempt(a, b, err)
			return
		}
	}
	s.failAttempt(err, false)
}

// nextAttempt retires failed attempt a (err) and carries its callers and
// secrets on to BSS b of the same network.
func (s *Station) nextAttempt(a *attempt, b *BSS, err error) {
	ctx, cancel := s.attemptContext(a.req)
	next := &attempt{network: a.network, bss: b, kind: a.kind, req: a.req, ctx: ctx, cancel: cancel,
		tl: s.newTimeline(a.kind.String(), a.network.SSID), replies: a.replies,
		pmk: a.pmk, newPass: a.newPass, tried: a.tried, password: a.password, answers: a.answers}
	if bytes.Equal(b.Addr, a.bss.Addr) {
		next.oweGroup = a.oweGroup // the group the same AP is to be offered
		next.oweRetried = a.oweRetried
	}
	a.pmk, a.password = nil, nil // next's now: retiring a wipes the rest
	s.retireAttempt(a, err)
	s.last = next.tl
	s.beginAttempt(next)
}

// retireAttempt ends a failed attempt's resources and record without
// telling its callers (the next attempt carries them on).
func (s *Station) retireAttempt(a *attempt, err error) {
	s.attempt = nil
	a.cancel()
	if a.pmksaKey != nil && s.pmksa.drop(*a.pmksaKey) {
		// As iwd's, an entry comes back only with a connection it made.
		s.log.Info("PMKSA dropped after a failed attempt", "network", a.network.SSID, "bssid", a.bss.Addr.String())
	}
	if a.port != nil {
		a.port.Close()
	}
	if a.stage.kernelInvolved() {
		s.sendDisconnect("after a failed attempt")
	}
	a.wipeSecrets()
	a.tl.Finish("failed: " + err.Error())
	s.log.Warn("connect failed", "network", a.network.SSID, "bssid", a.bss.Addr.String(), "err", err, "timeline", a.tl.String())
	s.event("connect-failed", err.Error())
}

// failAttempt ends the current attempt, tells its callers, blacklists the
// BSS if it misbehaved, and lets autoconnect go on.
func (s *Station) failAttempt(err error, blame bool) {
	a := s.attempt
	if a == nil {
		return
	}
	s.retireAttempt(a, err) // tells the kernel too: it may be half way through
	if blame {
		t := s.blacklist.add(hwString(a.bss.Addr), s.now())
		s.log.Info("blacklisted", "bssid", a.bss.Addr.String(), "for", t)
	}
	for _, r := range a.replies {
		r <- err
	}
	if a.kind == kindRoam && s.conn != nil {
		// The old BSS is left already: the connection is lost.
		s.connectionLost(s.conn)
		s.teardownConnection("roam failed: "+err.Error(), false)
		s.lastScan = time.Time{}
	}
	s.setState(Disconnected, "connect failed")
	if s.autoconnect && !errors.Is(err, ErrAborted) {
		s.startAutoconnect("connect failed")
	}
	s.runQueuedScan()
}

// connected: the link is up and keyed.
func (s *Station) connected(a *attempt) {
	if a.kind == kindRoam && s.conn != nil {
		s.roamed(a)
		return
	}
	ctx, cancel := context.WithCancel(s.ctx)
	s.attempt = nil
	c := &connection{network: a.network, bss: a.bss, port: a.port, sec: a.sec, pmk: a.pmk, password: a.password, answers: a.answers,
		hsCancel: a.cancel, netCancel: cancel, kind: a.kind, tl: a.tl, ftKeys: a.ftKeys}
	a.ftKeys = nil // the connection's now
	// The link is up: Connect succeeded, as iwd answers it here; the
	// State goes on to connected once IP configuration is done.
	for _, r := range a.replies {
		r <- nil
	}
	s.conn = c
	s.blacklist.remove(hwString(a.bss.Addr))
	delete(s.rejected, a.network.ID()) // the count is of refusals in a row
	s.rememberERP(a)
	s.applyFilters(filtersFor(a.bss))
	// A new round for autoconnect later: BSSes tried on the way here
	// (one that failed before this one) are fair game again.
	s.tried = map[string]bool{}
	s.rememberNetwork(a)
	a.pmk, a.password = nil, nil // the connection's now
	a.wipeSecrets()
	s.event("associated", a.network.ID())
	if s.cfg.IP == nil {
		a.tl.Finish("connected")
		s.log.Info("connected", "network", a.network.SSID, "timeline", a.tl.String())
		s.linkUp(c)
		return
	}
	s.ordered = rankNetworks(s.networks)
	s.setState(Netconfig, "keyed; configuring IP")
	s.startNetconfig(ctx, c, a.tl)
}

// linkUp: the connection is up (keyed, and configured when wifid
// configures IP): state connected.
func (s *Station) linkUp(c *connection) {
	c.configured = true
	s.sched.connected()
	s.event("connected", c.network.ID())
	s.setState(Connected, c.kind.String()+" "+c.network.SSID)
	s.ordered = rankNetworks(s.networks)
	s.publish()
	s.armCQM(c)
	if len(s.levels) > 0 {
		s.refreshLevel(c)
	}
	s.runQueuedScan()
	s.scanBandsLeft()
}

// rememberNetwork touches the network file (last connected time), writes
// a new one for an open network or a passphrase from the agent, and stores
// the PSK computed from a passphrase, as iwd does. The writes (each with
// its fsyncs) run in the background, in order, so IP configuration does not
// wait for the disk; the network's Known record follows when they are done.
func (s *Station) rememberNetwork(a *attempt) {
	st := s.cfg.Known
	if st == nil {
		return
	}
	n := a.network
	ssid, sec, hidden, newPass, td := n.SSID, n.Security, n.Hidden, a.newPass, a.transitionDisable
	// Every channel the network was seen on, the connected BSS's first,
	// as iwd records them when a network becomes known.
	freqs := []uint32{a.bss.Freq}
	for _, b := range n.BSSes {
		if !slices.Contains(freqs, b.Freq) {
			freqs = append(freqs, b.Freq)
		}
	}
	if n.Known != nil {
		// The store's name for the record: a hotspot profile's is its
		// file name, not the SSID.
		ssid, sec = n.Known.SSID, n.Known.Security
	}
	// Only a network without a file when it connected gets one: a file
	// the user forgets meanwhile stays forgotten.
	create := n.Known == nil
	// a.pmk is the PSK only for the PSK AKMs; SAE's PMK is per exchange.
	// A copy: the write runs after a's secrets are wiped.
	psk := bytes.Clone(a.pmk)
	if a.sec != nil && (usesSAE(a.sec.akm) || !eapol.UsesPSK(a.sec.akm)) {
		secret.Zero(psk)
		psk = nil
	}
	prev, done := s.remembered, make(chan struct{})
	s.remembered = done
	s.async(func() func() {
		defer close(done)
		if prev != nil {
			<-prev
		}
		k, err := writeNetwork(st, ssid, sec, create, hidden, newPass, psk, freqs, td)
		secret.Zero(psk)
		if err != nil {
			s.log.Warn("network file not written", "network", ssid, "err", err)
		}
		return func() {
			if k != nil {
				n.Known = k
				s.ordered = rankNetworks(s.networks)
				s.publish()
			}
		}
	})
}

// writeNetwork does rememberNetwork's writes (off the loop) and returns the
// network's record as the store then has it. With create, a file is written
// if none is there yet (an earlier write of the same connection may have
// made it).
func writeNetwork(st *knownnetworks.Store, ssid string, sec knownnetworks.Security, create, hidden bool,
	newPass string, psk []byte, freqs []uint32, td transitionDisable) (*knownnetworks.KnownNetwork, error) {
	var err error
	old, known := st.Get(ssid, sec)
	switch {
	case !known && !create:
		return nil, nil // forgotten since it connected
	case !known:
		f := knownnetworks.NewFile("")
		if hidden {
			f.SetBool("Settings", "Hidden", true)
		}
		if sec == knownnetworks.SecurityPSK {
			if newPass != "" {
				f.SetString("Security", "Passphrase", newPass)
			}
			if psk != nil {
				f.SetString("Security", "PreSharedKey", hex.EncodeToString(psk))
			}
		}
		err = st.Save(ssid, sec, f)
	case sec == knownnetworks.SecurityPSK && old.Settings.Security.PreSharedKey == nil && psk != nil:
		err = st.Update(ssid, sec, func(f *knownnetworks.File) error {
			return f.SetString("Security", "PreSharedKey", hex.EncodeToString(psk))
		})
	}
	if td != 0 && err == nil {
		// The AP's Transition Disable, kept as iwd keeps it (only when
		// it says more than the file).
		if cur, ok := st.Get(ssid, sec); ok && fileTransitionDisable(&cur)&td != td {
			err = st.Update(ssid, sec, func(f *knownnetworks.File) error {
				return setTransitionDisable(f, fileTransitionDisable(&cur)|td)
			})
		}
	}
	if terr := st.Touch(ssid, sec); terr != nil && err == nil {
		err = fmt.Errorf("touch: %w", terr)
	}
	if ferr := st.AddKnownFrequencies(ssid, sec, freqs...); ferr != nil && err == nil {
		err = fmt.Errorf("known frequency: %w", ferr)
	}
	if k, ok := st.Get(ssid, sec); ok {
		return &k, err
	}
	return nil, err
}

// teardownConnection stops everything of the connection; with
// deauthenticate it also tells the AP.
func (s *Station) teardownConnection(why string, deauthenticate bool) {
	c := s.conn
	if c == nil {
		return
	}
	s.conn = nil
	s.log.Info("tearing down", "network", c.network.SSID, "why", why)
	s.applyFilters(bssFilters{})
	if c.ipStop != nil {
		c.ipStop()
	}
	c.netCancel()
	c.hsCancel()
	s.roam.reset()
	s.saq = nil
	s.level = -1
	if c.port != nil {
		c.port.Close()
	}
	if deauthenticate {
		s.setState(Disconnecting, why)
		s.sendDisconnect(why)
	}
	c.wipeSecrets()
	s.ordered = rankNetworks(s.networks)
	s.publish()
}

// ownDisconnectWindow is how long after our CMD_DISCONNECT a local
// disconnect event (reason 3) is taken for its echo.
const ownDisconnectWindow = 2 * time.Second

// disconnectTimeout bounds a CMD_DISCONNECT (and so what waits for it).
const disconnectTimeout = 3 * time.Second

// sendDisconnect sends CMD_DISCONNECT (deauthenticated because leaving) in
// the background. Whatever the station asks of the kernel
// after it waits until it is done (see async): a disconnect landing after
// the next attempt's connect would end that one instead.
func (s *Station) sendDisconnect(why string) {
	s.leftAt = time.Now()
	prev, done := s.leaving, make(chan struct{})
	s.leaving = done
	// The background scan of the bands left for later is aborted first,
	// and the disconnect waits for the radio to be back on the channel:
	// a deauthentication sent while it listens elsewhere is lost, and
	// the AP keeps the station, then answers its next association with a
	// comeback time (CI's TestWifidFILS: FILS's association timed out).
	var scan chan struct{}
	if s.restScan {
		s.abortRestScan("disconnect")
		scan = s.scanEnded
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		defer close(done)
		if prev != nil {
			<-prev
		}
		if scan != nil {
			<-scan // bounded: the scan has a timeout and was cancelled
		}
		ctx, cancel := context.WithTimeout(context.Background(), disconnectTimeout)
		defer cancel()
		if err := s.cfg.Kernel.Disconnect(ctx, s.cfg.Ifindex, uint16(ie.ReasonLeavingNetworkDeauth)); err != nil {
			s.log.Debug("disconnect", "why", why, "err", err)
		}
	}()
}

// controlPortOverNL80211 says whether EAPOL goes over nl80211's control
// port: when the radio has it and neither main.conf's
// ControlPortOverNL80211=false nor [DriverQuirks] ForcePae says otherwise.
func (s *Station) controlPortOverNL80211() bool {
	return !s.cfg.ForcePAE && (s.cfg.Wiphy == nil || s.cfg.Wiphy.SupportsControlPortOverNL80211())
}
