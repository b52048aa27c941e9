package eapol

import (
	"bytes"
	"encoding/binary"
	"wifid/nl80211/ie"
)

// Element IDs that appear in EAPOL-Key key data.
const (
	ElementRSN    = 48  // RSN element (RSNE)
	ElementVendor = 221 // vendor specific; a KDE when the OUI is 00-0F-AC
	ElementRSNX   = 244 // RSN extension element (RSNXE)
)

// KDEType is the Data Type of a key data encapsulation (IEEE 802.11-2020
// Table 12-9), for KDEs under the 00-0F-AC OUI.
type KDEType uint8

// KDE data types.
const (
	KDEGTK            KDEType = 1
	KDEMACAddress     KDEType = 3
	KDEPMKID          KDEType = 4
	KDENonce          KDEType = 6
	KDELifetime       KDEType = 7
	KDEError          KDEType = 8
	KDEIGTK           KDEType = 9
	KDEKeyID          KDEType = 10
	KDEMultiBandGTK   KDEType = 11
	KDEMultiBandKeyID KDEType = 12
	KDEOCI            KDEType = 13
	KDEBIGTK          KDEType = 14
)

// KDETransitionDisable is the Wi-Fi Alliance's Transition Disable KDE
// (OUI 50-6F-9A, data type 0x20; WPA3 specification v3, 13.2): one octet
// of bits, 0 WPA3-Personal, 1 SAE-PK, 2 WPA3-Enterprise, 3 Enhanced Open.
const KDETransitionDisable KDEType = 0x20

// Element is one information element found in key data.
type Element struct {
	ID   uint8
	Data []byte // the element's body
	Raw  []byte // ID, length and body, exactly as in the key data
}

// KDE is one key data encapsulation.
type KDE struct {
	OUI  [3]byte
	Type KDEType
	Data []byte
}

// GTKKDE is the body of a GTK KDE (Figure 12-36).
type GTKKDE struct {
	KeyID int  // 0..3
	Tx    bool // the Tx bit
	GTK   []byte
}

// IGTKKDE is the body of an IGTK KDE (Figure 12-41).
type IGTKKDE struct {
	KeyID int     // 4 or 5
	IPN   [6]byte // the IGTK packet number, little-endian as sent
	IGTK  []byte
}

// KeyData is the parsed Key Data field of an EAPOL-Key frame.
type KeyData struct {
	RSNE       []byte // the first RSN element, whole (ID and length included)
	SecondRSNE []byte // a second RSN element (12.7.6.4), whole, if present
	RSNXE      []byte // the RSNX element, whole, if present
	// TransitionDisable is the Transition Disable KDE's bitmap (its
	// body, at least one octet), nil if absent.
	TransitionDisable []byte
	WPAIE             []byte // the first WPA vendor element (00-50-F2:1), whole, if present
	GTK               *GTKKDE
	IGTK              *IGTKKDE
	PMKID             []byte
	MAC               []byte
	Elements          []Element // every element that is not a KDE, in order
	KDEs              []KDE     // every KDE, in order
}

// ParseKeyData parses the (decrypted) Key Data field: a sequence of
// elements and KDEs, possibly ending in the 0xdd 0x00... padding of
// 12.7.2. Errors name the element or KDE that was wrong.
func ParseKeyData(b []byte) (*KeyData, error) {
	kd := &KeyData{}
	for i := 0; i < len(b); {
		if b[i] == ElementVendor && allZero(b[i+1:]) {
			break // padding: 0xdd then zero or more 0x00
		}
		if len(b)-i < 2 {
			return nil, perr("key data", "element header truncated at offset %d", i)
		}
		id, n := b[i], int(b[i+1])
		if i+2+n > len(b) {
			return nil, perr("key data", "element %d at offset %d: length %d exceeds the %d octets left", id, i, n, len(b)-i-2)
		}
		raw := b[i : i+2+n]
		body := raw[2:]
		i += 2 + n
		if id == ElementVendor && n >= 4 && bytes.Equal(body[:3], ie.OUIIEEE[:]) {
			k := KDE{Type: KDEType(body[3]), Data: body[4:]}
			copy(k.OUI[:], body[:3])
			kd.KDEs = append(kd.KDEs, k)
			if err := kd.addKDE(k); err != nil {
				return nil, err
			}
			continue
		}
		if id == ElementVendor && n >= 4 && bytes.Equal(body[:3], ie.OUIWFA[:]) && KDEType(body[3]) == KDETransitionDisable {
			if kd.TransitionDisable != nil {
				return nil, perr("Transition Disable KDE", "more than one")
			}
			if n < 5 {
				return nil, perr("Transition Disable KDE", "no bitmap")
			}
			kd.TransitionDisable = body[4:]
			continue
		}
		if id == ElementVendor && n < 3 {
			return nil, perr("key data", "vendor element at offset %d: length %d, need an OUI", i-2-n, n)
		}
		kd.Elements = append(kd.Elements, Element{ID: id, Data: body, Raw: raw})
		if kd.WPAIE == nil && isWPAElement(raw) {
			kd.WPAIE = raw
		}
		switch id {
		case ElementRSN:
			switch {
			case kd.RSNE == nil:
				kd.RSNE = raw
			case kd.SecondRSNE == nil:
				kd.SecondRSNE = raw
			default:
				return nil, perr("key data RSNE", "more than two RSN elements")
			}
		case ElementRSNX:
			if kd.RSNXE != nil {
				return nil, perr("key data RSNXE", "more than one RSNX element")
			}
			kd.RSNXE = raw
		}
	}
	return kd, nil
}

func (kd *KeyData) addKDE(k KDE) error {
	switch k.Type {
	case KDEGTK:
		if kd.GTK != nil {
			return perr("GTK KDE", "more than one")
		}
		if len(k.Data) < 2+5 || len(k.Data) > 2+32 {
			return perr("GTK KDE", "length %d, want 2 + a GTK of 5..32 octets", len(k.Data))
		}
		kd.GTK = &GTKKDE{KeyID: int(k.Data[0] & 0x03), Tx: k.Data[0]&0x04 != 0, GTK: k.Data[2:]}
	case KDEIGTK:
		if kd.IGTK != nil {
			return perr("IGTK KDE", "more than one")
		}
		if len(k.Data) != 8+16 && len(k.Data) != 8+32 {
			return perr("IGTK KDE", "length %d, want 8 + an IGTK of 16 or 32 octets", len(k.Data))
		}
		g := &IGTKKDE{KeyID: int(binary.LittleEndian.Uint16(k.Data[:2])), IGTK: k.Data[8:]}
		copy(g.IPN[:], k.Data[2:8])
		if g.KeyID != 4 && g.KeyID != 5 {
			return perr("IGTK KDE Key ID", "%d, want 4 or 5", g.KeyID)
		}
		kd.IGTK = g
	case KDEPMKID:
		if len(k.Data) != 16 {
			return perr("PMKID KDE", "length %d, want 16", len(k.Data))
		}
		kd.PMKID = k.Data
	case KDEMACAddress:
		if len(k.Data) != 6 {
			return perr("MAC address KDE", "length %d, want 6", len(k.Data))
		}
		kd.MAC = k.Data
	}
	return nil
}

// ouiMicrosoft is the OUI of the WPA vendor element (00-50-F2).
var ouiMicrosoft = [3]byte{0x00, 0x50, 0xf2}

// isWPAElement reports whether e is one whole WPA vendor element: ID 221,
// OUI 00-50-F2, type 1, and at least its version field.
func isWPAElement(e []byte) bool {
	return len(e) >= 2+4+2 && e[0] == ElementVendor && int(e[1]) == len(e)-2 &&
		bytes.Equal(e[2:5], ouiMicrosoft[:]) && e[5] == 1
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
