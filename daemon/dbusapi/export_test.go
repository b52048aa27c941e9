package dbusapi

import "github.com/godbus/dbus/v5"

// PendingTickets is how many call-order tickets wait for their call.
func (s *Server) PendingTickets() int { return s.order.pending() }

// LastConnectVariant is what LastConnect shows for t.
func LastConnectVariant(t *ConnectTimeline) dbus.Variant { return t.variant() }
