package knownnetworks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DefaultDir is iwd's storage directory when STATE_DIRECTORY is not set.
const DefaultDir = "/var/lib/iwd"

// StateDir returns the storage directory iwd's daemon would use given the
// value of STATE_DIRECTORY (systemd may list several, colon separated: the
// first is used); DefaultDir if it is empty. Call it as
// StateDir(os.Getenv("STATE_DIRECTORY")).
func StateDir(env string) string {
	if first, _, _ := strings.Cut(env, ":"); first != "" {
		return first
	}
	return DefaultDir
}

// ErrUnknownNetwork is returned for an SSID and type the store does not know.
var ErrUnknownNetwork = errors.New("knownnetworks: unknown network")

// KnownNetwork is one network file, or one Hotspot 2.0 profile, as loaded.
type KnownNetwork struct {
	// SSID is the network's SSID. For a hotspot profile (Security ==
	// SecurityHotspot) it is instead the profile's file name inside
	// HotspotDir (e.g. "example.conf"): the key every Store method takes
	// for the profile (Get, Forget, Touch, Update, SetAutoConnect,
	// AddKnownFrequency, KnownFrequencies). Show DisplayName to users.
	SSID     string
	Security Security
	// Path is the file's path: in the storage directory, or in its
	// HotspotDir for a hotspot profile.
	Path string
	// LastConnected is the file's mtime: iwd touches the file on every
	// successful connection and keeps the mtime across rewrites.
	LastConnected time.Time
	Settings      Settings
	// Hotspot is the profile's [Hotspot] group; nil for an ordinary
	// network.
	Hotspot *Hotspot
	file    *File
}

// DisplayName is the name to show for the network: the hotspot profile's
// Name, else the SSID.
func (n KnownNetwork) DisplayName() string {
	if n.Hotspot != nil {
		return n.Hotspot.Name
	}
	return n.SSID
}

// Hidden reports [Settings] Hidden; always false for a hotspot profile,
// which has no SSID to probe for.
func (n KnownNetwork) Hidden() bool { return n.Settings.Hidden && n.Hotspot == nil }

// AutoConnect reports [Settings] AutoConnect.
func (n KnownNetwork) AutoConnect() bool { return n.Settings.AutoConnect }

// File returns a copy of the network's keyfile, for the keys the typed
// Settings do not cover (EAP, embedded PEMs) or to change and Save.
func (n KnownNetwork) File() *File {
	if n.file == nil {
		return NewFile("")
	}
	return n.file.Clone()
}

type netKey struct {
	ssid string
	sec  Security
}

type entry struct {
	rel   string // path relative to the storage directory (relPath)
	net   KnownNetwork
	data  []byte    // file contents as last read or written
	mtime time.Time // file mtime as last seen
}

// The raw contents the store keeps (an entry's data, a corrupt file's)
// hold the passphrase or PSK: they are wiped when replaced or dropped. The
// parsed File and Settings are strings and a shared PSK array, which
// copies handed out (List, Get) keep using: those are not wiped.

// wipe zeroes the entry's raw contents (nil is fine).
func (e *entry) wipe() {
	if e != nil {
		clear(e.data)
	}
}

// dropCorruptLocked forgets a corrupt file's contents, wiped.
func (s *Store) dropCorruptLocked(rel string) {
	clear(s.corrupt[rel])
	delete(s.corrupt, rel)
}

// Store holds the network files of one storage directory. Its methods are
// safe for concurrent use. Writes are atomic and keep the file's mtime,
// except Touch, which sets it to now.
type Store struct {
	dir string
	log *slog.Logger

	// beforeRename is a test hook run before each atomic rename.
	beforeRename func(tmp string) error

	// networksMu guards networks, corrupt, unreadable, freq and watching, and
	// serializes the store's own reads and writes of the directory so that
	// the watcher compares disk contents with what was last written.
	networksMu sync.Mutex
	networks   map[netKey]*entry
	corrupt    map[string][]byte // relPath -> contents that did not parse
	unreadable map[string]string // relPath -> why it could not be read, as last logged
	freq       *File             // .known_network.freq
	watching   bool
	gen        uint64 // Generation
}

// Generation changes whenever the networks List returns change: a write,
// a forget, a touch, a file changed on disk and seen. A reader that last
// listed at generation g need not list again while it is still g.
func (s *Store) Generation() uint64 {
	s.networksMu.Lock()
	defer s.networksMu.Unlock()
	return s.gen
}

// NewStore returns a store for dir (iwd's daemon uses $STATE_DIRECTORY,
// else DefaultDir). It reads nothing until Load. log may be nil.
func NewStore(dir string, log *slog.Logger) *Store {
	if log == nil {
		log = slog.Default()
	}
	return &Store{
		dir:        dir,
		log:        log,
		networks:   make(map[netKey]*entry),
		corrupt:    make(map[string][]byte),
		unreadable: make(map[string]string),
	}
}

// Dir returns the storage directory.
func (s *Store) Dir() string { return s.dir }

// Load reads every network file in the directory (a missing directory is an
// empty one), every hotspot profile in its HotspotDir (none if missing) and
// the known-frequencies file. Corrupt and misnamed files are logged and
// skipped; only an unreadable storage directory is an error. Temporary
// files a crash left mid-write are removed first (RemoveStaleTemps).
func (s *Store) Load() error {
	s.networksMu.Lock()
	defer s.networksMu.Unlock()
	for _, dir := range []string{s.dir, filepath.Join(s.dir, HotspotDir)} {
		if gone, _ := RemoveStaleTemps(dir, time.Now()); len(gone) > 0 {
			s.log.Info("knownnetworks: removed temporary files a crash left", "dir", dir, "files", gone)
		}
	}
	if _, err := s.rescanLocked(); err != nil {
		return err
	}
	s.loadFreqLocked()
	return nil
}

// rescanLocked re-reads the whole directory and its HotspotDir and returns
// what changed.
func (s *Store) rescanLocked() ([]Event, error) {
	evs, err := s.rescanDirLocked(false)
	if err != nil {
		return nil, err
	}
	hevs, _ := s.rescanDirLocked(true)
	return append(evs, hevs...), nil
}

// rescanDirLocked re-reads the storage directory, or its HotspotDir, and
// returns what changed. A missing directory is an empty one; an unreadable
// HotspotDir is logged and taken as empty.
func (s *Store) rescanDirLocked(hotspot bool) ([]Event, error) {
	dir, prefix := s.dir, ""
	if hotspot {
		dir, prefix = filepath.Join(s.dir, HotspotDir), HotspotDir+"/"
	}
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		err = fmt.Errorf("knownnetworks: %w", err)
		if !hotspot {
			return nil, err
		}
		if s.unreadable[HotspotDir] != err.Error() {
			s.unreadable[HotspotDir] = err.Error()
			s.log.Warn("knownnetworks: cannot read hotspot directory", "err", err)
		}
	} else if hotspot {
		delete(s.unreadable, HotspotDir)
	}
	seen := make(map[string]bool)
	var evs []Event
	for _, de := range ents {
		rel := prefix + de.Name()
		seen[rel] = true
		if hotspot && de.IsDir() {
			continue // as iwd: only files and symlinks are profiles
		}
		if ev, ok := s.refreshLocked(rel); ok {
			evs = append(evs, ev)
		}
	}
	// inDir: rel is a file of the directory rescanned (HotspotDir's own
	// entry in unreadable is kept up to date above).
	inDir := func(rel string) bool {
		return rel != HotspotDir && strings.HasPrefix(rel, HotspotDir+"/") == hotspot
	}
	for _, e := range s.networks {
		if inDir(e.rel) && !seen[e.rel] {
			if ev, ok := s.refreshLocked(e.rel); ok {
				evs = append(evs, ev)
			}
		}
	}
	for rel := range s.corrupt {
		if inDir(rel) && !seen[rel] {
			s.dropCorruptLocked(rel)
		}
	}
	for rel := range s.unreadable {
		if inDir(rel) && !seen[rel] {
			delete(s.unreadable, rel)
		}
	}
	return evs, nil
}

// logUnreadableLocked warns that rel cannot be read, once for each reason.
func (s *Store) logUnreadableLocked(rel string, err error) {
	if s.unreadable[rel] != err.Error() {
		s.unreadable[rel] = err.Error()
		s.log.Warn("knownnetworks: cannot read network file", "file", rel, "err", err)
	}
}

// refreshLocked brings the in-memory state of one file (its relPath) in line
// with the disk and returns the resulting event, if any.
func (s *Store) refreshLocked(name string) (Event, bool) {
	ssid, sec, err := parseRelPath(name)
	if errors.Is(err, ErrNotNetworkFile) {
		return Event{}, false
	}
	if err != nil {
		s.log.Warn("knownnetworks: ignoring network file", "file", name, "err", err)
		return Event{}, false
	}
	key := netKey{ssid, sec}
	old := s.networks[key]
	path := filepath.Join(s.dir, name)

	data, mtime, rerr := readRegular(path)
	if rerr != nil {
		if errors.Is(rerr, os.ErrNotExist) {
			delete(s.unreadable, name)
		} else {
			s.logUnreadableLocked(name, rerr)
		}
		s.dropCorruptLocked(name)
		if old == nil {
			return Event{}, false
		}
		old.wipe()
		delete(s.networks, key)
		s.gen++
		return Event{Kind: EventRemoved, SSID: ssid, Security: sec}, true
	}

	delete(s.unreadable, name)
	if old != nil && bytes.Equal(old.data, data) {
		clear(data) // the entry keeps its own copy
		if old.mtime.Equal(mtime) {
			return Event{}, false // our own write, or nothing new
		}
		old.mtime = mtime
		old.net.LastConnected = mtime
		s.gen++
		return Event{Kind: EventChanged, SSID: ssid, Security: sec, Network: old.net}, true
	}

	var n KnownNetwork
	f, perr := ParseFile(name, data)
	if perr == nil {
		n, perr = s.makeNetwork(ssid, sec, path, mtime, f)
	}
	if perr != nil {
		if prev, ok := s.corrupt[name]; !ok || !bytes.Equal(prev, data) {
			s.log.Error("knownnetworks: corrupt network file skipped", "file", name, "err", perr)
		}
		s.dropCorruptLocked(name)
		s.corrupt[name] = data
		if old == nil {
			return Event{}, false
		}
		old.wipe()
		delete(s.networks, key)
		s.gen++
		return Event{Kind: EventRemoved, SSID: ssid, Security: sec}, true
	}
	s.dropCorruptLocked(name)

	old.wipe() // the settings replaced on reload
	s.networks[key] = &entry{rel: name, net: n, data: data, mtime: mtime}
	s.gen++
	kind := EventAdded
	if old != nil {
		kind = EventChanged
	}
	return Event{Kind: kind, SSID: ssid, Security: sec, Network: n}, true
}

// makeNetwork is the network f describes; an error if f is a hotspot
// profile iwd would skip (see ParseHotspot). Bad settings are logged.
func (s *Store) makeNetwork(ssid string, sec Security, path string, mtime time.Time, f *File) (KnownNetwork, error) {
	var hs *Hotspot
	if sec == SecurityHotspot {
		var warns []error
		var err error
		hs, warns, err = ParseHotspot(f)
		if err != nil {
			return KnownNetwork{}, err
		}
		for _, w := range warns {
			s.log.Warn("knownnetworks: bad setting", "file", f.Name(), "err", w)
		}
	}
	settings, warns := ParseSettings(f)
	for _, w := range warns {
		s.log.Warn("knownnetworks: bad setting", "file", f.Name(), "err", w)
	}
	return KnownNetwork{
		SSID: ssid, Security: sec, Path: path,
		LastConnected: mtime, Settings: settings, Hotspot: hs, file: f,
	}, nil
}

// readRegular reads a regular file and its mtime.
func readRegular(path string) ([]byte, time.Time, error) {
	// O_NONBLOCK: opening a FIFO (or a symlink to one) must not wait for
	// a writer; it is refused below as not a regular file.
	fh, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	if !fi.Mode().IsRegular() {
		return nil, time.Time{}, fmt.Errorf("not a regular file")
	}
	if fi.Size() > maxFileSize {
		return nil, time.Time{}, fmt.Errorf("larger than %d bytes", maxFileSize)
	}
	var buf bytes.Buffer
	// Room for it all at once: a buffer that grows leaves copies behind.
	buf.Grow(int(fi.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(fh, maxFileSize+1)); err != nil {
		return nil, time.Time{}, err
	}
	if buf.Len() > maxFileSize {
		return nil, time.Time{}, fmt.Errorf("larger than %d bytes", maxFileSize)
	}
	return buf.Bytes(), fi.ModTime(), nil
}

// maxFileSize bounds a network file: iwd's are a few hundred bytes, with
// embedded certificates some kilobytes.
const maxFileSize = 1 << 20

// List returns the known networks, hotspot profiles included (iwd lists them
// as known networks): highest Priority first, then most recently connected
// first (iwd's order), then by SSID.
func (s *Store) List() []KnownNetwork {
	return s.list(func(*entry) bool { return true })
}

// Hotspots returns the hotspot profiles only, in List's order.
func (s *Store) Hotspots() []KnownNetwork {
	return s.list(func(e *entry) bool { return e.net.Security == SecurityHotspot })
}

func (s *Store) list(keep func(*entry) bool) []KnownNetwork {
	s.networksMu.Lock()
	out := make([]KnownNetwork, 0, len(s.networks))
	for _, e := range s.networks {
		if keep(e) {
			out = append(out, e.net)
		}
	}
	s.networksMu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Settings.Priority != b.Settings.Priority {
			return a.Settings.Priority > b.Settings.Priority
		}
		if !a.LastConnected.Equal(b.LastConnected) {
			return a.LastConnected.After(b.LastConnected)
		}
		if a.SSID != b.SSID {
			return a.SSID < b.SSID
		}
		return a.Security < b.Security
	})
	return out
}

// Get returns one known network.
func (s *Store) Get(ssid string, sec Security) (KnownNetwork, bool) {
	s.networksMu.Lock()
	defer s.networksMu.Unlock()
	e, ok := s.networks[netKey{ssid, sec}]
	if !ok {
		return KnownNetwork{}, false
	}
	return e.net, true
}

// diskStateLocked reads the current file. exists is false if there is none;
// err is set if it cannot be read or does not parse (then it must not be
// overwritten or removed).
func (s *Store) diskStateLocked(name string) (f *File, mtime time.Time, exists bool, err error) {
	path := filepath.Join(s.dir, name)
	data, mtime, rerr := readRegular(path)
	if errors.Is(rerr, os.ErrNotExist) {
		return nil, time.Time{}, false, nil
	}
	if rerr != nil {
		return nil, time.Time{}, true, fmt.Errorf("knownnetworks: %s: %w", name, rerr)
	}
	f, perr := ParseFile(name, data)
	clear(data) // f has its own copy
	if perr != nil {
		return nil, mtime, true, fmt.Errorf("%w; not overwriting it", perr)
	}
	return f, mtime, true, nil
}

// writeLocked writes f as name (a relPath), keeping mtime if non-zero, and
// updates the in-memory state so that the watcher does not report the write
// back.
func (s *Store) writeLocked(ssid string, sec Security, name string, f *File, mtime time.Time) error {
	data := f.Bytes()
	// Never write what cannot be read back.
	parsed, err := ParseFile(name, data)
	if err != nil {
		return fmt.Errorf("%w; not writing it", err)
	}
	if sec == SecurityHotspot {
		if _, _, err := ParseHotspot(parsed); err != nil {
			return fmt.Errorf("%w (%s); not writing it", err, name)
		}
	}
	path := filepath.Join(s.dir, name)
	if err := writeFileAtomic(path, data, mtime, s.beforeRename); err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("knownnetworks: %w", err)
	}
	s.dropCorruptLocked(name)
	delete(s.unreadable, name)
	n, err := s.makeNetwork(ssid, sec, path, fi.ModTime(), parsed)
	if err != nil {
		return err // checked above
	}
	s.networks[netKey{ssid, sec}].wipe() // the file this write replaced
	s.networks[netKey{ssid, sec}] = &entry{rel: name, net: n, data: data, mtime: fi.ModTime()}
	s.gen++
	return nil
}

// Save writes f as the network's file (creating the directory 0700 if
// needed): 0600, atomically. An existing file keeps its mtime (the last
// connection time), as iwd's rewrites do; a new file's mtime is now. A
// corrupt existing file is never overwritten. For SecurityHotspot, ssid
// names the profile's file in HotspotDir, and f must be a profile iwd would
// load (see ParseHotspot); so must the result of an Update.
func (s *Store) Save(ssid string, sec Security, f *File) error {
	name, err := relPath(ssid, sec)
	if err != nil {
		return err
	}
	s.networksMu.Lock()
	defer s.networksMu.Unlock()
	_, mtime, _, err := s.diskStateLocked(name)
	if err != nil {
		return err
	}
	g := f.Clone()
	g.name = name
	return s.writeLocked(ssid, sec, name, g, mtime)
}

// Update rewrites a known network's file: it reads the file as it is on
// disk now, lets fn change it, and writes it back (unknown keys, groups,
// comments and their order kept; mtime kept). Nothing is written if fn
// returns an error or changes nothing.
func (s *Store) Update(ssid string, sec Security, fn func(*File) error) error {
	name, err := relPath(ssid, sec)
	if err != nil {
		return err
	}
	s.networksMu.Lock()
	defer s.networksMu.Unlock()
	f, mtime, exists, err := s.diskStateLocked(name)
	if err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("%w: %s", ErrUnknownNetwork, name)
	}
	before := f.Bytes()
	if err := fn(f); err != nil {
		return err
	}
	if bytes.Equal(before, f.Bytes()) {
		return nil
	}
	return s.writeLocked(ssid, sec, name, f, mtime)
}

// SetAutoConnect sets [Settings] AutoConnect and rewrites the file.
func (s *Store) SetAutoConnect(ssid string, sec Security, on bool) error {
	return s.Update(ssid, sec, func(f *File) error {
		return f.SetBool(GroupSettings, KeyAutoConnect, on)
	})
}

// Forget removes a known network's file (a hotspot profile's too, as iwd
// unlinks it) and its known frequencies.
func (s *Store) Forget(ssid string, sec Security) error {
	name, err := relPath(ssid, sec)
	if err != nil {
		return err
	}
	s.networksMu.Lock()
	defer s.networksMu.Unlock()
	key := netKey{ssid, sec}
	e, ok := s.networks[key]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownNetwork, name)
	}
	if err := os.Remove(e.net.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("knownnetworks: %w", err)
	}
	e.wipe()
	delete(s.networks, key)
	s.gen++
	if s.removeFreqLocked(key) {
		if err := s.syncFreqLocked(); err != nil {
			s.log.Warn("knownnetworks: cannot write known frequencies", "err", err)
		}
	}
	return nil
}

// Touch sets the file's mtime to now, recording a successful connection,
// as iwd does.
func (s *Store) Touch(ssid string, sec Security) error {
	s.networksMu.Lock()
	defer s.networksMu.Unlock()
	e, ok := s.networks[netKey{ssid, sec}]
	if !ok {
		name, _ := relPath(ssid, sec)
		return fmt.Errorf("%w: %s", ErrUnknownNetwork, name)
	}
	now := time.Now()
	if err := os.Chtimes(e.net.Path, now, now); err != nil {
		return fmt.Errorf("knownnetworks: %w", err)
	}
	fi, err := os.Stat(e.net.Path)
	if err != nil {
		return fmt.Errorf("knownnetworks: %w", err)
	}
	e.mtime = fi.ModTime()
	e.net.LastConnected = fi.ModTime()
	s.gen++
	return nil
}
