package station

import "errors"

// rejectionsToGiveUp is how many times in a row a network's secret must be
// refused before autoconnect leaves the network alone until its file
// changes or a user connects.
//
// One refusal is weak evidence: a deauthentication with reason 2 or 15
// during the 4-way handshake, an SAE confirm with a failure status and
// silence after our confirm are all unprotected, so anyone in range can
// forge them (or a busy AP can drop a frame), and giving up at the first
// would let one forged frame keep a laptop off its network for good. iwd
// never gives up in autoconnect (it retries on its scan schedule) and asks
// the agent again after a user's connect fails; wifid counts: each refusal
// comes after a periodic scan (the BSS was tried since the last one), so
// three take about half a minute and then stop.
const rejectionsToGiveUp = 3

// rejections counts, per network ID, the refusals of its secret since the
// last success, user connect or file change.
type rejections map[string]int

// bad reports whether the network's secret was refused often enough that
// autoconnect skips it.
func (r rejections) bad(id string) bool { return r[id] >= rejectionsToGiveUp }

// giveUp marks the network bad at once: a fact wifid knows itself (the file
// lacks a setting, a method is not supported), not evidence from the air.
func (r rejections) giveUp(id string) { r[id] = rejectionsToGiveUp }

// credentialsRejected ends attempt a, whose secret the AP (or the 802.1X
// server) refused: one more piece of evidence against the network's
// secret. The BSS is not blacklisted (it did nothing wrong if the secret is
// wrong); a user's connect goes on to the network's next BSS, a second
// opinion, until the evidence is enough.
func (s *Station) credentialsRejected(a *attempt, err error) {
	id := a.network.ID()
	if !a.rejected {
		a.rejected = true
		s.rejected[id]++
	}
	n := s.rejected[id]
	if s.rejected.bad(id) {
		s.log.Warn("credentials rejected; autoconnect skips the network until its file changes",
			"network", a.network.SSID, "rejections", n, "err", err)
		s.event("connect-failed-credentials", id)
		s.failAttempt(err, false)
		return
	}
	s.log.Warn("credentials rejected?", "network", a.network.SSID, "rejections", n,
		"give_up_at", rejectionsToGiveUp, "err", err)
	s.failBSS(err, false)
}

// wrongSecret is the error of an attempt whose passphrase was refused.
func wrongSecret(why string) error { return errors.New(why + " (wrong passphrase?)") }
