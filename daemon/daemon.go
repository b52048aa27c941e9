package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"os"
)

// Version is wifid's version, reported by -v and Daemon.GetInfo.
const Version = "0.1.0"

// Run starts the daemon and blocks until ctx is cancelled.
func Run(ctx context.Context, o Options) error {
	if o.Version {
		fmt.Println(Version)
		return nil
	}
	level := slog.LevelInfo
	if o.Debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	log.Info("wifid starting", "version", Version, "config", o.ConfigDir, "state", o.StateDir,
		"phys", o.Phys, "developer", o.Developer)
	<-ctx.Done()
	log.Info("wifid stopping")
	return nil
}
