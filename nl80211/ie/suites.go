package ie

import "fmt"

// OUI is an organizationally unique identifier.
type OUI [3]byte

// OUIs used in suite selectors and vendor elements.
var (
	OUIIEEE      = OUI{0x00, 0x0f, 0xac} // IEEE 802.11 suite selectors
	OUIMicrosoft = OUI{0x00, 0x50, 0xf2} // WPA, WMM, WPS
	OUIWFA       = OUI{0x50, 0x6f, 0x9a} // Wi-Fi Alliance: OSEN, DPP, OWE transition, P2P
)

func (o OUI) String() string { return fmt.Sprintf("%02X-%02X-%02X", o[0], o[1], o[2]) }

// selector is a 4-octet suite selector held as OUI<<8 | type, so that the
// constants read like the standard's "00-0F-AC:4".
func selector(o OUI, typ uint8) uint32 {
	return uint32(o[0])<<24 | uint32(o[1])<<16 | uint32(o[2])<<8 | uint32(typ)
}

func selectorString(v uint32) string {
	return fmt.Sprintf("%02X-%02X-%02X:%d", byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func getSelector(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func putSelector(b []byte, v uint32) []byte {
	return append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// CipherSuite is a cipher suite selector (IEEE 802.11-2020 Table 9-149).
type CipherSuite uint32

// Cipher suites, 00-0F-AC:n.
const (
	CipherUseGroup       CipherSuite = 0x000fac00
	CipherWEP40          CipherSuite = 0x000fac01
	CipherTKIP           CipherSuite = 0x000fac02
	CipherCCMP128        CipherSuite = 0x000fac04 // CCMP-128
	CipherWEP104         CipherSuite = 0x000fac05
	CipherBIPCMAC128     CipherSuite = 0x000fac06 // BIP-CMAC-128
	CipherNoGroupTraffic CipherSuite = 0x000fac07 // group addressed traffic not allowed
	CipherGCMP128        CipherSuite = 0x000fac08 // GCMP-128
	CipherGCMP256        CipherSuite = 0x000fac09
	CipherCCMP256        CipherSuite = 0x000fac0a
	CipherBIPGMAC128     CipherSuite = 0x000fac0b // BIP-GMAC-128
	CipherBIPGMAC256     CipherSuite = 0x000fac0c
	CipherBIPCMAC256     CipherSuite = 0x000fac0d
)

// WPA (00-50-F2) cipher selectors as carried in the WPA vendor element.
// ParseWPA maps them to the RSN constants above.
const (
	wpaCipherNone   = 0x0050f200
	wpaCipherWEP40  = 0x0050f201
	wpaCipherTKIP   = 0x0050f202
	wpaCipherCCMP   = 0x0050f204
	wpaCipherWEP104 = 0x0050f205
)

var cipherNames = map[CipherSuite]string{
	CipherUseGroup:       "Use group cipher suite",
	CipherWEP40:          "WEP-40",
	CipherTKIP:           "TKIP",
	CipherCCMP128:        "CCMP-128",
	CipherWEP104:         "WEP-104",
	CipherBIPCMAC128:     "BIP-CMAC-128",
	CipherNoGroupTraffic: "Group addressed traffic not allowed",
	CipherGCMP128:        "GCMP-128",
	CipherGCMP256:        "GCMP-256",
	CipherCCMP256:        "CCMP-256",
	CipherBIPGMAC128:     "BIP-GMAC-128",
	CipherBIPGMAC256:     "BIP-GMAC-256",
	CipherBIPCMAC256:     "BIP-CMAC-256",
}

// String returns the standard's name, e.g. "CCMP-128", or the selector
// ("00-0F-AC:99") for suites without one.
func (c CipherSuite) String() string {
	if n, ok := cipherNames[c]; ok {
		return n
	}
	return c.Selector()
}

// Selector returns the suite in the standard's notation, e.g. "00-0F-AC:4".
func (c CipherSuite) Selector() string { return selectorString(uint32(c)) }

// OUI returns the suite's OUI.
func (c CipherSuite) OUI() OUI { return OUI{byte(c >> 24), byte(c >> 16), byte(c >> 8)} }

// Type returns the suite type octet.
func (c CipherSuite) Type() uint8 { return uint8(c) }

// KeyLen returns the length in octets of the temporal key for the cipher
// (IEEE 802.11-2020 Table 12-4), 0 for suites that carry no key.
func (c CipherSuite) KeyLen() int {
	switch c {
	case CipherWEP40:
		return 5
	case CipherWEP104:
		return 13
	case CipherTKIP:
		return 32
	case CipherCCMP128, CipherGCMP128, CipherBIPCMAC128, CipherBIPGMAC128:
		return 16
	case CipherCCMP256, CipherGCMP256, CipherBIPCMAC256, CipherBIPGMAC256:
		return 32
	}
	return 0
}

// IsGroupManagement reports whether c is a BIP suite, valid as a group
// management cipher.
func (c CipherSuite) IsGroupManagement() bool {
	switch c {
	case CipherBIPCMAC128, CipherBIPGMAC128, CipherBIPGMAC256, CipherBIPCMAC256:
		return true
	}
	return false
}

// MICLen returns the length of the MIC the BIP suite puts into the MME
// (8 for BIP-CMAC-128, 16 for the others), 0 for non-BIP suites.
func (c CipherSuite) MICLen() int {
	switch c {
	case CipherBIPCMAC128:
		return 8
	case CipherBIPGMAC128, CipherBIPGMAC256, CipherBIPCMAC256:
		return 16
	}
	return 0
}

// AKMSuite is an authentication and key management suite selector
// (IEEE 802.11-2020 Table 9-151).
type AKMSuite uint32

// AKM suites, 00-0F-AC:n, and the Wi-Fi Alliance ones.
const (
	AKM8021X          AKMSuite = 0x000fac01
	AKMPSK            AKMSuite = 0x000fac02
	AKMFT8021X        AKMSuite = 0x000fac03
	AKMFTPSK          AKMSuite = 0x000fac04
	AKM8021XSHA256    AKMSuite = 0x000fac05
	AKMPSKSHA256      AKMSuite = 0x000fac06
	AKMTDLS           AKMSuite = 0x000fac07
	AKMSAE            AKMSuite = 0x000fac08
	AKMFTSAE          AKMSuite = 0x000fac09
	AKMAPPeerKey      AKMSuite = 0x000fac0a
	AKM8021XSuiteB    AKMSuite = 0x000fac0b
	AKM8021XSuiteB192 AKMSuite = 0x000fac0c
	AKMFT8021XSHA384  AKMSuite = 0x000fac0d
	AKMFILSSHA256     AKMSuite = 0x000fac0e
	AKMFILSSHA384     AKMSuite = 0x000fac0f
	AKMFTFILSSHA256   AKMSuite = 0x000fac10
	AKMFTFILSSHA384   AKMSuite = 0x000fac11
	AKMOWE            AKMSuite = 0x000fac12
	AKMFTPSKSHA384    AKMSuite = 0x000fac13
	AKMPSKSHA384      AKMSuite = 0x000fac14
	AKMPASN           AKMSuite = 0x000fac15
	AKM8021XSHA384    AKMSuite = 0x000fac17
	AKMSAEExtKey      AKMSuite = 0x000fac18
	AKMFTSAEExtKey    AKMSuite = 0x000fac19
	AKMOSEN           AKMSuite = 0x506f9a01
	AKMDPP            AKMSuite = 0x506f9a02
	wpaAKM8021X                = 0x0050f201
	wpaAKMPSK                  = 0x0050f202
)

var akmNames = map[AKMSuite]string{
	AKM8021X:          "802.1X",
	AKMPSK:            "PSK",
	AKMFT8021X:        "FT-802.1X",
	AKMFTPSK:          "FT-PSK",
	AKM8021XSHA256:    "802.1X-SHA256",
	AKMPSKSHA256:      "PSK-SHA256",
	AKMTDLS:           "TDLS",
	AKMSAE:            "SAE",
	AKMFTSAE:          "FT-SAE",
	AKMAPPeerKey:      "AP-PeerKey",
	AKM8021XSuiteB:    "802.1X-Suite-B",
	AKM8021XSuiteB192: "802.1X-Suite-B-192",
	AKMFT8021XSHA384:  "FT-802.1X-SHA384",
	AKMFILSSHA256:     "FILS-SHA256",
	AKMFILSSHA384:     "FILS-SHA384",
	AKMFTFILSSHA256:   "FT-FILS-SHA256",
	AKMFTFILSSHA384:   "FT-FILS-SHA384",
	AKMOWE:            "OWE",
	AKMFTPSKSHA384:    "FT-PSK-SHA384",
	AKMPSKSHA384:      "PSK-SHA384",
	AKMPASN:           "PASN",
	AKM8021XSHA384:    "802.1X-SHA384",
	AKMSAEExtKey:      "SAE-EXT-KEY",
	AKMFTSAEExtKey:    "FT-SAE-EXT-KEY",
	AKMOSEN:           "OSEN",
	AKMDPP:            "DPP",
}

// String returns the suite's usual name, e.g. "SAE", or the selector
// ("00-0F-AC:99") for suites without one.
func (a AKMSuite) String() string {
	if n, ok := akmNames[a]; ok {
		return n
	}
	return a.Selector()
}

// Selector returns the suite in the standard's notation, e.g. "00-0F-AC:8".
func (a AKMSuite) Selector() string { return selectorString(uint32(a)) }

// OUI returns the suite's OUI.
func (a AKMSuite) OUI() OUI { return OUI{byte(a >> 24), byte(a >> 16), byte(a >> 8)} }

// Type returns the suite type octet.
func (a AKMSuite) Type() uint8 { return uint8(a) }

// IsSAE reports SAE, FT-SAE and their EXT-KEY variants.
func (a AKMSuite) IsSAE() bool {
	return a == AKMSAE || a == AKMFTSAE || a == AKMSAEExtKey || a == AKMFTSAEExtKey
}

// IsFT reports the fast BSS transition AKMs.
func (a AKMSuite) IsFT() bool {
	switch a {
	case AKMFT8021X, AKMFTPSK, AKMFTSAE, AKMFT8021XSHA384, AKMFTFILSSHA256,
		AKMFTFILSSHA384, AKMFTPSKSHA384, AKMFTSAEExtKey:
		return true
	}
	return false
}

// IsFILS reports the FILS AKMs.
func (a AKMSuite) IsFILS() bool {
	switch a {
	case AKMFILSSHA256, AKMFILSSHA384, AKMFTFILSSHA256, AKMFTFILSSHA384:
		return true
	}
	return false
}

// IsPSK reports the AKMs keyed by a passphrase or PSK (not SAE).
func (a AKMSuite) IsPSK() bool {
	switch a {
	case AKMPSK, AKMFTPSK, AKMPSKSHA256, AKMFTPSKSHA384, AKMPSKSHA384:
		return true
	}
	return false
}

// Is8021X reports the AKMs that authenticate with EAP (including FILS and
// OSEN, as iwd counts them).
func (a AKMSuite) Is8021X() bool {
	switch a {
	case AKM8021X, AKMFT8021X, AKM8021XSHA256, AKM8021XSuiteB, AKM8021XSuiteB192,
		AKMFT8021XSHA384, AKM8021XSHA384, AKMFILSSHA256, AKMFILSSHA384,
		AKMFTFILSSHA256, AKMFTFILSSHA384, AKMOSEN:
		return true
	}
	return false
}

// IsSHA384 reports the AKMs whose key derivation uses SHA-384 (and so a
// 24-octet MIC and a 32-octet KCK in EAPOL-Key frames and the FTE).
// SAE-EXT-KEY's hash depends on the group and is not counted here.
func (a AKMSuite) IsSHA384() bool {
	switch a {
	case AKM8021XSuiteB192, AKMFT8021XSHA384, AKMFILSSHA384, AKMFTFILSSHA384,
		AKMFTPSKSHA384, AKMPSKSHA384, AKM8021XSHA384:
		return true
	}
	return false
}
