package nl80211

import (
	"context"
	"net"
	"wifid/nl80211/ie"

	"golang.org/x/sys/unix"
)

// Crypto is the RSN part of CONNECT and ASSOCIATE (the kernel's
// nl80211_crypto_settings) plus the control port settings.
type Crypto struct {
	WPAVersions     uint32 // NL80211_WPA_VERSION_* bits
	PairwiseCiphers []ie.CipherSuite
	GroupCipher     ie.CipherSuite // 0 omits it
	AKMSuites       []ie.AKMSuite
	MFP             uint32 // NL80211_MFP_NO (omitted), _REQUIRED, _OPTIONAL

	// ControlPort blocks data frames until SetStationAuthorized:
	// NL80211_ATTR_CONTROL_PORT with ethertype 0x888E and NO_ENCRYPT
	// (EAPOL of the 4-way handshake goes unprotected).
	ControlPort bool
	// ControlPortOverNL80211 sends and receives EAPOL over nl80211
	// (CMD_CONTROL_PORT_FRAME); it needs SocketOwner and the wiphy's
	// NL80211_EXT_FEATURE_CONTROL_PORT_OVER_NL80211.
	ControlPortOverNL80211 bool
}

func (cr *Crypto) encode(e *encoder) {
	if cr.WPAVersions != 0 {
		e.u32(unix.NL80211_ATTR_WPA_VERSIONS, cr.WPAVersions)
	}
	if len(cr.PairwiseCiphers) > 0 {
		e.bytes(unix.NL80211_ATTR_CIPHER_SUITES_PAIRWISE, u32Array(cr.PairwiseCiphers))
	}
	if cr.GroupCipher != 0 {
		e.u32(unix.NL80211_ATTR_CIPHER_SUITE_GROUP, uint32(cr.GroupCipher))
	}
	if len(cr.AKMSuites) > 0 {
		e.bytes(unix.NL80211_ATTR_AKM_SUITES, u32Array(cr.AKMSuites))
	}
	if cr.MFP != unix.NL80211_MFP_NO {
		e.u32(unix.NL80211_ATTR_USE_MFP, cr.MFP)
	}
	if cr.ControlPort {
		e.flag(unix.NL80211_ATTR_CONTROL_PORT)
		e.u16(unix.NL80211_ATTR_CONTROL_PORT_ETHERTYPE, EthertypeEAPOL)
		e.flag(unix.NL80211_ATTR_CONTROL_PORT_NO_ENCRYPT)
	}
	if cr.ControlPortOverNL80211 {
		e.flag(unix.NL80211_ATTR_CONTROL_PORT_OVER_NL80211)
	}
}

func (cr *Crypto) rsn() bool {
	return cr.WPAVersions != 0 || len(cr.AKMSuites) > 0 || len(cr.PairwiseCiphers) > 0
}

// ConnectRequest is NL80211_CMD_CONNECT: the kernel's (or the driver's)
// SME authenticates and associates. PMK/PSK offload is not offered.
type ConnectRequest struct {
	SSID []byte
	// BSSID and Freq pin the BSS (NL80211_ATTR_MAC, _WIPHY_FREQ);
	// BSSIDHint and FreqHint only suggest it (_MAC_HINT, _WIPHY_FREQ_HINT).
	BSSID     net.HardwareAddr
	BSSIDHint net.HardwareAddr
	Freq      uint32
	FreqHint  uint32
	PrevBSSID net.HardwareAddr // reassociation within the ESS
	AuthType  uint32           // NL80211_AUTHTYPE_*; 0 is open system
	IEs       []byte           // extra IEs for the (re)association request: the RSNE we built, ...
	// Privacy marks a protected network (NL80211_ATTR_PRIVACY); it is
	// set anyway when Crypto describes RSN, so cfg80211 matches the BSS.
	Privacy bool
	Crypto
	// SocketOwner ties the connection to this Client's socket: the kernel
	// disconnects when it closes, and it receives control port frames.
	SocketOwner bool
}

// Connect sends NL80211_CMD_CONNECT; the outcome arrives as a ConnectEvent.
func (c *Client) Connect(ctx context.Context, ifindex int, req ConnectRequest) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.bytes(unix.NL80211_ATTR_SSID, req.SSID)
	if len(req.BSSID) != 0 {
		e.bytes(unix.NL80211_ATTR_MAC, req.BSSID)
	}
	if len(req.BSSIDHint) != 0 {
		e.bytes(unix.NL80211_ATTR_MAC_HINT, req.BSSIDHint)
	}
	if req.Freq != 0 {
		e.u32(unix.NL80211_ATTR_WIPHY_FREQ, req.Freq)
	}
	if req.FreqHint != 0 {
		e.u32(unix.NL80211_ATTR_WIPHY_FREQ_HINT, req.FreqHint)
	}
	if len(req.PrevBSSID) != 0 {
		e.bytes(unix.NL80211_ATTR_PREV_BSSID, req.PrevBSSID)
	}
	e.u32(unix.NL80211_ATTR_AUTH_TYPE, req.AuthType)
	if len(req.IEs) > 0 {
		e.bytes(unix.NL80211_ATTR_IE, req.IEs)
	}
	if req.Privacy || req.Crypto.rsn() {
		e.flag(unix.NL80211_ATTR_PRIVACY)
	}
	req.Crypto.encode(&e)
	if req.SocketOwner {
		e.flag(unix.NL80211_ATTR_SOCKET_OWNER)
	}
	_, err := c.execute(ctx, unix.NL80211_CMD_CONNECT, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// AuthenticateRequest is NL80211_CMD_AUTHENTICATE (userspace SME).
type AuthenticateRequest struct {
	BSSID    net.HardwareAddr
	Freq     uint32
	SSID     []byte
	AuthType uint32 // NL80211_AUTHTYPE_OPEN_SYSTEM, _SAE, _FT, ...
	IEs      []byte
	// AuthData is NL80211_ATTR_AUTH_DATA, for SAE and FILS: the
	// authentication frame body from the transaction sequence number on
	// (transaction seq, status code, then the SAE commit/confirm).
	AuthData []byte
}

// Authenticate sends NL80211_CMD_AUTHENTICATE; the result arrives as an
// MLMEEvent (CMD_AUTHENTICATE, the peer's frame, or TimedOut).
func (c *Client) Authenticate(ctx context.Context, ifindex int, req AuthenticateRequest) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.bytes(unix.NL80211_ATTR_MAC, req.BSSID)
	e.u32(unix.NL80211_ATTR_WIPHY_FREQ, req.Freq)
	e.bytes(unix.NL80211_ATTR_SSID, req.SSID)
	e.u32(unix.NL80211_ATTR_AUTH_TYPE, req.AuthType)
	if len(req.IEs) > 0 {
		e.bytes(unix.NL80211_ATTR_IE, req.IEs)
	}
	if len(req.AuthData) > 0 {
		e.bytes(unix.NL80211_ATTR_AUTH_DATA, req.AuthData)
	}
	_, err := c.execute(ctx, unix.NL80211_CMD_AUTHENTICATE, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// AssociateRequest is NL80211_CMD_ASSOCIATE (userspace SME).
type AssociateRequest struct {
	BSSID     net.HardwareAddr
	Freq      uint32
	SSID      []byte
	IEs       []byte           // the RSNE and other IEs we add
	PrevBSSID net.HardwareAddr // set for a reassociation
	Crypto
	SocketOwner bool
	// FILS: the KEK that protects the association frames and the two
	// nonces (SNonce || ANonce), for the kernel's AEAD of the request and
	// response (NL80211_ATTR_FILS_KEK, NL80211_ATTR_FILS_NONCES).
	FILSKEK, FILSNonces []byte
}

// Associate sends NL80211_CMD_ASSOCIATE; the result arrives as an
// MLMEEvent (CMD_ASSOCIATE) and/or a ConnectEvent.
func (c *Client) Associate(ctx context.Context, ifindex int, req AssociateRequest) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.bytes(unix.NL80211_ATTR_MAC, req.BSSID)
	e.u32(unix.NL80211_ATTR_WIPHY_FREQ, req.Freq)
	e.bytes(unix.NL80211_ATTR_SSID, req.SSID)
	if len(req.IEs) > 0 {
		e.bytes(unix.NL80211_ATTR_IE, req.IEs)
	}
	if len(req.PrevBSSID) != 0 {
		e.bytes(unix.NL80211_ATTR_PREV_BSSID, req.PrevBSSID)
	}
	if len(req.FILSKEK) != 0 {
		e.bytes(unix.NL80211_ATTR_FILS_KEK, req.FILSKEK)
		e.bytes(unix.NL80211_ATTR_FILS_NONCES, req.FILSNonces)
	}
	req.Crypto.encode(&e)
	if req.SocketOwner {
		e.flag(unix.NL80211_ATTR_SOCKET_OWNER)
	}
	_, err := c.execute(ctx, unix.NL80211_CMD_ASSOCIATE, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// Disconnect sends NL80211_CMD_DISCONNECT with an IEEE 802.11 reason code.
func (c *Client) Disconnect(ctx context.Context, ifindex int, reason uint16) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.u16(unix.NL80211_ATTR_REASON_CODE, reason)
	_, err := c.execute(ctx, unix.NL80211_CMD_DISCONNECT, ifTarget(ifindex), 0, e.b, nil)
	return err
}

// Deauthenticate sends NL80211_CMD_DEAUTHENTICATE to bssid.
func (c *Client) Deauthenticate(ctx context.Context, ifindex int, bssid net.HardwareAddr, reason uint16) error {
	var e encoder
	e.u32(unix.NL80211_ATTR_IFINDEX, uint32(ifindex))
	e.bytes(unix.NL80211_ATTR_MAC, bssid)
	e.u16(unix.NL80211_ATTR_REASON_CODE, reason)
	_, err := c.execute(ctx, unix.NL80211_CMD_DEAUTHENTICATE, ifTarget(ifindex), 0, e.b, nil)
	return err
}
