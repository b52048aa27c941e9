package eapconf

import "wifid/knownnetworks"

// SecretKind says which agent method asks for a secret (iwd's
// doc/agent-api.txt).
type SecretKind uint8

const (
	// UserNameAndPassword: RequestUserNameAndPassword(network); the
	// answer fills Key (the identity) and PasswordKey.
	UserNameAndPassword SecretKind = iota + 1
	// UserPassword: RequestUserPassword(network, user); fills Key.
	UserPassword
	// PrivateKeyPassphrase: RequestPrivateKeyPassphrase(network); fills
	// Key (a ClientKeyPassphrase key).
	PrivateKeyPassphrase
)

// AgentMethod is the net.connman.iwd.Agent method that asks for it.
func (k SecretKind) AgentMethod() string {
	switch k {
	case UserNameAndPassword:
		return "RequestUserNameAndPassword"
	case UserPassword:
		return "RequestUserPassword"
	case PrivateKeyPassphrase:
		return "RequestPrivateKeyPassphrase"
	}
	return "unknown"
}

func (k SecretKind) String() string { return k.AgentMethod() }

// SecretRequest is one secret the configuration lacks. Put the agent's
// answer in Answers under Key (and PasswordKey) and Parse again.
type SecretRequest struct {
	Kind SecretKind
	// Key is the key the answer stands for: EAP-Identity,
	// EAP-PEAP-Phase2-Password, EAP-TLS-ClientKeyPassphrase ...
	Key string
	// PasswordKey is, for UserNameAndPassword, the key the password
	// stands for.
	PasswordKey string
	// User is, for UserPassword, the identity the agent shows.
	User string
	// File is, for PrivateKeyPassphrase, the encrypted file's path or
	// "embed:name".
	File string
}

// Missing lists the secrets the configuration lacks, outer method first,
// as iwd's eap_check_settings does. It opens the client certificate and
// key files to learn whether they are encrypted, so it fails as Load would
// on a file that cannot be read; a passphrase that does not decrypt them
// is an error wrapping ErrWrongPassphrase (ask again).
func (c *Config) Missing() ([]SecretRequest, error) {
	var out []SecretRequest
	for ; c != nil; c = c.Phase2 {
		out = append(out, c.needs...)
		if c.TLS == nil {
			continue
		}
		if _, err := c.TLS.loadCA(); err != nil {
			return nil, err
		}
		req, err := c.TLS.clientNeeds()
		if err != nil {
			return nil, err
		}
		if req != nil {
			out = append(out, *req)
		}
	}
	return out, nil
}

// Put records the agent's reply to r: for UserNameAndPassword the user
// name and the password, for the others the one value (password is then
// ignored).
func (a Answers) Put(r SecretRequest, value, password knownnetworks.Secret) {
	a[r.Key] = value
	if r.Kind == UserNameAndPassword {
		a[r.PasswordKey] = password
	}
}
