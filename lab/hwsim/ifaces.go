package hwsim

import (
	"context"
	"sync"

	"golang.org/x/sys/unix"

	"wifid/nl80211"
)

// ifaceWatch follows the wireless interfaces of the medium's radios
// through nl80211 (the Interface objects of the D-Bus API, and the
// addresses that rules and ACKs match), and wiphy renames.
type ifaceWatch struct {
	m  *Medium
	c  *nl80211.Client
	wg sync.WaitGroup
}

func watchInterfaces(ctx context.Context, m *Medium) (*ifaceWatch, error) {
	c, err := nl80211.DialConfig(m.ctx, nl80211.Config{
		Groups: []string{unix.NL80211_MULTICAST_GROUP_CONFIG},
		Logger: m.log,
	})
	if err != nil {
		return nil, err
	}
	w := &ifaceWatch{m: m, c: c}
	w.resync(ctx)
	w.wg.Add(1)
	go w.run()
	return w, nil
}

func (w *ifaceWatch) close() {
	w.c.Close()
	w.wg.Wait()
}

// resync dumps the interfaces and replaces what the medium knows.
func (w *ifaceWatch) resync(ctx context.Context) {
	ifs, err := w.c.Interfaces(ctx)
	if err != nil {
		w.m.log.Debug("hwsim: interface dump", "err", err)
		return
	}
	m := w.m
	m.radiosMu.Lock()
	old := m.ifaces
	m.ifaces = map[int]*Interface{}
	for _, ifi := range ifs {
		m.setIfaceLocked(ifi)
	}
	changed := len(old) != len(m.ifaces)
	for k, i := range m.ifaces {
		if o, ok := old[k]; !ok || o.Name != i.Name || o.Address.String() != i.Address.String() {
			changed = true
		}
	}
	m.radiosMu.Unlock()
	if changed {
		m.notify()
	}
}

// setIfaceLocked records an interface if it is on one of our radios.
func (m *Medium) setIfaceLocked(ifi *nl80211.Interface) bool {
	if ifi.Index == 0 {
		return false // a P2P device has no netdev
	}
	for _, r := range m.radios {
		if r.Wiphy >= 0 && r.Wiphy == ifi.Wiphy {
			m.ifaces[ifi.Index] = &Interface{Radio: r.ID, Index: ifi.Index, Name: ifi.Name,
				Address: clone(ifi.MAC), Type: uint32(ifi.Type)}
			if len(ifi.MAC) == 6 {
				r.vifs[string(ifi.MAC)] = true
			}
			return true
		}
	}
	return false
}

func (w *ifaceWatch) run() {
	defer w.wg.Done()
	m := w.m
	for ev := range w.c.Events() {
		changed := false
		switch e := ev.(type) {
		case *nl80211.InterfaceEvent:
			if e.Interface == nil {
				continue
			}
			m.radiosMu.Lock()
			switch e.Info().Cmd {
			case unix.NL80211_CMD_NEW_INTERFACE, unix.NL80211_CMD_SET_INTERFACE:
				changed = m.setIfaceLocked(e.Interface)
			case unix.NL80211_CMD_DEL_INTERFACE:
				if _, ok := m.ifaces[e.Interface.Index]; ok {
					delete(m.ifaces, e.Interface.Index)
					changed = true
				}
			}
			m.radiosMu.Unlock()
		case *nl80211.WiphyEvent:
			if e.Info().Cmd != unix.NL80211_CMD_NEW_WIPHY || e.Name == "" {
				continue
			}
			m.radiosMu.Lock()
			for _, r := range m.radios {
				if r.Wiphy == e.Info().Wiphy && r.Name != e.Name {
					r.Name = e.Name
					changed = true
				}
			}
			m.radiosMu.Unlock()
		}
		if changed {
			m.notify()
		}
	}
}
