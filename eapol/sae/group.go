package sae

import "wifid/eapol/internal/ecgroup"

// group is one of the groups SAE runs over; the arithmetic is shared with
// EAP-pwd in eapol/internal/ecgroup.
type group = ecgroup.Group

// Supported reports whether SAE can run over the group (a number from
// the IANA "Group Description" registry, as in the Finite Cyclic Group
// field): 19 (NIST P-256), 20 (P-384) and 21 (P-521).
func Supported(id int) bool { return ecgroup.ByID(id) != nil }
