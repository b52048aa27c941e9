package station

import (
	"testing"

	"wifid/nl80211/ie"
)

// TestChooseRSNFT: a BSS that names a mobility domain gets its FT AKM
// (FT-PSK over PSK, FT-SAE over SAE, FT-802.1X over 802.1X), as iwd
// chooses; without the Mobility Domain element the FT AKM is not used.
func TestChooseRSNFT(t *testing.T) {
	mde := (&ie.MobilityDomain{MDID: 0x3412}).Marshal()
	summary := func(withMDE bool, caps ie.RSNCapabilities, akms ...ie.AKMSuite) *ie.Summary {
		sum := rsnSummary(t, &ie.RSN{Version: 1, GroupCipher: ie.CipherCCMP128,
			PairwiseCiphers: []ie.CipherSuite{ie.CipherCCMP128}, AKMs: akms, Capabilities: caps})
		if !withMDE {
			return sum
		}
		rsn, _ := sum.Elements.Find(ie.IDRSN)
		ies := append([]byte{0, 3, 'n', 'e', 't', 1, 1, 0x82}, rsn.Raw...)
		ies = append(ies, mde...)
		s, err := ie.Summarize(ies, 0x11)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	mfpc := ie.RSNCapMFPC
	for _, c := range []struct {
		name string
		sum  *ie.Summary
		sae  bool
		want ie.AKMSuite
	}{
		{"FT-PSK and PSK", summary(true, 0, ie.AKMPSK, ie.AKMFTPSK), false, ie.AKMFTPSK},
		{"FT-PSK only", summary(true, 0, ie.AKMFTPSK), false, ie.AKMFTPSK},
		{"FT-PSK without MDE", summary(false, 0, ie.AKMPSK, ie.AKMFTPSK), false, ie.AKMPSK},
		{"FT-SAE and SAE", summary(true, mfpc, ie.AKMSAE, ie.AKMFTSAE), true, ie.AKMFTSAE},
		{"FT-SAE only", summary(true, mfpc, ie.AKMFTSAE), true, ie.AKMFTSAE},
		{"FT-802.1X", summary(true, 0, ie.AKM8021X, ie.AKMFT8021X), false, ie.AKMFT8021X},
	} {
		got, err := chooseRSN(c.sum, nil, 1, c.sae, 0)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got.akm != c.want {
			t.Errorf("%s: %v, want %v", c.name, got.akm, c.want)
		}
	}
}
