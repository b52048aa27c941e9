// Command passphrase turns a Wi-Fi passphrase and SSID into the 256-bit PSK
// (PBKDF2-SHA1, IEEE 802.11 J.4), printed as an iwd network file or as a
// wpa_supplicant network block. The passphrase is read from the terminal
// (not echoed) or stdin when it is not an argument, and is never printed.
//
// Usage:
//
//	passphrase [-format iwd|wpa] SSID [PASSPHRASE]
package main

import (
	"bufio"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"wifid/eapol"
)

func main() {
	format := flag.String("format", "iwd", "output: iwd (a .psk file body) or wpa (a wpa_supplicant network block)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: passphrase [-format iwd|wpa] SSID [PASSPHRASE]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() < 1 || flag.NArg() > 2 {
		flag.Usage()
		os.Exit(2)
	}
	ssid := flag.Arg(0)
	var pass string
	if flag.NArg() == 2 {
		pass = flag.Arg(1)
	} else {
		p, err := readPassphrase(os.Stdin)
		if err != nil {
			fmt.Fprintf(os.Stderr, "passphrase: %v\n", err)
			os.Exit(1)
		}
		pass = p
	}
	out, err := render(*format, ssid, pass)
	if err != nil {
		fmt.Fprintf(os.Stderr, "passphrase: %v\n", err)
		os.Exit(1)
	}
	fmt.Print(out)
}

func readPassphrase(in *os.File) (string, error) {
	if term.IsTerminal(int(in.Fd())) {
		fmt.Fprint(os.Stderr, "Passphrase: ")
		b, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(os.Stderr)
		return string(b), err
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// render computes the PSK and formats it.
func render(format, ssid, pass string) (string, error) {
	psk, err := eapol.PSKFromPassphrase(pass, []byte(ssid))
	if err != nil {
		return "", err
	}
	h := hex.EncodeToString(psk)
	switch format {
	case "iwd":
		return "[Security]\nPreSharedKey=" + h + "\n", nil
	case "wpa":
		return fmt.Sprintf("network={\n\tssid=%q\n\tpsk=%s\n}\n", ssid, h), nil
	}
	return "", fmt.Errorf("unknown format %q (iwd or wpa)", format)
}
