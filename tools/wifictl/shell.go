package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"
)

// The interactive shell: iwctl's commands at a prompt, with history (kept
// in ~/.wifictl_history, never a line that carries a passphrase) and Tab
// completion of commands, interfaces, networks and known networks. Its
// agent is registered for the whole session, as iwctl's is.

const shellPrompt = "[wifictl]# "

// shell runs the shell on the terminal of stdin.
func (s *session) shell(ctx context.Context) error {
	fd := int(s.e.stdin.Fd())
	old, err := term.MakeRaw(fd)
	if err != nil {
		return fmt.Errorf("shell: %w", err)
	}
	defer term.Restore(fd, old)
	rw := struct {
		io.Reader
		io.Writer
	}{s.e.stdin, s.e.stdout}
	hist := &history{}
	if home, err := os.UserHomeDir(); err == nil {
		hist.path = filepath.Join(home, ".wifictl_history")
		hist.load()
	}
	width := func() int {
		if w, _, err := term.GetSize(fd); err == nil {
			return w
		}
		return 80
	}
	return s.shellOn(ctx, rw, hist, width)
}

// shellOn runs the shell over any terminal-like stream (tests use a pipe).
func (s *session) shellOn(ctx context.Context, rw io.ReadWriter, hist *history, width func() int) error {
	t := term.NewTerminal(rw, shellPrompt)
	t.History = hist
	s.out, s.progress = t, t
	s.ask = func(prompt string, secret bool) (string, error) {
		if secret {
			return t.ReadPassword(prompt + ": ")
		}
		t.SetPrompt(prompt + ": ")
		defer t.SetPrompt(shellPrompt)
		return t.ReadLine()
	}
	t.AutoCompleteCallback = func(line string, pos int, key rune) (string, int, bool) {
		if key != '\t' {
			return "", 0, false
		}
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		s.c.refresh(rctx)
		cancel()
		newLine, newPos, choices := s.complete(line, pos)
		if len(choices) > 1 {
			fmt.Fprintln(t, strings.Join(choices, "  "))
		}
		return newLine, newPos, true
	}
	if err := s.c.refresh(ctx); err != nil {
		fmt.Fprintf(t, "wifictl: %v\n", err)
	}
	s.agent = &agent{s: s}
	if err := s.agent.register(); err != nil {
		fmt.Fprintf(t, "wifictl: %v (connects will find no agent)\n", err)
		s.agent = nil
	} else {
		defer s.agent.unregister()
	}
	fmt.Fprintln(t, "wifictl shell: iwctl's commands; Tab completes, help lists them, quit or Ctrl-D leaves.")
	for {
		if ctx.Err() != nil {
			return nil
		}
		line, err := t.ReadLine()
		if errors.Is(err, io.EOF) {
			fmt.Fprintln(t)
			return nil
		}
		if err != nil && !errors.Is(err, term.ErrPasteIndicator) {
			return err
		}
		words, err := splitWords(line)
		if err != nil {
			fmt.Fprintf(t, "wifictl: %v\n", err)
			continue
		}
		if len(words) == 0 {
			continue
		}
		if words[0] == "quit" || words[0] == "exit" {
			return nil
		}
		if len(words) > 1 && fileCmds[[2]string{words[0], words[1]}] != nil {
			// Its own options; it prompts on this terminal.
			err = fileCmds[[2]string{words[0], words[1]}](s.opt, words[2:], s.ask, t, t, s.e.getenv)
			words = nil
		}
		o, words, perr := parseOptions(words)
		if err == nil {
			err = perr
		}
		if err == nil && len(words) == 0 {
			continue
		}
		if err == nil {
			saved := s.opt
			if o.json {
				s.opt.json = true
			}
			if o.pass != nil {
				s.opt.pass = o.pass
			}
			if o.iface != "" {
				s.opt.iface = o.iface
			}
			s.width = width()
			if err = s.c.refresh(ctx); err == nil {
				err = s.exec(ctx, words)
			}
			s.opt = saved
		}
		if err != nil {
			msg := err.Error()
			if errors.Is(err, errUsage) {
				msg = strings.TrimSpace(strings.TrimSuffix(msg, usage)) + " (help lists the commands)"
			}
			fmt.Fprintf(t, "wifictl: %s\n", msg)
		}
	}
}

// splitWords splits a shell line into words: blanks separate, double or
// single quotes keep blanks, a backslash escapes the next character.
func splitWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range line {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed %c quote", quote)
	}
	if escaped {
		cur.WriteRune('\\')
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// quoteWord writes a word so that splitWords reads it back.
func quoteWord(w string) string {
	if w != "" && !strings.ContainsAny(w, " \t\"'\\") {
		return w
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(w) + `"`
}

var topCommands = []string{"adapter", "connect", "device", "disconnect", "exit", "help", "import", "known", "known-networks",
	"passphrase", "quit", "scan", "station", "status", "watch"}

var stationCommands = []string{"connect", "connect-hidden", "disconnect", "get-hidden-access-points", "get-networks", "scan", "show"}

// candidates lists what may come after words.
func (s *session) candidates(words []string) []string {
	names := func(iface, prop string) []string {
		var out []string
		for _, p := range s.c.paths(iface) {
			if n := str(s.c.objs[p][iface], prop); n != "" && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		return out
	}
	stationNames := func() []string {
		var out []string
		for _, p := range s.c.paths(ifaceStation) {
			out = append(out, str(s.c.objs[p][ifaceDevice], "Name"))
		}
		return out
	}
	// ssids of one station's networks, or every station's for "".
	ssids := func(station string) []string {
		var out []string
		for _, p := range s.c.paths(ifaceNetwork) {
			n := s.c.objs[p][ifaceNetwork]
			dev := str(s.c.objs[objPath(n, "Device")][ifaceDevice], "Name")
			if name := str(n, "Name"); (station == "" || dev == station) && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
		return out
	}
	switch n := len(words); {
	case n == 0:
		return topCommands
	case words[0] == "device" && n == 1:
		return append([]string{"list"}, names(ifaceDevice, "Name")...)
	case (words[0] == "device" || words[0] == "adapter") && n == 2 && words[1] != "list":
		return []string{"set-property", "show"}
	case (words[0] == "device" || words[0] == "adapter") && n == 3 && words[2] == "set-property":
		return []string{"Powered"}
	case (words[0] == "device" || words[0] == "adapter") && n == 4 && words[3] == "Powered":
		return []string{"off", "on"}
	case words[0] == "adapter" && n == 1:
		return append([]string{"list"}, names(ifaceAdapter, "Name")...)
	case words[0] == "station" && n == 1:
		return append([]string{"list"}, stationNames()...)
	case words[0] == "station" && n == 2 && words[1] != "list":
		return stationCommands
	case words[0] == "station" && n == 3 && words[2] == "connect":
		return ssids(words[1])
	case words[0] == "station" && n == 3 && words[2] == "get-networks":
		return []string{"rssi-bars", "rssi-dbms"}
	case words[0] == "known-networks" && n == 1:
		return append([]string{"add", "list"}, names(ifaceKnown, "Name")...)
	case words[0] == "known-networks" && n == 2 && words[1] == "add":
		return ssids("")
	case words[0] == "known-networks" && n == 2 && words[1] != "list":
		return []string{"forget", "set-property", "show"}
	case words[0] == "known-networks" && n == 3 && words[2] == "set-property":
		return []string{"AutoConnect"}
	case words[0] == "known-networks" && n == 4 && words[3] == "AutoConnect":
		return []string{"no", "yes"}
	case words[0] == "import" && n == 1:
		return []string{"eap-config"}
	case words[0] == "known" && n == 1:
		return []string{"forget"}
	case words[0] == "known" && n == 2 && words[1] == "forget":
		return names(ifaceKnown, "Name")
	case words[0] == "scan" && n == 1:
		return stationNames()
	case words[0] == "connect" && n == 1:
		return ssids("")
	}
	return nil
}

// complete completes the word before pos: the new line and cursor, and the
// choices when more than one fits.
func (s *session) complete(line string, pos int) (string, int, []string) {
	before, after := line[:pos], line[pos:]
	start := len(before)
	// The word being completed starts after the last unquoted blank.
	words, err := splitWords(before)
	partial := ""
	if err == nil && len(before) > 0 && before[len(before)-1] != ' ' && len(words) > 0 {
		partial = words[len(words)-1]
		words = words[:len(words)-1]
		start = lastWordStart(before)
	} else if err != nil {
		// inside an open quote: the word starts at the quote
		start = strings.LastIndexAny(before, `"'`)
		partial = before[start+1:]
		words, _ = splitWords(before[:start])
	}
	var fits []string
	for _, c := range s.candidates(words) {
		if strings.HasPrefix(c, partial) {
			fits = append(fits, c)
		}
	}
	sort.Strings(fits)
	switch len(fits) {
	case 0:
		return line, pos, nil
	case 1:
		w := quoteWord(fits[0]) + " "
		return before[:start] + w + after, start + len(w), nil
	}
	common := fits[0]
	for _, f := range fits[1:] {
		for !strings.HasPrefix(f, common) {
			common = common[:len(common)-1]
		}
	}
	if len(common) > len(partial) && !strings.ContainsAny(common, " \t\"'\\") {
		return before[:start] + common + after, start + len(common), fits
	}
	return line, pos, fits
}

// lastWordStart finds where the last word of s begins (s ends in a word).
func lastWordStart(s string) int {
	var quote byte
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '\\':
			i++
		case c == ' ' || c == '\t':
			start = i + 1
		}
	}
	return start
}

// history is the shell's term.History, kept in a file between sessions.
// Lines that carry a passphrase are neither kept nor recalled.
type history struct {
	path  string
	lines []string // oldest first
}

const historyMax = 500

func secretLine(line string) bool {
	words, _ := splitWords(line)
	for _, w := range words {
		if w == "passphrase" || w == "--passphrase" || w == "-P" || strings.HasPrefix(w, "--passphrase=") {
			return true
		}
	}
	return false
}

func (h *history) load() {
	f, err := os.Open(h.path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !secretLine(l) {
			h.lines = append(h.lines, l)
		}
	}
	if len(h.lines) > historyMax {
		h.lines = h.lines[len(h.lines)-historyMax:]
	}
}

func (h *history) Add(entry string) {
	if strings.TrimSpace(entry) == "" || secretLine(entry) {
		return
	}
	if n := len(h.lines); n > 0 && h.lines[n-1] == entry {
		return
	}
	h.lines = append(h.lines, entry)
	if len(h.lines) > historyMax {
		h.lines = h.lines[1:]
	}
	if h.path == "" {
		return
	}
	f, err := os.OpenFile(h.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	fmt.Fprintln(f, entry)
	f.Close()
}

func (h *history) Len() int { return len(h.lines) }

func (h *history) At(i int) string { return h.lines[len(h.lines)-1-i] }
