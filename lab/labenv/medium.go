package labenv

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	"wifid/lab/hwsim"
)

// mediums holds each running lab's medium: Lab has no field for it (the
// hook lives here), and a test process runs one lab at a time.
var mediums struct {
	sync.Mutex // guards m
	m          map[*Lab]*hwsim.Medium
}

// startMedium is Setup's hook: with Hardware.Medium, the userspace medium
// relays every frame between the radios from before the access points
// start.
func (l *Lab) startMedium(hw Hardware) {
	if hw.Medium {
		l.StartMedium(hwsim.Config{})
	}
}

// StartMedium registers the Go medium (lab/hwsim) in this process as
// mac80211_hwsim's medium: from now on every frame between the radios
// passes through it, and rules added to it change the air. Unless cfg
// says otherwise it logs into hwsim.log and writes medium.pcap in the
// test's folder. It stops (and the kernel relays frames again) when the
// test ends, before the radios are unloaded.
func (l *Lab) StartMedium(cfg hwsim.Config) *hwsim.Medium {
	l.t.Helper()
	var logFile, pcapFile *os.File
	if cfg.Logger == nil {
		f, err := os.OpenFile(l.path("hwsim.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			l.t.Fatal(err)
		}
		logFile = f
		l.logs = append(l.logs, f.Name())
		cfg.Logger = slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if cfg.Pcap == nil {
		f, err := os.Create(l.path("medium.pcap"))
		if err != nil {
			l.t.Fatal(err)
		}
		pcapFile = f
		if cfg.Pcap, err = hwsim.NewPcapWriter(f); err != nil {
			l.t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	m, err := hwsim.New(ctx, cfg)
	if err != nil {
		l.t.Fatalf("labenv: medium: %v", err)
	}
	mediums.Lock()
	if mediums.m == nil {
		mediums.m = map[*Lab]*hwsim.Medium{}
	}
	mediums.m[l] = m
	mediums.Unlock()
	l.t.Cleanup(func() {
		st := m.Stats()
		m.Close()
		cfg.Logger.Info("labenv: medium stopped", "frames", st.Frames, "delivered", st.Delivered,
			"dropped", st.Dropped, "acked", st.Acked, "unknown", st.Unknown, "malformed", st.Malformed)
		mediums.Lock()
		delete(mediums.m, l)
		mediums.Unlock()
		if pcapFile != nil {
			pcapFile.Close()
		}
		if logFile != nil {
			logFile.Close()
		}
	})
	return m
}

// Medium is the medium StartMedium (or Hardware.Medium) started; nil when
// the kernel relays frames itself.
func (l *Lab) Medium() *hwsim.Medium {
	mediums.Lock()
	defer mediums.Unlock()
	return mediums.m[l]
}

// MediumRadio is the medium's view of lab radio i (its addresses, for
// rules); it fails the test when the medium does not know it.
func (l *Lab) MediumRadio(i int) hwsim.Radio {
	l.t.Helper()
	m := l.Medium()
	if m == nil {
		l.t.Fatal("labenv: no medium running")
	}
	r, ok := m.Radio(l.Radios[i].Phy)
	if !ok {
		l.t.Fatalf("labenv: the medium does not know %s (radios %v)", l.Radios[i].Phy, m.Radios())
	}
	return r
}
