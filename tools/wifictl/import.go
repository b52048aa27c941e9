package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"wifid/knownnetworks"
	"wifid/knownnetworks/eapconf"
)

const importUsage = `usage: wifictl import eap-config FILE [options]
Reads an eduroam CAT / geteduroam profile (*.eap-config) and writes a .8021x
network file (0600, atomically) for each SSID it names and a Hotspot 2.0
profile (hotspot/<realm>-<OI>.conf) for each roaming consortium OI, with the
CA certificates and any client certificate embedded. Asks on the terminal for a
user name, password or certificate passphrase the profile lacks; a password
left out is asked by the agent at each connect, not stored.
  --ssid S          only this SSID (and no Hotspot 2.0 profile)
  --username U      the user name (PEAP/TTLS), e.g. alice@example.org
  --password P      store the password (an argument shows in ps: prefer the prompt)
  --passphrase P    opens the client certificate (not stored)
  --dir DIR         the network directory ($STATE_DIRECTORY, else /var/lib/iwd)
  --force           replace existing files
  --json            print the result as JSON
  --dont-ask        ask nothing`

// importResult is what --json prints.
type importResult struct {
	Provider     string    `json:"provider"`
	Method       string    `json:"method"`
	Phase2       string    `json:"phase2,omitempty"`
	Networks     []string  `json:"networks"`
	Paths        []string  `json:"paths"`
	AskAtConnect []askJSON `json:"askAtConnect"`
	Warnings     []string  `json:"warnings"`
	// Consortiums are the roaming consortium OIs written as Hotspot 2.0
	// profiles (one each, in hotspot/).
	Consortiums []string `json:"consortiums,omitempty"`
}

// importEAPConfig is "import eap-config FILE [options]"; like
// known-networks add it needs no daemon.
func importEAPConfig(global options, args []string, ask asker, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("import eap-config: name the file first\n%s", importUsage)
	}
	path := args[0]
	fs := flag.NewFlagSet("import eap-config", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var ssid, user, dir string
	var password, passphrase *string
	force, asJSON, dontAsk := false, global.json, global.dontAsk
	fs.StringVar(&ssid, "ssid", "", "")
	fs.StringVar(&user, "username", "", "")
	fs.Var(stringFlag{&password}, "password", "")
	fs.Var(stringFlag{&passphrase}, "passphrase", "")
	fs.StringVar(&dir, "dir", "", "")
	fs.BoolVar(&force, "force", false, "")
	fs.BoolVar(&asJSON, "json", asJSON, "")
	fs.BoolVar(&dontAsk, "dont-ask", dontAsk, "")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("import eap-config: %v\n%s", err, importUsage)
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("import eap-config: unexpected %q\n%s", fs.Arg(0), importUsage)
	}
	if dir == "" {
		dir = knownnetworks.StateDir(getenv("STATE_DIRECTORY"))
	}
	if dontAsk {
		ask = nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("import eap-config: %w", err)
	}
	provs, err := eapconf.ParseEAPMetadata(data)
	if err != nil {
		return fmt.Errorf("import eap-config: %s: %w", path, err)
	}
	var results []importResult
	for _, p := range provs {
		var ssids []string
		for _, s := range p.SSIDs {
			if ssid == "" || s == ssid {
				ssids = append(ssids, s)
			}
		}
		// Passpoint: the consortium OIs become Hotspot 2.0 profiles,
		// unless one SSID was asked for.
		var ois []string
		if ssid == "" {
			ois = p.ConsortiumOIDs
		}
		if len(ssids) == 0 && len(ois) == 0 {
			continue
		}
		opts := eapconf.ImportOptions{UserName: user}
		if password != nil {
			opts.Password = knownnetworks.Secret(*password)
		}
		if passphrase != nil {
			opts.Passphrase = knownnetworks.Secret(*passphrase)
		}
		res, err := importProvider(p, ssids, ois, opts, ask, dir, force)
		if err != nil {
			return fmt.Errorf("import eap-config: %w", err)
		}
		results = append(results, res)
	}
	if len(results) == 0 {
		if ssid != "" {
			return fmt.Errorf("import eap-config: %s names no SSID %q", path, ssid)
		}
		return fmt.Errorf("import eap-config: %s names no SSID and no consortium OI", path)
	}
	if asJSON {
		s := &session{out: stdout}
		if len(results) == 1 {
			return s.emit(results[0])
		}
		return s.emit(results)
	}
	for _, r := range results {
		for _, w := range r.Warnings {
			fmt.Fprintln(stderr, "wifictl: warning:", w)
		}
		method := r.Method
		if r.Phase2 != "" {
			method += "/" + r.Phase2
		}
		for _, p := range r.Paths {
			fmt.Fprintf(stdout, "Added %s (%s, %s): %s\n", filepath.Base(p), r.Provider, method, p)
		}
		for _, a := range r.AskAtConnect {
			fmt.Fprintf(stdout, "At each connect the agent is asked for %s (%s).\n", a.Key, a.AgentMethod)
		}
	}
	return nil
}

// importProvider builds one provider's network file, asking for what it
// lacks, and writes it for each SSID.
func importProvider(p eapconf.Provider, ssids, ois []string, opts eapconf.ImportOptions, ask asker, dir string, force bool) (importResult, error) {
	res := importResult{Provider: p.ID, Networks: ssids, AskAtConnect: []askJSON{}, Warnings: []string{}, Paths: []string{}}
	var paths []string
	for _, s := range ssids {
		name, err := knownnetworks.FileName(s, knownnetworks.Security8021X)
		if err != nil {
			return res, err
		}
		paths = append(paths, filepath.Join(dir, name))
	}
	profiles, warns := hotspotProfiles(p.ID, ois)
	res.Warnings = append(res.Warnings, warns...)
	for _, h := range profiles {
		paths = append(paths, filepath.Join(dir, knownnetworks.HotspotDir, h.file))
	}
	if len(ssids) == 0 && len(profiles) == 0 {
		return res, fmt.Errorf("%s: no SSID and no usable consortium OI", p.ID)
	}
	for _, path := range paths {
		if _, err := os.Lstat(path); err == nil && !force {
			return res, fmt.Errorf("%s exists (--force replaces it)", path)
		}
	}
	label := p.DisplayName
	if label == "" {
		label = p.ID
	}
	for tries := 0; ; tries++ {
		fileName := p.ID + ".conf" // for messages only
		if len(ssids) > 0 {
			fileName = ssids[0] + ".8021x"
		}
		f, m, err := p.NetworkFile(fileName, opts)
		switch {
		case errors.Is(err, eapconf.ErrNeedPassphrase) && ask != nil && tries < 3:
			v, aerr := ask("Passphrase of the client certificate from "+label, true)
			if aerr != nil {
				return res, aerr
			}
			opts.Passphrase = knownnetworks.Secret(v)
			continue
		case err != nil:
			return res, err
		}
		cfg, err := eapconf.Parse(f, nil)
		if err != nil {
			return res, err
		}
		missing, err := cfg.Missing()
		if err != nil {
			return res, err
		}
		if ask != nil && tries < 3 && opts.UserName == "" && len(missing) > 0 && missing[0].Kind == eapconf.UserNameAndPassword {
			hint := ""
			if m.InnerIdentitySuffix != "" {
				hint = " (ending in " + m.InnerIdentitySuffix + ")"
			}
			v, aerr := ask("User name at "+label+hint, false)
			if aerr != nil {
				return res, aerr
			}
			opts.UserName = strings.TrimSpace(v)
			if opts.Password == "" {
				pw, aerr := ask("Password (empty: the agent asks at each connect)", true)
				if aerr != nil {
					return res, aerr
				}
				opts.Password = knownnetworks.Secret(pw)
			}
			continue
		}
		res.Method = string(cfg.Method)
		if cfg.Phase2 != nil {
			res.Phase2 = string(cfg.Phase2.Method)
		}
		for _, r := range missing {
			res.AskAtConnect = append(res.AskAtConnect, askJSON{AgentMethod: r.Kind.AgentMethod(), Key: r.Key})
		}
		res.Warnings = append(res.Warnings, cfg.Warnings()...)
		store := knownnetworks.NewStore(dir, nil)
		for _, s := range ssids {
			if err := store.Save(s, knownnetworks.Security8021X, f); err != nil {
				return res, err
			}
			name, _ := knownnetworks.FileName(s, knownnetworks.Security8021X)
			res.Paths = append(res.Paths, filepath.Join(dir, name))
		}
		for _, h := range profiles {
			hf := f.Clone()
			if err := hf.SetString(knownnetworks.GroupHotspot, knownnetworks.KeyHotspotName, label); err != nil {
				return res, err
			}
			if err := hf.SetString(knownnetworks.GroupHotspot, knownnetworks.KeyRoamingConsortium, h.oi); err != nil {
				return res, err
			}
			if err := os.MkdirAll(filepath.Join(dir, knownnetworks.HotspotDir), 0o700); err != nil {
				return res, err
			}
			if err := store.Save(h.file, knownnetworks.SecurityHotspot, hf); err != nil {
				return res, err
			}
			res.Paths = append(res.Paths, filepath.Join(dir, knownnetworks.HotspotDir, h.file))
			res.Consortiums = append(res.Consortiums, h.oi)
		}
		return res, nil
	}
}

// hotspotProfile is a Hotspot 2.0 profile to write for one consortium OI.
type hotspotProfile struct{ file, oi string }

// hotspotProfiles names one profile per usable consortium OI of provider
// id: "<id>-<oi>.conf" in hotspot/ (a profile names one OI, as iwd reads
// them; iwd takes only 3- and 5-octet OIs, the others are warned of).
func hotspotProfiles(id string, ois []string) ([]hotspotProfile, []string) {
	var out []hotspotProfile
	var warns []string
	base := strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '-' || r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, id)
	for _, oi := range ois {
		oi = strings.ToLower(strings.TrimSpace(oi))
		b, err := hex.DecodeString(oi)
		if err != nil || (len(b) != 3 && len(b) != 5) {
			warns = append(warns, fmt.Sprintf("consortium OI %q skipped: Hotspot 2.0 profiles take 3 or 5 octets in hex", oi))
			continue
		}
		out = append(out, hotspotProfile{file: base + "-" + oi + ".conf", oi: oi})
	}
	return out, warns
}
