package hwsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/mdlayher/netlink"
)

// Config tunes a Medium. The zero value registers as the medium with the
// defaults below.
type Config struct {
	// Logger; nil means slog.Default().
	Logger *slog.Logger
	// NoRegister leaves the kernel's own medium in place: radios and
	// frame injection only (iwd's hwsim --no-register).
	NoRegister bool
	// Signal is what receivers are told when no rule says otherwise,
	// in dBm; 0 means -30 (iwd's tool's default).
	Signal int
	// Pcap, when set, receives every frame the medium relays or injects,
	// with a radiotap header (see NewPcapWriter).
	Pcap *PcapWriter
	// Observe, when set, is called for every delivery the medium
	// decides, on the medium's goroutine: keep it quick.
	Observe func(Delivery)
	// Notify, when set, is called after radios, interfaces or rules
	// changed (from any goroutine, never with a lock held).
	Notify func()
	// NoInterfaces skips tracking interfaces through nl80211.
	NoInterfaces bool
	// QueueLen bounds the kernel messages waiting for the medium;
	// 0 means 4096. Beyond it, frames are dropped (and logged).
	QueueLen int
	// Seed seeds the random drops; 0 picks one.
	Seed uint64
}

// A Delivery is one frame offered to one radio.
type Delivery struct {
	Time     time.Time
	From     net.HardwareAddr // transmitting radio's first address; nil when injected
	To       net.HardwareAddr // receiving radio's first address
	Freq     uint32
	Signal   int // dBm
	Frame    []byte
	Dropped  bool // a rule dropped it
	Accepted bool // the kernel delivered it to the radio (right channel, radio up)
	Injected bool // sent with Inject / SendFrame, not relayed
}

// Stats count what the medium did.
type Stats struct {
	Frames, Delivered, Dropped, Acked, Unknown, Malformed uint64
}

// A Medium is the air between mac80211_hwsim radios, in userspace.
type Medium struct {
	cfg  Config
	log  *slog.Logger
	conn *conn
	ifs  *ifaceWatch

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	radiosMu   sync.Mutex // guards radios, ifaces
	radios     map[int]*radio
	ifaces     map[int]*Interface // by ifindex
	lastDump   time.Time          // worker only
	registered bool

	rulesMu sync.Mutex // guards rules, rnd
	rules   ruleTable
	rnd     *rand.Rand

	txMu sync.Mutex // guards every transmission's pending, ack fields

	statsMu sync.Mutex // guards stats
	stats   Stats
}

// New opens the MAC80211_HWSIM family, learns the radios there are and,
// unless cfg.NoRegister, registers as the medium: from then on every frame
// a radio sends passes through the Medium until Close.
func New(ctx context.Context, cfg Config) (*Medium, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Signal == 0 {
		cfg.Signal = -30
	}
	if cfg.QueueLen == 0 {
		cfg.QueueLen = 4096
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	c, err := dialConn(cfg.Logger, cfg.QueueLen)
	if err != nil {
		return nil, err
	}
	m := &Medium{
		cfg: cfg, log: cfg.Logger, conn: c,
		radios: map[int]*radio{}, ifaces: map[int]*Interface{},
		rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	if err := m.dumpRadios(ctx); err != nil {
		m.Close()
		return nil, err
	}
	if !cfg.NoInterfaces {
		w, err := watchInterfaces(ctx, m)
		if err != nil {
			m.log.Warn("hwsim: no interface tracking", "err", err)
		} else {
			m.ifs = w
		}
	}
	m.wg.Add(1)
	go m.worker()
	if !cfg.NoRegister {
		if _, _, err := c.request(ctx, cmdRegister, nil, false); err != nil {
			m.Close()
			return nil, fmt.Errorf("hwsim: register as the medium: %w", err)
		}
		m.registered = true
		m.log.Info("hwsim: registered as the medium", "radios", len(m.Radios()))
	}
	return m, nil
}

// Close stops the medium. The kernel takes over delivering frames again,
// and the radios the medium created (unless KeepOnClose) go away.
func (m *Medium) Close() error {
	m.cancel()
	err := m.conn.close()
	if m.ifs != nil {
		m.ifs.close()
	}
	m.wg.Wait()
	if m.cfg.Pcap != nil {
		m.cfg.Pcap.Flush()
	}
	return err
}

// Registered reports whether the medium relays frames (not NoRegister).
func (m *Medium) Registered() bool { return m.registered }

// Stats returns the counters so far.
func (m *Medium) Stats() Stats {
	m.statsMu.Lock()
	defer m.statsMu.Unlock()
	return m.stats
}

func (m *Medium) count(f func(s *Stats)) {
	m.statsMu.Lock()
	f(&m.stats)
	m.statsMu.Unlock()
}

func (m *Medium) notify() {
	if m.cfg.Notify != nil {
		m.cfg.Notify()
	}
}

// Radios lists the radios, by id.
func (m *Medium) Radios() []Radio {
	m.radiosMu.Lock()
	defer m.radiosMu.Unlock()
	out := make([]Radio, 0, len(m.radios))
	for _, r := range m.radios {
		out = append(out, r.Radio)
	}
	slices.SortFunc(out, func(a, b Radio) int { return a.ID - b.ID })
	return out
}

// Radio finds a radio by wiphy name.
func (m *Medium) Radio(name string) (Radio, bool) {
	for _, r := range m.Radios() {
		if r.Name == name {
			return r, true
		}
	}
	return Radio{}, false
}

// Interfaces lists the interfaces on the medium's radios, by ifindex.
func (m *Medium) Interfaces() []Interface {
	m.radiosMu.Lock()
	defer m.radiosMu.Unlock()
	out := make([]Interface, 0, len(m.ifaces))
	for _, i := range m.ifaces {
		out = append(out, *i)
	}
	slices.SortFunc(out, func(a, b Interface) int { return a.Index - b.Index })
	return out
}

func (m *Medium) dumpRadios(ctx context.Context) error {
	msgs, _, err := m.conn.request(ctx, cmdGetRadio, nil, true)
	if err != nil {
		return err
	}
	changed := false
	for _, km := range msgs {
		info, err := decodeRadio(km.Data)
		if err != nil {
			m.log.Warn("hwsim: GET_RADIO reply", "err", err)
			continue
		}
		changed = m.addRadio(info) || changed
	}
	if changed {
		m.notify()
	}
	return nil
}

// addRadio adds or refreshes a radio; it reports whether it is new.
func (m *Medium) addRadio(info *radioInfo) bool {
	r := newRadio(info, sysfsRoot)
	m.radiosMu.Lock()
	defer m.radiosMu.Unlock()
	if old, ok := m.radios[info.ID]; ok {
		r.vifs = old.vifs
		if r.Name == "" {
			r.Name = old.Name
		}
		m.radios[info.ID] = r
		return false
	}
	m.radios[info.ID] = r
	return true
}

func (m *Medium) delRadio(id int) bool {
	m.radiosMu.Lock()
	defer m.radiosMu.Unlock()
	if _, ok := m.radios[id]; !ok {
		return false
	}
	delete(m.radios, id)
	for k, i := range m.ifaces {
		if i.Radio == id {
			delete(m.ifaces, k)
		}
	}
	return true
}

// radioByAddr finds a radio by either of its addresses; with vifs, by an
// interface address too.
func (m *Medium) radioByAddr(a net.HardwareAddr, vifs bool) *radio {
	m.radiosMu.Lock()
	defer m.radiosMu.Unlock()
	return m.radioByAddrLocked(a, vifs)
}

func (m *Medium) radioByAddrLocked(a net.HardwareAddr, vifs bool) *radio {
	for _, r := range m.radios {
		if string(a) == string(r.Addresses[1]) || string(a) == string(r.Addresses[0]) {
			return r
		}
	}
	if vifs {
		for _, r := range m.radios {
			if r.vifs[string(a)] {
				return r
			}
		}
	}
	return nil
}

// CreateRadio makes a new radio (HWSIM_CMD_NEW_RADIO) and returns it once
// the medium knows its addresses.
func (m *Medium) CreateRadio(ctx context.Context, rc RadioConfig) (Radio, error) {
	attrs, err := rc.encode()
	if err != nil {
		return Radio{}, err
	}
	_, id, err := m.conn.request(ctx, cmdNewRadio, attrs, false)
	if err != nil {
		return Radio{}, fmt.Errorf("hwsim: create radio %q: %w", rc.Name, err)
	}
	if id <= 0 {
		// Kernels that answer with a plain ACK: find it by name.
		if err := m.dumpRadios(ctx); err != nil {
			return Radio{}, err
		}
		if r, ok := m.Radio(rc.Name); ok && rc.Name != "" {
			return r, nil
		}
		return Radio{}, fmt.Errorf("hwsim: create radio %q: the kernel gave no radio id", rc.Name)
	}
	if err := m.refreshRadio(ctx, id); err != nil {
		return Radio{}, err
	}
	m.radiosMu.Lock()
	r, ok := m.radios[id]
	m.radiosMu.Unlock()
	if !ok {
		return Radio{}, fmt.Errorf("hwsim: radio %d vanished", id)
	}
	m.log.Info("hwsim: radio created", "id", id, "name", r.Name, "addr", r.Addresses[0])
	return r.Radio, nil
}

func (m *Medium) refreshRadio(ctx context.Context, id int) error {
	ae := attrU32(attrRadioID, uint32(id))
	msgs, _, err := m.conn.request(ctx, cmdGetRadio, ae, false)
	if err != nil {
		return fmt.Errorf("hwsim: radio %d: %w", id, err)
	}
	for _, km := range msgs {
		info, err := decodeRadio(km.Data)
		if err != nil {
			return err
		}
		if m.addRadio(info) {
			m.notify()
		}
	}
	if m.ifs != nil {
		m.ifs.resync(ctx)
	}
	return nil
}

// RemoveRadio deletes a radio (HWSIM_CMD_DEL_RADIO).
func (m *Medium) RemoveRadio(ctx context.Context, id int) error {
	if _, _, err := m.conn.request(ctx, cmdDelRadio, attrU32(attrRadioID, uint32(id)), false); err != nil {
		return fmt.Errorf("hwsim: remove radio %d: %w", id, err)
	}
	if m.delRadio(id) {
		m.notify()
	}
	m.log.Info("hwsim: radio removed", "id", id)
	return nil
}

// AddRule adds a rule and returns its id.
func (m *Medium) AddRule(r Rule) (RuleID, error) {
	if err := r.validate(); err != nil {
		return 0, err
	}
	r.Prefix, r.Match = clone(r.Prefix), clone(r.Match)
	m.rulesMu.Lock()
	id := m.rules.add(r)
	m.rulesMu.Unlock()
	m.notify()
	return id, nil
}

// UpdateRule changes a rule in place: fn gets a copy, and the result
// replaces the rule if it is valid.
func (m *Medium) UpdateRule(id RuleID, fn func(r *Rule)) error {
	m.rulesMu.Lock()
	rl := m.rules.get(id)
	if rl == nil {
		m.rulesMu.Unlock()
		return fmt.Errorf("hwsim: no rule %d", id)
	}
	r := rl.Rule
	r.Prefix, r.Match = clone(r.Prefix), clone(r.Match)
	fn(&r)
	if err := r.validate(); err != nil {
		m.rulesMu.Unlock()
		return err
	}
	rl.Rule = r
	m.rules.sort()
	m.rulesMu.Unlock()
	m.notify()
	return nil
}

// RemoveRule deletes a rule.
func (m *Medium) RemoveRule(id RuleID) error {
	m.rulesMu.Lock()
	ok := m.rules.remove(id)
	m.rulesMu.Unlock()
	if !ok {
		return fmt.Errorf("hwsim: no rule %d", id)
	}
	m.notify()
	return nil
}

// Rule returns a copy of a rule.
func (m *Medium) Rule(id RuleID) (Rule, bool) {
	m.rulesMu.Lock()
	defer m.rulesMu.Unlock()
	rl := m.rules.get(id)
	if rl == nil {
		return Rule{}, false
	}
	r := rl.Rule
	r.Prefix, r.Match = clone(r.Prefix), clone(r.Match)
	return r, true
}

// RuleIDs lists the rules in the order they apply.
func (m *Medium) RuleIDs() []RuleID {
	m.rulesMu.Lock()
	defer m.rulesMu.Unlock()
	out := make([]RuleID, 0, len(m.rules.rules))
	for _, r := range m.rules.rules {
		out = append(out, r.id)
	}
	return out
}

// ErrNotDelivered means the kernel refused a frame for a radio: the radio
// is not on that frequency, or not up.
var ErrNotDelivered = errors.New("hwsim: frame not delivered (radio not on that frequency, or down)")

// Inject hands frame to the radio with address receiver (either radio
// address, or an interface's) as if it came over the air on freq at signal
// dBm: iwd's Interface.SendFrame. Rules do not apply.
func (m *Medium) Inject(ctx context.Context, receiver net.HardwareAddr, freq uint32, signal int, frame []byte) error {
	r := m.radioByAddr(receiver, true)
	if r == nil {
		return fmt.Errorf("hwsim: inject: no radio with address %v", receiver)
	}
	if len(frame) < 10 || len(frame) > maxFrameLen {
		return fmt.Errorf("hwsim: inject: frame of %d bytes, want 10..%d", len(frame), maxFrameLen)
	}
	if signal > 0 || signal < -128 {
		return fmt.Errorf("hwsim: inject: signal %d dBm outside -128..0", signal)
	}
	if m.cfg.Pcap != nil {
		m.cfg.Pcap.WriteFrame(time.Now(), freq, signal, frame)
	}
	err := m.deliver(ctx, r, frame, freq, signal)
	if m.cfg.Observe != nil {
		m.cfg.Observe(Delivery{Time: time.Now(), To: r.Addresses[0], Freq: freq, Signal: signal,
			Frame: frame, Accepted: err == nil, Injected: true})
	}
	return err
}

// deliver offers frame to radio r; nil means the kernel took it.
func (m *Medium) deliver(ctx context.Context, r *radio, frame []byte, freq uint32, signal int) error {
	rx := rxFrame{Receiver: r.Addresses[1], Data: frame, Signal: int32(signal), Freq: freq}
	b, err := rx.encode()
	if err != nil {
		return err
	}
	// The kernel answers at once; a lost answer must not stall the air.
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, _, err := m.conn.request(ctx, cmdFrame, b, false); err != nil {
		if errors.Is(err, errClosed) || errors.Is(err, context.Canceled) {
			return err
		}
		if errors.Is(err, context.DeadlineExceeded) {
			m.log.Warn("hwsim: no answer to CMD_FRAME", "radio", r.Addresses[0])
			return err
		}
		m.log.Debug("hwsim: not delivered", "radio", r.Addresses[0], "freq", freq, "err", err)
		return ErrNotDelivered
	}
	return nil
}

func attrU32(typ uint16, v uint32) []byte {
	ae := netlink.NewAttributeEncoder()
	ae.Uint32(typ, v)
	b, _ := ae.Encode()
	return b
}

var _ io.Closer = (*Medium)(nil)
