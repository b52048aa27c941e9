package knownnetworks

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

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

// Event reports a change to a network file or hotspot profile made outside
// this store (by hand, by another program). The store's own writes are not
// reported.
type Event struct {
	Kind EventKind
	// SSID and Security key the network as in Get: for a hotspot profile,
	// SecurityHotspot and the profile's file name.
	SSID     string
	Security Security
	// Network is the network as now loaded; zero for EventRemoved.
	Network KnownNetwork
}

// watchMask: files complete after a write (close) or an atomic rename in,
// files gone (delete, rename out), mtime changes (touch), and the directory
// itself going away. IN_CREATE is asked for only to see HotspotDir made
// (mkdir); a file just created is empty, so a created file is not read
// until it is closed.
const watchMask = unix.IN_CLOSE_WRITE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM |
	unix.IN_DELETE | unix.IN_ATTRIB | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF |
	unix.IN_CREATE | unix.IN_ONLYDIR

// Watch watches the storage directory and its HotspotDir with inotify and
// keeps the store in step with them, so network files and hotspot profiles
// added, edited or removed by hand take effect without a restart. It first
// rescans (reporting what changed since Load), then reports each change.
// HotspotDir may be created, removed or replaced while watched: its
// profiles come and go with it. The channel is closed when ctx is done or
// the storage directory goes away; the goroutine behind it ends then. A
// store has at most one watcher at a time. The storage directory is
// created (0700) if missing; HotspotDir is not.
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
	topWD, err := unix.InotifyAddWatch(fd, s.dir, watchMask)
	if err != nil {
		unix.Close(fd)
		notWatching()
		return nil, fmt.Errorf("knownnetworks: inotify_add_watch %s: %w", s.dir, err)
	}
	hs := &hotspotWatch{fd: fd, dir: filepath.Join(s.dir, HotspotDir), wd: -1}
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
		hs.rewatch(s.log)
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
			ievs, overflow := parseInotify(buf[:n])

			s.networksMu.Lock()
			evs, gone := s.applyInotifyLocked(topWD, hs, ievs, overflow)
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

// applyInotifyLocked brings the store in line with one read of inotify
// events (ievs, or a queue overflow: then everything is rescanned) on the
// storage directory (watch topWD) and HotspotDir (hs). It returns the
// changes to report, and whether the storage directory went away.
func (s *Store) applyInotifyLocked(topWD int, hs *hotspotWatch, ievs []inotifyEvent, overflow bool) (evs []Event, gone bool) {
	if overflow {
		hs.rewatch(s.log)
		var err error
		if evs, err = s.rescanLocked(); err != nil {
			s.log.Warn("knownnetworks: rescan", "err", err)
		}
	}
	for _, iev := range ievs {
		var rel string
		switch {
		case iev.wd == topWD && iev.self():
			gone = true
			continue
		case overflow:
			continue // rescanned above
		case iev.wd == topWD && iev.name == HotspotDir,
			iev.wd == hs.wd && iev.self():
			// HotspotDir made, removed, moved or replaced.
			hs.rewatch(s.log)
			hevs, _ := s.rescanDirLocked(true)
			evs = append(evs, hevs...)
			continue
		case iev.wd == topWD:
			rel = iev.name
		case iev.wd == hs.wd && iev.name != "" && iev.mask&unix.IN_ISDIR == 0:
			rel = HotspotDir + "/" + iev.name
		default:
			// A former HotspotDir's watch, HotspotDir's own attributes,
			// or a directory in it (as iwd: no profile).
			continue
		}
		if iev.mask&unix.IN_CREATE != 0 && iev.mask&(unix.IN_CLOSE_WRITE|unix.IN_MOVED_TO|unix.IN_ATTRIB) == 0 {
			// A file just created is empty: wait for its close. A symlink
			// is complete when created, and gets no close.
			if fi, err := os.Lstat(filepath.Join(s.dir, rel)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				continue
			}
		}
		if ev, ok := s.refreshLocked(rel); ok {
			evs = append(evs, ev)
		}
	}
	return evs, gone
}

// hotspotWatch is the inotify watch on HotspotDir, which may come and go
// while the storage directory is watched.
type hotspotWatch struct {
	fd  int
	dir string
	wd  int // -1 while HotspotDir is not watched
}

// rewatch points the watch at whatever HotspotDir is now: a new directory
// gets a new watch (the old one is dropped), the same directory keeps its
// watch, none leaves none. The caller rescans HotspotDir after, so that
// nothing made before the watch was in place is missed.
func (h *hotspotWatch) rewatch(log *slog.Logger) {
	wd, err := unix.InotifyAddWatch(h.fd, h.dir, watchMask)
	if err != nil {
		if !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ENOTDIR) {
			log.Warn("knownnetworks: cannot watch hotspot directory", "dir", h.dir, "err", err)
		}
		wd = -1
	}
	if h.wd >= 0 && h.wd != wd {
		unix.InotifyRmWatch(h.fd, uint32(h.wd)) // fails if already gone: fine
	}
	h.wd = wd
}

// inotifyEvent is one event, merged with the others of its read for the
// same watch and name.
type inotifyEvent struct {
	wd   int
	mask uint32
	name string
}

// self reports the watched directory itself deleted, moved, or its watch
// dropped.
func (e inotifyEvent) self() bool {
	return e.name == "" && e.mask&(unix.IN_DELETE_SELF|unix.IN_MOVE_SELF|unix.IN_IGNORED) != 0
}

// parseInotify splits a read from an inotify fd into events, one for each
// distinct watch and name (masks or'ed, in order of first mention), and
// reports a queue overflow.
func parseInotify(b []byte) (evs []inotifyEvent, overflow bool) {
	type key struct {
		wd   int
		name string
	}
	seen := make(map[key]int)
	for len(b) >= unix.SizeofInotifyEvent {
		wd := int(int32(binary.NativeEndian.Uint32(b[0:4])))
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
			continue
		}
		k := key{wd, name}
		if i, ok := seen[k]; ok {
			evs[i].mask |= mask
			continue
		}
		seen[k] = len(evs)
		evs = append(evs, inotifyEvent{wd: wd, mask: mask, name: name})
	}
	return evs, overflow
}
