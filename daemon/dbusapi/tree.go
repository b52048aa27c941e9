package dbusapi

import (
	"context"
	"slices"

	"github.com/godbus/dbus/v5"
)

// setter applies a write to one property of one interface instance; the new
// value shows once the backend publishes it, as in iwd. The Server's
// objtree.Tree carries one per interface instance (nil: read-only).
type setter func(ctx context.Context, name string, v dbus.Variant) error

// emit sends a signal of the API's own (not the tree's); s.mu held.
func (s *Server) emit(path dbus.ObjectPath, name string, values ...any) {
	if s.conn == nil {
		return
	}
	if err := s.conn.Emit(path, name, values...); err != nil {
		s.log.Warn("dbus: emit failed", "path", path, "signal", name, "err", err)
	}
}

// children lists the names of path's direct children in the tree, for
// introspection; / always leads to net (/net/connman/iwd).
func (s *Server) children(path dbus.ObjectPath) []string {
	names := s.tree.Children(path)
	if path == "/" && !slices.Contains(names, "net") {
		names = append(names, "net")
		slices.Sort(names)
	}
	return names
}
