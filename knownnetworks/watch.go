package knownnetworks

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// EventKind says what happened to a network file.
type EventKind uint8

// Event kinds.
const (
	EventAdded   EventKind = iota + 1 // a new, valid network file
	EventChanged                      // contents or mtime (last connected) changed
	EventRemoved                      // file removed, moved away, unreadable or now corrupt
)

func (k EventKind) String() string {
	switch k {
	case EventAdded:
		return "added"
	case EventChanged:
		return "changed"
	case EventRemoved:
		return "removed"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event reports a change to a network file made outside this store (by
// hand, by another program). The store's own writes are not reported.
type Event struct {
	Kind     EventKind
	SSID     string
	Security Security
	// Network is the network as now loaded; zero for EventRemoved.
	Network KnownNetwork
}

// watchMask: files complete after a write (close) or an atomic rename in,
// files gone (delete, rename out), mtime changes (touch), and the directory
// itself going away. IN_CREATE is left out: a file just created is empty.
const watchMask = unix.IN_CLOSE_WRITE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM |
	unix.IN_DELETE | unix.IN_ATTRIB | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF |
	unix.IN_ONLYDIR

// Watch watches the storage directory with inotify and keeps the store in
// step with it, so network files added, edited or removed by hand take
// effect without a restart. It first rescans the directory (reporting what
// changed since Load), then reports each change. The channel is closed when
// ctx is done or the directory goes away; the goroutine behind it ends
// then. A store has at most one watcher at a time. The directory is created
// (0700) if missing.
func (s *Store) Watch(ctx context.Context) (<-chan Event, error) {
	s.networksMu.Lock()
	if s.watching {
		s.networksMu.Unlock()
		return nil, errors.New("knownnetworks: store is already watched")
	}
	s.watching = true
	s.networksMu.Unlock()
	notWatching := func() {
		s.networksMu.Lock()
		s.watching = false
		s.networksMu.Unlock()
	}

	if err := os.MkdirAll(s.dir, dirMode); err != nil {
		notWatching()
		return nil, fmt.Errorf("knownnetworks: %w", err)
	}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		notWatching()
		return nil, fmt.Errorf("knownnetworks: inotify_init1: %w", err)
	}
	if _, err := unix.InotifyAddWatch(fd, s.dir, watchMask); err != nil {
		unix.Close(fd)
		notWatching()
		return nil, fmt.Errorf("knownnetworks: inotify_add_watch %s: %w", s.dir, err)
	}
	// Non-blocking, so the runtime poller serves reads and Close wakes them.
	in := os.NewFile(uintptr(fd), "inotify")
	stop := context.AfterFunc(ctx, func() { in.Close() })

	ch := make(chan Event, 16)
	go func() {
		defer close(ch)
		defer notWatching()
		defer in.Close()
		defer stop()

		send := func(evs []Event) bool {
			for _, ev := range evs {
				select {
				case ch <- ev:
				case <-ctx.Done():
					return false
				}
			}
			return true
		}

		s.networksMu.Lock()
		evs, err := s.rescanLocked()
		s.networksMu.Unlock()
		if err != nil {
			s.log.Warn("knownnetworks: rescan", "err", err)
		}
		if !send(evs) {
			return
		}

		buf := make([]byte, 64*1024)
		for {
			n, err := in.Read(buf)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("knownnetworks: reading inotify", "err", err)
				}
				return
			}
			names, overflow, gone := parseInotify(buf[:n])

			s.networksMu.Lock()
			var evs []Event
			if overflow {
				evs, err = s.rescanLocked()
				if err != nil {
					s.log.Warn("knownnetworks: rescan", "err", err)
				}
			} else {
				for _, name := range names {
					if ev, ok := s.refreshLocked(name); ok {
						evs = append(evs, ev)
					}
				}
			}
			s.networksMu.Unlock()

			if !send(evs) {
				return
			}
			if gone {
				s.log.Error("knownnetworks: storage directory went away, no longer watching", "dir", s.dir)
				return
			}
		}
	}()
	return ch, nil
}

// parseInotify splits a read from an inotify fd into the distinct file
// names it mentions (in order), and reports a queue overflow or the watched
// directory going away.
func parseInotify(b []byte) (names []string, overflow, gone bool) {
	seen := make(map[string]bool)
	for len(b) >= unix.SizeofInotifyEvent {
		mask := binary.NativeEndian.Uint32(b[4:8])
		nlen := int(binary.NativeEndian.Uint32(b[12:16]))
		b = b[unix.SizeofInotifyEvent:]
		if nlen > len(b) {
			break
		}
		name := string(bytes.TrimRight(b[:nlen], "\x00"))
		b = b[nlen:]
		if mask&unix.IN_Q_OVERFLOW != 0 {
			overflow = true
		}
		if mask&(unix.IN_DELETE_SELF|unix.IN_MOVE_SELF|unix.IN_IGNORED) != 0 {
			gone = true
		}
		if name != "" && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names, overflow, gone
}
