package wired

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"wifid/eapol/eap"
	"wifid/eapol/eap/peap"
	"wifid/eapol/eap/tls"
	"wifid/eapol/eap/ttls"
	"wifid/knownnetworks"
	"wifid/knownnetworks/eapconf"
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
	m, err := methodFor(c, log)
	if err != nil {
		return eap.Config{}, fmt.Errorf("wired: %s: %w", SettingsFile, err)
	}
	return eap.Config{Identity: c.Identity, Method: m, Logger: log}, nil
}

// methodFor makes the Method c names, with the credentials the file gave.
func methodFor(c *eapconf.Config, log *slog.Logger) (eap.Method, error) {
	cred := eap.Credentials{User: c.Identity, Password: string(c.Password), HavePassword: true}
	switch c.Method {
	case eapconf.MethodMD5:
		return eap.NewMD5(cred), nil
	case eapconf.MethodGTC:
		return eap.NewGTC(cred), nil
	case eapconf.MethodMSCHAPV2:
		mc := eap.MSCHAPv2Config{Credentials: cred}
		if c.PasswordHash != nil {
			mc.PasswordHash = c.PasswordHash[:]
		}
		return eap.NewMSCHAPv2(mc)
	case eapconf.MethodPWD:
		return eap.NewPWD(eap.PWDConfig{Credentials: cred}), nil
	case eapconf.MethodTLS:
		tc, err := tlsConfig(c.TLS, log)
		if err != nil {
			return nil, err
		}
		return tls.New(tc)
	case eapconf.MethodPEAP:
		tc, err := tlsConfig(c.TLS, log)
		if err != nil {
			return nil, err
		}
		inner, err := methodFor(c.Phase2, log)
		if err != nil {
			return nil, err
		}
		return peap.New(peap.Config{TLS: tc, Identity: c.Phase2.Identity, Inner: inner, Logger: log})
	case eapconf.MethodTTLS:
		tc, err := tlsConfig(c.TLS, log)
		if err != nil {
			return nil, err
		}
		p2 := c.Phase2
		cfg := ttls.Config{TLS: tc, Logger: log,
			Credentials: eap.Credentials{User: p2.Identity, Password: string(p2.Password), HavePassword: true}}
		switch p2.Method {
		case eapconf.TunneledPAP:
			cfg.Phase2 = ttls.PAP
		case eapconf.TunneledCHAP:
			cfg.Phase2 = ttls.CHAP
		case eapconf.TunneledMSCHAP:
			cfg.Phase2 = ttls.MSCHAP
		case eapconf.TunneledMSCHAPv2:
			cfg.Phase2 = ttls.MSCHAPv2
		default:
			inner, err := methodFor(p2, log)
			if err != nil {
				return nil, err
			}
			cfg.Phase2, cfg.EAP, cfg.Identity = ttls.InnerEAP, inner, p2.Identity
		}
		return ttls.New(cfg)
	}
	return nil, fmt.Errorf("EAP-Method %s is not supported on wired ports", c.Method)
}

// tlsConfig loads the certificates of a TLS-based method.
func tlsConfig(s *eapconf.TLSSettings, log *slog.Logger) (tls.Config, error) {
	mat, err := s.Load()
	if err != nil {
		return tls.Config{}, err
	}
	tc := tls.Config{RootCAs: mat.RootCAs, Logger: log}
	if len(mat.ServerDomainMask) > 0 && mat.RootCAs != nil {
		masks := mat.ServerDomainMask
		tc.VerifyServer = func(chain []*x509.Certificate) error {
			return eapconf.MatchDomainMask(chain[0], masks)
		}
	}
	if len(mat.Certificates) > 0 {
		tc.Certificate = &mat.Certificates[0]
	}
	return tc, nil
}
