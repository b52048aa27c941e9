package knownnetworks

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FrequencyFileName is iwd's file of the frequencies each known network was
// last seen on, in the storage directory. Its format (iwd's knownnetworks.c):
// one group per network, named by a UUID (v5, namespace
// fd886f1e-df02-d78b-c490-3059738a860d, name "<file path>_<mtime in µs>"
// when first written); key "name" is the network file's path, key "list"
// the frequencies in MHz, most recent first, space separated:
//
//	[c95e8a95-cd8e-5024-acdf-c6e43b85c5df]
//	name=/var/lib/iwd/ssid_open_1.open
//	list= 5180 2412
//
// A network file's entry is matched by the base name of "name" (so entries
// survive a moved storage directory, as in iwd); a hotspot profile's by its
// full path (iwd's match_hotspot_path), written as iwd writes it,
// "<dir>/hotspot//<name>" (sic). A path in any directory named hotspot
// (other than the storage directory itself) is never taken for an ordinary
// network of the same base name, as iwd would.
const FrequencyFileName = ".known_network.freq"

const (
	freqKeyName = "name"
	freqKeyList = "list"
)

var freqUUIDNamespace = [16]byte{
	0xfd, 0x88, 0x6f, 0x1e, 0xdf, 0x02, 0xd7, 0x8b,
	0xc4, 0x90, 0x30, 0x59, 0x73, 0x8a, 0x86, 0x0d,
}

// uuidV5 is RFC 4122 section 4.3 with SHA-1.
func uuidV5(ns [16]byte, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// ValidFrequency reports whether MHz is the centre of a 20 MHz Wi-Fi channel
// in the 2.4, 4.9/5 or 6 GHz bands, as iwd's band_freq_to_channel accepts.
func ValidFrequency(mhz uint32) bool {
	switch {
	case mhz == 2484:
		return true
	case mhz >= 2412 && mhz <= 2472:
		return (mhz-2407)%5 == 0
	case mhz >= 4910 && mhz <= 4980, mhz >= 5000 && mhz <= 5895:
		return mhz%5 == 0
	case mhz == 5935:
		return true
	case mhz >= 5955 && mhz <= 7115:
		return (mhz-5950)%5 == 0
	}
	return false
}

// Channel is the number of the 20 MHz channel centred on mhz, as iwd's
// band_freq_to_channel gives it, or 0 for a frequency ValidFrequency
// refuses (and for 5000 MHz, which iwd numbers none either).
func Channel(mhz uint32) uint16 {
	if !ValidFrequency(mhz) {
		return 0
	}
	switch {
	case mhz == 2484:
		return 14
	case mhz < 2500:
		return uint16((mhz - 2407) / 5)
	case mhz < 5000:
		return uint16((mhz - 4000) / 5)
	case mhz < 5900:
		return uint16((mhz - 5000) / 5)
	case mhz == 5935:
		return 2
	}
	return uint16((mhz - 5950) / 5)
}

func parseFreqList(s string) ([]uint32, error) {
	var out []uint32
	for _, f := range strings.Fields(s) {
		v, err := strconv.ParseUint(f, 10, 32)
		if err != nil || !ValidFrequency(uint32(v)) {
			return nil, fmt.Errorf("invalid frequency %q", f)
		}
		out = append(out, uint32(v))
	}
	if len(out) == 0 {
		return nil, errors.New("empty list")
	}
	return out, nil
}

func formatFreqList(freqs []uint32) string {
	// iwd writes a leading space ("list= 5180 2412") which its parser then
	// drops; wifid writes none.
	parts := make([]string, len(freqs))
	for i, f := range freqs {
		parts[i] = strconv.FormatUint(uint64(f), 10)
	}
	return strings.Join(parts, " ")
}

// loadFreqLocked reads the frequency file, dropping the entries iwd drops on
// load: bad UUID, no name, not a known network, bad or empty list.
func (s *Store) loadFreqLocked() {
	s.freq = NewFile(FrequencyFileName)
	data, _, err := readRegular(filepath.Join(s.dir, FrequencyFileName))
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("knownnetworks: cannot read known frequencies", "err", err)
		}
		return
	}
	f, err := ParseFile(FrequencyFileName, data)
	if err != nil {
		s.log.Warn("knownnetworks: known frequencies file ignored", "err", err)
		return
	}
	s.freq = f
	for _, g := range f.Groups() {
		if why := s.freqEntryProblemLocked(g); why != "" {
			s.log.Debug("knownnetworks: dropping known frequencies entry", "group", g, "why", why)
			f.RemoveGroup(g)
		}
	}
}

func (s *Store) freqEntryProblemLocked(group string) string {
	if !validUUID(group) {
		return "group is not a UUID"
	}
	path, ok, err := s.freq.String(group, freqKeyName)
	if !ok || err != nil {
		return "no name"
	}
	key, ok := s.freqKeyOf(path)
	if !ok {
		return "name is not a network file"
	}
	if _, ok := s.networks[key]; !ok {
		return "not a known network"
	}
	if g, _ := s.freqGroupLocked(key); g != group {
		return "a second entry for the network"
	}
	list, _, err := s.freq.String(group, freqKeyList)
	if err != nil {
		return "bad list"
	}
	if _, err := parseFreqList(list); err != nil {
		return err.Error()
	}
	return ""
}

// freqKeyOf is the network a frequency entry's name (a file path) is for:
// a hotspot profile if the path is in this store's HotspotDir, none if in
// another hotspot directory, else the network whose file name is the
// path's base name.
func (s *Store) freqKeyOf(path string) (netKey, bool) {
	dir, base := filepath.Split(filepath.Clean(path))
	dir = filepath.Clean(dir)
	if hs := filepath.Join(s.dir, HotspotDir); dir == hs || dir == absPath(hs) {
		if checkHotspotName(base) != nil {
			return netKey{}, false
		}
		return netKey{base, SecurityHotspot}, true
	}
	if filepath.Base(dir) == HotspotDir && dir != filepath.Clean(s.dir) && dir != absPath(s.dir) {
		return netKey{}, false
	}
	ssid, sec, err := ParseFileName(base)
	if err != nil {
		return netKey{}, false
	}
	return netKey{ssid, sec}, true
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// freqName is the "name" of a network's entry: its file's path, for a
// hotspot profile in iwd's spelling (iwd compares it as a string).
func (s *Store) freqName(e *entry) string {
	if e.net.Security == SecurityHotspot {
		return filepath.Clean(s.dir) + "/" + HotspotDir + "//" + e.net.SSID
	}
	return e.net.Path
}

// freqGroupLocked returns the first group holding the frequencies of key.
func (s *Store) freqGroupLocked(key netKey) (string, bool) {
	if s.freq == nil {
		return "", false
	}
	for _, g := range s.freq.Groups() {
		if p, ok, err := s.freq.String(g, freqKeyName); ok && err == nil {
			if k, ok := s.freqKeyOf(p); ok && k == key {
				return g, true
			}
		}
	}
	return "", false
}

func (s *Store) removeFreqLocked(key netKey) bool {
	removed := false
	for {
		g, ok := s.freqGroupLocked(key)
		if !ok {
			return removed
		}
		s.freq.RemoveGroup(g)
		removed = true
	}
}

func (s *Store) syncFreqLocked() error {
	return writeFileAtomic(filepath.Join(s.dir, FrequencyFileName), s.freq.Bytes(), time.Time{}, s.beforeRename)
}

// KnownFrequencies returns the frequencies (MHz) a known network was last
// seen on, most recent first; nil if none are recorded.
func (s *Store) KnownFrequencies(ssid string, sec Security) []uint32 {
	if _, err := relPath(ssid, sec); err != nil {
		return nil
	}
	s.networksMu.Lock()
	defer s.networksMu.Unlock()
	return s.freqsLocked(netKey{ssid, sec})
}

func (s *Store) freqsLocked(key netKey) []uint32 {
	g, ok := s.freqGroupLocked(key)
	if !ok {
		return nil
	}
	list, _, err := s.freq.String(g, freqKeyList)
	if err != nil {
		return nil
	}
	out, err := parseFreqList(list)
	if err != nil {
		return nil
	}
	return out
}

// AddKnownFrequency records that a known network was seen on mhz: it moves
// to the front of the network's list, and the frequency file is rewritten
// (0600, atomically).
func (s *Store) AddKnownFrequency(ssid string, sec Security, mhz uint32) error {
	return s.AddKnownFrequencies(ssid, sec, mhz)
}

// AddKnownFrequencies records that a known network was seen on each of
// mhzs (the first the most recent, or best): they move to the front of
// its list in that order, and the frequency file is rewritten once, only
// if the list changed (a scan that saw the network where it was last seen
// writes nothing).
func (s *Store) AddKnownFrequencies(ssid string, sec Security, mhzs ...uint32) error {
	name, err := relPath(ssid, sec)
	if err != nil {
		return err
	}
	for _, mhz := range mhzs {
		if !ValidFrequency(mhz) {
			return fmt.Errorf("knownnetworks: %d MHz is not a Wi-Fi channel", mhz)
		}
	}
	s.networksMu.Lock()
	defer s.networksMu.Unlock()
	key := netKey{ssid, sec}
	e, ok := s.networks[key]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownNetwork, name)
	}
	if s.freq == nil {
		s.freq = NewFile(FrequencyFileName)
	}
	old := s.freqsLocked(key)
	freqs := slices.Clone(old)
	for i := len(mhzs) - 1; i >= 0; i-- {
		mhz := mhzs[i]
		freqs = slices.DeleteFunc(freqs, func(f uint32) bool { return f == mhz })
		freqs = append([]uint32{mhz}, freqs...)
	}
	if slices.Equal(freqs, old) {
		return nil
	}

	g, ok := s.freqGroupLocked(key)
	if !ok {
		g = uuidV5(freqUUIDNamespace, fmt.Sprintf("%s_%d", s.freqName(e), e.mtime.UnixMicro()))
	}
	if err := s.freq.SetString(g, freqKeyName, s.freqName(e)); err != nil {
		return err
	}
	if err := s.freq.SetValue(g, freqKeyList, formatFreqList(freqs)); err != nil {
		return err
	}
	return s.syncFreqLocked()
}

// RecentFrequencies returns, for quick scans, up to perNetwork frequencies
// of each of the maxNetworks most recently connected known networks, without
// duplicates, as iwd's known_networks_get_recent_frequencies does.
func (s *Store) RecentFrequencies(maxNetworks, perNetwork int) []uint32 {
	s.networksMu.Lock()
	defer s.networksMu.Unlock()
	keys := make([]netKey, 0, len(s.networks))
	for k := range s.networks {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return s.networks[keys[i]].mtime.After(s.networks[keys[j]].mtime) })
	var out []uint32
	for i, k := range keys {
		if i >= maxNetworks {
			break
		}
		for j, f := range s.freqsLocked(k) {
			if j >= perNetwork {
				break
			}
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}
