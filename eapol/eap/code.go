package eap

import "fmt"

// Code is an EAP packet's Code field (RFC 3748 4).
type Code uint8

// Codes of RFC 3748 4. Codes 5 and 6 (RFC 6696's Initiate and Finish)
// are not handled: a Peer drops them as unknown.
const (
	CodeRequest  Code = 1
	CodeResponse Code = 2
	CodeSuccess  Code = 3
	CodeFailure  Code = 4
)

func (c Code) String() string {
	switch c {
	case CodeRequest:
		return "Request"
	case CodeResponse:
		return "Response"
	case CodeSuccess:
		return "Success"
	case CodeFailure:
		return "Failure"
	}
	return fmt.Sprintf("Code(%d)", uint8(c))
}

// Type is the Type field of an EAP Request or Response: which method (or
// Identity, Notification, Nak) the packet belongs to (IANA "EAP Method
// Types").
type Type uint8

// Types named by RFC 3748 and the methods wifid implements or refuses by
// name.
const (
	TypeIdentity     Type = 1
	TypeNotification Type = 2
	TypeNak          Type = 3 // legacy Nak, Responses only
	TypeMD5          Type = 4 // MD5-Challenge
	TypeOTP          Type = 5
	TypeGTC          Type = 6 // Generic Token Card
	TypeTLS          Type = 13
	TypeSIM          Type = 18
	TypeTTLS         Type = 21
	TypeAKA          Type = 23
	TypePEAP         Type = 25
	TypeMSCHAPv2     Type = 26
	TypeTLV          Type = 33 // PEAP's Extensions method (inside the tunnel)
	TypeFAST         Type = 43
	TypePWD          Type = 52
	TypeAKAPrime     Type = 50
	TypeExpanded     Type = 254 // Expanded Type: Vendor-Id and Vendor-Type follow
	TypeExperimental Type = 255
)

var typeNames = map[Type]string{
	TypeIdentity:     "Identity",
	TypeNotification: "Notification",
	TypeNak:          "Nak",
	TypeMD5:          "MD5-Challenge",
	TypeOTP:          "OTP",
	TypeGTC:          "GTC",
	TypeTLS:          "TLS",
	TypeSIM:          "SIM",
	TypeTTLS:         "TTLS",
	TypeAKA:          "AKA",
	TypePEAP:         "PEAP",
	TypeMSCHAPv2:     "MSCHAPv2",
	TypeTLV:          "TLV",
	TypeFAST:         "FAST",
	TypePWD:          "PWD",
	TypeAKAPrime:     "AKA'",
	TypeExpanded:     "Expanded",
	TypeExperimental: "Experimental",
}

// String is the type's name as the IANA registry gives it (iwd's
// EAP-Method key spells some differently: MD5, MSCHAPV2).
func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}
