package wired

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"wifid/eapol/eap"
	"wifid/knownnetworks"
	"wifid/knownnetworks/eapconf"
	"wifid/station/eapmethod"
)

// SettingsFile is the one file ead 2.3 reads for every port (wired/
// network.c, network_lookup_security("default")): <state dir>/default.8021x.
const SettingsFile = "default.8021x"

// ErrNoSettings is wrapped when the state directory has no settings file.
var ErrNoSettings = errors.New("no 802.1X settings file")

// LoadSettings reads and checks dir's settings file and returns the EAP
// settings of one conversation (a fresh Method). It is read again for
// each conversation, as ead does, so an edited file applies at the next
// authentication. ead has no agent: a secret the file lacks is an error.
func LoadSettings(dir string, log *slog.Logger) (eap.Config, error) {
	path := filepath.Join(dir, SettingsFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return eap.Config{}, fmt.Errorf("wired: %s: %w", path, ErrNoSettings)
	}
	if err != nil {
		return eap.Config{}, fmt.Errorf("wired: %w", err)
	}
	f, err := knownnetworks.ParseFile(SettingsFile, data)
	if err != nil {
		return eap.Config{}, fmt.Errorf("wired: %w", err)
	}
	c, err := eapconf.ParseWired(f, nil)
	if err != nil {
		return eap.Config{}, fmt.Errorf("wired: %w", err)
	}
	missing, err := c.Missing()
	if err != nil {
		return eap.Config{}, fmt.Errorf("wired: %w", err)
	}
	if len(missing) > 0 {
		return eap.Config{}, fmt.Errorf("wired: %s lacks %s (no agent to ask on a wired port)", SettingsFile, missing[0].Key)
	}
	if len(c.Unused) > 0 {
		log.Warn("wired: keys not used", "file", SettingsFile, "keys", c.Unused)
	}
	cfg, err := eapmethod.Config(c, eapmethod.Options{Logger: log})
	if err != nil {
		return eap.Config{}, fmt.Errorf("wired: %s: %w", SettingsFile, err)
	}
	return cfg, nil
}
