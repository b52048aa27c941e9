package hwsim

import (
	"context"
	"net"
	"time"
)

// worker is the medium's goroutine: it takes the kernel's messages in
// order and relays frames. It ends when the socket closes.
func (m *Medium) worker() {
	defer m.wg.Done()
	for km := range m.conn.events {
		switch km.Cmd {
		case cmdFrame:
			f, err := decodeTxFrame(km.Data)
			if err != nil {
				m.count(func(s *Stats) { s.Malformed++ })
				m.log.Warn("hwsim: dropped a malformed frame from the kernel", "err", err)
				continue
			}
			m.relay(f)
		case cmdNewRadio:
			info, err := decodeRadio(km.Data)
			if err != nil {
				m.log.Warn("hwsim: NEW_RADIO event", "err", err)
				continue
			}
			if m.addRadio(info) {
				m.log.Info("hwsim: radio appeared", "id", info.ID, "name", info.Name)
				if m.ifs != nil {
					m.ifs.resync(m.ctx)
				}
				m.notify()
			}
		case cmdDelRadio:
			info, err := decodeRadio(km.Data)
			if err != nil {
				m.log.Warn("hwsim: DEL_RADIO event", "err", err)
				continue
			}
			if m.delRadio(info.ID) {
				m.log.Info("hwsim: radio went away", "id", info.ID, "name", info.Name)
				m.notify()
			}
		case cmdAddMACAddr, cmdDelMACAddr:
			e, err := decodeMACAddr(km.Data)
			if err != nil {
				m.log.Warn("hwsim: MAC address event", "err", err)
				continue
			}
			m.radiosMu.Lock()
			if r := m.radioByAddrLocked(e.Radio, false); r != nil {
				if km.Cmd == cmdAddMACAddr {
					r.vifs[string(e.Addr)] = true
				} else if !m.ifaceHasAddrLocked(r.ID, e.Addr) {
					delete(r.vifs, string(e.Addr))
				}
			}
			m.radiosMu.Unlock()
		}
	}
}

func (m *Medium) ifaceHasAddrLocked(radio int, a []byte) bool {
	for _, i := range m.ifaces {
		if i.Radio == radio && string(i.Address) == string(a) {
			return true
		}
	}
	return false
}

// transmission is one frame on its way to every other radio; the last
// delivery to finish reports the TX status.
type transmission struct {
	f       *txFrame
	src     *radio // nil when the transmitter is unknown
	pending int    // deliveries not yet finished; worker or timers, under mu
	// ack is the radio that took a unicast frame (an ACK would come
	// from it), with the signal it heard the frame at.
	ack       *radio
	ackSignal int
	ackLoose  bool // taken by a radio whose address is not addr1
}

// relay sends f to every other radio, as the rules say, and reports the
// TX status back to the sender.
func (m *Medium) relay(f *txFrame) {
	m.count(func(s *Stats) { s.Frames++ })
	src := m.radioByAddr(f.Transmitter, false)
	if src == nil && time.Since(m.lastDump) > time.Second {
		// A radio made behind our back: learn it.
		m.lastDump = time.Now()
		ctx, cancel := context.WithTimeout(m.ctx, 2*time.Second)
		_ = m.dumpRadios(ctx)
		cancel()
		src = m.radioByAddr(f.Transmitter, false)
	}
	if src == nil {
		src = m.learnRadio(f.Transmitter)
	}
	if src == nil {
		m.count(func(s *Stats) { s.Unknown++ })
		m.log.Debug("hwsim: frame from an unknown radio", "transmitter", f.Transmitter)
		m.sendTxInfo(&transmission{f: f})
		return
	}
	if m.cfg.Pcap != nil {
		m.cfg.Pcap.WriteFrame(time.Now(), f.Freq, m.cfg.Signal, f.Data)
	}
	m.radiosMu.Lock()
	dsts := make([]*radio, 0, len(m.radios))
	for _, r := range m.radios {
		if r != src {
			dsts = append(dsts, r)
		}
	}
	m.radiosMu.Unlock()

	t := &transmission{f: f, src: src, pending: 1}
	for _, dst := range dsts {
		v := verdict{signal: m.cfg.Signal}
		m.rulesMu.Lock()
		m.rules.apply(src, dst, f, false, &v, m.rnd)
		m.rulesMu.Unlock()
		if v.drop {
			m.count(func(s *Stats) { s.Dropped++ })
			m.observe(Delivery{From: src.Addresses[0], To: dst.Addresses[0], Freq: f.Freq, Signal: v.signal, Frame: f.Data, Dropped: true})
			continue
		}
		if v.delay > 0 {
			m.txMu.Lock()
			t.pending++
			m.txMu.Unlock()
			m.wg.Add(1)
			go func(dst *radio, v verdict) {
				defer m.wg.Done()
				select {
				case <-time.After(v.delay):
					m.deliverOne(t, dst, v.signal)
				case <-m.ctx.Done():
				}
				m.finish(t)
			}(dst, v)
			continue
		}
		m.deliverOne(t, dst, v.signal)
	}
	m.finish(t)
}

func (m *Medium) observe(d Delivery) {
	if m.cfg.Observe != nil {
		d.Time = time.Now()
		m.cfg.Observe(d)
	}
}

func (m *Medium) deliverOne(t *transmission, dst *radio, signal int) {
	err := m.deliver(m.ctx, dst, t.f.Data, t.f.Freq, signal)
	ok := err == nil
	if ok {
		m.count(func(s *Stats) { s.Delivered++ })
		addr1 := t.f.dst()
		m.txMu.Lock()
		switch {
		case dst.hasAddr(addr1):
			if t.ack == nil || t.ackLoose {
				t.ack, t.ackSignal, t.ackLoose = dst, signal, false
			}
		case t.ack == nil:
			t.ack, t.ackSignal, t.ackLoose = dst, signal, true
		}
		m.txMu.Unlock()
	}
	m.observe(Delivery{From: t.src.Addresses[0], To: dst.Addresses[0], Freq: t.f.Freq, Signal: signal, Frame: t.f.Data, Accepted: ok})
}

// finish ends one delivery; the last one sends the TX status.
func (m *Medium) finish(t *transmission) {
	m.txMu.Lock()
	t.pending--
	last := t.pending == 0
	m.txMu.Unlock()
	if last {
		m.sendTxInfo(t)
	}
}

// sendTxInfo tells the sender whether its frame was acknowledged: a
// unicast frame is, when a radio took it (preferably the one addr1 names,
// or any when addr1 is nobody the medium knows) and no DropAck rule lost
// the ACK on its way back.
func (m *Medium) sendTxInfo(t *transmission) {
	f := t.f
	flags := f.Flags &^ txStatAck
	acked := false
	signal := m.cfg.Signal
	if t.ack != nil && f.Flags&txCtlNoAck == 0 && f.dst()[0]&1 == 0 {
		owned := t.ackLoose && m.radioByAddr(f.dst(), true) != nil
		if !owned {
			v := verdict{}
			m.rulesMu.Lock()
			m.rules.apply(t.ack, t.src, f, true, &v, m.rnd)
			m.rulesMu.Unlock()
			acked = !v.drop
			signal = t.ackSignal
		}
	}
	rates := make([]TxRate, len(f.Rates))
	copy(rates, f.Rates)
	if acked {
		flags |= txStatAck
		m.count(func(s *Stats) { s.Acked++ })
		// The first try got through.
		for i := range rates {
			if i == 0 {
				rates[i].Count = 1
				continue
			}
			rates[i] = TxRate{Idx: -1}
		}
	}
	ti := txInfo{Transmitter: f.Transmitter, Flags: flags, Signal: int32(signal), Cookie: f.Cookie, Rates: rates}
	b, err := ti.encode()
	if err == nil {
		err = m.conn.send(cmdTxInfoFrame, b)
	}
	if err != nil && m.ctx.Err() == nil {
		m.log.Warn("hwsim: TX status", "err", err)
	}
}

// learnRadio adds a radio the kernel does not list to us (its wiphy is in
// another network namespace: GET_RADIO and sysfs show only our own) from
// its first frame: hwsim's address for it is the transmitter, its
// permanent address the same without the 0x40 bit. It gets a negative id
// and no D-Bus object; rules and deliveries treat it as any radio.
func (m *Medium) learnRadio(tx []byte) *radio {
	if len(tx) != 6 || tx[0]&0x40 == 0 {
		return nil
	}
	m.radiosMu.Lock()
	defer m.radiosMu.Unlock()
	id := -1
	for rid := range m.radios {
		if rid <= id {
			id = rid - 1
		}
	}
	a0 := clone(tx)
	a0[0] &^= 0x40
	r := &radio{Radio: Radio{ID: id, Addresses: [2]net.HardwareAddr{a0, clone(tx)}, Wiphy: -1, CustomReg: -1}, vifs: map[string]bool{}}
	m.radios[id] = r
	m.log.Info("hwsim: learned a radio from its frames (not in our namespace)", "addr", a0)
	return r
}
