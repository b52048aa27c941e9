package eapol

import "wifid/nl80211/ie"

// The cipher and AKM suites themselves are nl80211/ie's CipherSuite and
// AKMSuite; this file holds what the 4-way handshake must know of them.

// KDFHash names the hash an AKM's key derivation uses.
type KDFHash int

// Key derivation functions of 12.7.1.
const (
	KDFNone   KDFHash = iota
	PRFSHA1           // PRF-SHA1 (12.7.1.2)
	KDFSHA256         // KDF-SHA256 (12.7.1.6.2)
	KDFSHA384         // KDF-SHA384 (12.7.1.6.2)
	KDFSHA512         // KDF-SHA512 (OWE with group 21)
)

func (h KDFHash) String() string {
	switch h {
	case PRFSHA1:
		return "PRF-SHA1"
	case KDFSHA256:
		return "KDF-SHA256"
	case KDFSHA384:
		return "KDF-SHA384"
	case KDFSHA512:
		return "KDF-SHA512"
	}
	return "none"
}

// MICAlgorithm is the integrity algorithm of EAPOL-Key frames.
type MICAlgorithm int

// EAPOL-Key MIC algorithms (12.7.3).
const (
	MICNone       MICAlgorithm = iota
	MICHMACMD5                 // key descriptor version 1 (TKIP)
	MICHMACSHA1                // key descriptor version 2, HMAC-SHA1-128
	MICAESCMAC                 // key descriptor version 3 and SAE/OWE-256, AES-128-CMAC
	MICHMACSHA384              // SHA-384 AKMs, HMAC-SHA384-192
	MICHMACSHA256              // OWE with group 19, HMAC-SHA256-128
	MICHMACSHA512              // OWE with group 21, HMAC-SHA512-256
)

func (m MICAlgorithm) String() string {
	return [...]string{"none", "HMAC-MD5", "HMAC-SHA1-128", "AES-128-CMAC", "HMAC-SHA384-192",
		"HMAC-SHA256-128", "HMAC-SHA512-256"}[m]
}

// KeyDescriptorVersion is the 3-bit Key Descriptor Version subfield of the
// Key Information field (12.7.2).
type KeyDescriptorVersion uint8

// Key descriptor versions.
const (
	KeyDescriptorAKMDefined KeyDescriptorVersion = 0 // algorithms defined by the AKM
	KeyDescriptorMD5RC4     KeyDescriptorVersion = 1 // HMAC-MD5 MIC, ARC4 key data
	KeyDescriptorSHA1AES    KeyDescriptorVersion = 2 // HMAC-SHA1-128 MIC, NIST AES key wrap
	KeyDescriptorCMACAES    KeyDescriptorVersion = 3 // AES-128-CMAC MIC, NIST AES key wrap
)

// akmInfo is what the handshake needs to know of an AKM.
type akmInfo struct {
	kdf    KDFHash
	mic    MICAlgorithm // for a CCMP/GCMP pairwise cipher; TKIP forces HMAC-MD5
	kckLen int          // Table 12-11
	kekLen int
	micLen int // the Key MIC field of EAPOL-Key frames
	pmkLen int
	ver    KeyDescriptorVersion
	pskish bool // PMK known before association (PSK or SAE)
}

// akmTable lists the AKMs this package runs the 4-way handshake for.
var akmTable = map[ie.AKMSuite]akmInfo{
	ie.AKM8021X:       {PRFSHA1, MICHMACSHA1, 16, 16, 16, 32, KeyDescriptorSHA1AES, false},
	ie.AKMPSK:         {PRFSHA1, MICHMACSHA1, 16, 16, 16, 32, KeyDescriptorSHA1AES, true},
	ie.AKM8021XSHA256: {KDFSHA256, MICAESCMAC, 16, 16, 16, 32, KeyDescriptorCMACAES, false},
	ie.AKMPSKSHA256:   {KDFSHA256, MICAESCMAC, 16, 16, 16, 32, KeyDescriptorCMACAES, true},
	ie.AKMSAE:         {KDFSHA256, MICAESCMAC, 16, 16, 16, 32, KeyDescriptorAKMDefined, true},
	// FT (ft.go): the PTK comes from the FT key hierarchy, PMK is XXKey.
	ie.AKMFT8021X:        {KDFSHA256, MICAESCMAC, 16, 16, 16, 32, KeyDescriptorCMACAES, false},
	ie.AKMFTPSK:          {KDFSHA256, MICAESCMAC, 16, 16, 16, 32, KeyDescriptorCMACAES, true},
	ie.AKMFTSAE:          {KDFSHA256, MICAESCMAC, 16, 16, 16, 32, KeyDescriptorAKMDefined, true},
	ie.AKM8021XSuiteB192: {KDFSHA384, MICHMACSHA384, 24, 32, 24, 48, KeyDescriptorAKMDefined, false},
	// FILS: rekeys only (the first keys come from the FILS exchange);
	// no KCK and no MIC, AES-SIV under the KEK (aead.go).
	ie.AKMFILSSHA256: {KDFSHA256, MICNone, 0, 32, 0, 32, KeyDescriptorAKMDefined, false},
	ie.AKMFILSSHA384: {KDFSHA384, MICNone, 0, 64, 0, 48, KeyDescriptorAKMDefined, false},
}

// oweTable is OWE's rows (RFC 8110 4.4, Table 2): its algorithms follow
// the Diffie-Hellman group, which the PMK's length tells (32 octets for
// group 19, 48 for 20, 64 for 21).
var oweTable = []akmInfo{
	{KDFSHA256, MICHMACSHA256, 16, 16, 16, 32, KeyDescriptorAKMDefined, false},
	{KDFSHA384, MICHMACSHA384, 24, 32, 24, 48, KeyDescriptorAKMDefined, false},
	{KDFSHA512, MICHMACSHA512, 32, 32, 32, 64, KeyDescriptorAKMDefined, false},
}

// akmFor is what the handshake needs to know of the AKM with a PMK of
// pmkLen octets; pmkLen matters only for OWE.
func akmFor(a ie.AKMSuite, pmkLen int) (akmInfo, bool) {
	if a == ie.AKMOWE {
		for _, info := range oweTable {
			if info.pmkLen == pmkLen {
				return info, true
			}
		}
		return akmInfo{}, false
	}
	info, ok := akmTable[a]
	return info, ok
}

// SupportsAKM reports whether this package can run the 4-way handshake
// for the AKM.
func SupportsAKM(a ie.AKMSuite) bool { _, ok := akmTable[a]; return ok || a == ie.AKMOWE }

// PMKLen is the length in octets of the AKM's PMK (12.7.1.3): 32 for the
// PSK, SAE and 802.1X (SHA-1, SHA-256) AKMs, whose 802.1X PMK is the first
// 256 bits of the MSK; 48 for 802.1X-Suite-B-192, the first 384 bits. 0 for
// OWE, whose PMK's length follows its group, and for an AKM this package
// does not support.
func PMKLen(a ie.AKMSuite) int { return akmTable[a].pmkLen }

// UsesPSK tells whether the PMK is known before association (PSK, SAE) as
// opposed to given later by EAP (802.1X AKMs).
func UsesPSK(a ie.AKMSuite) bool { return akmTable[a].pskish }

// pairwiseOK tells whether the cipher may be negotiated as a pairwise
// cipher by this package.
func pairwiseOK(c ie.CipherSuite) bool {
	switch c {
	case ie.CipherTKIP, ie.CipherCCMP128, ie.CipherGCMP128, ie.CipherGCMP256, ie.CipherCCMP256:
		return true
	}
	return false
}

// descriptorVersion is the Key Descriptor Version the AKM and pairwise
// cipher call for: 1 for TKIP under the SHA-1 AKMs, 2 for the other SHA-1
// cases, 3 for the SHA-256 AKMs 5 and 6, 0 for the AKMs that define their
// own algorithms.
func descriptorVersion(info akmInfo, pairwise ie.CipherSuite) KeyDescriptorVersion {
	if info.ver == KeyDescriptorSHA1AES && pairwise == ie.CipherTKIP {
		return KeyDescriptorMD5RC4
	}
	return info.ver
}

// micAlgorithm is the EAPOL-Key MIC algorithm for the AKM and pairwise
// cipher.
func micAlgorithm(info akmInfo, pairwise ie.CipherSuite) MICAlgorithm {
	if descriptorVersion(info, pairwise) == KeyDescriptorMD5RC4 {
		return MICHMACMD5
	}
	return info.mic
}
