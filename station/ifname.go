package station

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// ifaceName is the station's interface's current name. The kernel's name
// can change while the station runs (udev's rename, `ip link set name`):
// the loop writes it, log lines from any goroutine read it.
type ifaceName struct{ v atomic.Pointer[string] }

func (n *ifaceName) get() string {
	if p := n.v.Load(); p != nil {
		return *p
	}
	return ""
}

func (n *ifaceName) set(s string) { n.v.Store(&s) }

// nameHandler gives every record the interface's current name as its
// first attribute, "iface", where a logger made With("iface", name) would
// keep the name the station started with.
type nameHandler struct {
	slog.Handler
	name *ifaceName
}

func (h nameHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	out.AddAttrs(slog.String("iface", h.name.get()))
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(a)
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h nameHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return nameHandler{h.Handler.WithAttrs(as), h.name}
}

func (h nameHandler) WithGroup(g string) slog.Handler {
	return nameHandler{h.Handler.WithGroup(g), h.name}
}

// Renamed tells the station its interface's new kernel name. Its log
// lines, its View and the IP configuration of its next connection use the
// new name from now on; an IP configuration already running follows the
// rename itself (it watches the link).
func (s *Station) Renamed(ctx context.Context, name string) error {
	return s.call(ctx, func() {
		old := s.cfg.Ifname
		if name == "" || name == old {
			return
		}
		s.cfg.Ifname = name
		s.name.set(name)
		s.log.Debug("station follows the interface's new name", "was", old)
		s.publish()
	})
}
