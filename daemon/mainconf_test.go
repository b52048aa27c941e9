package daemon

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoadMainConfMissingIsDefault(t *testing.T) {
	c, errs := LoadMainConf(t.TempDir())
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if c.RoutePriorityOffset != 300 || c.NameResolvingService != "systemd" || c.EnableNetworkConfiguration ||
		c.ManagementFrameProtection != 1 || c.Scan.InitialInterval != 10*time.Second ||
		c.Scan.AfterLossInterval != 3*time.Second || c.Scan.AfterLossWindow != 3*time.Minute ||
		c.PMKSA.Disabled || c.PMKSA.Capacity != 255 || c.PMKSA.Lifetime != 43200*time.Second {
		t.Errorf("defaults %+v", c)
	}
}

func TestLoadMainConfValues(t *testing.T) {
	dir := t.TempDir()
	body := `# comment
[General]
EnableNetworkConfiguration=true
ManagementFrameProtection=2
RoamThreshold=-65
RoamRetryInterval=5
DisablePMKSA=true

[PMKSA]
Capacity=8

[Network]
NameResolvingService=resolvconf
RoutePriorityOffset=200

[Scan]
InitialPeriodicScanInterval=5
MaximumPeriodicScanInterval=60
AfterLossScanInterval=2
AfterLossScanWindow=0

DisableRoamingScan=true

[Rank]
BandModifier5GHz=1.5

[Blacklist]
InitialTimeout=0
`
	os.WriteFile(filepath.Join(dir, "main.conf"), []byte(body), 0o644)
	c, errs := LoadMainConf(dir)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if !c.EnableNetworkConfiguration || c.ManagementFrameProtection != 2 || c.NameResolvingService != "resolvconf" ||
		c.RoutePriorityOffset != 200 || c.Scan.InitialInterval != 5*time.Second || c.Scan.MaximumInterval != time.Minute ||
		c.Scan.AfterLossInterval != 2*time.Second || c.Scan.AfterLossWindow != 0 ||
		c.Rank.BandModifier5GHz != 1.5 || c.Blacklist.InitialTimeout != 0 ||
		c.Roam.Threshold != -65 || c.Roam.Threshold5G != -76 || c.Roam.RetryInterval != 5*time.Second || !c.Roam.DisableScan ||
		!c.PMKSA.Disabled || c.PMKSA.Capacity != 8 {
		t.Errorf("parsed %+v", c)
	}
}

func TestLoadMainConfBadValuesKeepDefaults(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.conf"), []byte("[General]\nManagementFrameProtection=7\nRoamRetryInterval=1099511627776\n[Network]\nNameResolvingService=dnsmasq\nRoutePriorityOffset=-1\n[Scan]\nAfterLossScanInterval=0\nAfterLossScanWindow=soon\n"), 0o644)
	c, errs := LoadMainConf(dir)
	if len(errs) != 6 {
		t.Fatalf("want 6 errors, got %v", errs)
	}
	if !strings.Contains(errs[0].Error(), "line 2") {
		t.Errorf("error must name the line: %v", errs[0])
	}
	if c.Roam.RetryInterval <= 0 {
		t.Errorf("RoamRetryInterval 2^40 s overflowed to %v", c.Roam.RetryInterval)
	}
	if c.ManagementFrameProtection != 1 || c.NameResolvingService != "systemd" || c.RoutePriorityOffset != 300 ||
		c.Scan.AfterLossInterval != 3*time.Second || c.Scan.AfterLossWindow != 3*time.Minute {
		t.Errorf("defaults not kept: %+v", c)
	}
}

// FuzzMainConf: any main.conf loads without a panic, and no duration it
// sets is negative.
func FuzzMainConf(f *testing.F) {
	f.Add([]byte("[General]\nRoamRetryInterval=60\n[Scan]\nInitialPeriodicScanInterval=10\n"))
	f.Add([]byte("[General]\nRoamRetryInterval=4294967295\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.conf"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, _ := LoadMainConf(dir)
		for _, d := range []time.Duration{c.Roam.RetryInterval, c.Scan.InitialInterval, c.Scan.MaximumInterval} {
			if d < 0 {
				t.Fatalf("negative duration %v from %q", d, data)
			}
		}
	})
}

// TestDriverQuirks: every [DriverQuirks] key is read as a list of driver
// patterns, and For names the quirks a driver matches.
func TestDriverQuirks(t *testing.T) {
	dir := t.TempDir()
	body := "[DriverQuirks]\nDefaultInterface=rtl88*, brcmfmac\nForcePae=mac80211_hwsim\nPowerSaveDisable=iwl*\n" +
		"MulticastRxDisable=ath*\nSaeDisable=mac80211_hwsim,mt7*\nOweDisable=brcmfmac\n"
	os.WriteFile(filepath.Join(dir, "main.conf"), []byte(body), 0o644)
	c, errs := LoadMainConf(dir)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	for driver, want := range map[string]string{
		"mac80211_hwsim": "ForcePae SaeDisable",
		"brcmfmac":       "DefaultInterface OweDisable",
		"rtl8812au":      "DefaultInterface",
		"iwlwifi":        "PowerSaveDisable",
		"ath9k":          "MulticastRxDisable",
		"mt7921e":        "SaeDisable",
		"e1000":          "",
		"":               "",
	} {
		var got []string
		for q := range c.Quirks.For(driver) {
			got = append(got, q)
		}
		slices.Sort(got)
		if strings.Join(got, " ") != want {
			t.Errorf("%q: quirks %v, want %s", driver, got, want)
		}
	}
}

// TestLoadMainConfLoadThresholds: [Rank] HighUtilizationThreshold and
// HighStationCountThreshold reach the ranking; as iwd, a value above 255 is
// clamped with a warning and one that is no number keeps 0 (off).
func TestLoadMainConfLoadThresholds(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.conf"), []byte("[Rank]\nHighUtilizationThreshold=200\nHighStationCountThreshold=300\n"), 0o644)
	c, errs := LoadMainConf(dir)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "HighStationCountThreshold") || !strings.Contains(errs[0].Error(), "line 3") {
		t.Errorf("errors %v: want one, about line 3's HighStationCountThreshold", errs)
	}
	if c.Rank.HighUtilizationThreshold != 200 || c.Rank.HighStationCountThreshold != 255 {
		t.Errorf("thresholds %d, %d: want 200, 255", c.Rank.HighUtilizationThreshold, c.Rank.HighStationCountThreshold)
	}
	os.WriteFile(filepath.Join(dir, "main.conf"), []byte("[Rank]\nHighUtilizationThreshold=busy\n"), 0o644)
	c, errs = LoadMainConf(dir)
	if len(errs) != 1 || c.Rank.HighUtilizationThreshold != 0 {
		t.Errorf("a bad value: threshold %d, errors %v; want 0 and one error", c.Rank.HighUtilizationThreshold, errs)
	}
	if d := DefaultMainConf(); d.Rank.HighUtilizationThreshold != 0 || d.Rank.HighStationCountThreshold != 0 {
		t.Errorf("default thresholds %+v: want both off", d.Rank)
	}
}

// TestLoadMainConfBusyTimeout: [Blacklist] InitialAccessPointBusyTimeout
// sets the busy AP's time (60 s by default, iwd 3.9's code); the old name
// InitialRoamRequestedTimeout is warned of and ignored, as iwd 3.9 does.
func TestLoadMainConfBusyTimeout(t *testing.T) {
	if d := DefaultMainConf().Blacklist.InitialBusyTimeout; d != time.Minute {
		t.Errorf("default busy timeout %v, want 1m", d)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.conf"), []byte("[Blacklist]\nInitialAccessPointBusyTimeout=90\n"), 0o644)
	c, errs := LoadMainConf(dir)
	if len(errs) != 0 || c.Blacklist.InitialBusyTimeout != 90*time.Second {
		t.Errorf("busy timeout %v, errors %v: want 1m30s, none", c.Blacklist.InitialBusyTimeout, errs)
	}
	os.WriteFile(filepath.Join(dir, "main.conf"), []byte("[Blacklist]\nInitialRoamRequestedTimeout=5\n"), 0o644)
	c, errs = LoadMainConf(dir)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "deprecated") || c.Blacklist.InitialBusyTimeout != time.Minute {
		t.Errorf("old key: busy timeout %v, errors %v: want 1m and one warning", c.Blacklist.InitialBusyTimeout, errs)
	}
}
