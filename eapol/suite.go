package eapol

import "fmt"

// A SuiteSelector is a 4-octet cipher or AKM suite selector as it appears
// in an RSN element: a 3-octet OUI followed by a suite type, written by the
// standard as 00-0F-AC:4. It is held here as a big-endian uint32
// (0x000FAC04), so a vendor suite is representable too.
type SuiteSelector uint32

// OUIIEEE80211 is the IEEE 802.11 OUI, 00-0F-AC, that prefixes the
// standard's suite selectors and KDEs.
var OUIIEEE80211 = [3]byte{0x00, 0x0f, 0xac}

// Bytes returns the selector as it appears on the air.
func (s SuiteSelector) Bytes() [4]byte {
	return [4]byte{byte(s >> 24), byte(s >> 16), byte(s >> 8), byte(s)}
}

// SuiteFromBytes reads a 4-octet selector.
func SuiteFromBytes(b [4]byte) SuiteSelector {
	return SuiteSelector(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
}

func (s SuiteSelector) String() string {
	return fmt.Sprintf("%02X-%02X-%02X:%d", byte(s>>24), byte(s>>16), byte(s>>8), byte(s))
}

// AKM is an authentication and key management suite (IEEE 802.11-2020
// Table 9-151).
type AKM SuiteSelector

// AKM suites, named as in Table 9-151.
const (
	AKM8021X          AKM = AKM(0x000fac01) // 00-0F-AC:1, IEEE 802.1X, PRF-SHA1
	AKMPSK            AKM = AKM(0x000fac02) // 00-0F-AC:2, PSK, PRF-SHA1
	AKMFT8021X        AKM = AKM(0x000fac03) // 00-0F-AC:3
	AKMFTPSK          AKM = AKM(0x000fac04) // 00-0F-AC:4
	AKM8021XSHA256    AKM = AKM(0x000fac05) // 00-0F-AC:5, IEEE 802.1X, KDF-SHA256
	AKMPSKSHA256      AKM = AKM(0x000fac06) // 00-0F-AC:6, PSK, KDF-SHA256
	AKMTDLS           AKM = AKM(0x000fac07) // 00-0F-AC:7
	AKMSAE            AKM = AKM(0x000fac08) // 00-0F-AC:8
	AKMFTSAE          AKM = AKM(0x000fac09) // 00-0F-AC:9
	AKMAPPeerKey      AKM = AKM(0x000fac0a) // 00-0F-AC:10
	AKM8021XSuiteB    AKM = AKM(0x000fac0b) // 00-0F-AC:11
	AKM8021XSuiteB192 AKM = AKM(0x000fac0c) // 00-0F-AC:12, SHA-384
	AKMFT8021XSHA384  AKM = AKM(0x000fac0d) // 00-0F-AC:13
	AKMFILSSHA256     AKM = AKM(0x000fac0e) // 00-0F-AC:14
	AKMFILSSHA384     AKM = AKM(0x000fac0f) // 00-0F-AC:15
	AKMFTFILSSHA256   AKM = AKM(0x000fac10) // 00-0F-AC:16
	AKMFTFILSSHA384   AKM = AKM(0x000fac11) // 00-0F-AC:17
	AKMOWE            AKM = AKM(0x000fac12) // 00-0F-AC:18
	AKMFTPSKSHA384    AKM = AKM(0x000fac13) // 00-0F-AC:19
	AKMPSKSHA384      AKM = AKM(0x000fac14) // 00-0F-AC:20
	AKMSAEExtKey      AKM = AKM(0x000fac18) // 00-0F-AC:24
	AKMFTSAEExtKey    AKM = AKM(0x000fac19) // 00-0F-AC:25
	AKM8021XSHA384    AKM = AKM(0x000fac17) // 00-0F-AC:23
)

var akmNames = map[AKM]string{
	AKM8021X: "802.1X", AKMPSK: "PSK", AKMFT8021X: "FT-802.1X", AKMFTPSK: "FT-PSK",
	AKM8021XSHA256: "802.1X-SHA256", AKMPSKSHA256: "PSK-SHA256", AKMTDLS: "TDLS",
	AKMSAE: "SAE", AKMFTSAE: "FT-SAE", AKMAPPeerKey: "AP-PeerKey",
	AKM8021XSuiteB: "802.1X-SuiteB", AKM8021XSuiteB192: "802.1X-SuiteB-192",
	AKMFT8021XSHA384: "FT-802.1X-SHA384", AKMFILSSHA256: "FILS-SHA256",
	AKMFILSSHA384: "FILS-SHA384", AKMFTFILSSHA256: "FT-FILS-SHA256",
	AKMFTFILSSHA384: "FT-FILS-SHA384", AKMOWE: "OWE", AKMFTPSKSHA384: "FT-PSK-SHA384",
	AKMPSKSHA384: "PSK-SHA384", AKM8021XSHA384: "802.1X-SHA384",
	AKMSAEExtKey: "SAE-EXT-KEY", AKMFTSAEExtKey: "FT-SAE-EXT-KEY",
}

func (a AKM) String() string {
	if n, ok := akmNames[a]; ok {
		return n
	}
	return "AKM " + SuiteSelector(a).String()
}

// Cipher is a cipher suite (IEEE 802.11-2020 Table 9-149).
type Cipher SuiteSelector

// Cipher suites, named as in Table 9-149.
const (
	CipherUseGroup       Cipher = Cipher(0x000fac00) // 00-0F-AC:0, use group cipher suite
	CipherWEP40          Cipher = Cipher(0x000fac01) // 00-0F-AC:1
	CipherTKIP           Cipher = Cipher(0x000fac02) // 00-0F-AC:2
	CipherCCMP128        Cipher = Cipher(0x000fac04) // 00-0F-AC:4
	CipherWEP104         Cipher = Cipher(0x000fac05) // 00-0F-AC:5
	CipherBIPCMAC128     Cipher = Cipher(0x000fac06) // 00-0F-AC:6
	CipherNoGroupTraffic Cipher = Cipher(0x000fac07) // 00-0F-AC:7, group addressed traffic not allowed
	CipherGCMP128        Cipher = Cipher(0x000fac08) // 00-0F-AC:8
	CipherGCMP256        Cipher = Cipher(0x000fac09) // 00-0F-AC:9
	CipherCCMP256        Cipher = Cipher(0x000fac0a) // 00-0F-AC:10
	CipherBIPGMAC128     Cipher = Cipher(0x000fac0b) // 00-0F-AC:11
	CipherBIPGMAC256     Cipher = Cipher(0x000fac0c) // 00-0F-AC:12
	CipherBIPCMAC256     Cipher = Cipher(0x000fac0d) // 00-0F-AC:13
)

var cipherNames = map[Cipher]string{
	CipherUseGroup: "use-group", CipherWEP40: "WEP-40", CipherTKIP: "TKIP",
	CipherCCMP128: "CCMP-128", CipherWEP104: "WEP-104", CipherBIPCMAC128: "BIP-CMAC-128",
	CipherNoGroupTraffic: "no-group-traffic", CipherGCMP128: "GCMP-128",
	CipherGCMP256: "GCMP-256", CipherCCMP256: "CCMP-256", CipherBIPGMAC128: "BIP-GMAC-128",
	CipherBIPGMAC256: "BIP-GMAC-256", CipherBIPCMAC256: "BIP-CMAC-256",
}

func (c Cipher) String() string {
	if n, ok := cipherNames[c]; ok {
		return n
	}
	return "cipher " + SuiteSelector(c).String()
}

// KeyLen is the length in octets of the temporal key (or, for a BIP
// cipher, the IGTK) the cipher uses (Table 12-8), or 0 for a suite that
// has no key here. TKIP's 32 octets include the two Michael MIC keys.
func (c Cipher) KeyLen() int {
	switch c {
	case CipherWEP40:
		return 5
	case CipherWEP104:
		return 13
	case CipherTKIP, CipherGCMP256, CipherCCMP256, CipherBIPGMAC256, CipherBIPCMAC256:
		return 32
	case CipherCCMP128, CipherGCMP128, CipherBIPCMAC128, CipherBIPGMAC128:
		return 16
	}
	return 0
}

// IsPairwise tells whether the cipher may be negotiated as a pairwise
// cipher by this package.
func (c Cipher) IsPairwise() bool {
	switch c {
	case CipherTKIP, CipherCCMP128, CipherGCMP128, CipherGCMP256, CipherCCMP256:
		return true
	}
	return false
}

// IsGroupMgmt tells whether the cipher is a BIP group management cipher.
func (c Cipher) IsGroupMgmt() bool {
	switch c {
	case CipherBIPCMAC128, CipherBIPCMAC256, CipherBIPGMAC128, CipherBIPGMAC256:
		return true
	}
	return false
}

// KDFHash names the hash an AKM's key derivation uses.
type KDFHash int

// Key derivation functions of 12.7.1.
const (
	KDFNone   KDFHash = iota
	PRFSHA1           // PRF-SHA1 (12.7.1.2)
	KDFSHA256         // KDF-SHA256 (12.7.1.6.2)
	KDFSHA384         // KDF-SHA384 (12.7.1.6.2)
)

func (h KDFHash) String() string {
	switch h {
	case PRFSHA1:
		return "PRF-SHA1"
	case KDFSHA256:
		return "KDF-SHA256"
	case KDFSHA384:
		return "KDF-SHA384"
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
)

func (m MICAlgorithm) String() string {
	return [...]string{"none", "HMAC-MD5", "HMAC-SHA1-128", "AES-128-CMAC", "HMAC-SHA384-192"}[m]
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
	kckLen int
	kekLen int
	micLen int
	ver    KeyDescriptorVersion
	pskish bool // PMK known before association (PSK or SAE)
}

var akmTable = map[AKM]akmInfo{
	AKM8021X:          {PRFSHA1, MICHMACSHA1, 16, 16, 16, KeyDescriptorSHA1AES, false},
	AKMPSK:            {PRFSHA1, MICHMACSHA1, 16, 16, 16, KeyDescriptorSHA1AES, true},
	AKM8021XSHA256:    {KDFSHA256, MICAESCMAC, 16, 16, 16, KeyDescriptorCMACAES, false},
	AKMPSKSHA256:      {KDFSHA256, MICAESCMAC, 16, 16, 16, KeyDescriptorCMACAES, true},
	AKMSAE:            {KDFSHA256, MICAESCMAC, 16, 16, 16, KeyDescriptorAKMDefined, true},
	AKM8021XSuiteB192: {KDFSHA384, MICHMACSHA384, 24, 32, 24, KeyDescriptorAKMDefined, false},
}

// Supported reports whether this package can run the 4-way handshake for
// the AKM.
func (a AKM) Supported() bool { _, ok := akmTable[a]; return ok }

// KDF is the key derivation the AKM uses for the PTK.
func (a AKM) KDF() KDFHash { return akmTable[a].kdf }

// MICLen is the length of the Key MIC field of EAPOL-Key frames under the
// AKM: 16 for most, 24 for the SHA-384 AKMs, 0 for FILS (no MIC field).
func (a AKM) MICLen() int {
	switch a {
	case AKM8021XSuiteB192, AKMFT8021XSHA384, AKMFTPSKSHA384, AKMPSKSHA384, AKM8021XSHA384:
		return 24
	case AKMFILSSHA256, AKMFILSSHA384, AKMFTFILSSHA256, AKMFTFILSSHA384:
		return 0
	}
	return 16
}

// KCKLen and KEKLen are the lengths of the KCK and KEK under the AKM
// (Table 12-11): 16 octets for the SHA-1 and SHA-256 AKMs, 24 and 32 for
// the SHA-384 AKMs.
func (a AKM) KCKLen() int {
	if a.MICLen() == 24 {
		return 24
	}
	return 16
}

// KEKLen: see KCKLen.
func (a AKM) KEKLen() int {
	if a.MICLen() == 24 {
		return 32
	}
	return 16
}

// UsesPSK tells whether the PMK is known before association (PSK, SAE) as
// opposed to given later by EAP (802.1X AKMs).
func (a AKM) UsesPSK() bool { return akmTable[a].pskish }

// DescriptorVersion is the Key Descriptor Version the AKM and pairwise
// cipher call for: 1 for TKIP under the SHA-1 AKMs, 2 for the other SHA-1
// cases, 3 for the SHA-256 AKMs 5 and 6, 0 for the AKMs that define their
// own algorithms.
func (a AKM) DescriptorVersion(pairwise Cipher) KeyDescriptorVersion {
	info := akmTable[a]
	if info.ver == KeyDescriptorSHA1AES && pairwise == CipherTKIP {
		return KeyDescriptorMD5RC4
	}
	return info.ver
}

// MIC is the EAPOL-Key MIC algorithm for the AKM and pairwise cipher.
func (a AKM) MIC(pairwise Cipher) MICAlgorithm {
	if a.DescriptorVersion(pairwise) == KeyDescriptorMD5RC4 {
		return MICHMACMD5
	}
	return akmTable[a].mic
}
