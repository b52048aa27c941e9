package daemon

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"wifid/knownnetworks"
	"wifid/station"
)

// MainConf is main.conf, iwd's keys (main.conf.example documents each).
type MainConf struct {
	EnableNetworkConfiguration bool
	UseDefaultInterface        bool
	ManagementFrameProtection  int
	ControlPortOverNL80211     bool
	EnableIPv6                 bool
	NameResolvingService       string // systemd, resolvconf, none
	RoutePriorityOffset        uint32
	Scan                       station.ScanConfig
	Rank                       station.RankConfig
	Blacklist                  station.BlacklistConfig
	Roam                       station.RoamConfig
	PMKSA                      station.PMKSAConfig // [General] DisablePMKSA, [PMKSA] Capacity
	DisableANQP                bool                // [General] DisableANQP: iwd's default is true
	Quirks                     DriverQuirks        // [DriverQuirks]
}

// DriverQuirks are main.conf's [DriverQuirks]: per quirk, the driver
// names (shell patterns, as iwd matches them with fnmatch) it applies to.
type DriverQuirks struct {
	DefaultInterface   []string // keep the kernel's interface
	ForcePae           []string // EAPOL over a packet socket, not the control port
	PowerSaveDisable   []string // turn 802.11 power save off
	MulticastRxDisable []string // no multicast frame registrations (only DPP uses them)
	SaeDisable         []string // never SAE
	OweDisable         []string // never OWE
}

// quirkKeys are the [DriverQuirks] keys and their lists.
func (q *DriverQuirks) keys() map[string]*[]string {
	return map[string]*[]string{"DefaultInterface": &q.DefaultInterface, "ForcePae": &q.ForcePae,
		"PowerSaveDisable": &q.PowerSaveDisable, "MulticastRxDisable": &q.MulticastRxDisable,
		"SaeDisable": &q.SaeDisable, "OweDisable": &q.OweDisable}
}

// For lists the quirks whose patterns match driver, by their keys' names.
func (q *DriverQuirks) For(driver string) map[string]bool {
	on := map[string]bool{}
	for name, list := range q.keys() {
		for _, g := range *list {
			if ok, _ := path.Match(g, driver); ok && driver != "" {
				on[name] = true
			}
		}
	}
	return on
}

// DefaultMainConf is what iwd uses with no main.conf.
func DefaultMainConf() MainConf {
	return MainConf{
		ManagementFrameProtection: 1,
		ControlPortOverNL80211:    true,
		EnableIPv6:                true,
		NameResolvingService:      "systemd",
		RoutePriorityOffset:       300,
		Scan:                      station.DefaultScanConfig(),
		Rank:                      station.DefaultRankConfig(),
		Blacklist:                 station.DefaultBlacklistConfig(),
		Roam:                      station.DefaultRoamConfig(),
		PMKSA:                     station.DefaultPMKSAConfig(),
		DisableANQP:               true,
	}
}

// LoadMainConf reads dir/main.conf. A missing file gives the defaults; a
// bad value is reported and the default kept, as iwd does.
func LoadMainConf(dir string) (MainConf, []error) {
	c := DefaultMainConf()
	path := filepath.Join(dir, "main.conf")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, []error{fmt.Errorf("main.conf: %w", err)}
	}
	f, err := knownnetworks.ParseFile("main.conf", data)
	if err != nil {
		return c, []error{err}
	}
	return parseMainConf(f, c)
}

func parseMainConf(f *knownnetworks.File, c MainConf) (MainConf, []error) {
	var errs []error
	bad := func(group, key, val, want string) {
		errs = append(errs, fmt.Errorf("main.conf line %d: [%s] %s=%q: want %s; using the default",
			f.Line(group, key), group, key, val, want))
	}
	boolean := func(group, key string, dst *bool) {
		v, ok, err := f.Bool(group, key)
		if err != nil {
			s, _ := f.Value(group, key)
			bad(group, key, s, "true or false")
		} else if ok {
			*dst = v
		}
	}
	integer := func(group, key string, lo, hi int64, set func(int64)) {
		s, ok := f.Value(group, key)
		if !ok {
			return
		}
		v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || v < lo || v > hi {
			bad(group, key, s, fmt.Sprintf("an integer from %d to %d", lo, hi))
			return
		}
		set(v)
	}
	float := func(group, key string, dst *float64) {
		s, ok := f.Value(group, key)
		if !ok {
			return
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || v < 0 {
			bad(group, key, s, "a number >= 0")
			return
		}
		*dst = v
	}
	seconds := func(group, key string, dst *time.Duration) {
		// Up to 2^32-1 s (136 years): a time.Duration holds 292 years,
		// so no value overflows into a negative interval.
		integer(group, key, 0, 1<<32-1, func(v int64) { *dst = time.Duration(v) * time.Second })
	}
	boolean("General", "EnableNetworkConfiguration", &c.EnableNetworkConfiguration)
	boolean("General", "UseDefaultInterface", &c.UseDefaultInterface)
	boolean("General", "ControlPortOverNL80211", &c.ControlPortOverNL80211)
	integer("General", "ManagementFrameProtection", 0, 2, func(v int64) { c.ManagementFrameProtection = int(v) })
	integer("General", "RoamThreshold", -100, 1, func(v int64) { c.Roam.Threshold = int(v) })
	integer("General", "RoamThreshold5G", -100, 1, func(v int64) { c.Roam.Threshold5G = int(v) })
	integer("General", "CriticalRoamThreshold", -100, -1, func(v int64) { c.Roam.CriticalThreshold = int(v) })
	integer("General", "CriticalRoamThreshold5G", -100, -1, func(v int64) { c.Roam.CriticalThreshold5G = int(v) })
	seconds("General", "RoamRetryInterval", &c.Roam.RetryInterval)
	boolean("Scan", "DisableRoamingScan", &c.Roam.DisableScan)
	boolean("General", "DisablePMKSA", &c.PMKSA.Disabled)
	boolean("General", "DisableANQP", &c.DisableANQP)
	integer("PMKSA", "Capacity", 1, 1<<16, func(v int64) { c.PMKSA.Capacity = int(v) })
	boolean("Network", "EnableIPv6", &c.EnableIPv6)
	if s, ok := f.Value("Network", "NameResolvingService"); ok {
		switch s = strings.TrimSpace(s); s {
		case "systemd", "resolvconf", "none":
			c.NameResolvingService = s
		default:
			bad("Network", "NameResolvingService", s, "systemd, resolvconf or none")
		}
	}
	integer("Network", "RoutePriorityOffset", 0, 1<<32-1, func(v int64) { c.RoutePriorityOffset = uint32(v) })
	boolean("Scan", "DisablePeriodicScan", &c.Scan.DisablePeriodicScan)
	seconds("Scan", "InitialPeriodicScanInterval", &c.Scan.InitialInterval)
	seconds("Scan", "MaximumPeriodicScanInterval", &c.Scan.MaximumInterval)
	integer("Scan", "AfterLossScanInterval", 1, 3600, func(v int64) { c.Scan.AfterLossInterval = time.Duration(v) * time.Second })
	seconds("Scan", "AfterLossScanWindow", &c.Scan.AfterLossWindow)
	float("Rank", "BandModifier2_4GHz", &c.Rank.BandModifier2_4GHz)
	float("Rank", "BandModifier5GHz", &c.Rank.BandModifier5GHz)
	float("Rank", "BandModifier6GHz", &c.Rank.BandModifier6GHz)
	// iwd reads the load thresholds as unsigned and clamps them to 255
	// with a warning.
	loadThreshold := func(key string, dst *uint8) {
		integer("Rank", key, 0, 1<<32-1, func(v int64) {
			if v > 255 {
				errs = append(errs, fmt.Errorf("main.conf line %d: [Rank] %s=%d: the most is 255; using 255",
					f.Line("Rank", key), key, v))
				v = 255
			}
			*dst = uint8(v)
		})
	}
	loadThreshold("HighUtilizationThreshold", &c.Rank.HighUtilizationThreshold)
	loadThreshold("HighStationCountThreshold", &c.Rank.HighStationCountThreshold)
	seconds("Blacklist", "InitialTimeout", &c.Blacklist.InitialTimeout)
	// iwd 3.9 warns of InitialRoamRequestedTimeout, the old name, and
	// then reads InitialAccessPointBusyTimeout over it (its default when
	// absent): the old key's value is never used.
	if s, ok := f.Value("Blacklist", "InitialRoamRequestedTimeout"); ok {
		errs = append(errs, fmt.Errorf("main.conf line %d: [Blacklist] InitialRoamRequestedTimeout=%q is deprecated and ignored, as in iwd; use InitialAccessPointBusyTimeout",
			f.Line("Blacklist", "InitialRoamRequestedTimeout"), s))
	}
	seconds("Blacklist", "InitialAccessPointBusyTimeout", &c.Blacklist.InitialBusyTimeout)
	integer("Blacklist", "Multiplier", 1, 1<<31, func(v int64) { c.Blacklist.Multiplier = int(v) })
	seconds("Blacklist", "MaximumTimeout", &c.Blacklist.MaximumTimeout)
	for key, list := range c.Quirks.keys() {
		if s, ok := f.Value("DriverQuirks", key); ok {
			for _, d := range strings.Split(s, ",") {
				if d = strings.TrimSpace(d); d != "" {
					*list = append(*list, d)
				}
			}
		}
	}
	return c, errs
}
