package eap

import (
	"context"
	"errors"
	"fmt"
)

// Secrets asks the user for what a network's settings leave out: the three
// requests of iwd's agent (net.connman.iwd.Agent). A method calls it from
// Process, so the call blocks the goroutine feeding the Peer; a daemon
// that must not block asks its agent before the connection starts (as iwd
// does) and passes a Secrets holding the answers. A user who cancels is an
// error (ErrNoSecret, or what the agent said).
type Secrets interface {
	// UserNameAndPassword is RequestUserNameAndPassword: both are
	// missing.
	UserNameAndPassword(ctx context.Context) (user, password string, err error)
	// UserPassword is RequestUserPassword: the user is known, the
	// password missing.
	UserPassword(ctx context.Context, user string) (password string, err error)
	// PrivateKeyPassphrase is RequestPrivateKeyPassphrase: the client
	// key is encrypted and its passphrase missing.
	PrivateKeyPassphrase(ctx context.Context) (passphrase string, err error)
}

// ErrNoSecret is wrapped by errors of a credential that is neither
// configured nor obtainable (no Secrets given).
var ErrNoSecret = errors.New("secret not configured and no agent to ask")

// Credentials are a method's user name and password as the network's
// settings give them (for MSCHAPv2: EAP-MSCHAPV2-Identity and
// -Password), with Secrets to ask for what is missing. The zero value has
// neither and cannot ask.
type Credentials struct {
	User     string
	Password string
	// HavePassword tells that Password is configured even if empty.
	HavePassword bool
	// Secrets asks for a missing user or password; nil means missing
	// ones are an error.
	Secrets Secrets
}

// Resolve returns the user and password, asking Secrets for what is
// missing: both through UserNameAndPassword when the user is empty, the
// password alone through UserPassword otherwise. The answers are kept, so
// a method asks once per conversation.
func (c *Credentials) Resolve(ctx context.Context) (user, password string, err error) {
	if c.User != "" && (c.HavePassword || c.Password != "") {
		return c.User, c.Password, nil
	}
	if c.Secrets == nil {
		if c.User == "" {
			return "", "", fmt.Errorf("eap: user name: %w", ErrNoSecret)
		}
		return "", "", fmt.Errorf("eap: password for %q: %w", c.User, ErrNoSecret)
	}
	if c.User == "" {
		u, p, err := c.Secrets.UserNameAndPassword(ctx)
		if err != nil {
			return "", "", fmt.Errorf("eap: asking user name and password: %w", err)
		}
		c.User, c.Password = u, p
	} else {
		p, err := c.Secrets.UserPassword(ctx, c.User)
		if err != nil {
			return "", "", fmt.Errorf("eap: asking password for %q: %w", c.User, err)
		}
		c.Password = p
	}
	c.HavePassword = true
	return c.User, c.Password, nil
}
