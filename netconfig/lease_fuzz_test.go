package netconfig

import (
	"testing"
)

// FuzzLeaseText: a stored lease is read back from the state directory,
// where anything may have been written: never a panic, an accepted lease
// has an IPv4 address and survives a round trip.
func FuzzLeaseText(f *testing.F) {
	f.Add([]byte(`{"Address":"192.168.1.50/24","Routers":["192.168.1.1"],"Duration":600000000000}`))
	f.Add([]byte(`{"Address":"fe80::1/64"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var l Lease
		if err := l.UnmarshalText(b); err != nil {
			return
		}
		if !l.Address.Addr().Is4() {
			t.Fatalf("accepted address %v", l.Address)
		}
		out, err := l.MarshalText()
		if err != nil {
			t.Fatalf("accepted lease does not marshal: %v", err)
		}
		var again Lease
		if err := again.UnmarshalText(out); err != nil {
			t.Fatalf("round trip: %v (%s)", err, out)
		}
	})
}
