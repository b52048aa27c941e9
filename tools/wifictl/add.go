package main

import (
	"encoding/pem"
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

// addOptions are "known-networks add"'s flags: one per .8021x key a user
// sets up.
type addOptions struct {
	method, phase2                string
	identity, username            string
	password, passwordHash        *string
	caCert, domainMask            string
	clientCert, clientKey, bundle string
	keyPass                       *string
	hidden, noAutoConnect, force  bool
	dir                           string
	noFastReauth, embed           bool
	json, dontAsk                 bool
}

const addUsage = `usage: wifictl known-networks add SSID [options]
Writes SSID.8021x (0600, atomically) in the network directory, after loading
the certificate files it names. Asks on the terminal for what is missing;
a password left out is asked by the agent at each connect, not stored.
  --method M             EAP method: PEAP, TTLS, TLS, PWD, MSCHAPV2
  --phase2 M             PEAP/TTLS inner method: MSCHAPV2 (default), GTC, MD5;
                         TTLS also Tunneled-PAP, -CHAP, -MSCHAP, -MSCHAPv2
  --identity ID          the outer identity (PEAP/TTLS: sent in the clear,
                         e.g. anonymous@example.org)
  --username U           the user name (PEAP/TTLS inner identity; for PWD and
                         MSCHAPV2 the identity)
  --password P           store the password (else the agent asks; an
                         argument shows in ps: prefer the prompt)
  --password-hash HEX    MSCHAPV2: the NT hash instead of the password
  --ca-cert FILE         the CA certificates (PEM) that sign the server's
  --domain-mask M        the server names allowed (';'-separated, '*' a label)
  --client-cert FILE     TLS: the client certificate (chain)
  --client-key FILE      TLS: its private key
  --client-key-bundle F  TLS: certificate and key in one file (PKCS#12)
  --key-passphrase P     store the key's passphrase (else the agent asks)
  --no-fast-reauth       no TLS session resumption
  --embed                copy the PEM certificates and key into the file
                         ([@pem@...] groups) instead of naming their paths
  --hidden               the network does not broadcast its name
  --no-autoconnect       join only when asked
  --dir DIR              the network directory ($STATE_DIRECTORY, else /var/lib/iwd)
  --force                replace an existing SSID.8021x
  --json                 print the result as JSON
  --dont-ask             ask nothing; fail if something required is missing`

// addResult is what --json prints.
type addResult struct {
	Name         string    `json:"name"`
	Type         string    `json:"type"`
	Path         string    `json:"path"`
	Method       string    `json:"method"`
	Phase2       string    `json:"phase2,omitempty"`
	AskAtConnect []askJSON `json:"askAtConnect"`
	Warnings     []string  `json:"warnings"`
}

type askJSON struct {
	AgentMethod string `json:"agentMethod"`
	Key         string `json:"key"`
}

// stringFlag is a string flag that knows whether it was given.
type stringFlag struct{ p **string }

func (f stringFlag) String() string {
	if f.p == nil || *f.p == nil {
		return ""
	}
	return "<redacted>"
}
func (f stringFlag) Set(v string) error { *f.p = &v; return nil }

// addKnown is "known-networks add SSID [options]". It needs no daemon: it
// writes the file that wifid and iwd pick up from the directory. ask (nil:
// no terminal) prompts for what the flags leave out.
func addKnown(global options, args []string, ask asker, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("known-networks add: name an SSID first\n%s", addUsage)
	}
	ssid := args[0]
	o := addOptions{json: global.json, dontAsk: global.dontAsk}
	fs := flag.NewFlagSet("known-networks add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.method, "method", "", "")
	fs.StringVar(&o.phase2, "phase2", "", "")
	fs.StringVar(&o.identity, "identity", "", "")
	fs.StringVar(&o.username, "username", "", "")
	fs.Var(stringFlag{&o.password}, "password", "")
	fs.Var(stringFlag{&o.passwordHash}, "password-hash", "")
	fs.StringVar(&o.caCert, "ca-cert", "", "")
	fs.StringVar(&o.domainMask, "domain-mask", "", "")
	fs.StringVar(&o.clientCert, "client-cert", "", "")
	fs.StringVar(&o.clientKey, "client-key", "", "")
	fs.StringVar(&o.bundle, "client-key-bundle", "", "")
	fs.Var(stringFlag{&o.keyPass}, "key-passphrase", "")
	fs.BoolVar(&o.noFastReauth, "no-fast-reauth", false, "")
	fs.BoolVar(&o.embed, "embed", false, "")
	fs.BoolVar(&o.hidden, "hidden", false, "")
	fs.BoolVar(&o.noAutoConnect, "no-autoconnect", false, "")
	fs.StringVar(&o.dir, "dir", "", "")
	fs.BoolVar(&o.force, "force", false, "")
	fs.BoolVar(&o.json, "json", o.json, "")
	fs.BoolVar(&o.dontAsk, "dont-ask", o.dontAsk, "")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("known-networks add: %v\n%s", err, addUsage)
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("known-networks add: unexpected %q\n%s", fs.Arg(0), addUsage)
	}
	if o.dir == "" {
		o.dir = knownnetworks.StateDir(getenv("STATE_DIRECTORY"))
	}
	if o.dontAsk {
		ask = nil
	}
	name, err := knownnetworks.FileName(ssid, knownnetworks.Security8021X)
	if err != nil {
		return fmt.Errorf("known-networks add: %w", err)
	}
	path := filepath.Join(o.dir, name)
	if _, err := os.Lstat(path); err == nil && !o.force {
		return fmt.Errorf("known-networks add: %s exists (--force replaces it)", path)
	}
	if err := o.complete(ask); err != nil {
		return fmt.Errorf("known-networks add: %w", err)
	}

	f, err := o.file(name)
	if err != nil {
		return fmt.Errorf("known-networks add: %w", err)
	}
	cfg, err := eapconf.Parse(f, nil)
	if err != nil {
		return fmt.Errorf("known-networks add: %w", err)
	}
	missing, err := cfg.Missing()
	if err != nil {
		return fmt.Errorf("known-networks add: %w", err)
	}
	res := addResult{Name: ssid, Type: "8021x", Path: path, Method: string(cfg.Method), Warnings: []string{}, AskAtConnect: []askJSON{}}
	if cfg.Phase2 != nil {
		res.Phase2 = string(cfg.Phase2.Method)
	}
	// Missing has loaded every certificate and key file (and checked a
	// given passphrase); what it cannot check is an encrypted key whose
	// passphrase the agent will give.
	res.Warnings = append(res.Warnings, cfg.Warnings()...)
	for _, m := range missing {
		res.AskAtConnect = append(res.AskAtConnect, askJSON{AgentMethod: m.Kind.AgentMethod(), Key: m.Key})
	}
	store := knownnetworks.NewStore(o.dir, nil)
	if err := store.Save(ssid, knownnetworks.Security8021X, f); err != nil {
		return fmt.Errorf("known-networks add: %w", err)
	}
	if o.json {
		s := &session{out: stdout}
		return s.emit(res)
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "wifictl: warning:", w)
	}
	fmt.Fprintf(stdout, "Added %s (%s", ssid, res.Method)
	if res.Phase2 != "" {
		fmt.Fprintf(stdout, "/%s", res.Phase2)
	}
	fmt.Fprintf(stdout, "): %s\n", path)
	for _, a := range res.AskAtConnect {
		fmt.Fprintf(stdout, "At each connect the agent is asked for %s (%s).\n", a.Key, a.AgentMethod)
	}
	return nil
}

// complete asks for what the flags left out, when there is a terminal.
func (o *addOptions) complete(ask asker) error {
	prompt := func(dst *string, what string) error {
		if *dst != "" || ask == nil {
			return nil
		}
		v, err := ask(what, false)
		*dst = strings.TrimSpace(v)
		return err
	}
	if err := prompt(&o.method, "EAP method (PEAP, TTLS, TLS, PWD, MSCHAPV2)"); err != nil {
		return err
	}
	if o.method == "" {
		return errors.New("--method is required")
	}
	o.method = strings.ToUpper(o.method)
	switch o.method {
	case "PEAP", "TTLS":
		if o.phase2 == "" {
			o.phase2 = "MSCHAPV2"
		}
		if err := prompt(&o.identity, "Outer identity, sent in the clear (empty: none)"); err != nil {
			return err
		}
		if err := prompt(&o.username, "User name"); err != nil {
			return err
		}
	case "PWD", "MSCHAPV2":
		if err := prompt(&o.username, "User name"); err != nil {
			return err
		}
	case "TLS":
		if o.bundle == "" {
			if err := prompt(&o.clientCert, "Client certificate file (empty: a PKCS#12 bundle)"); err != nil {
				return err
			}
			if o.clientCert != "" {
				if err := prompt(&o.clientKey, "Client key file"); err != nil {
					return err
				}
			} else if err := prompt(&o.bundle, "Client certificate and key bundle (PKCS#12)"); err != nil {
				return err
			}
		}
		if err := prompt(&o.identity, "Identity (empty: none)"); err != nil {
			return err
		}
	}
	if o.method == "PEAP" || o.method == "TTLS" || o.method == "TLS" {
		if err := prompt(&o.caCert, "CA certificate file (empty: the server is not authenticated)"); err != nil {
			return err
		}
		if o.caCert != "" {
			if err := prompt(&o.domainMask, "Server domain mask, e.g. radius.example.org (empty: any name the CA signed)"); err != nil {
				return err
			}
		}
	}
	if ask != nil && o.method != "TLS" && o.password == nil && o.passwordHash == nil {
		v, err := ask("Password (empty: the agent asks at each connect)", true)
		if err != nil {
			return err
		}
		if v != "" {
			o.password = &v
		}
	}
	return nil
}

// file builds the network file.
func (o *addOptions) file(name string) (*knownnetworks.File, error) {
	f := knownnetworks.NewFile(name)
	sec := knownnetworks.GroupSecurity
	var errs []error
	set := func(key, v string) {
		if v != "" {
			errs = append(errs, f.SetString(sec, key, v))
		}
	}
	// file names a certificate or key file: its absolute path, or with
	// --embed an [@pem@name] group holding its PEM blocks.
	file := func(p, name string) string {
		if p == "" {
			return ""
		}
		if o.embed {
			payload, err := pemBlocks(p)
			if err == nil {
				err = f.SetEmbedded(name, payload)
			}
			errs = append(errs, err)
			return eapconf.EmbedPrefix + name
		}
		a, err := filepath.Abs(p)
		errs = append(errs, err)
		return a
	}
	p := eapconf.Prefix
	set(p+eapconf.KeyMethod, o.method)
	inner := p // where the user name and password go
	tlsPrefix := ""
	switch o.method {
	case "PEAP", "TTLS":
		tlsPrefix = p + o.method + "-"
		inner = tlsPrefix + "Phase2-"
		set(inner+eapconf.KeyMethod, o.phase2)
		set(p+eapconf.KeyIdentity, o.identity)
		set(inner+eapconf.KeyIdentity, o.username)
	case "TLS":
		tlsPrefix = p + "TLS-"
		set(p+eapconf.KeyIdentity, o.identity)
		set(tlsPrefix+eapconf.KeyClientCert, file(o.clientCert, "client_cert"))
		set(tlsPrefix+eapconf.KeyClientKey, file(o.clientKey, "client_key"))
		if o.bundle != "" && o.embed {
			return nil, errors.New("--embed takes PEM files: a --client-key-bundle (PKCS#12) cannot be embedded")
		}
		set(tlsPrefix+eapconf.KeyClientKeyBundle, file(o.bundle, ""))
		if o.keyPass != nil {
			set(tlsPrefix+eapconf.KeyClientKeyPassphrase, *o.keyPass)
		}
	default:
		id := o.username
		if id == "" {
			id = o.identity
		}
		set(p+eapconf.KeyIdentity, id)
	}
	if o.password != nil {
		set(inner+eapconf.KeyPassword, *o.password)
	}
	if o.passwordHash != nil {
		set(inner+eapconf.KeyPasswordHash, *o.passwordHash)
	}
	if tlsPrefix != "" {
		set(tlsPrefix+eapconf.KeyCACert, file(o.caCert, "ca_cert"))
		set(tlsPrefix+eapconf.KeyServerDomainMask, o.domainMask)
		if o.noFastReauth {
			errs = append(errs, f.SetBool(sec, tlsPrefix+eapconf.KeyFastReauthentication, false))
		}
	} else if o.caCert != "" || o.domainMask != "" {
		return nil, fmt.Errorf("--ca-cert and --domain-mask are for PEAP, TTLS and TLS, not %s", o.method)
	}
	if o.hidden {
		errs = append(errs, f.SetBool(knownnetworks.GroupSettings, knownnetworks.KeyHidden, true))
	}
	if o.noAutoConnect {
		errs = append(errs, f.SetBool(knownnetworks.GroupSettings, knownnetworks.KeyAutoConnect, false))
	}
	return f, errors.Join(errs...)
}

// pemBlocks reads a file's PEM blocks (text around them, such as OpenSSL's
// "Bag Attributes", is left out).
func pemBlocks(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			break
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.Write(pem.EncodeToMemory(blk))
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("%s: no PEM block to embed", path)
	}
	return b.String(), nil
}
