package station

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"wifid/eapol"
	"wifid/eapol/sae"
	"wifid/knownnetworks"
	"wifid/nl80211"
	"wifid/nl80211/ie"
)

// Roams out of FT and SAE connections, driven through the station's own
// roam path (Station.Roam: scan, candidate, attempt). The fake kernel has
// no FT-capable AP, so the FT tests set the FT-PSK connection up on the
// loop as connected and linkUp would leave it (ftConnection): network and
// BSS from a real scan, the security chooseRSN picks, the PSK from the
// passphrase and the domain's keys derived from it as an initial mobility
// domain association's 4-way handshake would.

// ftMDID is the test mobility domain, as the vectors of iwd use it.
const ftMDID = 0x3412

// rsnBSSAt is a scan result with one RSN element (CCMP, the AKMs given,
// MFP capable) and, when md is not nil, a Mobility Domain element.
func rsnBSSAt(t *testing.T, ssid string, last byte, dbm int, freq uint32, md *ie.MobilityDomain, akms ...ie.AKMSuite) *nl80211.BSS {
	t.Helper()
	b := openBSSAt(ssid, last, dbm, freq)
	rsn, err := (&ie.RSN{Version: 1, GroupCipher: ie.CipherCCMP128, PairwiseCiphers: []ie.CipherSuite{ie.CipherCCMP128},
		AKMs: akms, Capabilities: ie.RSNCapMFPC}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	b.IEs = append(b.IEs, rsn...)
	if md != nil {
		b.IEs = append(b.IEs, md.Marshal()...)
	}
	b.Capability |= 0x10
	return b
}

// ftKernel is the fake kernel with what a roam out of an RSN connection
// needs: an EAPOL port that opens (and stays silent), and the frames the
// station sends handed to the test as they go out.
type ftKernel struct {
	*fakeKernel
	sent   chan nl80211.FrameRequest
	assocs chan nl80211.AssociateRequest

	mu         sync.Mutex
	keys       []nl80211.Key
	authorized []string // the stations authorized, in order
}

func (k *ftKernel) Associate(ctx context.Context, ifindex int, req nl80211.AssociateRequest) error {
	select {
	case k.assocs <- req:
	default:
	}
	return nil
}

func (k *ftKernel) NewKey(ctx context.Context, ifindex int, key nl80211.Key) error {
	// Copies, as the kernel takes them: the station wipes its own.
	key.Data, key.RSC, key.MAC = bytes.Clone(key.Data), bytes.Clone(key.RSC), slices.Clone(key.MAC)
	k.mu.Lock()
	k.keys = append(k.keys, key)
	k.mu.Unlock()
	return nil
}

func (k *ftKernel) SetStationAuthorized(ctx context.Context, ifindex int, mac net.HardwareAddr, on bool) error {
	k.mu.Lock()
	if on {
		k.authorized = append(k.authorized, mac.String())
	}
	k.mu.Unlock()
	return nil
}

func (k *ftKernel) SendFrame(ctx context.Context, ifindex int, req nl80211.FrameRequest) (uint64, error) {
	k.fakeKernel.SendFrame(ctx, ifindex, req)
	select {
	case k.sent <- req:
	default:
	}
	return 1, nil
}

func (k *ftKernel) OpenEAPOLPort(ifindex int, overNL80211 bool) (nl80211.EAPOLPort, error) {
	return &silentPort{closed: make(chan struct{})}, nil
}

// silentPort is an EAPOL port on which no AP ever answers.
type silentPort struct {
	once   sync.Once
	closed chan struct{}
}

func (p *silentPort) Send(ctx context.Context, dst net.HardwareAddr, frame []byte, unencrypted bool) error {
	return nil
}

func (p *silentPort) Receive(ctx context.Context) (*nl80211.EAPOLFrame, error) {
	select {
	case <-p.closed:
		return nil, nl80211.ErrPortClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *silentPort) Close() error {
	p.once.Do(func() { close(p.closed) })
	return nil
}

// stationEvent is one OnEvent call, with the station's latest view when
// it was delivered (the loop may be ahead by then: the order of the
// state-... events is what pins the order down).
type stationEvent struct {
	name string
	args []any
	view View
}

// eventRecorder keeps a station's events in order.
type eventRecorder struct {
	mu     sync.Mutex
	events []stationEvent
	ch     chan stationEvent
}

func newEventRecorder() *eventRecorder { return &eventRecorder{ch: make(chan stationEvent, 256)} }

// hook is for Config.OnEvent; st is the station (set once New returned).
func (r *eventRecorder) hook(st **Station) func(string, ...any) {
	return func(name string, args ...any) {
		e := stationEvent{name: name, args: args}
		if *st != nil {
			e.view = (*st).View()
		}
		r.mu.Lock()
		r.events = append(r.events, e)
		r.mu.Unlock()
		select {
		case r.ch <- e:
		default:
		}
	}
}

func (r *eventRecorder) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.name)
	}
	return out
}

// wait waits for the event name and returns it.
func (r *eventRecorder) wait(t *testing.T, name string, within time.Duration) stationEvent {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case e := <-r.ch:
			if e.name == name {
				return e
			}
		case <-timeout:
			t.Fatalf("no %q event within %v; events: %v", name, within, r.names())
		}
	}
}

// ftHarness is a station on ftKernel with the scan results given, MFP
// optional, its events recorded.
func ftHarness(t *testing.T, files map[string]string, results ...*nl80211.BSS) (*harness, *ftKernel, *eventRecorder) {
	t.Helper()
	var k *ftKernel
	var st *Station
	rec := newEventRecorder()
	h := newHarnessConfig(t, files, false, func(c *Config) {
		k = &ftKernel{fakeKernel: c.Kernel.(*fakeKernel), sent: make(chan nl80211.FrameRequest, 16),
			assocs: make(chan nl80211.AssociateRequest, 4)}
		c.Kernel = k
		c.MFP = 1
		c.OnEvent = rec.hook(&st)
	}, results...)
	h.onLoop(func(s *Station) { st = s })
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := h.st.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	return h, k, rec
}

// connectDirect makes the station connected to bssid of network id as
// connected() and linkUp() leave it: the security chooseRSN picks for the
// BSS (sae: with a passphrase at hand), pmk and password handed to the
// connection (which owns them from here), and for an FT AKM the domain's
// keys, derived from the PSK as the initial mobility domain association
// derives them (R0KH-ID r0kh). It returns the connection's choice and a
// copy of its FT keys (nil without FT).
func connectDirect(t *testing.T, h *harness, id string, bssid net.HardwareAddr, sae bool, pmk, password []byte, r0kh string) (*rsnChoice, *eapol.FTKeys) {
	t.Helper()
	var sec *rsnChoice
	var keys *eapol.FTKeys
	var err error
	h.onLoop(func(s *Station) {
		n := s.networks[id]
		if n == nil {
			t.Errorf("network %s not in the scan", id)
			return
		}
		var b *BSS
		for _, x := range n.BSSes {
			if x.Addr.String() == bssid.String() {
				b = x
			}
		}
		if b == nil {
			t.Errorf("BSS %v not in network %s", bssid, id)
			return
		}
		if sec, err = chooseRSN(b.Summary, s.cfg.Wiphy, s.cfg.MFP, sae, fileTransitionDisable(n.Known)); err != nil {
			return
		}
		if eapol.IsFT(sec.akm) {
			md := b.Summary.MobilityDomain
			keys, err = eapol.DeriveFTKeys(sec.akm, pmk, []byte(n.SSID), [2]byte{byte(md.MDID), byte(md.MDID >> 8)},
				[]byte(r0kh), [6]byte(s.cfg.MAC))
			if err != nil {
				return
			}
		}
		tl := s.newTimeline(kindConnect.String(), n.SSID)
		tl.BSSID = b.Addr.String()
		c := &connection{network: n, bss: b, sec: sec, pmk: pmk, password: password, ftKeys: keys,
			hsCancel: func() {}, netCancel: func() {}, kind: kindConnect, tl: tl}
		s.conn = c
		s.blacklist.remove(hwString(b.Addr))
		s.linkUp(c)
		keys = keys.Clone() // the connection's stay its own
	})
	if err != nil {
		t.Fatal(err)
	}
	if sec == nil {
		t.FailNow()
	}
	v := h.st.View()
	if v.State != Connected || v.ConnectedBSS.String() != bssid.String() {
		t.Fatalf("set-up connection: %v on %v", v.State, v.ConnectedBSS)
	}
	return sec, keys
}

// waitFTRequest waits for the station's FT request (an Authentication
// frame, or an FT Action frame over the DS).
func waitFTRequest(t *testing.T, k *ftKernel) nl80211.FrameRequest {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case r := <-k.sent:
			if len(r.Frame) < 26 {
				continue
			}
			fc := binary.LittleEndian.Uint16(r.Frame) & 0x00fc
			if fc == frameTypeAuth || fc == frameTypeAction && r.Frame[24] == ftCategory {
				return r
			}
		case <-timeout:
			t.Fatal("no FT request sent")
		}
	}
}

// ftAuthAnswer is the target's FT Authentication frame (sequence 2) to sta
// with status and ies.
func ftAuthAnswer(ap, sta net.HardwareAddr, status uint16, ies []byte) []byte {
	f := []byte{0xb0, 0x00, 0x00, 0x00}
	f = append(f, sta...)
	f = append(f, ap...)
	f = append(f, ap...)
	f = append(f, 0x00, 0x00)
	f = binary.LittleEndian.AppendUint16(f, authAlgFT)
	f = binary.LittleEndian.AppendUint16(f, 2)
	f = binary.LittleEndian.AppendUint16(f, status)
	return append(f, ies...)
}

// rsnPMKIDs are the PMKIDs of the RSN element in ies (ok: there is one).
func rsnPMKIDs(t *testing.T, ies []byte) (ids []ie.PMKID, akms []ie.AKMSuite, ok bool) {
	t.Helper()
	for el, err := range ie.Walk(ies) {
		if err != nil {
			t.Fatalf("elements %x: %v", ies, err)
		}
		if el.ID == ie.IDRSN {
			r, err := ie.ParseRSN(el.Data)
			if err != nil {
				t.Fatalf("RSN element %x: %v", el.Raw, err)
			}
			return r.PMKIDs, r.AKMs, true
		}
	}
	return nil, nil, false
}

// findElement finds the element id in ies.
func findElement(t *testing.T, ies []byte, id ie.ID) (ie.Element, bool) {
	t.Helper()
	es, err := ie.Parse(ies)
	if err != nil {
		t.Fatalf("elements %x: %v", ies, err)
	}
	return es.Find(id)
}

// ftRoamSetup: two FT-PSK BSSes of mobility domain ftMDID (the first
// stronger, the target 02:00:00:00:00:02 on 2437 MHz, FT over the air),
// the station connected to the first with the domain's keys.
func ftRoamSetup(t *testing.T) (*harness, *ftKernel, *eventRecorder, *eapol.FTKeys, net.HardwareAddr, net.HardwareAddr) {
	t.Helper()
	md := &ie.MobilityDomain{MDID: ftMDID}
	h, k, rec := ftHarness(t, map[string]string{"ftnet.psk": "[Security]\nPassphrase=secret123\n"},
		rsnBSSAt(t, "ftnet", 1, -40, 2412, md, ie.AKMFTPSK), rsnBSSAt(t, "ftnet", 2, -50, 2437, md, ie.AKMFTPSK))
	first, target := net.HardwareAddr{2, 0, 0, 0, 0, 1}, net.HardwareAddr{2, 0, 0, 0, 0, 2}
	psk, err := eapol.PSKFromPassphrase("secret123", []byte("ftnet"))
	if err != nil {
		t.Fatal(err)
	}
	sec, keys := connectDirect(t, h, NetworkPathID("ftnet", knownnetworks.SecurityPSK), first, false, psk, nil, "r0kh.test")
	if sec.akm != ie.AKMFTPSK || keys == nil {
		t.Fatalf("connection AKM %v (FT keys %v), want FT-PSK", sec.akm, keys != nil)
	}
	return h, k, rec, keys, first, target
}

// TestFTRoamNoAnswerStaysConnected proves that a roam within the mobility
// domain of an FT-PSK connection is a fast transition over the air (the
// FT Authentication Request, frame control 0x00b0, algorithm 2, sequence
// 1, naming our PMKR0Name, sent with CMD_FRAME on the target's channel
// and no CMD_CONNECT/CMD_AUTHENTICATE), and that when the target never
// answers the station stays Connected to the first BSS, without a
// CMD_DISCONNECT, and tells of "ft-roam-failed" only after its state is
// connected again (iwd's testPSK-roam reads the state on that event).
func TestFTRoamNoAnswerStaysConnected(t *testing.T) {
	h, k, rec, keys, first, target := ftRoamSetup(t)
	defer keys.Wipe()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := h.st.Roam(ctx, target); err != nil {
		t.Fatalf("Roam: %v", err)
	}
	req := waitFTRequest(t, k)
	sentAt := time.Now()
	f := req.Frame
	if fc := binary.LittleEndian.Uint16(f); fc != 0x00b0 {
		t.Fatalf("frame control %#04x, want 0x00b0 (an Authentication frame, not over the DS)", fc)
	}
	if len(f) < 30 {
		t.Fatalf("authentication frame of %d octets", len(f))
	}
	if !bytes.Equal(f[4:10], target) || !bytes.Equal(f[10:16], h.st.cfg.MAC) || !bytes.Equal(f[16:22], target) {
		t.Errorf("addresses %x %x %x, want to the target from us", f[4:10], f[10:16], f[16:22])
	}
	alg, seq, status := binary.LittleEndian.Uint16(f[24:]), binary.LittleEndian.Uint16(f[26:]), binary.LittleEndian.Uint16(f[28:])
	if alg != 2 || seq != 1 || status != 0 {
		t.Errorf("algorithm %d, sequence %d, status %d; want 2, 1, 0", alg, seq, status)
	}
	ids, akms, ok := rsnPMKIDs(t, f[30:])
	if !ok || len(ids) != 1 || ids[0] != ie.PMKID(keys.PMKR0Name) {
		t.Errorf("request RSNE PMKIDs %x, want PMKR0Name %x", ids, keys.PMKR0Name)
	}
	if !slices.Equal(akms, []ie.AKMSuite{ie.AKMFTPSK}) {
		t.Errorf("request AKMs %v, want FT-PSK", akms)
	}
	if _, ok := findElement(t, f[30:], ie.IDMobilityDomain); !ok {
		t.Error("request without the Mobility Domain element")
	}
	if req.Freq != 2437 || !req.OffchannelOK || req.Wait != ftAuthWait {
		t.Errorf("sent on %d MHz (offchannel %v, wait %v), want the target's 2437 MHz, offchannel, %v",
			req.Freq, req.OffchannelOK, req.Wait, ftAuthWait)
	}
	if v := h.st.View(); v.State != Roaming {
		t.Errorf("state while the FT request is out: %v, want roaming", v.State)
	}

	e := rec.wait(t, "ft-roam-failed", 5*time.Second)
	if waited := time.Since(sentAt); waited < ftAuthWait {
		t.Errorf("gave up after %v, before the target's %v were up", waited, ftAuthWait)
	}
	if len(e.args) != 1 || e.args[0] != target.String() {
		t.Errorf("ft-roam-failed args %v, want the target %v", e.args, target)
	}
	if e.view.State != Connected || e.view.ConnectedBSS.String() != first.String() {
		t.Errorf("on ft-roam-failed the station is %v on %v, want connected on %v", e.view.State, e.view.ConnectedBSS, first)
	}
	names := rec.names()
	connectedAt := slices.Index(names, "state-connected")
	for i := len(names) - 1; i >= 0; i-- {
		if names[i] == "state-connected" {
			connectedAt = i
			break
		}
	}
	if failedAt := slices.Index(names, "ft-roam-failed"); connectedAt < 0 || connectedAt > failedAt ||
		!slices.Contains(names[:failedAt], "state-roaming") {
		t.Errorf("events %v: want state-roaming, then state-connected, then ft-roam-failed", names)
	}
	h.onLoop(func(s *Station) {
		if s.attempt != nil {
			t.Errorf("an attempt still runs: stage %v", s.attempt.stage)
		}
		if s.conn == nil || s.conn.ftKeys == nil || s.conn.ftKeys.PMKR0Name != keys.PMKR0Name || allZero(s.conn.ftKeys.PMKR0) {
			t.Error("the connection lost (or wiped) its FT keys after the failed transition")
		}
	})
	h.k.mu.Lock()
	discs, connects := h.k.discs, len(h.k.connects)
	h.k.mu.Unlock()
	if discs != 0 || connects != 0 {
		t.Errorf("%d CMD_DISCONNECT, %d CMD_CONNECT: the current AP must not be left", discs, connects)
	}
	if v := h.st.View(); v.State != Connected || v.ConnectedBSS.String() != first.String() {
		t.Errorf("after the failed transition: %v on %v", v.State, v.ConnectedBSS)
	}
}

// ftTarget is the target AP's side of a fast transition (13.8), as
// eapol's tests play it: the answer to the FT request and the
// Reassociation Response, keyed from the domain's keys.
type ftTarget struct {
	t      *testing.T
	aa     [6]byte
	keys   *eapol.FTKeys
	rsne   []byte // the AP's RSN element, as advertised
	mde    []byte
	anonce [32]byte
	snonce [32]byte
	r1Name [16]byte
	ptk    *eapol.PTK
	gtk    []byte
}

func (ap *ftTarget) rsneWith(pmkid [16]byte) []byte {
	r, err := ie.ParseRSN(ap.rsne[2:])
	if err != nil {
		ap.t.Fatal(err)
	}
	r.PMKIDs = []ie.PMKID{ie.PMKID(pmkid)}
	b, err := r.Marshal()
	if err != nil {
		ap.t.Fatal(err)
	}
	return b
}

func (ap *ftTarget) fte(ies []byte) (*ie.FTE, []byte) {
	el, ok := findElement(ap.t, ies, ie.IDFastBSSTransition)
	if !ok {
		ap.t.Fatalf("no FTE in %x", ies)
	}
	f, err := ie.ParseFTE(el.Data, 16)
	if err != nil {
		ap.t.Fatal(err)
	}
	return f, bytes.Clone(el.Raw)
}

func (ap *ftTarget) mic(seq byte, rsne, fte []byte) []byte {
	msg := append(append(append([]byte{}, ap.keys.SPA[:]...), ap.aa[:]...), seq)
	msg = append(append(append(msg, rsne...), ap.mde...), fte...)
	m, err := eapol.CMAC(ap.ptk.KCK, msg)
	if err != nil {
		ap.t.Fatal(err)
	}
	return m
}

// authenticate answers the FT request's elements: the PTK from PMK-R1.
func (ap *ftTarget) authenticate(req []byte) []byte {
	f, _ := ap.fte(req)
	if string(f.R0KHID) != string(ap.keys.R0KHID) {
		ap.t.Fatalf("request R0KH-ID %q, want %q", f.R0KHID, ap.keys.R0KHID)
	}
	ap.anonce, ap.snonce = [32]byte{0xa1, 0xa2, 31: 0xa3}, f.SNonce
	pmkR1, name := ap.keys.R1(ap.aa)
	ap.r1Name = name
	ptk, err := eapol.DeriveFTPTK(ap.keys.AKM, ie.CipherCCMP128, pmkR1, ap.snonce[:], ap.anonce[:], ap.aa, ap.keys.SPA)
	if err != nil {
		ap.t.Fatal(err)
	}
	ap.ptk = ptk
	aa := ap.aa
	fte, err := (&ie.FTE{ANonce: ap.anonce, SNonce: ap.snonce, R1KHID: &aa, R0KHID: ap.keys.R0KHID}).Marshal(16)
	if err != nil {
		ap.t.Fatal(err)
	}
	return bytes.Join([][]byte{ap.rsneWith(ap.keys.PMKR0Name), ap.mde, fte}, nil)
}

// reassociate checks the Reassociation Request's elements (PMKR1Name,
// the FTE's MIC under the new KCK) and answers with the GTK (key ID 2,
// RSC 5) wrapped under the KEK.
func (ap *ftTarget) reassociate(req []byte) []byte {
	f, fteRaw := ap.fte(req)
	rsneEl, ok := findElement(ap.t, req, ie.IDRSN)
	if !ok {
		ap.t.Fatal("reassociation request without an RSN element")
	}
	if ids, _, _ := rsnPMKIDs(ap.t, req); len(ids) != 1 || ids[0] != ie.PMKID(ap.r1Name) {
		ap.t.Errorf("reassociation request PMKIDs %x, want PMKR1Name %x", ids, ap.r1Name)
	}
	clear(fteRaw[4:20])
	if !bytes.Equal(ap.mic(5, rsneEl.Raw, fteRaw), f.MIC) || f.ElementCount != 3 {
		ap.t.Errorf("reassociation request MIC wrong (element count %d)", f.ElementCount)
	}
	wrapped, err := eapol.KeyWrap(ap.ptk.KEK, ap.gtk)
	if err != nil {
		ap.t.Fatal(err)
	}
	igtk := bytes.Repeat([]byte{0x66}, 16)
	wrappedIGTK, err := eapol.KeyWrap(ap.ptk.KEK, igtk)
	if err != nil {
		ap.t.Fatal(err)
	}
	aa := ap.aa
	// With management frame protection (the BSSes are MFP capable) the
	// IGTK comes too: a response without it is refused.
	resp := &ie.FTE{ElementCount: 3, ANonce: ap.anonce, SNonce: ap.snonce, R1KHID: &aa, R0KHID: ap.keys.R0KHID,
		GTK:  &ie.FTGTK{KeyID: 2, KeyLength: uint8(len(ap.gtk)), RSC: [8]byte{5}, WrappedKey: wrapped},
		IGTK: &ie.FTIGTK{KeyID: 4, PN: [6]byte{1}, KeyLength: 16, WrappedKey: wrappedIGTK}}
	rsne := ap.rsneWith(ap.r1Name)
	zeroed, err := resp.Marshal(16)
	if err != nil {
		ap.t.Fatal(err)
	}
	resp.MIC = ap.mic(6, rsne, zeroed)
	fte, err := resp.Marshal(16)
	if err != nil {
		ap.t.Fatal(err)
	}
	return bytes.Join([][]byte{rsne, ap.mde, fte}, nil)
}

// TestFTRoamOverTheAir proves the whole fast transition over the air:
// the target's FT Authentication Response (sequence 2) leads to
// CMD_ASSOCIATE naming the current AP as previous BSSID, with PMKR1Name
// and a valid FTE MIC; the Reassociation Response's keys (the PTK of the
// transition, the GTK it wraps) are installed with CMD_NEW_KEY, the
// target's port authorized, with no CMD_CONNECT and no 4-way handshake;
// the connection moves to the target ("roamed", connected) and keeps the
// domain's FT keys for the next transition.
func TestFTRoamOverTheAir(t *testing.T) {
	h, k, rec, keys, first, target := ftRoamSetup(t)
	defer keys.Wipe()
	ap := &ftTarget{t: t, aa: [6]byte(target), keys: keys, mde: (&ie.MobilityDomain{MDID: ftMDID}).Marshal(),
		gtk: bytes.Repeat([]byte{0x77}, 16)}
	h.onLoop(func(s *Station) {
		for _, b := range s.networks[NetworkPathID("ftnet", knownnetworks.SecurityPSK)].BSSes {
			if b.Addr.String() == target.String() {
				el, _ := b.Summary.Elements.Find(ie.IDRSN)
				ap.rsne = bytes.Clone(el.Raw)
			}
		}
	})
	if ap.rsne == nil {
		t.Fatal("target not in the scan")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := h.st.Roam(ctx, target); err != nil {
		t.Fatalf("Roam: %v", err)
	}
	req := waitFTRequest(t, k)
	h.events <- &nl80211.FrameEvent{Frame: ftAuthAnswer(target, h.st.cfg.MAC, 0, ap.authenticate(req.Frame[30:]))}
	var assoc nl80211.AssociateRequest
	select {
	case assoc = <-k.assocs:
	case <-time.After(5 * time.Second):
		t.Fatalf("no CMD_ASSOCIATE after the FT authentication; events %v", rec.names())
	}
	if assoc.BSSID.String() != target.String() || assoc.PrevBSSID.String() != first.String() || assoc.Freq != 2437 {
		t.Fatalf("reassociation to %v (%d MHz) from %v", assoc.BSSID, assoc.Freq, assoc.PrevBSSID)
	}
	if v := h.st.View(); v.State != Roaming {
		t.Errorf("state while reassociating: %v", v.State)
	}
	h.events <- &nl80211.ConnectEvent{BSSID: target, RespIEs: ap.reassociate(assoc.IEs)}
	h.waitView(func(v View) bool { return v.State == Connected && v.ConnectedBSS.String() == target.String() })
	if e := rec.wait(t, "roamed", 5*time.Second); len(e.args) != 1 || e.args[0] != target.String() {
		t.Errorf("roamed args %v", e.args)
	}
	if slices.Contains(rec.names(), "ft-roam-failed") || slices.Contains(rec.names(), "handshake-started") {
		t.Errorf("events %v", rec.names())
	}
	k.mu.Lock()
	installed, authorized := slices.Clone(k.keys), slices.Clone(k.authorized)
	k.mu.Unlock()
	var gtkOK, igtkOK, ptkOK bool
	for _, key := range installed {
		switch key.Type {
		case nl80211.KeyTypeGroup:
			gtkOK = gtkOK || key.Index == 2 && bytes.Equal(key.Data, ap.gtk) && len(key.RSC) == 6 && key.RSC[0] == 5
			igtkOK = igtkOK || key.Index == 4 && len(key.Data) == 16 && key.Cipher == ie.CipherBIPCMAC128
		case nl80211.KeyTypePairwise:
			ptkOK = key.MAC.String() == target.String() && bytes.Equal(key.Data, ap.ptk.TK)
		}
	}
	if !gtkOK || !igtkOK || !ptkOK {
		t.Errorf("keys installed %+v: want the GTK (id 2, RSC 5) and the transition's TK for the target", installed)
	}
	if !slices.Equal(authorized, []string{target.String()}) {
		t.Errorf("authorized %v, want the target", authorized)
	}
	h.k.mu.Lock()
	connects := len(h.k.connects)
	h.k.mu.Unlock()
	if connects != 0 {
		t.Errorf("%d CMD_CONNECT: a fast transition reassociates with CMD_ASSOCIATE", connects)
	}
	h.onLoop(func(s *Station) {
		c := s.conn
		if c == nil || c.bss.Addr.String() != target.String() || c.ftKeys == nil || c.ftKeys.PMKR0Name != keys.PMKR0Name {
			t.Error("the connection on the target lacks the domain's FT keys")
		}
		if s.attempt != nil {
			t.Errorf("an attempt still runs: stage %v", s.attempt.stage)
		}
	})
}

// TestFTRoamRefusedWithInvalidPMKID proves that a target refusing the FT
// request with status 53 (invalid PMKID: it has no PMK-R1 for our
// PMK-R0) gets a full reassociation instead: CMD_CONNECT to the target
// with the current AP as previous BSSID, the target's Mobility Domain
// element and an RSN element without the FT PMKID (a new initial mobility
// domain association), and no "ft-roam-failed".
func TestFTRoamRefusedWithInvalidPMKID(t *testing.T) {
	h, k, rec, keys, first, target := ftRoamSetup(t)
	defer keys.Wipe()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := h.st.Roam(ctx, target); err != nil {
		t.Fatalf("Roam: %v", err)
	}
	waitFTRequest(t, k)
	// An answer from another BSS changes nothing.
	h.events <- &nl80211.FrameEvent{Frame: ftAuthAnswer(first, h.st.cfg.MAC, uint16(ie.StatusInvalidPMKID), nil)}
	h.events <- &nl80211.FrameEvent{Frame: ftAuthAnswer(target, h.st.cfg.MAC, uint16(ie.StatusInvalidPMKID), nil)}
	req := h.waitConnect()
	if req.BSSID.String() != target.String() || req.PrevBSSID.String() != first.String() {
		t.Fatalf("reassociation to %v from %v, want %v from %v", req.BSSID, req.PrevBSSID, target, first)
	}
	if el, ok := findElement(t, req.IEs, ie.IDMobilityDomain); !ok || !bytes.Equal(el.Raw, (&ie.MobilityDomain{MDID: ftMDID}).Marshal()) {
		t.Errorf("reassociation IEs %x: want the target's Mobility Domain element", req.IEs)
	}
	if ids, akms, ok := rsnPMKIDs(t, req.IEs); !ok || len(ids) != 0 || !slices.Equal(akms, []ie.AKMSuite{ie.AKMFTPSK}) {
		t.Errorf("reassociation RSNE: PMKIDs %x AKMs %v, want FT-PSK and no PMKID", ids, akms)
	}
	if len(req.Crypto.AKMSuites) != 1 || req.Crypto.AKMSuites[0] != ie.AKMFTPSK {
		t.Errorf("crypto AKMs %v", req.Crypto.AKMSuites)
	}
	h.onLoop(func(s *Station) {
		a := s.attempt
		if a == nil || a.kind != kindRoam || a.stage != stageAssociate || !a.ftFallback || a.ftTr != nil {
			t.Errorf("after status 53: attempt %+v, want the roam reassociating with a new handshake", a)
		}
	})
	if v := h.st.View(); v.State != Roaming {
		t.Errorf("state %v, want roaming", v.State)
	}
	if slices.Contains(rec.names(), "ft-roam-failed") {
		t.Errorf("events %v: status 53 is no failed transition", rec.names())
	}
}

// TestRoamFromSAEToPSKDerivesPSK proves that a roam from an SAE
// connection (a WPA3 transition-mode BSS) to a WPA2-PSK-only BSS of the
// same network does not reuse the SAE exchange's PMK as the PSK: the
// reassociation's attempt holds the PBKDF2 of the network's passphrase,
// as the PSK BSS's 4-way handshake needs.
func TestRoamFromSAEToPSKDerivesPSK(t *testing.T) {
	h, _, _ := ftHarness(t, map[string]string{"mixed.psk": "[Security]\nPassphrase=secret123\n"},
		rsnBSSAt(t, "mixed", 1, -40, 2412, nil, ie.AKMPSK, ie.AKMSAE), rsnBSSAt(t, "mixed", 2, -50, 2437, nil, ie.AKMPSK))
	first, target := net.HardwareAddr{2, 0, 0, 0, 0, 1}, net.HardwareAddr{2, 0, 0, 0, 0, 2}
	saePMK := bytes.Repeat([]byte{0x5a}, 32)
	sec, _ := connectDirect(t, h, NetworkPathID("mixed", knownnetworks.SecurityPSK), first, true,
		bytes.Clone(saePMK), []byte("secret123"), "")
	if sec.akm != ie.AKMSAE {
		t.Fatalf("connection AKM %v, want SAE", sec.akm)
	}
	psk, err := eapol.PSKFromPassphrase("secret123", []byte("mixed"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := h.st.Roam(ctx, target); err != nil {
		t.Fatalf("Roam: %v", err)
	}
	req := h.waitConnect()
	if req.BSSID.String() != target.String() || req.PrevBSSID.String() != first.String() {
		t.Fatalf("reassociation to %v from %v", req.BSSID, req.PrevBSSID)
	}
	if _, akms, _ := rsnPMKIDs(t, req.IEs); !slices.Equal(akms, []ie.AKMSuite{ie.AKMPSK}) {
		t.Errorf("reassociation AKMs %v, want PSK", akms)
	}
	h.onLoop(func(s *Station) {
		a := s.attempt
		if a == nil || a.kind != kindRoam || a.sec == nil || a.sec.akm != ie.AKMPSK {
			t.Errorf("attempt %+v: want the PSK roam", a)
			return
		}
		if bytes.Equal(a.pmk, saePMK) {
			t.Error("the roam to the PSK BSS reuses the SAE PMK as its PSK")
		} else if !bytes.Equal(a.pmk, psk) {
			t.Errorf("roam PMK %x, want the passphrase's PSK %x", a.pmk, psk)
		}
		if s.conn == nil || !bytes.Equal(s.conn.pmk, saePMK) {
			t.Error("the connection's SAE PMK changed while the roam runs")
		}
	})
}

// leavingAir is the scripted air whose kernel reports leaving the
// current AP (a disconnect event, not by the AP) as the roam's SAE
// commit goes to target, before the AP's answer.
type leavingAir struct {
	*air
	target net.HardwareAddr
	once   sync.Once
	left   chan struct{}
}

func (k *leavingAir) Authenticate(ctx context.Context, ifindex int, req nl80211.AuthenticateRequest) error {
	if req.BSSID.String() == k.target.String() && len(req.AuthData) >= 2 &&
		binary.LittleEndian.Uint16(req.AuthData) == sae.SeqCommit {
		k.once.Do(func() {
			k.events <- &nl80211.DisconnectEvent{Reason: uint16(ie.ReasonLeavingNetworkDeauth)}
			close(k.left)
		})
	}
	return k.air.Authenticate(ctx, ifindex, req)
}

// TestSAERoamIgnoresKernelLeavingOldBSS proves that during a roam whose
// SAE exchange runs, the kernel's disconnect event for the old BSS (not
// by the AP) neither ends the roam nor loses the connection: the exchange
// and the 4-way handshake with the new AP go on and the station ends up
// connected to it, never disconnected on the way.
func TestSAERoamIgnoresKernelLeavingOldBSS(t *testing.T) {
	var k *leavingAir
	var st *Station
	rec := newEventRecorder()
	ap1, ap2 := saeAP("wpa3", 1, "secret123"), saeAP("wpa3", 2, "secret123")
	h := newHarnessConfig(t, map[string]string{"wpa3.psk": "[Security]\nPassphrase=secret123\n"}, false, func(c *Config) {
		a := newAir(t, c.MAC, ap1, ap2)
		k = &leavingAir{air: a, target: ap2.bssid, left: make(chan struct{})}
		c.Kernel, c.Events = k, a.events
		c.MFP = 1
		c.handshakeTimeout = 2 * time.Second
		c.OnEvent = rec.hook(&st)
	})
	h.onLoop(func(s *Station) { st = s })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := h.st.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.st.ConnectBSSID(ctx, ap1.bssid); err != nil {
		t.Fatalf("connect: %v", err)
	}
	h.waitView(func(v View) bool { return v.State == Connected && v.ConnectedBSS.String() == ap1.bssid.String() })
	h.onLoop(func(s *Station) {
		if s.conn == nil || s.conn.sec == nil || s.conn.sec.akm != ie.AKMSAE {
			t.Fatal("not an SAE connection")
		}
		// Not the echo of our own CMD_DISCONNECT (onDisconnectEvent's
		// first case): the roam's stage must be what lets it pass.
		if !s.leftAt.IsZero() && time.Since(s.leftAt) < ownDisconnectWindow {
			t.Fatal("a CMD_DISCONNECT of ours is recent: the test would not test the roam's stage")
		}
	})
	roamFrom := len(rec.names())
	if err := h.st.Roam(ctx, ap2.bssid); err != nil {
		t.Fatalf("Roam: %v", err)
	}
	select {
	case <-k.left:
	case <-time.After(5 * time.Second):
		t.Fatal("the roam sent no SAE commit to the new AP")
	}
	h.waitView(func(v View) bool { return v.State == Connected && v.ConnectedBSS.String() == ap2.bssid.String() })
	names := rec.names()[roamFrom:]
	for _, bad := range []string{"disconnected", "state-disconnected", "connect-failed"} {
		if slices.Contains(names, bad) {
			t.Errorf("roam events %v: %s", names, bad)
		}
	}
	if !slices.Contains(names, "roamed") {
		t.Errorf("roam events %v: no roamed", names)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if ap2.sae == nil || !ap2.sae.Done() {
		t.Error("the new AP saw no completed SAE exchange")
	}
	if k.discs != 0 {
		t.Errorf("%d CMD_DISCONNECT sent during the roam", k.discs)
	}
}
