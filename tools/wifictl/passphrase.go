package main

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/term"

	"wifid/eapol"
)

// passphrase is "wifictl passphrase SSID [PASSPHRASE]": the 256-bit PSK
// (PBKDF2-SHA1 over the SSID, IEEE 802.11 J.4) of a passphrase, in hex, as
// an iwd network file's PreSharedKey. The passphrase comes from the
// argument, --passphrase, the terminal (not echoed) or a line of stdin; it
// is never printed.
func passphrase(o options, args []string, e env) error {
	if len(args) < 1 || len(args) > 2 {
		return fmt.Errorf("passphrase: name an SSID\n%w", errUsage)
	}
	ssid := args[0]
	var pass string
	switch {
	case len(args) == 2:
		pass = args[1]
	case o.pass != nil:
		pass = *o.pass
	case e.stdin != nil && term.IsTerminal(int(e.stdin.Fd())):
		fmt.Fprintf(e.stderr, "Passphrase for %s: ", ssid)
		b, err := term.ReadPassword(int(e.stdin.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return fmt.Errorf("passphrase: reading the terminal: %w", err)
		}
		pass = string(b)
	case e.stdin != nil:
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("passphrase: reading stdin: %w", err)
		}
		pass = strings.TrimRight(line, "\r\n")
	default:
		return errors.New("passphrase: give the passphrase as an argument, with --passphrase or on stdin")
	}
	if len(ssid) == 0 || len(ssid) > 32 {
		return fmt.Errorf("passphrase: an SSID has 1 to 32 octets, %q has %d", ssid, len(ssid))
	}
	psk, err := eapol.PSKFromPassphrase(pass, []byte(ssid))
	if err != nil {
		return fmt.Errorf("passphrase: %w", err)
	}
	h := hex.EncodeToString(psk)
	if o.json {
		s := &session{out: e.stdout}
		return s.emit(map[string]string{"ssid": ssid, "psk": h})
	}
	fmt.Fprintln(e.stdout, h)
	return nil
}
