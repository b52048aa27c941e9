// Package eapmethod makes the eapol/eap Method a network file's EAP
// settings name: an eapconf.Config (the file's EAP-* keys, secrets the
// agent gave filled in) in, a fresh eap.Method out, for one conversation.
// Wi-Fi stations and wired ports both use it, so a method name means the
// same on both.
//
// It sits apart from eapconf, which holds only standard library types and
// imports nothing of eapol, and apart from eapol/eap, which reads no files.
// It asks nobody for secrets: the caller asks the agent before the
// conversation (eapconf.Config.Missing) and parses again with the answers,
// as iwd does; a secret still missing is then an error of the method.
package eapmethod

import (
	"errors"
	"fmt"
	"log/slog"

	"wifid/eapol/eap"
	"wifid/eapol/eap/peap"
	"wifid/eapol/eap/tls"
	"wifid/eapol/eap/ttls"
	"wifid/knownnetworks/eapconf"
)

// Options are what a caller adds to the file's settings.
type Options struct {
	// Logger gets the methods' events (never a secret); with the
	// interface as an attribute. nil means slog.Default().
	Logger *slog.Logger
}

// Config returns the Peer's settings for c: its outer identity and a fresh
// method. The TLS methods' certificate files are read here (a file that
// changed applies to the next conversation).
func Config(c *eapconf.Config, o Options) (eap.Config, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	m, err := New(c, o)
	if err != nil {
		return eap.Config{}, err
	}
	return eap.Config{Identity: c.Identity, Method: m, Logger: o.Logger}, nil
}

// New makes the method c names, with the credentials c holds.
func New(c *eapconf.Config, o Options) (eap.Method, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	cred := credentials(c)
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
	case eapconf.MethodTLS, eapconf.MethodWFATLS:
		tc, err := tlsConfig(c.TLS, o.Logger)
		if err != nil {
			return nil, err
		}
		return tls.New(tc)
	case eapconf.MethodPEAP:
		tc, err := tlsConfig(c.TLS, o.Logger)
		if err != nil {
			return nil, err
		}
		if c.Phase2 == nil {
			return nil, fmt.Errorf("PEAP: %w", eapconf.ErrNoMethod)
		}
		inner, err := New(c.Phase2, o)
		if err != nil {
			return nil, fmt.Errorf("PEAP phase 2: %w", err)
		}
		return peap.New(peap.Config{TLS: tc, Identity: c.Phase2.Identity, Inner: inner, Logger: o.Logger})
	case eapconf.MethodTTLS:
		tc, err := tlsConfig(c.TLS, o.Logger)
		if err != nil {
			return nil, err
		}
		if c.Phase2 == nil {
			return nil, fmt.Errorf("TTLS: %w", eapconf.ErrNoMethod)
		}
		tt := ttls.Config{TLS: tc, Logger: o.Logger}
		switch c.Phase2.Method {
		case eapconf.TunneledPAP:
			tt.Phase2 = ttls.PAP
		case eapconf.TunneledCHAP:
			tt.Phase2 = ttls.CHAP
		case eapconf.TunneledMSCHAP:
			tt.Phase2 = ttls.MSCHAP
		case eapconf.TunneledMSCHAPv2:
			tt.Phase2 = ttls.MSCHAPv2
		default:
			inner, err := New(c.Phase2, o)
			if err != nil {
				return nil, fmt.Errorf("TTLS phase 2: %w", err)
			}
			tt.Phase2, tt.EAP, tt.Identity = ttls.InnerEAP, inner, c.Phase2.Identity
		}
		if tt.Phase2 != ttls.InnerEAP {
			tt.Credentials = credentials(c.Phase2)
		}
		return ttls.New(tt)
	}
	return nil, fmt.Errorf("EAP-Method %s: %w", c.Method, eapconf.ErrUnsupportedMethod)
}

// credentials are a password method's user and password as c gives them.
func credentials(c *eapconf.Config) eap.Credentials {
	// Asked for before the conversation: what is here is all there is.
	return eap.Credentials{User: c.Identity, Password: string(c.Password), HavePassword: true}
}

// tlsConfig loads the certificates of a TLS-based method.
func tlsConfig(s *eapconf.TLSSettings, log *slog.Logger) (tls.Config, error) {
	if s == nil {
		return tls.Config{}, errors.New("no TLS settings")
	}
	mat, err := s.Load()
	if err != nil {
		return tls.Config{}, err
	}
	tc := tls.Config{RootCAs: mat.RootCAs, Logger: log, Certificate: mat.ClientCertificate()}
	if mat.RootCAs != nil {
		tc.VerifyServer = mat.ServerCheck()
	}
	return tc, nil
}
