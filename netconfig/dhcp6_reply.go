package netconfig

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv6"
	"github.com/insomniacslk/dhcp/iana"
)

// addr6 is one IA Address option (RFC 8415 21.6) of an accepted IA_NA.
type addr6 struct {
	Addr      netip.Addr
	Preferred time.Duration
	Valid     time.Duration
}

// reply6 is a checked ADVERTISE or REPLY.
type reply6 struct {
	Type       dhcpv6.MessageType
	ServerID   []byte // the Server Identifier DUID as sent
	Preference int
	Status     iana.StatusCode // top-level Status Code; Success when absent
	StatusMsg  string
	// The IA_NA with our IAID, if any.
	HasIA    bool
	IAStatus iana.StatusCode
	T1, T2   time.Duration
	Addrs    []addr6
	DNS      []netip.Addr
	Domains  []string
	// Refresh is the Information Refresh Time option, 0 when absent.
	Refresh     time.Duration
	RapidCommit bool
}

// parseReply6 decodes a server message and checks it against the exchange
// in progress (RFC 8415 16): ADVERTISE or REPLY only, our transaction ID,
// our Client Identifier, a Server Identifier. Addresses that are not
// global unicast, whose valid lifetime is 0 or whose preferred lifetime
// exceeds the valid one are dropped (RFC 8415 21.6); an IA_NA with T1 > T2
// is ignored as a whole (21.4).
func parseReply6(b []byte, xid dhcpv6.TransactionID, clientID []byte, iaid [4]byte) (*reply6, error) {
	if len(b) < dhcpv6.MessageHeaderSize {
		return nil, fmt.Errorf("message of %d bytes is shorter than the 4-byte header", len(b))
	}
	mt := dhcpv6.MessageType(b[0])
	if mt != dhcpv6.MessageTypeAdvertise && mt != dhcpv6.MessageTypeReply {
		return nil, fmt.Errorf("message type %v is not ADVERTISE or REPLY", mt)
	}
	if !bytes.Equal(b[1:4], xid[:]) {
		return nil, fmt.Errorf("transaction ID %x, want %x", b[1:4], xid[:])
	}
	m, err := dhcpv6.MessageFromBytes(b)
	if err != nil {
		return nil, fmt.Errorf("%v options: %w", mt, err)
	}
	cid := m.Options.ClientID()
	if cid == nil {
		return nil, fmt.Errorf("%v has no Client Identifier", mt)
	}
	if got := cid.ToBytes(); !bytes.Equal(got, clientID) {
		return nil, fmt.Errorf("%v Client Identifier %x is not ours (%x)", mt, got, clientID)
	}
	sid := m.Options.ServerID()
	if sid == nil {
		return nil, fmt.Errorf("%v has no Server Identifier", mt)
	}
	r := &reply6{Type: mt, ServerID: sid.ToBytes(), Preference: int(m.Options.Preference()), Status: iana.StatusSuccess}
	if len(r.ServerID) == 0 {
		return nil, fmt.Errorf("%v has an empty Server Identifier", mt)
	}
	if sc := m.Options.Status(); sc != nil {
		r.Status, r.StatusMsg = sc.StatusCode, sc.StatusMessage
	}
	r.RapidCommit = m.Options.GetOne(dhcpv6.OptionRapidCommit) != nil
	for _, ia := range m.Options.IANA() {
		if ia.IaId != iaid {
			continue
		}
		if r.HasIA {
			return nil, fmt.Errorf("%v has two IA_NA options for IAID %x", mt, iaid)
		}
		r.HasIA = true
		r.IAStatus = iana.StatusSuccess
		if sc := ia.Options.Status(); sc != nil {
			r.IAStatus = sc.StatusCode
		}
		if ia.T2 > 0 && ia.T1 > ia.T2 {
			r.HasIA = false // RFC 8415 21.4: discard the IA_NA
			continue
		}
		r.T1, r.T2 = ia.T1, ia.T2
		for _, a := range ia.Options.Addresses() {
			ip, ok := netip.AddrFromSlice(a.IPv6Addr)
			if !ok || len(a.IPv6Addr) != 16 || ip.Is4In6() || !ip.IsGlobalUnicast() {
				continue
			}
			if a.ValidLifetime <= 0 || a.PreferredLifetime > a.ValidLifetime {
				continue
			}
			if sc := a.Options.Status(); sc != nil && sc.StatusCode != iana.StatusSuccess {
				continue
			}
			r.Addrs = append(r.Addrs, addr6{Addr: ip, Preferred: a.PreferredLifetime, Valid: a.ValidLifetime})
		}
	}
	for _, s := range m.Options.DNS() {
		a, ok := netip.AddrFromSlice(s)
		if !ok || len(s) != 16 || a.Is4In6() || a.IsUnspecified() || a.IsMulticast() || a.IsLoopback() {
			return nil, fmt.Errorf("%v DNS server %v is not a unicast IPv6 address", mt, s)
		}
		if !slices.Contains(r.DNS, a) {
			r.DNS = append(r.DNS, a)
		}
	}
	if l := m.Options.DomainSearchList(); l != nil {
		for _, d := range l.Labels {
			d = strings.TrimSuffix(d, ".")
			if d == "" || strings.ContainsAny(d, " \t\n\r#;") {
				return nil, fmt.Errorf("%v domain search name %q unusable", mt, d)
			}
			if !slices.Contains(r.Domains, d) {
				r.Domains = append(r.Domains, d)
			}
		}
	}
	r.Refresh = m.Options.InformationRefreshTime(0)
	return r, nil
}

// Lease6 is a DHCPv6 binding of one address (IA_NA, RFC 8415).
type Lease6 struct {
	Address   netip.Addr
	Preferred time.Duration
	Valid     time.Duration
	T1, T2    time.Duration
	ServerID  []byte // the server's DUID
	DNS       []netip.Addr
	Domains   []string
	Acquired  time.Time
}

// Expiry is when the address's valid lifetime runs out.
func (l *Lease6) Expiry() time.Time { return l.Acquired.Add(l.Valid) }

// lease6From builds a lease from an accepted REPLY. T1 and T2 of 0 leave
// the times to the client: 0.5 and 0.8 of the shortest preferred lifetime
// (the values RFC 8415 21.4 recommends to servers).
func lease6From(r *reply6, acquired time.Time) *Lease6 {
	if len(r.Addrs) == 0 {
		return nil
	}
	a := r.Addrs[0]
	l := &Lease6{Address: a.Addr, Preferred: a.Preferred, Valid: a.Valid, T1: r.T1, T2: r.T2,
		ServerID: r.ServerID, DNS: r.DNS, Domains: r.Domains, Acquired: acquired}
	pref := a.Preferred
	if pref <= 0 {
		pref = a.Valid
	}
	if l.T1 <= 0 || l.T2 <= 0 {
		l.T1, l.T2 = pref/2, pref/5*4 // divide first: lifetimes reach 2^32 s
	}
	if l.T2 > l.Valid {
		l.T2 = l.Valid / 8 * 7
	}
	if l.T1 > l.T2 {
		l.T1 = l.T2 / 2
	}
	return l
}
