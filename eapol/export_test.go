package eapol

// HeldKeys returns, for tests, the key octets the Supplicant holds now
// (PMK, the PTKs' parts, GTKs, IGTKs, a held message 1), the slices
// themselves, so a test can see them wiped later.
func (s *Supplicant) HeldKeys() map[string][]byte {
	m := map[string][]byte{}
	add := func(name string, b []byte) {
		if b != nil {
			m[name] = b
		}
	}
	add("PMK", s.pmk)
	add("message 1", s.pendingMsg1)
	for name, p := range map[string]*PTK{"temporary PTK": s.tptk, "PTK": s.ptk} {
		if p != nil {
			add(name+" KCK", p.KCK)
			add(name+" KEK", p.KEK)
			add(name+" TK", p.TK)
		}
	}
	for id, k := range s.gtk {
		add("GTK "+string(rune('0'+id)), k)
	}
	for id, k := range s.igtk {
		add("IGTK "+string(rune('0'+id)), k)
	}
	return m
}
