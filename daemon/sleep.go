package daemon

import (
	"context"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"
)

// logind's names (org.freedesktop.login1(5)).
const (
	login1Name    = "org.freedesktop.login1"
	login1Path    = "/org/freedesktop/login1"
	login1Manager = "org.freedesktop.login1.Manager"
)

// sleepQuietTimeout bounds how long wifid holds a suspend back for its
// stations to finish what is half done (logind waits for at most its
// InhibitDelayMaxSec, 5 s by default).
const sleepQuietTimeout = 2 * time.Second

// sleepWatch follows logind's suspend and resume as NetworkManager does: a
// delay inhibitor is held while the system is awake, PrepareForSleep(true)
// lets the stations finish what is half done and then releases it,
// PrepareForSleep(false) tells them they are awake (a scan at once, a link
// kept is checked and its lease confirmed) and takes a new one. One
// goroutine (run) owns it.
type sleepWatch struct {
	d     *Daemon
	conn  *dbus.Conn
	owner string // logind's unique bus name; "" while it is not running
	fd    int    // the delay inhibitor, -1 when none is held
}

// watchSleep starts following logind on the system bus. Without a system
// bus or logind, wifid logs one line and goes on (and takes logind up if
// it starts later).
func (d *Daemon) watchSleep(ctx context.Context) {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		d.log.Info("no system bus: suspend and resume not followed", "err", err)
		return
	}
	rules := [][]dbus.MatchOption{
		{dbus.WithMatchSender(login1Name), dbus.WithMatchObjectPath(login1Path),
			dbus.WithMatchInterface(login1Manager), dbus.WithMatchMember("PrepareForSleep")},
		{dbus.WithMatchSender("org.freedesktop.DBus"), dbus.WithMatchInterface("org.freedesktop.DBus"),
			dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, login1Name)},
	}
	for _, r := range rules {
		if err := conn.AddMatchSignalContext(ctx, r...); err != nil {
			d.log.Warn("suspend and resume not followed: D-Bus match", "err", err)
			conn.Close()
			return
		}
	}
	sigs := make(chan *dbus.Signal, 16)
	conn.Signal(sigs)
	w := &sleepWatch{d: d, conn: conn, fd: -1}
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, login1Name).Store(&w.owner); err != nil {
		d.log.Info("logind not running (org.freedesktop.login1 has no owner): suspend and resume not followed until it starts")
	} else {
		d.log.Info("following suspend and resume", "logind", w.owner)
		w.inhibit(ctx)
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer conn.Close()
		defer w.release()
		w.run(ctx, sigs)
	}()
}

func (w *sleepWatch) run(ctx context.Context, sigs <-chan *dbus.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case sig, ok := <-sigs:
			if !ok {
				w.d.log.Warn("system bus gone: suspend and resume no longer followed")
				return
			}
			w.handle(ctx, sig)
		}
	}
}

func (w *sleepWatch) handle(ctx context.Context, sig *dbus.Signal) {
	switch sig.Name {
	case "org.freedesktop.DBus.NameOwnerChanged":
		var name, old, owner string
		if dbus.Store(sig.Body, &name, &old, &owner) != nil || name != login1Name {
			return
		}
		w.release()
		w.owner = owner
		if owner == "" {
			w.d.log.Info("logind stopped: suspend and resume not followed until it starts")
			return
		}
		w.d.log.Info("following suspend and resume", "logind", owner)
		w.inhibit(ctx)
	case login1Manager + ".PrepareForSleep":
		var start bool
		if sig.Path != login1Path || sig.Sender != w.owner || dbus.Store(sig.Body, &start) != nil {
			return
		}
		if start {
			w.suspend(ctx)
		} else {
			w.resume(ctx)
		}
	}
}

// suspend lets every station finish what is half done, bounded, then
// releases the inhibitor: logind goes on with the sleep.
func (w *sleepWatch) suspend(ctx context.Context) {
	start := time.Now()
	stations := w.d.Stations()
	qctx, cancel := context.WithTimeout(ctx, sleepQuietTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, si := range stations {
		wg.Go(func() {
			if err := si.Station.Suspending(qctx); err != nil {
				w.d.log.Warn("suspending", "iface", si.Station.View().Ifname, "err", err)
			}
		})
	}
	wg.Wait()
	w.release()
	w.d.log.Info("ready to sleep", "stations", len(stations), "ms", time.Since(start).Milliseconds())
}

// resume tells every station the system is awake and takes a new
// inhibitor for the next sleep.
func (w *sleepWatch) resume(ctx context.Context) {
	stations := w.d.Stations()
	w.d.log.Info("resumed from sleep", "stations", len(stations))
	for _, si := range stations {
		if err := si.Station.Resumed(ctx); err != nil {
			w.d.log.Warn("resume", "iface", si.Station.View().Ifname, "err", err)
		}
	}
	w.inhibit(ctx)
}

// inhibit takes a delay inhibitor for sleep (logind's Inhibit): logind
// waits for it to be closed before suspending.
func (w *sleepWatch) inhibit(ctx context.Context) {
	if w.fd >= 0 {
		return
	}
	var fd dbus.UnixFD
	err := w.conn.Object(login1Name, login1Path).CallWithContext(ctx, login1Manager+".Inhibit", 0,
		"sleep", "wifid", "Wi-Fi: finishing connects and network file writes", "delay").Store(&fd)
	if err != nil {
		w.d.log.Warn("no sleep inhibitor: a suspend may cut a connect short", "err", err)
		return
	}
	w.fd = int(fd)
	w.d.log.Debug("sleep inhibitor taken", "fd", w.fd)
}

func (w *sleepWatch) release() {
	if w.fd < 0 {
		return
	}
	unix.Close(w.fd)
	w.fd = -1
	w.d.log.Debug("sleep inhibitor released")
}
