package hwsim

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"wifid/daemon/dbusapi/dbustest"
)

// offlineMedium is a Medium with no kernel behind it: radios, interfaces
// and rules, enough for the D-Bus API.
func offlineMedium(notify func()) *Medium {
	m := &Medium{
		cfg: Config{Signal: -30, Notify: notify}, log: slog.Default(),
		radios: map[int]*radio{}, ifaces: map[int]*Interface{},
		rnd: rand.New(rand.NewPCG(1, 1)),
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	for id := range 2 {
		r := testRadio(id)
		r.Name = "rad" + string(rune('0'+id))
		m.radios[id] = r
	}
	m.ifaces[7] = &Interface{Radio: 1, Index: 7, Name: "wlan1", Address: m.radios[1].Addresses[0]}
	return m
}

func TestService(t *testing.T) {
	addr := dbustest.StartBus(t)
	svcConn := dbustest.Connect(t, addr)
	client := dbustest.Connect(t, addr)

	svc := NewService(svcConn, slog.Default())
	m := offlineMedium(svc.Notify)
	if err := svc.Attach(m); err != nil {
		t.Fatal(err)
	}
	sigs := make(chan *dbus.Signal, 32)
	client.Signal(sigs)
	if err := client.AddMatchSignal(dbus.WithMatchSender(ServiceName)); err != nil {
		t.Fatal(err)
	}
	root := client.Object(ServiceName, "/")

	var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	if err := root.Call(objectManagerInterface+".GetManagedObjects", 0).Store(&objs); err != nil {
		t.Fatal(err)
	}
	r1 := objs["/radio1"][RadioInterface]
	if r1["Name"].Value() != "rad1" || r1["Addresses"].Value().([]string)[0] != "02:00:00:00:01:00" {
		t.Errorf("radio1: %v", r1)
	}
	if objs["/radio1/7"][InterfaceInterface]["Address"].Value() != "02:00:00:00:01:00" {
		t.Errorf("interface: %v", objs["/radio1/7"])
	}

	var rp dbus.ObjectPath
	if err := root.Call(RuleManagerInterface+".AddRule", 0).Store(&rp); err != nil {
		t.Fatal(err)
	}
	if rp != "/rule0" {
		t.Errorf("rule path %s", rp)
	}
	waitSignal(t, sigs, objectManagerInterface+".InterfacesAdded", "/rule0")
	rule := client.Object(ServiceName, rp)
	get := func(name string) any {
		t.Helper()
		v, err := rule.GetProperty(RuleInterface + "." + name)
		if err != nil {
			t.Fatalf("get %s: %v", name, err)
		}
		return v.Value()
	}
	if get("Enabled") != false || get("DropAck") != true || get("Source") != "any" || get("MatchTimes") != uint16(0xffff) {
		t.Errorf("defaults: enabled %v dropack %v source %v times %v", get("Enabled"), get("DropAck"), get("Source"), get("MatchTimes"))
	}
	set := func(name string, v any) error {
		return rule.SetProperty(RuleInterface+"."+name, dbus.MakeVariant(v))
	}
	for name, v := range map[string]any{
		"Source": "02:00:00:00:00:00", "Destination": "multicast", "SignalStrength": int16(-8500),
		"Priority": int16(3), "Frequency": uint32(2412), "Delay": uint32(20), "Prefix": []byte{0x08},
		"MatchBytes": []byte{0x88, 0x8e}, "MatchBytesOffset": uint16(32), "MatchTimes": uint16(4),
		"Enabled": true, "Drop": true, "Bidirectional": true,
	} {
		if err := set(name, v); err != nil {
			t.Errorf("set %s: %v", name, err)
		}
	}
	waitSignal(t, sigs, propertiesInterface+".PropertiesChanged", "/rule0")
	r, _ := m.Rule(0)
	if r.Source.String() != "02:00:00:00:00:00" || !isBroadcast(r.Destination) || r.Signal != -85 || r.Priority != 3 ||
		r.Delay != 20*time.Millisecond || r.MatchOffset != 32 || r.MatchTimes != 4 || r.Disabled || r.Drop != 1 || !r.Bidirectional {
		t.Errorf("rule after sets: %+v", r)
	}
	if get("SignalStrength") != int16(-8500) || get("Destination") != "multicast" {
		t.Errorf("read back: %v %v", get("SignalStrength"), get("Destination"))
	}
	for name, v := range map[string]any{
		"SignalStrength": int16(100), "Source": "not a mac", "Enabled": "yes", "Prefix": make([]byte, 200),
	} {
		err := set(name, v)
		if err == nil || !strings.Contains(err.Error(), "") {
			t.Errorf("set %s=%v accepted", name, v)
		} else if e, ok := err.(dbus.Error); !ok || e.Name != ServiceName+".InvalidArgs" {
			t.Errorf("set %s: error %v, want InvalidArgs", name, err)
		}
	}

	radio := client.Object(ServiceName, "/radio1/7")
	err := radio.Call(InterfaceInterface+".SendFrame", 0, []byte{9, 9, 9, 9, 9, 9}, uint32(2412), int32(-30), testFrame()).Err
	if e, ok := err.(dbus.Error); !ok || e.Name != ServiceName+".InvalidArgs" {
		t.Errorf("SendFrame to nobody: %v", err)
	}
	err = root.Call(RadioManagerInterface+".CreateRadio", 0, map[string]dbus.Variant{"P2P": dbus.MakeVariant(true)}).Err
	if e, ok := err.(dbus.Error); !ok || e.Name != ServiceName+".InvalidArgs" {
		t.Errorf("CreateRadio without a name: %v", err)
	}
	err = root.Call(RadioManagerInterface+".CreateRadio", 0, map[string]dbus.Variant{"Name": dbus.MakeVariant(1)}).Err
	if e, ok := err.(dbus.Error); !ok || e.Name != ServiceName+".InvalidArgs" {
		t.Errorf("CreateRadio with a numeric name: %v", err)
	}

	var xml string
	if err := root.Call(introspectInterface+".Introspect", 0).Store(&xml); err != nil || !strings.Contains(xml, `<node name="rule0"/>`) {
		t.Errorf("introspect /: %v\n%s", err, xml)
	}

	if err := rule.Call(RuleInterface+".Remove", 0).Err; err != nil {
		t.Fatal(err)
	}
	waitSignal(t, sigs, objectManagerInterface+".InterfacesRemoved", "/rule0")
	if len(m.RuleIDs()) != 0 {
		t.Error("rule still there")
	}
	if _, err := rule.GetProperty(RuleInterface + ".Source"); err == nil {
		t.Error("removed rule still answers")
	}

	// A radio going away takes its interfaces along.
	m.delRadio(1)
	svc.Notify()
	objs = nil
	if err := root.Call(objectManagerInterface+".GetManagedObjects", 0).Store(&objs); err != nil {
		t.Fatal(err)
	}
	if _, ok := objs["/radio1"]; ok {
		t.Error("radio1 still listed")
	}
	if _, ok := objs["/radio1/7"]; ok {
		t.Error("its interface still listed")
	}
}

func waitSignal(t *testing.T, sigs chan *dbus.Signal, name string, path dbus.ObjectPath) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case s := <-sigs:
			if s.Name != name {
				continue
			}
			if len(s.Body) > 0 {
				if p, ok := s.Body[0].(dbus.ObjectPath); ok && p == path {
					return
				}
			}
			if s.Path == path {
				return
			}
		case <-deadline:
			t.Fatalf("no %s for %s", name, path)
		}
	}
}
