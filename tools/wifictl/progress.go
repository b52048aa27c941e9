package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"golang.org/x/term"
)

// progress shows that a scan or a connect runs: on a terminal a status line
// redrawn with the time so far, elsewhere (pipes, logs, tests) plain lines.
// It writes to the session's progress stream, never to the results.
type progress struct {
	w     io.Writer
	tty   bool
	start time.Time

	mu     sync.Mutex // guards label, held, shown
	label  string
	held   bool // the agent is asking: no redraws
	shown  bool // a status line is on screen
	stop   chan struct{}
	closed chan struct{}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (s *session) startProgress(label string) *progress {
	p := &progress{w: s.progress, tty: isTerminal(s.progress), start: time.Now(), label: label,
		stop: make(chan struct{}), closed: make(chan struct{})}
	if !p.tty {
		fmt.Fprintln(p.w, label+"...")
		close(p.closed)
		return p
	}
	go func() {
		defer close(p.closed)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			p.redraw()
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

var spinner = []rune{'|', '/', '-', '\\'}

func (p *progress) redraw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held {
		return
	}
	el := time.Since(p.start)
	fmt.Fprintf(p.w, "\r\033[K%c %s (%.1f s)", spinner[int(el/(200*time.Millisecond))%len(spinner)], p.label, el.Seconds())
	p.shown = true
}

// clear removes the status line; p.mu held.
func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// setLabel changes what the status line says (terminal only).
func (p *progress) setLabel(label string) {
	p.mu.Lock()
	p.label = label
	p.mu.Unlock()
}

// printf prints a line above the status line.
func (p *progress) printf(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	fmt.Fprintf(p.w, format+"\n", a...)
}

// hold stops redrawing while the user is asked something.
func (p *progress) hold(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.held = on
	if on {
		p.clear()
	}
}

// end stops the status line and prints the last word.
func (p *progress) end(format string, a ...any) {
	if p.tty {
		close(p.stop)
	}
	<-p.closed
	p.printf(format, a...)
}

// elapsed is the time since the start, for messages.
func (p *progress) elapsed() string { return fmt.Sprintf("%.1f s", time.Since(p.start).Seconds()) }

// signalWatch collects PropertiesChanged of every interface on one path.
type signalWatch struct {
	c    *client
	ch   chan *dbus.Signal
	opts []dbus.MatchOption
}

func (c *client) watchPath(path dbus.ObjectPath) (*signalWatch, error) {
	w := &signalWatch{c: c, ch: make(chan *dbus.Signal, 64),
		opts: []dbus.MatchOption{dbus.WithMatchObjectPath(path), dbus.WithMatchInterface(ifaceProperties),
			dbus.WithMatchMember("PropertiesChanged")}}
	if err := c.conn.AddMatchSignal(w.opts...); err != nil {
		return nil, err
	}
	c.conn.Signal(w.ch)
	return w, nil
}

func (w *signalWatch) close() {
	w.c.conn.RemoveSignal(w.ch)
	w.c.conn.RemoveMatchSignal(w.opts...)
}

// changed decodes a PropertiesChanged: the interface and changed values.
func changed(s *dbus.Signal) (string, map[string]dbus.Variant, bool) {
	if s == nil || s.Name != ifaceProperties+".PropertiesChanged" || len(s.Body) != 3 {
		return "", nil, false
	}
	iface, _ := s.Body[0].(string)
	m, _ := s.Body[1].(map[string]dbus.Variant)
	return iface, m, true
}
