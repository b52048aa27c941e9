package station

import "fmt"

// IEEE 802.11-2020 Table 9-49 (reason codes), the ones seen in practice.
var reasonNames = map[uint16]string{
	1: "unspecified", 2: "previous authentication no longer valid", 3: "deauthenticated: leaving",
	4: "disassociated: inactivity", 5: "disassociated: AP busy", 6: "class 2 frame from nonauthenticated STA",
	7: "class 3 frame from nonassociated STA", 8: "disassociated: leaving", 9: "not authenticated",
	13: "invalid element", 14: "MIC failure", 15: "4-way handshake timeout", 16: "group key handshake timeout",
	17: "element in 4-way handshake differs", 18: "invalid group cipher", 19: "invalid pairwise cipher",
	20: "invalid AKMP", 23: "IEEE 802.1X authentication failed", 24: "cipher suite rejected",
	34: "disassociated: low ACK",
}

// IEEE 802.11-2020 Table 9-50 (status codes), the common ones.
var statusNames = map[uint16]string{
	0: "success", 1: "unspecified failure", 10: "cannot support capabilities", 12: "denied",
	13: "unsupported authentication algorithm", 15: "challenge failure", 16: "authentication timeout",
	17: "AP cannot handle more stations", 18: "basic rates not supported", 30: "try again later",
	31: "robust management frame policy violation", 40: "invalid element", 41: "invalid group cipher",
	42: "invalid pairwise cipher", 43: "invalid AKMP", 45: "cipher suite rejected", 53: "invalid PMKID",
	72: "invalid RSNE capabilities",
}

func reasonName(r uint16) string {
	if n, ok := reasonNames[r]; ok {
		return n
	}
	return fmt.Sprintf("reason %d", r)
}

func statusName(s uint16) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("status %d", s)
}
