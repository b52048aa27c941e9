package daemon

import (
	"errors"
	"reflect"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseFlagsIwdContract(t *testing.T) {
	o, err := ParseFlags([]string{"-E", "-p", "rad1,rad2", "-d", "--nointerfaces=wlan9*", "-Irad*x"},
		env(map[string]string{"CONFIGURATION_DIRECTORY": "/tmp", "STATE_DIRECTORY": "/var/lib/x:/other"}))
	if err != nil {
		t.Fatal(err)
	}
	if !o.Developer || !o.Debug {
		t.Errorf("developer %v debug %v, want both", o.Developer, o.Debug)
	}
	if !reflect.DeepEqual(o.Phys, []string{"rad1", "rad2"}) {
		t.Errorf("phys %q", o.Phys)
	}
	if !reflect.DeepEqual(o.NoInterfaces, []string{"wlan9*", "rad*x"}) {
		t.Errorf("nointerfaces %q", o.NoInterfaces)
	}
	if o.ConfigDir != "/tmp" || o.StateDir != "/var/lib/x" {
		t.Errorf("dirs %q %q", o.ConfigDir, o.StateDir)
	}
	if !o.ManagesPhy("rad1") || o.ManagesPhy("rad0") {
		t.Error("phy filter")
	}
	if o.ManagesInterface("wlan91") || !o.ManagesInterface("wlan1") {
		t.Error("interface filter")
	}
}

func TestParseFlagsDefaults(t *testing.T) {
	o, err := ParseFlags(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if o.ConfigDir != DefaultConfigDir || o.StateDir != DefaultStateDir || o.Developer {
		t.Errorf("defaults: %+v", o)
	}
	if !o.ManagesPhy("phy0") || !o.ManagesInterface("wlan0") {
		t.Error("no filter must manage everything")
	}
}

func TestParseFlagsErrors(t *testing.T) {
	for _, args := range [][]string{{"-x"}, {"-p"}, {"stray"}, {"-p", "[bad"}} {
		if _, err := ParseFlags(args, env(nil)); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	if _, err := ParseFlags([]string{"-h"}, env(nil)); !errors.Is(err, ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}
