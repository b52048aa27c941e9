package station

import "wifid/internal/secret"

// Secrets of an attempt and of a connection (PSK or PMK, SAE password,
// the PMKs of EAP and of the PMKSA cache) are []byte the owner wipes when
// it is done: each attempt and each connection holds copies of its own,
// so one owner's wipe never reaches another's key. An attempt hands its
// PMK and password on (to the next BSS's attempt, or to the connection it
// makes) by moving them: it keeps nothing it gave away. The handshake
// goroutine owns the Supplicant and the cached PMK of 802.1X and wipes
// them when it ends (handshake.go, eap.go). What remains a string (a
// passphrase from the network file or the agent, the agent's 802.1X
// answers, the PSK written into a network file) cannot be wiped; see
// internal/secret.

// wipeSecrets zeroes the secrets attempt a still holds. On the loop, once
// a is retired or has handed its PMK on.
func (a *attempt) wipeSecrets() {
	a.stopFTTimer()
	a.ftKeys.Wipe()
	a.ftStart.Wipe()
	if a.ftTr != nil {
		a.ftTr.Wipe()
	}
	a.ftKeys, a.ftStart = nil, nil
	secret.Zero(a.pmk, a.password, a.eapPMK)
	a.pmk, a.password, a.eapPMK = nil, nil, nil
	if a.sae != nil {
		a.sae.Close()
	}
	if a.kp == nil {
		// No handshake goroutine took cachedPMK.
		secret.Zero(a.cachedPMK)
		a.cachedPMK = nil
	}
	a.answers = nil
	// OWE: the key pair goes (crypto/ecdh keeps its scalar out of
	// reach), and a PMK the handshake goroutine never took is wiped.
	a.owe = nil
	if a.owePMK != nil {
		select {
		case pmk := <-a.owePMK:
			secret.Zero(pmk)
		default:
		}
	}
	if a.erp != nil {
		secret.Zero(a.erp.EMSK) // the station's ERP entry has its own
		a.erp = nil
	}
	if f := a.fils; f != nil {
		if f.sess != nil {
			f.sess.Close()
		}
		if f.keys != nil {
			// The FILS PMK went to a.pmk (wiped above, or the
			// connection's now); the Supplicant has copies of the
			// KEK and TK.
			secret.Zero(f.keys.ICK, f.keys.KEK, f.keys.TK, f.keys.FILSFT)
		}
	}
}

// wipeSecrets zeroes the secrets of connection c, torn down.
func (c *connection) wipeSecrets() {
	c.ftKeys.Wipe()
	c.ftKeys = nil
	secret.Zero(c.pmk, c.password)
	c.pmk, c.password, c.answers = nil, nil, nil
}
