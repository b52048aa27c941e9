package eapmethod

import (
	"errors"
	"testing"

	"wifid/eapol/eap"
	"wifid/knownnetworks"
	"wifid/knownnetworks/eapconf"
)

// TestNew: each method a .8021x file names becomes that method.
func TestNew(t *testing.T) {
	for _, c := range []struct {
		keys string
		want eap.Type
	}{
		{"EAP-Method=MSCHAPV2\nEAP-Identity=a\nEAP-Password=p\n", eap.TypeMSCHAPv2},
		{"EAP-Method=MSCHAPV2\nEAP-Identity=a\nEAP-Password-Hash=8846f7eaee8fb117ad06bdd830b7586c\n", eap.TypeMSCHAPv2},
		{"EAP-Method=PWD\nEAP-Identity=a\nEAP-Password=p\n", eap.TypePWD},
		{"EAP-Method=PEAP\nEAP-PEAP-Phase2-Method=MSCHAPV2\nEAP-PEAP-Phase2-Identity=a\nEAP-PEAP-Phase2-Password=p\n", eap.TypePEAP},
		{"EAP-Method=PEAP\nEAP-PEAP-Phase2-Method=GTC\nEAP-PEAP-Phase2-Identity=a\nEAP-PEAP-Phase2-Password=p\n", eap.TypePEAP},
		{"EAP-Method=TTLS\nEAP-TTLS-Phase2-Method=Tunneled-PAP\nEAP-TTLS-Phase2-Identity=a\nEAP-TTLS-Phase2-Password=p\n", eap.TypeTTLS},
		{"EAP-Method=TTLS\nEAP-TTLS-Phase2-Method=MD5\nEAP-TTLS-Phase2-Identity=a\nEAP-TTLS-Phase2-Password=p\n", eap.TypeTTLS},
		{"EAP-Method=TLS\nEAP-Identity=a\n", eap.TypeTLS},
	} {
		f, err := knownnetworks.ParseFile("n.8021x", []byte("[Security]\n"+c.keys))
		if err != nil {
			t.Fatal(err)
		}
		conf, err := eapconf.Parse(f, nil)
		if err != nil {
			t.Errorf("%q: %v", c.keys, err)
			continue
		}
		cfg, err := Config(conf, Options{})
		if err != nil {
			t.Errorf("%q: %v", c.keys, err)
			continue
		}
		if cfg.Method.Type() != c.want || cfg.Identity != conf.Identity {
			t.Errorf("%q: method %v identity %q, want %v", c.keys, cfg.Method.Type(), cfg.Identity, c.want)
		}
	}
	_, err := New(&eapconf.Config{Method: eapconf.MethodSIM}, Options{})
	if !errors.Is(err, eapconf.ErrUnsupportedMethod) {
		t.Errorf("SIM: %v, want ErrUnsupportedMethod", err)
	}
}
