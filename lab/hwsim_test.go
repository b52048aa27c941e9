//go:build lab

package lab

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/lab/hwsim"
	"wifid/lab/labenv"
)

// Tests of the Go medium (lab/hwsim): the air as a test instrument.

const iwdPSK = "[Security]\nPassphrase=correct horse battery\n"

func startIwdOn(lab *labenv.Lab, sta labenv.Radio) *labenv.Daemon {
	return lab.StartIwd(labenv.DaemonOptions{
		Phys:     []string{sta.Phy},
		Args:     []string{"-d"},
		MainConf: "[General]\nEnableNetworkConfiguration=true\n",
		Networks: map[string]string{"labnet.psk": iwdPSK},
	})
}

// TestHwsimIwdConnects: iwd (the reference) connects through the medium,
// and the connect takes about as long as over the kernel's own medium: the
// same iwd connects first without, then with the medium, in one VM run.
func TestHwsimIwdConnects(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
	sta := lab.Radios[1]

	connect := func(what string) time.Duration {
		start := time.Now()
		iwd := startIwdOn(lab, sta)
		ip, err := lab.WaitIPv4(sta.Iface, 90*time.Second)
		if err != nil {
			t.Fatalf("%s: iwd did not connect: %v (station: %s)", what, err, iwctlState(lab, sta.Iface))
		}
		took := time.Since(start)
		if err := lab.Ping(lab.APs[0].IP, 2); err != nil {
			t.Fatalf("%s: no traffic: %v", what, err)
		}
		t.Logf("%s: %s got %s in %v", what, sta.Iface, ip, took.Round(time.Millisecond))
		iwd.Stop()
		lab.Output("ip", "addr", "flush", "dev", sta.Iface)
		return took
	}
	kernel := connect("kernel medium")
	m := lab.StartMedium(hwsim.Config{})
	medium := connect("Go medium")
	st := m.Stats()
	t.Logf("connect time with the Go medium / kernel medium: %.2f (%v / %v); medium relayed %d frames, %d deliveries, %d acked, %d unknown",
		float64(medium)/float64(kernel), medium.Round(time.Millisecond), kernel.Round(time.Millisecond), st.Frames, st.Delivered, st.Acked, st.Unknown)
	if st.Frames == 0 || st.Acked == 0 {
		t.Errorf("the medium relayed nothing: %+v", st)
	}
}

// scanSignal scans on iface and returns the signal line of the BSS with
// ssid, retrying a few times (the first scan can miss a beacon).
func scanSignal(t *testing.T, lab *labenv.Lab, iface, ssid string) string {
	t.Helper()
	lab.Run("ip", "link", "set", iface, "up")
	re := regexp.MustCompile(`signal: (-?[0-9.]+) dBm`)
	for try := 0; try < 4; try++ {
		out, err := lab.Output("iw", "dev", iface, "scan")
		if err != nil {
			t.Logf("iw scan: %v: %s", err, strings.TrimSpace(out))
			time.Sleep(2 * time.Second)
			continue
		}
		for _, bss := range strings.Split(out, "\nBSS ")[0:] {
			if strings.Contains(bss, "SSID: "+ssid+"\n") {
				if m := re.FindStringSubmatch(bss); m != nil {
					return m[1]
				}
			}
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("%s: %s not found in 4 scans", iface, ssid)
	return ""
}

// TestHwsimSignalRule: a rule giving the AP→station link -85 dBm shows as
// that signal in a scan; removing it brings back the default -30 dBm.
func TestHwsimSignalRule(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, Medium: true, APs: []labenv.AP{openAP(0, "weaknet")}})
	m := lab.Medium()
	ap, sta := lab.MediumRadio(0), lab.MediumRadio(1)
	id, err := m.AddRule(hwsim.Rule{Source: ap.Addresses[0], Destination: sta.Addresses[0], Signal: -85})
	if err != nil {
		t.Fatal(err)
	}
	if got := scanSignal(t, lab, lab.Radios[1].Iface, "weaknet"); got != "-85.00" {
		t.Errorf("with the rule: signal %s dBm, want -85.00", got)
	}
	m.RemoveRule(id)
	lab.Run("iw", "dev", lab.Radios[1].Iface, "scan", "flush")
	if got := scanSignal(t, lab, lab.Radios[1].Iface, "weaknet"); got != "-30.00" {
		t.Errorf("without the rule: signal %s dBm, want -30.00", got)
	}
}

// TestHwsimDropAll: with every frame between AP and station lost, iwd
// cannot connect.
func TestHwsimDropAll(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, Medium: true, APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
	m := lab.Medium()
	ap, sta := lab.MediumRadio(0), lab.MediumRadio(1)
	if _, err := m.AddRule(hwsim.LinkRule(ap.Addresses[0], sta.Addresses[0], 0, 1)); err != nil {
		t.Fatal(err)
	}
	startIwdOn(lab, lab.Radios[1])
	if ip, err := lab.WaitIPv4(lab.Radios[1].Iface, 30*time.Second); err == nil {
		t.Fatalf("connected (%s) across a link that drops everything", ip)
	}
	state := iwctlState(lab, lab.Radios[1].Iface)
	if strings.Contains(state, "connected") && !strings.Contains(state, "disconnected") {
		t.Errorf("iwctl says %q", state)
	}
	if st := m.Stats(); st.Dropped == 0 {
		t.Errorf("nothing dropped: %+v", st)
	}
}

// eapolKeyInfo returns the Key Information of an unprotected EAPOL-Key
// data frame, and whether it is one.
func eapolKeyInfo(f []byte) (uint16, bool) {
	if len(f) < 24 || f[0]&0x0c != 0x08 || f[1]&0x40 != 0 {
		return 0, false
	}
	hdr := 24
	if f[0]&0x80 != 0 { // QoS data
		hdr += 2
	}
	if f[1]&0x03 == 0x03 {
		hdr += 6
	}
	llc := []byte{0xaa, 0xaa, 0x03, 0, 0, 0, 0x88, 0x8e}
	if len(f) < hdr+8+7 || !bytes.Equal(f[hdr:hdr+8], llc) || f[hdr+8+1] != 3 {
		return 0, false
	}
	return binary.BigEndian.Uint16(f[hdr+8+5:]), true
}

const (
	keyInfoPairwise = 0x0008
	keyInfoInstall  = 0x0040
	keyInfoAck      = 0x0080
	keyInfoMIC      = 0x0100
	keyInfoSecure   = 0x0200
)

func isMsg3(f []byte) bool {
	ki, ok := eapolKeyInfo(f)
	return ok && ki&(keyInfoPairwise|keyInfoAck|keyInfoMIC|keyInfoInstall) == keyInfoPairwise|keyInfoAck|keyInfoMIC|keyInfoInstall
}

func isMsg4(f []byte) bool {
	ki, ok := eapolKeyInfo(f)
	return ok && ki&(keyInfoPairwise|keyInfoAck|keyInfoMIC|keyInfoSecure) == keyInfoPairwise|keyInfoMIC|keyInfoSecure
}

// TestHwsimDropEAPOL4: a rule that loses every 4-way handshake message 4
// makes the handshake time out at the AP.
func TestHwsimDropEAPOL4(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, Medium: true, APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
	m := lab.Medium()
	_, dropped := dropFrames(t, m, lab.MediumRadio(1), isMsg4)
	startIwdOn(lab, lab.Radios[1])
	hostapd := lab.APs[0].Hostapd
	if err := hostapd.WaitLog("Retry limit", 60*time.Second); err != nil {
		t.Fatalf("no handshake timeout at the AP: %v (message 4 dropped %d times)", err, dropped.Load())
	}
	if dropped.Load() == 0 {
		t.Error("the rule never saw message 4")
	}
	b, _ := os.ReadFile(hostapd.Log)
	if bytes.Contains(b, []byte("AP-STA-CONNECTED")) {
		t.Error("hostapd reports the station connected although message 4 never arrived")
	}
	t.Logf("message 4 dropped %d times", dropped.Load())
}

// TestHwsimReplayMsg3: the AP's message 3 is captured on the way and
// replayed once the station is connected; the capture shows it twice and
// the station's radio took it both times.
func TestHwsimReplayMsg3(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, DBus: true, APs: []labenv.AP{wpa2AP(0, "labnet", "correct horse battery")}})
	var pcap bytes.Buffer
	pw, _ := hwsim.NewPcapWriter(&pcap)
	var mu sync.Mutex
	var msg3 []byte
	msg3Delivered := 0
	m := lab.StartMedium(hwsim.Config{Pcap: pw, Observe: func(d hwsim.Delivery) {
		if !d.Accepted || !isMsg3(d.Frame) {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		msg3Delivered++
		if msg3 == nil {
			msg3 = append([]byte(nil), d.Frame...)
		}
	}})
	sta := lab.MediumRadio(1)
	var msg4 atomic.Int32
	m.AddRule(hwsim.Rule{Source: sta.Addresses[0], Filter: func(f []byte) bool {
		if isMsg4(f) {
			msg4.Add(1)
		}
		return false
	}})
	iwd := startIwdOn(lab, lab.Radios[1])
	// The handshake is what matters here, not DHCP.
	if err := iwd.WaitLog("new state: connected", 90*time.Second); err != nil {
		t.Fatalf("iwd did not connect: %v", err)
	}
	mu.Lock()
	replay := append([]byte(nil), msg3...)
	mu.Unlock()
	if replay == nil {
		t.Fatal("no message 3 seen")
	}
	replay[1] &^= 0x08 // not a retry: mac80211 would discard a retried duplicate
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Inject(ctx, sta.Addresses[0], 2412, -30, replay); err != nil {
		t.Fatalf("replay: %v", err)
	}
	time.Sleep(2 * time.Second)
	pw.Flush()
	os.WriteFile(filepath.Join(lab.Dir, "replay.pcap"), pcap.Bytes(), 0o644)
	n := countInPcap(pcap.Bytes(), isMsg3)
	if n < 2 {
		t.Errorf("message 3 in the capture %d times, want at least 2", n)
	}
	mu.Lock()
	t.Logf("message 3: %d in the capture, accepted by a radio %d times (the replay included); station sent message 4 %d times", n, msg3Delivered, msg4.Load())
	mu.Unlock()
}

// countInPcap counts the frames in a radiotap pcap that match.
func countInPcap(b []byte, match func([]byte) bool) int {
	n := 0
	for off := 24; off+16 <= len(b); {
		l := int(binary.LittleEndian.Uint32(b[off+8:]))
		rec := b[off+16 : min(off+16+l, len(b))]
		off += 16 + l
		if len(rec) < 4 {
			continue
		}
		rt := int(binary.LittleEndian.Uint16(rec[2:]))
		if rt <= len(rec) && match(rec[rt:]) {
			n++
		}
	}
	return n
}

func iwPhyHas(lab *labenv.Lab, name string) bool {
	out, _ := lab.Output("iw", "phy")
	return strings.Contains(out, "Wiphy "+name+"\n")
}

// TestHwsimRadios: radios made and removed at run time come and go in iw phy.
func TestHwsimRadios(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 1, Medium: true})
	m := lab.Medium()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	r, err := m.CreateRadio(ctx, hwsim.RadioConfig{Name: "rad7", NoVIF: true, P2P: true})
	if err != nil {
		t.Fatal(err)
	}
	if !iwPhyHas(lab, "rad7") {
		t.Fatal("rad7 not in iw phy after CreateRadio")
	}
	t.Logf("created %s id %d addresses %v", r.Name, r.ID, r.Addresses)
	if err := m.RemoveRadio(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if iwPhyHas(lab, "rad7") {
		t.Fatal("rad7 still in iw phy after RemoveRadio")
	}
}

// TestHwsimDBus drives bin/wifi-hwsim over D-Bus the way iwd's hwsim.py
// does: create a radio with options, add a rule, set its properties, see
// the effect on the air, remove the rule and the radio.
func TestHwsimDBus(t *testing.T) {
	lab := labenv.Setup(t, labenv.Hardware{Radios: 2, APs: []labenv.AP{openAP(0, "dbusnet")}})
	// A bus of its own, as iwd's test runner gives each test: the
	// system bus's policy lets nobody own net.connman.hwsim.
	sock := "/run/hwsim-test-bus"
	os.Remove(sock)
	conf := filepath.Join(lab.Dir, "bus.conf")
	os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=`+sock+`</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/>
<allow send_type="method_call"/><allow send_type="signal"/><allow send_type="method_return"/><allow send_type="error"/>
<allow receive_type="method_call"/><allow receive_type="signal"/><allow receive_type="method_return"/><allow receive_type="error"/>
</policy></busconfig>
`), 0o644)
	lab.Start("dbus-hwsim", nil, "dbus-daemon", "--config-file="+conf, "--nofork", "--nopidfile", "--nosyslog")
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	addr := "unix:path=" + sock
	svc := lab.Start("wifi-hwsim", []string{"DBUS_SYSTEM_BUS_ADDRESS=" + addr}, filepath.Join(lab.Bin, "wifi-hwsim"), "-d", "--pcap", filepath.Join(lab.Dir, "wifi-hwsim.pcap"))
	if err := svc.WaitLog("serving net.connman.hwsim", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	bus, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	root := bus.Object(hwsim.ServiceName, "/")

	var path dbus.ObjectPath
	opts := map[string]dbus.Variant{
		"Name": dbus.MakeVariant("rad5"), "P2P": dbus.MakeVariant(true), "NoVirtualInterface": dbus.MakeVariant(true),
		"InterfaceTypeDisable": dbus.MakeVariant("ap"), "CipherTypeDisable": dbus.MakeVariant("tkip"),
	}
	if err := root.Call(hwsim.RadioManagerInterface+".CreateRadio", 0, opts).Store(&path); err != nil {
		t.Fatalf("CreateRadio: %v", err)
	}
	radio := bus.Object(hwsim.ServiceName, path)
	name, err := radio.GetProperty(hwsim.RadioInterface + ".Name")
	if err != nil || name.Value() != "rad5" {
		t.Fatalf("radio %s Name %v (%v)", path, name, err)
	}
	info, _ := lab.Output("iw", "phy", "rad5", "info")
	modes := info[strings.Index(info, "Supported interface modes"):]
	modes = modes[:strings.Index(modes, "\n\tBand")+1]
	if !strings.Contains(modes, "* managed") || strings.Contains(modes, "* AP\n") {
		t.Errorf("rad5 interface modes (AP disabled):\n%s", modes)
	}
	if strings.Contains(info, "TKIP") {
		t.Error("rad5 still offers TKIP")
	}

	// The AP's radio lives in another namespace: its address is its
	// interface's.
	apAddr := strings.TrimSpace(lab.ExecAP("cat", "/sys/class/net/"+lab.APs[0].Iface+"/address"))
	var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	if err := root.Call("org.freedesktop.DBus.ObjectManager.GetManagedObjects", 0).Store(&objs); err != nil {
		t.Fatal(err)
	}
	var staAddr string
	for _, o := range objs {
		if r, ok := o[hwsim.RadioInterface]; ok && r["Name"].Value() == lab.Radios[1].Phy {
			staAddr = r["Addresses"].Value().([]string)[0]
		}
	}
	if staAddr == "" {
		t.Fatalf("no Radio object for %s in %v", lab.Radios[1].Phy, objs)
	}

	if err := root.Call(hwsim.RuleManagerInterface+".AddRule", 0).Store(&path); err != nil {
		t.Fatalf("AddRule: %v", err)
	}
	rule := bus.Object(hwsim.ServiceName, path)
	set := func(prop string, v any) {
		t.Helper()
		if err := rule.SetProperty(hwsim.RuleInterface+"."+prop, dbus.MakeVariant(v)); err != nil {
			t.Fatalf("set %s: %v", prop, err)
		}
	}
	set("Source", apAddr)
	set("Destination", staAddr)
	set("Priority", int16(1))
	set("SignalStrength", int16(-8500))
	set("Enabled", true)
	if got := scanSignal(t, lab, lab.Radios[1].Iface, "dbusnet"); got != "-85.00" {
		t.Errorf("with the rule: signal %s dBm, want -85.00", got)
	}
	if err := rule.SetProperty(hwsim.RuleInterface+".SignalStrength", dbus.MakeVariant(int16(5))); err == nil {
		t.Error("SignalStrength 5 accepted")
	}
	if err := rule.Call(hwsim.RuleInterface+".Remove", 0).Err; err != nil {
		t.Fatalf("Remove: %v", err)
	}
	lab.Run("iw", "dev", lab.Radios[1].Iface, "scan", "flush")
	if got := scanSignal(t, lab, lab.Radios[1].Iface, "dbusnet"); got != "-30.00" {
		t.Errorf("rule removed: signal %s dBm, want -30.00", got)
	}
	if err := radio.Call(hwsim.RadioInterface+".Destroy", 0).Err; err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	if iwPhyHas(lab, "rad5") {
		t.Error("rad5 still in iw phy after Destroy")
	}
}
