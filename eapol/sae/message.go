package sae

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"wifid/nl80211/ie"
)

// Status codes that SAE Authentication frames carry, as the uint16 of the
// frame (names and values are nl80211/ie's).
const (
	StatusSuccess                   = uint16(ie.StatusSuccess)
	StatusAntiCloggingTokenRequired = uint16(ie.StatusAntiCloggingTokenRequired)
	StatusGroupNotSupported         = uint16(ie.StatusUnsupportedFiniteCyclicGroup)
	StatusUnknownPasswordIdentifier = uint16(ie.StatusUnknownPasswordIdentifier)
	StatusHashToElement             = uint16(ie.StatusSAEHashToElement)
	StatusSAEPK                     = uint16(ie.StatusSAEPK)
)

// Transaction sequence numbers of SAE Authentication frames.
const (
	SeqCommit  uint16 = 1
	SeqConfirm uint16 = 2
)

// Element ID Extension values of the elements a commit may carry after
// the element field (Table 9-92).
const (
	elementIDExtension        = 255
	extPasswordIdentifier     = 33
	extRejectedGroups         = 92
	extAntiCloggingContainer  = 93
	maxAntiCloggingTokenBytes = 256
)

// commit is the content of an SAE Commit message (9.3.3.2, Table 9-41):
// Finite Cyclic Group, Anti-Clogging Token (hunting-and-pecking only;
// with H2E it travels in a container element), Scalar, Element, and the
// optional Password Identifier, Rejected Groups and Anti-Clogging Token
// Container elements.
type commit struct {
	group      int
	token      []byte
	scalar     *big.Int
	element    []byte // uncompressed point encoding, 0x04 || x || y
	identifier []byte // nil: no Password Identifier element
	rejected   []int  // groups of the Rejected Groups element
}

// marshal is the SAE part of the Authentication frame body. h2e decides
// where the token goes and whether Rejected Groups is sent.
func (c *commit) marshal(g *group, h2e bool) []byte {
	b := binary.LittleEndian.AppendUint16(nil, uint16(c.group))
	if !h2e {
		b = append(b, c.token...)
	}
	b = append(b, g.Fixed(c.scalar)...)
	b = append(b, c.element[1:]...)
	if c.identifier != nil {
		b = appendExt(b, extPasswordIdentifier, c.identifier)
	}
	if h2e && len(c.rejected) > 0 {
		b = appendExt(b, extRejectedGroups, rejectedBytes(c.rejected))
	}
	if h2e && len(c.token) > 0 {
		b = appendExt(b, extAntiCloggingContainer, c.token)
	}
	return b
}

func appendExt(b []byte, ext byte, data []byte) []byte {
	b = append(b, elementIDExtension, byte(1+len(data)), ext)
	return append(b, data...)
}

func rejectedBytes(groups []int) []byte {
	var b []byte
	for _, id := range groups {
		b = binary.LittleEndian.AppendUint16(b, uint16(id))
	}
	return b
}

// parseCommit reads a peer's commit for group g (whose number the caller
// has already read and checked). The peer is the AP: its commit has no
// anti-clogging token. The scalar must be in 1 < s < r and the element a
// point on the curve (which excludes the identity, which x || y cannot
// encode). Trailing bytes must be well-formed elements; unknown ones are
// skipped.
func parseCommit(g *group, body []byte) (*commit, error) {
	need := 2 + 3*g.Len
	if len(body) < need {
		return nil, fmt.Errorf("%d octets, want at least %d for group %d", len(body), need, g.ID)
	}
	c := &commit{group: int(binary.LittleEndian.Uint16(body))}
	c.scalar = new(big.Int).SetBytes(body[2 : 2+g.Len])
	if c.scalar.Cmp(big.NewInt(1)) <= 0 || c.scalar.Cmp(g.R) >= 0 {
		return nil, fmt.Errorf("scalar out of range")
	}
	el := append([]byte{4}, body[2+g.Len:need]...)
	if err := g.Check(el); err != nil {
		return nil, fmt.Errorf("element not a point on the curve")
	}
	c.element = el
	rest := body[need:]
	for len(rest) > 0 {
		if len(rest) < 2 || int(rest[1]) > len(rest)-2 {
			return nil, fmt.Errorf("truncated element after the commit element (%d octets left)", len(rest))
		}
		id, data := rest[0], rest[2:2+int(rest[1])]
		rest = rest[2+int(rest[1]):]
		if id != elementIDExtension || len(data) == 0 {
			continue
		}
		switch ext, data := data[0], data[1:]; ext {
		case extPasswordIdentifier:
			c.identifier = append([]byte{}, data...)
		case extRejectedGroups:
			if len(data)%2 != 0 {
				return nil, fmt.Errorf("Rejected Groups element of odd length %d", len(data))
			}
			for i := 0; i < len(data); i += 2 {
				c.rejected = append(c.rejected, int(binary.LittleEndian.Uint16(data[i:])))
			}
		case extAntiCloggingContainer:
			c.token = append([]byte{}, data...)
		}
	}
	return c, nil
}

// parseTokenRequest reads the body of a status 76 frame: the Finite Cyclic
// Group, then the token, inside an Anti-Clogging Token Container element
// when H2E is in use (and taken bare otherwise).
func parseTokenRequest(body []byte, h2e bool) (group int, token []byte, err error) {
	if len(body) < 2 {
		return 0, nil, fmt.Errorf("%d octets, want a group and a token", len(body))
	}
	group = int(binary.LittleEndian.Uint16(body))
	token = body[2:]
	if h2e && len(token) >= 3 && token[0] == elementIDExtension && token[2] == extAntiCloggingContainer {
		if int(token[1]) != len(token)-2 {
			return 0, nil, fmt.Errorf("Anti-Clogging Token Container length %d, %d octets follow", token[1], len(token)-2)
		}
		token = token[3:]
	}
	if len(token) == 0 {
		return 0, nil, fmt.Errorf("empty anti-clogging token")
	}
	if len(token) > maxAntiCloggingTokenBytes {
		return 0, nil, fmt.Errorf("anti-clogging token of %d octets, more than %d", len(token), maxAntiCloggingTokenBytes)
	}
	return group, append([]byte{}, token...), nil
}

// parseConfirm reads a Confirm message (Table 9-41): Send-Confirm (2
// octets, little-endian) and Confirm (the hash's length). Elements that
// may follow (SAE-PK's) are ignored.
func parseConfirm(body []byte, hashLen int) (sendConfirm uint16, confirm []byte, err error) {
	if len(body) < 2+hashLen {
		return 0, nil, fmt.Errorf("%d octets, want %d", len(body), 2+hashLen)
	}
	return binary.LittleEndian.Uint16(body), body[2 : 2+hashLen], nil
}
