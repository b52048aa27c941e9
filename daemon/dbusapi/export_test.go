package dbusapi

// PendingTickets is how many call-order tickets wait for their call.
func (s *Server) PendingTickets() int { return s.order.pending() }
