package tls

// SessionID implements eap.SessionIDer: the tunnel's Session-Id (nil before
// the handshake finished), for ERP after the conversation.
func (m *Method) SessionID() []byte {
	if m.t == nil {
		return nil
	}
	return m.t.SessionID()
}
