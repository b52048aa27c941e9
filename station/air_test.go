package station

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"slices"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"wifid/eapol"
	"wifid/eapol/eap/eaptest"
	"wifid/eapol/eapoltest"
	"wifid/eapol/sae"
	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// air is a scripted kernel with scripted APs: scans answer with the APs'
// BSSes; CMD_CONNECT (or, for SAE, CMD_AUTHENTICATE and CMD_ASSOCIATE) is
// answered with the events an AP and the kernel would send; the EAPOL port
// is in memory, wired to eapoltest's authenticator playing the AP. A whole
// connect, 4-way handshake included, runs without a radio.
type air struct {
	t      *testing.T
	events chan nl80211.Event
	sta    net.HardwareAddr

	mu         sync.Mutex
	aps        []*airAP
	cur        *airAP   // the AP being joined or joined
	port       *memPort // the open EAPOL port
	connects   []string // BSSIDs of CMD_CONNECT and CMD_ASSOCIATE, in order
	discs      int
	keys       []nl80211.Key
	authorized bool
	eapolSent  int // EAPOL frames the station sent
}

// airAP is one scripted AP.
type airAP struct {
	ssid     string
	bssid    net.HardwareAddr
	sec      eapoltest.Config // zero AKM: an open network
	password string           // the AP's passphrase (PSK and SAE)
	// Misbehaviour: never send message 1, or never answer message 2.
	noMsg1, noMsg3 bool
	// forged counts down the message 2s answered with a deauthentication
	// (reason 15) whatever their MIC: a rogue's forged frame, or an AP
	// that lost one.
	forged int
	// deauthFirst deauthenticates (reason 2) instead of sending message 1.
	deauthFirst bool
	// 802.1X: a fresh EAP server per association (eaptest's), its MSK
	// the 4-way handshake's PMK; eapSilent waits for an EAPOL-Start.
	newEAP    func() *eaptest.Server
	eapSilent bool
	eap       *eaptest.Server // the running conversation
	eapStarts int             // EAPOL-Starts received
	// pmksa, when not nil, is the AP's PMKSA cache (PMKID to PMK) of
	// 802.1X: an association naming a PMKID it holds skips EAP, its
	// message 1 names the PMKID; offered are the PMKIDs the station sent.
	pmksa   map[ie.PMKID][]byte
	offered []ie.PMKID
	// refusePMKID refuses an association naming PMKIDs the AP does not
	// hold with status 53 (as 12.6.10.3 asks for SAE's PMKSAs).
	refusePMKID bool
	// otherPMKID answers an association naming PMKIDs the AP does not
	// hold with a message 1 naming another one, then runs EAP on the
	// station's EAPOL-Start.
	otherPMKID bool
	// staRSNE is the RSN element of the association request: message 2
	// must carry the same octets (hostapd compares them whole).
	staRSNE []byte
	mbm     int32 // signal in mBm; zero: -40 dBm
	// OWE: the groups the AP takes (others get status 77), the groups
	// the station offered, and the AP's element of the running
	// association (its Association Response's).
	oweGroups  []int
	oweOffered []int
	respIEs    []byte
	// hidden: the SSID is only in answers to a directed scan for it;
	// extraIEs are added to the AP's elements (an OWE Transition Mode
	// element); connectSSIDs are the SSIDs of the station's CMD_CONNECTs.
	hidden       bool
	extraIEs     []byte
	connectSSIDs []string
	// otherExchange: the next association's message 1 names a PMKID of
	// another OWE exchange (the AP answered a repeated request).
	otherExchange bool

	auth    *eapoltest.Authenticator // the running 4-way handshake
	sae     *sae.SAE                 // the running SAE exchange
	confirm sae.Message              // the AP's confirm, sent after the station's
	pmk     []byte
}

func newAir(t *testing.T, sta net.HardwareAddr, aps ...*airAP) *air {
	return &air{t: t, events: make(chan nl80211.Event, 16), sta: sta, aps: aps}
}

// pskAP is a WPA2-Personal AP (PSK, CCMP) with passphrase pass.
func pskAP(ssid string, last byte, pass string) *airAP {
	return &airAP{ssid: ssid, bssid: net.HardwareAddr{2, 0, 0, 0, 0, last}, password: pass,
		sec: eapoltest.Config{AKM: ie.AKMPSK, Pairwise: ie.CipherCCMP128, Group: ie.CipherCCMP128}}
}

// saeAP is a WPA3-Personal AP (SAE, CCMP, MFP) with passphrase pass.
func saeAP(ssid string, last byte, pass string) *airAP {
	return &airAP{ssid: ssid, bssid: net.HardwareAddr{2, 0, 0, 0, 0, last}, password: pass,
		sec: eapoltest.Config{AKM: ie.AKMSAE, Pairwise: ie.CipherCCMP128, Group: ie.CipherCCMP128,
			MFP: true, Mgmt: ie.CipherBIPCMAC128}}
}

// scanResult is the AP as a scan shows it: SSID, rates, channel 1 and the
// authenticator's own RSN element.
func (ap *airAP) scanResult(probed [][]byte) *nl80211.BSS {
	ssid := ap.ssid
	if ap.hidden && !slices.ContainsFunc(probed, func(s []byte) bool { return string(s) == ap.ssid }) {
		ssid = ""
	}
	b := openBSS(ssid, ap.bssid[5])
	b.IEs = append(b.IEs, ap.extraIEs...)
	if ap.mbm != 0 {
		b.SignalMBm = ap.mbm
	}
	if ap.sec.AKM != 0 {
		c := ap.sec
		b.IEs = append(b.IEs, eapoltest.RSNE(c, 0x000c)...)
		b.Capability |= 0x10
	}
	return b
}

func (k *air) ap(bssid net.HardwareAddr) *airAP {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, ap := range k.aps {
		if ap.bssid.String() == bssid.String() {
			return ap
		}
	}
	return nil
}

func (k *air) Scan(ctx context.Context, ifindex int, req nl80211.ScanRequest) ([]*nl80211.BSS, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []*nl80211.BSS
	for _, ap := range k.aps {
		out = append(out, ap.scanResult(req.SSIDs))
	}
	return out, nil
}

// Connect: the kernel's SME associates; the AP starts the 4-way handshake
// with the PMK of its passphrase.
func (k *air) Connect(ctx context.Context, ifindex int, req nl80211.ConnectRequest) error {
	ap := k.ap(req.BSSID)
	if ap == nil {
		k.t.Errorf("CMD_CONNECT to %v: no such AP", req.BSSID)
		return unix.ENOENT
	}
	k.mu.Lock()
	ap.connectSSIDs = append(ap.connectSSIDs, string(req.SSID))
	k.mu.Unlock()
	var pmk []byte
	if ap.sec.AKM == ie.AKMOWE {
		return k.oweConnect(ap, req)
	}
	if ap.sec.AKM != 0 && eapol.UsesPSK(ap.sec.AKM) {
		var err error
		if pmk, err = eapol.PSKFromPassphrase(ap.password, []byte(ap.ssid)); err != nil {
			k.t.Errorf("AP passphrase: %v", err)
		}
	}
	id, named, ok := k.cachedPMKSA(ap, req.IEs)
	if named && !ok && ap.refusePMKID {
		k.mu.Lock()
		k.connects = append(k.connects, ap.bssid.String())
		k.mu.Unlock()
		k.events <- &nl80211.ConnectEvent{BSSID: ap.bssid, Status: uint16(ie.StatusInvalidPMKID)}
		return nil
	}
	if named && !ok && ap.otherPMKID {
		k.mu.Lock()
		k.connects = append(k.connects, ap.bssid.String())
		k.cur, ap.eap = ap, ap.newEAP()
		ap.startAuth(k.t, k.sta, bytes.Repeat([]byte{9}, 32))
		port := k.port
		k.mu.Unlock()
		k.events <- &nl80211.ConnectEvent{BSSID: ap.bssid}
		port.deliver(ap.bssid, ap.auth.Msg1PMKID(bytes.Repeat([]byte{0xee}, 16)))
		return nil
	}
	if ok {
		k.mu.Lock()
		k.connects = append(k.connects, ap.bssid.String())
		k.cur, ap.eap = ap, nil
		ap.startAuth(k.t, k.sta, ap.pmksa[id])
		port := k.port
		k.mu.Unlock()
		k.events <- &nl80211.ConnectEvent{BSSID: ap.bssid}
		port.deliver(ap.bssid, ap.auth.Msg1PMKID(id[:]))
		return nil
	}
	k.associated(ap, pmk)
	return nil
}

// oweConnect plays an OWE AP's association: the station's Diffie-Hellman
// element of a group the AP takes gets the AP's in the response and the
// 4-way handshake with the exchange's PMK; another group gets status 77.
func (k *air) oweConnect(ap *airAP, req nl80211.ConnectRequest) error {
	k.cachedPMKSA(ap, req.IEs) // notes the station's RSN element
	var dh []byte
	for el, err := range ie.Walk(req.IEs) {
		if err == nil && el.Is(ie.IDExtension, ie.ExtOWEDHParam) {
			dh = el.Raw
		}
	}
	if len(dh) < 5 {
		k.t.Errorf("OWE association request without a Diffie-Hellman element: %x", req.IEs)
		return unix.EINVAL
	}
	group := int(binary.LittleEndian.Uint16(dh[3:]))
	k.mu.Lock()
	ap.oweOffered = append(ap.oweOffered, group)
	k.mu.Unlock()
	if !slices.Contains(ap.oweGroups, group) {
		k.mu.Lock()
		k.connects = append(k.connects, ap.bssid.String())
		k.mu.Unlock()
		k.events <- &nl80211.ConnectEvent{BSSID: ap.bssid, Status: uint16(ie.StatusUnsupportedFiniteCyclicGroup)}
		return nil
	}
	el, pmk, _, err := eapoltest.OWEResponse(dh)
	if err != nil {
		k.t.Errorf("AP OWE: %v", err)
		return err
	}
	k.mu.Lock()
	ap.respIEs = el
	k.mu.Unlock()
	k.associated(ap, pmk)
	return nil
}

// cachedPMKSA notes the PMKIDs of the station's RSN element (named: it has
// some) and says which one the AP holds.
func (k *air) cachedPMKSA(ap *airAP, ies []byte) (id ie.PMKID, named, ok bool) {
	if len(ies) < 2 || ies[0] != byte(ie.IDRSN) {
		return ie.PMKID{}, false, false
	}
	r, err := ie.ParseRSN(ies[2 : 2+int(ies[1])])
	if err != nil {
		k.t.Errorf("the station's RSNE: %v", err)
		return ie.PMKID{}, false, false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	ap.offered = append(ap.offered, r.PMKIDs...)
	ap.staRSNE = ies[:2+int(ies[1])]
	for _, id := range r.PMKIDs {
		if _, ok := ap.pmksa[id]; ok {
			return id, true, true
		}
	}
	return ie.PMKID{}, len(r.PMKIDs) > 0, false
}

// Authenticate plays the AP's side of SAE: the station's commit gets the
// AP's commit, its confirm the AP's confirm (or a refusal).
func (k *air) Authenticate(ctx context.Context, ifindex int, req nl80211.AuthenticateRequest) error {
	ap := k.ap(req.BSSID)
	if ap == nil || len(req.AuthData) < 4 {
		k.t.Errorf("CMD_AUTHENTICATE %+v: no such AP or no SAE data", req)
		return unix.EINVAL
	}
	seq, status := binary.LittleEndian.Uint16(req.AuthData), binary.LittleEndian.Uint16(req.AuthData[2:])
	body := req.AuthData[4:]
	k.mu.Lock()
	defer k.mu.Unlock()
	switch seq {
	case sae.SeqCommit:
		var own, peer [6]byte
		copy(own[:], ap.bssid)
		copy(peer[:], k.sta)
		x, err := sae.New(sae.Config{Password: []byte(ap.password), SSID: []byte(ap.ssid), Own: own, Peer: peer})
		if err != nil {
			k.t.Errorf("AP SAE: %v", err)
			return err
		}
		st, b, err := x.Commit()
		if err != nil {
			k.t.Errorf("AP SAE commit: %v", err)
			return err
		}
		confirm, err := x.Receive(seq, status, body)
		if err != nil {
			k.t.Errorf("AP on the station's commit: %v", err)
			return err
		}
		ap.sae, ap.confirm = x, confirm
		k.events <- authEvent(authFrame(ap.bssid, k.sta, sae.Message{Seq: sae.SeqCommit, Status: st, Body: b}))
	case sae.SeqConfirm:
		if _, err := ap.sae.Receive(seq, status, body); err != nil || !ap.sae.Done() {
			// hostapd refuses a confirm it cannot verify.
			k.events <- authEvent(authFrame(ap.bssid, k.sta, sae.Message{Seq: sae.SeqConfirm, Status: 1}))
			return nil
		}
		k.events <- authEvent(authFrame(ap.bssid, k.sta, ap.confirm))
	}
	return nil
}

// Associate follows SAE: the 4-way handshake runs with SAE's PMK.
func (k *air) Associate(ctx context.Context, ifindex int, req nl80211.AssociateRequest) error {
	ap := k.ap(req.BSSID)
	if ap == nil || ap.sae == nil || !ap.sae.Done() {
		k.t.Errorf("CMD_ASSOCIATE to %v without SAE", req.BSSID)
		return unix.EINVAL
	}
	k.associated(ap, ap.sae.PMK())
	return nil
}

// associated reports the association and starts the AP's handshake.
func (k *air) associated(ap *airAP, pmk []byte) {
	k.mu.Lock()
	k.connects = append(k.connects, ap.bssid.String())
	k.cur, ap.pmk = ap, pmk
	port := k.port
	ap.auth, ap.eap = nil, nil
	if ap.newEAP != nil {
		ap.eap = ap.newEAP()
		k.mu.Unlock()
		k.events <- &nl80211.ConnectEvent{BSSID: ap.bssid}
		if !ap.eapSilent {
			k.eapFirst(ap, port)
		}
		return
	}
	if ap.sec.AKM != 0 {
		ap.startAuth(k.t, k.sta, pmk)
	}
	resp := ap.respIEs
	k.mu.Unlock()
	k.events <- &nl80211.ConnectEvent{BSSID: ap.bssid, RespIEs: resp}
	if ap.sec.AKM != 0 && ap.deauthFirst {
		k.events <- &nl80211.DisconnectEvent{Reason: 2, ByAP: true}
		return
	}
	if ap.sec.AKM == ie.AKMOWE && ap.otherExchange {
		k.mu.Lock()
		ap.otherExchange = false
		k.mu.Unlock()
		port.deliver(ap.bssid, ap.auth.Msg1PMKID(bytes.Repeat([]byte{0x0e}, 16)))
		return
	}
	if ap.sec.AKM != 0 && !ap.noMsg1 {
		port.deliver(ap.bssid, ap.auth.Msg1())
	}
}

// startAuth makes the AP's 4-way handshake with pmk.
func (ap *airAP) startAuth(t *testing.T, sta net.HardwareAddr, pmk []byte) {
	c := ap.sec
	copy(c.AA[:], ap.bssid)
	copy(c.SPA[:], sta)
	ap.auth = eapoltest.New(t, c, pmk)
	if ap.staRSNE != nil {
		ap.auth.StaRSNE = ap.staRSNE
	}
}

// eapFirst sends the EAP server's first Request.
func (k *air) eapFirst(ap *airAP, port *memPort) {
	first, err := ap.eap.First()
	if err != nil {
		k.t.Errorf("EAP server: %v", err)
		return
	}
	k.deliverEAP(ap, port, first)
}

func (k *air) deliverEAP(ap *airAP, port *memPort, pkt []byte) {
	f, err := eapol.EAPFrame(2, pkt)
	if err != nil {
		k.t.Errorf("EAPOL frame: %v", err)
		return
	}
	port.deliver(ap.bssid, f)
}

// fromStationEAP plays the authenticator's EAP side: an EAPOL-Start gets
// the first Request, a Response the next packet; Success starts the 4-way
// handshake with the MSK's PMK, Failure is followed by a deauthentication
// (reason 23), as hostapd does.
func (k *air) fromStationEAP(ap *airAP, port *memPort, frame []byte) {
	h, body, err := eapol.ParseEAPFrame(frame)
	if h.Type == eapol.PacketStart {
		k.mu.Lock()
		ap.eapStarts++
		k.mu.Unlock()
		k.eapFirst(ap, port)
		return
	}
	if err != nil {
		k.t.Errorf("EAPOL frame from the station: %v", err)
		return
	}
	next, err := ap.eap.Handle(body)
	if err != nil {
		k.t.Errorf("EAP server: %v", err)
		return
	}
	k.deliverEAP(ap, port, next)
	switch ap.eap.Verdict {
	case eaptest.Accept:
		msk, _ := ap.eap.Method.Keys()
		k.mu.Lock()
		var replay uint64 // a re-authentication's 4-way goes on counting
		if ap.auth != nil {
			replay = ap.auth.Replay
		}
		ap.startAuth(k.t, k.sta, msk[:32])
		ap.auth.Replay = replay
		msg1 := ap.auth.Msg1()
		if ap.pmksa != nil {
			var aa, spa [6]byte
			copy(aa[:], ap.bssid)
			copy(spa[:], k.sta)
			id, err := eapol.PMKID(ap.sec.AKM, msk[:32], aa, spa)
			if err != nil {
				k.t.Errorf("AP PMKID: %v", err)
			}
			ap.pmksa[id] = msk[:32]
			msg1 = ap.auth.Msg1PMKID(id[:])
		}
		k.mu.Unlock()
		port.deliver(ap.bssid, msg1)
	case eaptest.Reject:
		k.events <- &nl80211.DisconnectEvent{Reason: 23, ByAP: true}
	}
}

// fromStation is an EAPOL frame the station sent: message 2 gets message 3
// (a wrong passphrase shows as a bad MIC: the AP gives up as hostapd does,
// deauthenticating with reason 15), message 4 ends the handshake.
func (k *air) fromStation(frame []byte) {
	k.mu.Lock()
	ap, port := k.cur, k.port
	k.mu.Unlock()
	if ap == nil {
		return
	}
	if ap.eap != nil && ap.eap.Verdict == eaptest.Continue {
		k.fromStationEAP(ap, port, frame)
		return
	}
	if ap.auth == nil {
		return
	}
	if ap.auth.KCK == nil {
		k.mu.Lock()
		forged := ap.forged > 0
		if forged {
			ap.forged--
		}
		k.mu.Unlock()
		if forged {
			k.events <- &nl80211.DisconnectEvent{Reason: 15, ByAP: true}
			return
		}
		if err := ap.auth.HandleMsg2(frame); err != nil {
			k.events <- &nl80211.DisconnectEvent{Reason: 15, ByAP: true}
			return
		}
		if !ap.noMsg3 {
			port.deliver(ap.bssid, ap.auth.Msg3(nil))
		}
		return
	}
	if err := ap.auth.CheckMsg4(frame); err != nil {
		k.t.Errorf("message 4: %v", err)
	}
}

func (k *air) Disconnect(ctx context.Context, ifindex int, reason uint16) error {
	k.mu.Lock()
	k.discs++
	k.cur = nil
	k.mu.Unlock()
	return nil
}

func (k *air) OpenEAPOLPort(ifindex int, overNL80211 bool) (nl80211.EAPOLPort, error) {
	p := &memPort{k: k, rx: make(chan *nl80211.EAPOLFrame, 8), closed: make(chan struct{})}
	k.mu.Lock()
	k.port = p
	k.mu.Unlock()
	return p, nil
}

func (k *air) NewKey(ctx context.Context, ifindex int, key nl80211.Key) error {
	k.mu.Lock()
	k.keys = append(k.keys, key)
	k.mu.Unlock()
	return nil
}

func (k *air) SetStationAuthorized(ctx context.Context, ifindex int, mac net.HardwareAddr, on bool) error {
	k.mu.Lock()
	k.authorized = on
	k.mu.Unlock()
	return nil
}

func (k *air) SetCQM(context.Context, int, int32, uint32) error             { return nil }
func (k *air) SetCQMThresholds(context.Context, int, []int32, uint32) error { return nil }
func (k *air) Station(context.Context, int, net.HardwareAddr) (*nl80211.StationInfo, error) {
	return &nl80211.StationInfo{Signal: -40, HasSignal: true}, nil
}
func (k *air) RegisterFrame(context.Context, int, uint16, []byte) error { return nil }
func (k *air) SendFrame(context.Context, int, nl80211.FrameRequest) (uint64, error) {
	return 1, nil
}

// memPort is an EAPOL port in memory: what the station sends goes to the
// scripted AP, what the AP sends waits for Receive.
type memPort struct {
	k      *air
	rx     chan *nl80211.EAPOLFrame
	once   sync.Once
	closed chan struct{}
}

func (p *memPort) Send(ctx context.Context, dst net.HardwareAddr, frame []byte, unencrypted bool) error {
	select {
	case <-p.closed:
		return nl80211.ErrPortClosed
	default:
	}
	p.k.mu.Lock()
	p.k.eapolSent++
	p.k.mu.Unlock()
	p.k.fromStation(append([]byte(nil), frame...))
	return nil
}

func (p *memPort) Receive(ctx context.Context) (*nl80211.EAPOLFrame, error) {
	select {
	case f := <-p.rx:
		return f, nil
	case <-p.closed:
		return nil, nl80211.ErrPortClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *memPort) Close() error {
	p.once.Do(func() { close(p.closed) })
	return nil
}

// deliver hands the station a frame from the AP, protected once the
// station has installed a pairwise key (as the kernel reports it).
func (p *memPort) deliver(src net.HardwareAddr, frame []byte) {
	p.deliverAs(src, frame, !p.k.hasPTK())
}

// deliverAs hands the station a frame from src, unencrypted or not.
func (p *memPort) deliverAs(src net.HardwareAddr, frame []byte, unencrypted bool) {
	if p == nil {
		return
	}
	select {
	case p.rx <- &nl80211.EAPOLFrame{Src: src, Frame: frame, Unencrypted: unencrypted}:
	case <-p.closed:
	}
}

// hasPTK: the station has installed a pairwise key.
func (k *air) hasPTK() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, key := range k.keys {
		if key.Type == nl80211.KeyTypePairwise {
			return true
		}
	}
	return false
}
