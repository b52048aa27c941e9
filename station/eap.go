package station

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"wifid/eapol"
	"wifid/eapol/eap"
	"wifid/eapol/eap/erp"
	"wifid/internal/secret"
	"wifid/knownnetworks"
	"wifid/knownnetworks/eapconf"
	"wifid/station/eapmethod"
)

// WPA2-Enterprise: before CMD_CONNECT the network file's EAP settings are
// read and what they lack is asked of the agent (eapSettings); after the
// association the EAP conversation runs over the EAPOL port on the
// handshake goroutine (runEAP), and its MSK's PMK starts the 4-way
// handshake. A conversation the server refuses ends the attempt without a
// retry: no next BSS, no blacklist, and autoconnect leaves the network
// alone until its file changes or the user connects (iwd 2.3 does not
// retry on reason 802.1X-auth-failed either).

// maxSecretRounds bounds the agent round trips of one attempt (outer
// password, inner password, key passphrase: three at most in iwd's keys).
const maxSecretRounds = 4

// eapolVersion is the EAPOL protocol version of our EAPOL-Start (IEEE
// 802.1X-2004, as hostapd's default and iwd's); responses echo the AP's.
const eapolVersion = 2

// ErrEAP is wrapped by the failure of an EAP conversation (the server's
// EAP-Failure, a certificate that failed validation, a method error).
var ErrEAP = errors.New("EAP authentication failed")

// eapSettings reads the network file's EAP settings, asks the agent for
// the secrets they lack (in the background), makes the conversation's
// settings and sends CMD_CONNECT.
func (s *Station) eapSettings(a *attempt) {
	n := a.network
	f := n.Known.File()
	if a.answers == nil {
		a.answers = eapconf.Answers{}
	}
	answers := a.answers
	s.setStage(a, stageSecrets, "802.1X settings")
	a.tl.Begin(PhaseSecrets)
	s.async(func() func() {
		newEAP, asked, warning, err := s.eapConfig(a.ctx, n.SSID, f, answers, a.kind == kindConnect)
		var cfg eap.Config
		if err == nil {
			cfg, err = newEAP()
		}
		return func() {
			if s.attempt != a {
				return
			}
			if err != nil {
				if errors.Is(err, ErrNotConfigured) || errors.Is(err, ErrNotSupported) {
					// Not again until the file changes or the user
					// connects, so autoconnect does not spin on it.
					s.rejected.giveUp(n.ID())
				}
				s.failAttempt(err, false)
				return
			}
			detail := "file"
			if asked > 0 {
				detail = fmt.Sprintf("agent asked %d times", asked)
			}
			a.tl.Done(detail)
			if warning != "" {
				a.tl.Warn(warning)
			}
			a.eap, a.newEAP = &cfg, newEAP
			a.associated = make(chan struct{})
			s.sendConnect(a)
		}
	})
}

// eapConfig parses f with the answers so far, asks the agent for each
// secret still missing and parses again; it returns what makes a
// conversation's settings (a fresh method each time, for the first
// conversation and each re-authentication). It runs
// off the loop (the agent and the certificate files take their time).
// Only a user's connect asks (mayAsk): autoconnect, as iwd's, skips a
// network whose file lacks secrets. warning is what the user must know
// about the settings (no CA certificate), "" for nothing.
func (s *Station) eapConfig(ctx context.Context, ssid string, f *knownnetworks.File, answers eapconf.Answers, mayAsk bool) (_ func() (eap.Config, error), asked int, warning string, _ error) {
	for round := 0; ; round++ {
		c, err := eapconf.Parse(f, answers)
		if err != nil {
			return nil, asked, "", settingsError(err)
		}
		missing, err := c.Missing()
		if err != nil {
			return nil, asked, "", settingsError(err)
		}
		if len(missing) == 0 {
			if len(c.Unused) > 0 {
				s.log.Warn("network file keys not used", "network", ssid, "keys", c.Unused)
			}
			warning = warnUnchecked(s, ssid, c)
			return func() (eap.Config, error) {
				cfg, err := eapmethod.Config(c, eapmethod.Options{Logger: s.log})
				if err != nil {
					return eap.Config{}, settingsError(err)
				}
				return cfg, nil
			}, asked, warning, nil
		}
		if round >= maxSecretRounds {
			return nil, asked, "", fmt.Errorf("%w: %s still missing after %d agent requests", ErrNotConfigured, missing[0].Key, asked)
		}
		if !mayAsk {
			return nil, asked, "", fmt.Errorf("%w: %s missing (autoconnect does not ask the agent)", ErrNotConfigured, missing[0].Key)
		}
		if s.cfg.Agent == nil {
			return nil, asked, "", fmt.Errorf("%s for %s: %w", missing[0].Kind.AgentMethod(), missing[0].Key, ErrNoAgent)
		}
		for _, r := range missing {
			s.log.Info("asking the agent", "network", ssid, "request", r.Kind.AgentMethod(), "key", r.Key)
			asked++
			var v, pass string
			switch r.Kind {
			case eapconf.UserNameAndPassword:
				v, pass, err = s.cfg.Agent.RequestUserNameAndPassword(ctx, ssid)
			case eapconf.UserPassword:
				v, err = s.cfg.Agent.RequestUserPassword(ctx, ssid, r.User)
			case eapconf.PrivateKeyPassphrase:
				v, err = s.cfg.Agent.RequestPrivateKeyPassphrase(ctx, ssid)
			default:
				err = fmt.Errorf("agent request %v unknown", r.Kind)
			}
			if err != nil {
				return nil, asked, "", err
			}
			answers.Put(r, knownnetworks.Secret(v), knownnetworks.Secret(pass))
		}
	}
}

// warnUnchecked says, once per attempt, that a TLS-based method will not
// authenticate the server: anyone in radio range with the SSID can pose as
// the network and learn the inner identity and a password's challenge
// response (iwd logs a warning too; eapol/eap/tls repeats it per
// conversation). It returns the warning for the attempt's timeline, which
// D-Bus shows (LastConnect's Warnings), "" when the server is checked.
func warnUnchecked(s *Station, ssid string, c *eapconf.Config) string {
	for ; c != nil; c = c.Phase2 {
		if c.TLS != nil && c.TLS.CACert == "" {
			s.log.Warn("no CA certificate: the server's identity will not be checked", "network", ssid,
				"key", c.TLS.Prefix+eapconf.KeyCACert)
			return "server not authenticated: the network file has no " + c.TLS.Prefix + eapconf.KeyCACert
		}
	}
	return ""
}

// eapOutcome is what a successful EAP conversation gives the handshake:
// the PMK, the EAPOL-Key frame that stood for a lost EAP-Success (nil if
// none), and the ERP material for FILS later (nil if none).
type eapOutcome struct {
	pmk, first []byte
	erp        *erp.Material
}

// runEAP is the EAP conversation of attempt a, on the handshake
// goroutine: EAP-Packets from frames go to a Peer, its responses to the
// AP; an AP silent after the association gets one EAPOL-Start. It returns
// the PMK on EAP-Success, with the EAPOL-Key frame that stood for a lost
// EAP-Success (nil if none) for the 4-way handshake to take first.
// pending, if not nil, is an EAPOL frame received already (the AP's EAP
// Request after a PMKSA it did not take), handled first.
func (s *Station) runEAP(a *attempt, kp *keyPort, frames <-chan []byte, pending []byte) (out eapOutcome, err error) {
	peer, err := eap.NewPeer(*a.eap)
	if err != nil {
		return eapOutcome{}, err
	}
	defer peer.Close() // after done took the PMK: wipes the MSK, closes the method
	pmkLen := eapol.PMKLen(a.sec.akm)
	ctx, cancel := context.WithTimeout(a.ctx, s.cfg.eapTimeout)
	defer cancel()
	var startTimer <-chan time.Time
	associated := a.associated
	var first []byte
	done := func() (eapOutcome, error) {
		if peer.State() != eap.Success {
			return eapOutcome{}, fmt.Errorf("%w: %v", ErrEAP, peer.Err())
		}
		res, err := peer.Result()
		if err != nil {
			return eapOutcome{}, err
		}
		var pmk []byte
		if eapol.IsFT(a.sec.akm) {
			// FT-802.1X: XXKey, the MSK's second 256 bits (12.7.1.7.3).
			if len(res.MSK) < 64 {
				return eapOutcome{}, fmt.Errorf("eap: %v gave a %d-octet MSK, FT needs 64", res.Method, len(res.MSK))
			}
			pmk = bytes.Clone(res.MSK[32:64])
		} else if pmk, err = res.PMK(pmkLen); err != nil {
			return eapOutcome{}, err
		}
		return eapOutcome{pmk: pmk, first: first, erp: erpMaterial(res, a.eap.Identity)}, err
	}
	// frame handles one EAPOL frame; end says the conversation is over
	// (done's results, or err).
	frame := func(f []byte) (end bool, err error) {
		h, body, err := eapol.ParseEAPFrame(f)
		if err != nil && h.Type == eapol.PacketKey && peer.State() != eap.Success {
			// Message 1 before EAP-Success: the Success was lost
			// (RFC 4137 altAccept), if the method is done.
			if err := peer.AltAccept(); err != nil {
				s.log.Debug("EAPOL-Key before EAP-Success dropped", "err", err)
				return false, nil
			}
			first = f
			return true, nil
		}
		if err != nil {
			s.log.Debug("EAPOL frame dropped during EAP", "err", err)
			return false, nil
		}
		startTimer = nil
		resp, err := peer.Receive(ctx, body)
		if errors.Is(err, eap.ErrDropped) {
			s.log.Debug("EAP packet dropped", "err", err)
			return false, nil
		}
		if resp != nil {
			fr, ferr := eapol.EAPFrame(h.Version, resp)
			if ferr == nil {
				ferr = kp.SendEAPOL(fr)
			}
			if ferr != nil {
				return true, fmt.Errorf("EAP response not sent: %w", ferr)
			}
		}
		st := peer.State()
		return st == eap.Success || st == eap.Failure, nil
	}
	if pending != nil {
		if end, err := frame(pending); err != nil {
			return eapOutcome{}, err
		} else if end {
			return done()
		}
	}
	for {
		select {
		case <-ctx.Done():
			if a.ctx.Err() != nil {
				return eapOutcome{}, a.ctx.Err()
			}
			return eapOutcome{}, fmt.Errorf("%w: no EAP-Success within %v (peer %v)", ErrEAP, s.cfg.eapTimeout, peer.State())
		case <-associated:
			associated = nil
			t := time.NewTimer(s.cfg.eapolStartDelay)
			defer t.Stop()
			startTimer = t.C
		case <-startTimer:
			startTimer = nil
			if peer.State() == eap.Idle {
				s.log.Info("the AP is silent: sending EAPOL-Start", "after", s.cfg.eapolStartDelay)
				if err := kp.SendEAPOL(eapol.StartFrame(eapolVersion)); err != nil {
					s.log.Warn("EAPOL-Start not sent", "err", err)
				}
			}
		case f, ok := <-frames:
			if !ok {
				return eapOutcome{}, fmt.Errorf("%w: EAPOL port closed", ErrEAP)
			}
			if end, err := frame(f); err != nil {
				return eapOutcome{}, err
			} else if end {
				return done()
			}
		}
	}
}

// onEAPSuccess: the PMK is in the supplicant; the 4-way handshake runs
// (and pmk is cached when it completes).
func (s *Station) onEAPSuccess(a *attempt, pmk []byte, material *erp.Material) {
	if s.attempt != a {
		secret.Zero(pmk) // the Supplicant has its copy
		return
	}
	a.eapPMK, a.erp = pmk, material
	a.tl.Done(a.eap.Method.Type().String())
	s.log.Info("EAP success", "network", a.network.SSID, "method", a.eap.Method.Type().String())
	s.setStage(a, stageHandshake, "EAP success")
	a.tl.Begin(PhaseFourWay)
	s.event("handshake-started", a.bss.Addr.String())
}

// onEAPFailed ends attempt a: a conversation the server refused (or
// whose server failed our checks) is not retried elsewhere or later.
func (s *Station) onEAPFailed(a *attempt, err error) {
	if s.attempt != a {
		return
	}
	a.tl.Done("failed")
	if errors.Is(err, ErrEAP) {
		// The server refused us, or failed our checks of it: evidence
		// counted (credentials.go), as one forged EAP-Failure or a rogue
		// twin must not keep the network off for good.
		s.credentialsRejected(a, err)
		return
	}
	s.failAttempt(err, false)
}

// settingsError says what a network file's EAP settings lack, as iwd
// answers Connect: NotSupported for a method wifid lacks, NotConfigured for
// the rest.
func settingsError(err error) error {
	if errors.Is(err, eapconf.ErrUnsupportedMethod) {
		return fmt.Errorf("%w: %v", ErrNotSupported, err)
	}
	return fmt.Errorf("%w: %v", ErrNotConfigured, err)
}

// run8021X is the handshake goroutine of an 802.1X connection: the first
// EAP conversation (runEAP), the 4-way handshake with its PMK, then for
// the connection's life the AP's re-authentications: an EAP-Request/
// Identity starts a new conversation whose PMK keys the 4-way handshake
// the AP runs after it (hostapd's eap_reauth_period, an hour by default).
// It returns the handshake's failure; EAP's it posts itself.
func (s *Station) run8021X(a *attempt, kp *keyPort, frames <-chan []byte,
	newSupplicant func([]byte) (*eapol.Supplicant, error), post func(func())) error {
	// This goroutine owns the cached PMK once it runs (the Supplicant
	// takes a copy); the loop leaves it alone (attempt.wipeSecrets).
	defer func() {
		secret.Zero(a.cachedPMK)
		a.cachedPMK = nil
	}()
	// The loop hears of the association first: the AP's frames may come
	// before the connect event (the fake air sends them at once), and
	// what this goroutine posts must follow it (onConnectEvent begins
	// phase eap; onEAPSuccess and onPMKSAHit end it).
	select {
	case <-a.ctx.Done():
		return nil
	case <-a.associated:
	}
	var pmk, first []byte
	var err error
	cached := false
	if a.cachedPMK != nil {
		pmk, first, err = s.pmksaHandshake(a, kp, frames, post)
		cached = pmk != nil
	}
	var material *erp.Material
	if err == nil && pmk == nil {
		var out eapOutcome
		out, err = s.runEAP(a, kp, frames, first)
		pmk, first, material = out.pmk, out.first, out.erp
	}
	var sup *eapol.Supplicant
	if err == nil {
		sup, err = newSupplicant(pmk)
	}
	if errors.Is(err, context.Canceled) {
		if !cached {
			secret.Zero(pmk)
		}
		return nil
	}
	if err != nil {
		if !cached {
			secret.Zero(pmk)
		}
		post(func() { s.onEAPFailed(a, err) })
		return nil
	}
	defer sup.Close() // the goroutine's end is the keys' end
	if cached {
		post(func() { s.onPMKSAHit(a) })
	} else {
		post(func() { s.onEAPSuccess(a, pmk, material) })
	}
	receive := func(f []byte) error {
		var herr *eapol.HandshakeError
		err := sup.Receive(f)
		if errors.As(err, &herr) {
			return herr
		}
		if err != nil {
			s.log.Debug("eapol: frame ignored", "err", err)
		}
		return nil
	}
	if first != nil {
		if err := receive(first); err != nil {
			return err
		}
	}
	deadline := time.NewTimer(s.cfg.handshakeTimeout)
	defer deadline.Stop()
	var reauth *eap.Peer
	defer func() { closeMethod(reauth) }()
	for {
		select {
		case <-a.ctx.Done():
			return a.ctx.Err()
		case <-deadline.C:
			if err := sup.Expire(); err != nil {
				return err
			}
		case f, ok := <-frames:
			if !ok {
				return nil
			}
			h, body, perr := eapol.ParseEAPFrame(f)
			if perr != nil {
				if h.Type != eapol.PacketKey {
					s.log.Debug("EAPOL frame dropped", "err", perr)
					continue
				}
				if err := receive(f); err != nil {
					return err
				}
				continue
			}
			if reauth, err = s.reauthenticate(a, kp, reauth, h.Version, body); err != nil {
				return err
			}
			if reauth != nil && reauth.State() == eap.Success {
				res, _ := reauth.Result()
				newPMK, err := res.PMK(len(pmk))
				if err == nil {
					err = sup.SetPMK(newPMK) // a copy of its own
				}
				if err == nil {
					// The AP's PMKSA is the new one now.
					post(func() { s.cachePMKSA(a, newPMK); secret.Zero(newPMK) })
				} else {
					secret.Zero(newPMK)
				}
				reauth.Close() // newPMK is a copy
				reauth = nil
				s.log.Info("EAP re-authentication succeeded", "network", a.network.SSID)
				var herr *eapol.HandshakeError
				if errors.As(err, &herr) {
					return herr
				}
				if err != nil {
					s.log.Warn("EAP re-authentication's PMK not taken", "err", err)
				}
			}
		}
	}
}

// reauthenticate feeds one EAP packet of a re-authentication to peer (a
// new one for an Identity Request when none runs) and sends its answer. A
// failed re-authentication is logged; the AP ends the association.
func (s *Station) reauthenticate(a *attempt, kp *keyPort, peer *eap.Peer, version uint8, body []byte) (*eap.Peer, error) {
	if peer == nil {
		pkt, err := eap.Parse(body)
		if err != nil || pkt.Code != eap.CodeRequest || pkt.Type != eap.TypeIdentity {
			s.log.Debug("EAP packet outside a conversation dropped", "err", err)
			return nil, nil
		}
		cfg, err := a.newEAP()
		if err == nil {
			peer, err = eap.NewPeer(cfg)
		}
		if err != nil {
			s.log.Warn("EAP re-authentication not possible", "err", err)
			return nil, nil
		}
		s.log.Info("EAP re-authentication", "network", a.network.SSID)
	}
	resp, err := peer.Receive(a.ctx, body)
	if errors.Is(err, eap.ErrDropped) {
		s.log.Debug("EAP packet dropped", "err", err)
		return peer, nil
	}
	if resp != nil {
		fr, ferr := eapol.EAPFrame(version, resp)
		if ferr == nil {
			ferr = kp.SendEAPOL(fr)
		}
		if ferr != nil {
			s.log.Warn("EAP response not sent", "err", ferr)
		}
	}
	if peer.State() == eap.Failure {
		s.log.Warn("EAP re-authentication failed", "network", a.network.SSID, "err", peer.Err())
		closeMethod(peer)
		return nil, nil
	}
	return peer, nil
}

// closeMethod ends a conversation: its keys wiped, its method closed
// (the TLS methods' tunnels).
func closeMethod(p *eap.Peer) {
	if p != nil {
		p.Close()
	}
}
