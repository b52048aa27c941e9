package knownnetworks

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// fileMode is the mode of every file wifid writes, as iwd's (0600).
const fileMode = 0o600

// dirMode is the mode of a storage directory wifid creates, as iwd's.
const dirMode = 0o700

// writeFileAtomic replaces path with data so that a crash leaves either the
// old file or the new one: temp file in the same directory (named like iwd's
// "<name>.XXXXXX.tmp", which no loader takes for a network file), write,
// fsync, optional mtime, rename, fsync the directory. If mtime is non-zero it
// is set on the new file (iwd keeps a network file's mtime, its last
// connection time, across rewrites). beforeRename, if set, runs just before
// the rename; tests use it to make a write fail.
func writeFileAtomic(path string, data []byte, mtime time.Time, beforeRename func(tmp string) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("knownnetworks: %w", err)
	}
	tmp, err := os.CreateTemp(dir, base+".*.tmp")
	if err != nil {
		return fmt.Errorf("knownnetworks: %s: %w", base, err)
	}
	tmpPath := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpPath)
		}
	}()
	if err := tmp.Chmod(fileMode); err != nil {
		return fmt.Errorf("knownnetworks: %s: %w", base, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("knownnetworks: %s: writing: %w", base, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("knownnetworks: %s: fsync: %w", base, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("knownnetworks: %s: %w", base, err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(tmpPath, time.Time{}, mtime); err != nil {
			return fmt.Errorf("knownnetworks: %s: %w", base, err)
		}
	}
	if beforeRename != nil {
		if err := beforeRename(tmpPath); err != nil {
			return fmt.Errorf("knownnetworks: %s: %w", base, err)
		}
	}
	if err := os.Rename(tmpPath, path); err != nil {
		return fmt.Errorf("knownnetworks: %s: %w", base, err)
	}
	return syncDir(dir)
}

// isTempName reports whether name is a temporary file of writeFileAtomic
// ("<name>.<digits>.tmp") or of iwd's write_file ("<name>.XXXXXX.tmp"),
// left behind by a crash or seen mid-write; no loader takes it for a
// network file or hotspot profile.
func isTempName(name string) bool {
	rest, ok := strings.CutSuffix(name, ".tmp")
	if !ok {
		return false
	}
	dot := strings.LastIndexByte(rest, '.')
	if dot <= 0 || dot == len(rest)-1 {
		return false
	}
	for _, c := range []byte(rest[dot+1:]) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// staleTempAge is how long ago a temporary file must have last changed to
// be taken for a crash's leftover: a write takes milliseconds, and a
// younger one may be another writer's in progress (wifictl writing a
// network file).
const staleTempAge = time.Minute

// RemoveStaleTemps removes from dir the temporary files a crash left
// behind mid-write (writeFileAtomic's or iwd's, see isTempName, last
// changed staleTempAge or more before now) and returns their names.
// Without it every kill during a write leaves one more file in the state
// directory for good. A missing dir has none.
func RemoveStaleTemps(dir string, now time.Time) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("knownnetworks: %w", err)
	}
	var removed []string
	for _, e := range ents {
		if !e.Type().IsRegular() || !isTempName(e.Name()) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		// The change time, not the modification time: writeFileAtomic
		// gives the temporary file the network file's (old) mtime
		// before the rename.
		changed := fi.ModTime()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			changed = time.Unix(st.Ctim.Unix())
		}
		if now.Sub(changed) < staleTempAge {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
			removed = append(removed, e.Name())
		}
	}
	return removed, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("knownnetworks: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("knownnetworks: fsync %s: %w", dir, err)
	}
	return nil
}

// WriteFile replaces path with data as the network files are written:
// mode 0600, atomically (a crash leaves the old file or the new one,
// fsynced with its directory). The daemon stores DHCP leases with it.
func WriteFile(path string, data []byte) error {
	return writeFileAtomic(path, data, time.Time{}, nil)
}
