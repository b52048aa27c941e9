package labenv

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Process is a program the lab started; its output goes to Log.
type Process struct {
	Name string
	Log  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Start runs argv in the background, output to <results>/<name>.log, and
// stops it when the test ends.
func (l *Lab) Start(name string, env []string, argv ...string) *Process {
	l.t.Helper()
	p, err := l.start(name, env, argv...)
	if err != nil {
		l.t.Fatalf("labenv: start %s: %v", name, err)
	}
	return p
}

func (l *Lab) start(name string, env []string, argv ...string) (*Process, error) {
	log := l.path(name + ".log")
	f, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "# %s\n", strings.Join(argv, " "))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	p := &Process{Name: name, Log: log, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	l.logs = append(l.logs, log)
	l.procs = append(l.procs, p)
	return p, nil
}

// Exited reports whether the process has ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Stop sends SIGTERM to the process group, then SIGKILL after 5 s.
func (p *Process) Stop() error {
	if ok, err := p.Exited(); ok {
		return err
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	return p.err
}

// Signal sends sig to the process.
func (p *Process) Signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// WaitLog waits until the process's log has a line containing s, the
// process exits, or timeout passes. It reads the file, it spawns nothing.
func (p *Process) WaitLog(s string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if logHas(p.Log, s) {
			return nil
		}
		if ok, err := p.Exited(); ok {
			if logHas(p.Log, s) {
				return nil
			}
			return fmt.Errorf("%s exited (%v) before logging %q", p.Name, err, s)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not log %q within %s", p.Name, s, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func logHas(path, s string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			return true
		}
	}
	return false
}

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// WaitExit waits up to timeout for the process to end. It reports whether
// it ended and, if so, how (nil: exit status 0).
func (p *Process) WaitExit(timeout time.Duration) (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	case <-time.After(timeout):
		return false, nil
	}
}
