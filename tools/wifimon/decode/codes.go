package decode

import (
	"fmt"
	"wifid/nl80211/ie"
)

// ReasonName names an IEEE 802.11 reason code as its table does, e.g.
// "LEAVING_NETWORK_DEAUTH(3)".
func ReasonName(code uint16) string { return codeName(ie.ReasonCode(code).Name(), code) }

// StatusName names an IEEE 802.11 status code as its table does, e.g.
// "SUCCESS(0)".
func StatusName(code uint16) string { return codeName(ie.StatusCode(code).Name(), code) }

func codeName(name string, code uint16) string {
	if name != "" {
		return fmt.Sprintf("%s(%d)", name, code)
	}
	return fmt.Sprintf("%d", code)
}

// authAlgNames are the Authentication Algorithm Numbers (9.4.1.1).
var authAlgNames = map[uint16]string{0: "open", 1: "shared-key", 2: "ft", 3: "sae", 4: "fils-sk", 5: "fils-sk-pfs", 6: "fils-pk", 0xffff: "vendor"}

// nlAuthTypeNames are enum nl80211_auth_type.
var nlAuthTypeNames = map[uint32]string{0: "open", 1: "shared-key", 2: "ft", 3: "network-eap", 4: "sae", 5: "fils-sk", 6: "fils-sk-pfs", 7: "fils-pk", 8: "automatic"}

// actionCategoryNames are the Category values of Action frames (9.4.1.11).
var actionCategoryNames = map[uint8]string{
	0: "spectrum-mgmt", 1: "qos", 2: "dls", 3: "block-ack", 4: "public", 5: "radio-measurement",
	6: "ft", 7: "ht", 8: "sa-query", 9: "protected-dual", 10: "wnm", 11: "unprotected-wnm",
	12: "tdls", 13: "mesh", 14: "multihop", 15: "self-protected", 16: "dmg", 18: "fst",
	19: "robust-av-streaming", 20: "unprotected-dmg", 21: "vht", 30: "he", 126: "vendor-protected", 127: "vendor",
}
