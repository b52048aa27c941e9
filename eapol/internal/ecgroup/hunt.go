package ecgroup

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"math/big"
)

// Round is one round of hunting-and-pecking as a protocol defines it: the
// seed and the candidate x (pwd-value, at least Len octets, big-endian,
// its top Bits bits used) of round counter, computed from secret.
type Round func(counter int, secret []byte) (seed, value []byte)

// HuntAndPeck derives a password element by hunting-and-pecking, the
// loop SAE (IEEE 802.11-2020 12.4.4.2.2) and EAP-pwd (RFC 5931 2.8.3)
// share: for counter = 1, 2, ... the first pwd-value below p with
// pwd-value^3 + a·pwd-value + b a non-zero quadratic residue is x, and y
// is the root whose parity matches the last bit of that round's seed.
//
// It runs at least minRounds rounds and fails after maxRounds. Every
// round does the same work: after x is found the later rounds are given
// a random stand-in for the secret, and the found values are kept by
// constant-time selection. math/big itself is not constant-time; the
// loop shape is what this guards.
func HuntAndPeck(g *Group, secret []byte, minRounds, maxRounds int, round Round) ([]byte, error) {
	stub := make([]byte, len(secret))
	if _, err := rand.Read(stub); err != nil {
		return nil, err
	}
	base := make([]byte, len(secret))
	xBin := make([]byte, g.Len)
	var seedOdd byte
	found := 0
	for counter := 1; counter <= minRounds || found == 0; counter++ {
		if counter > maxRounds {
			return nil, fmt.Errorf("group %d: no password element in %d rounds", g.ID, maxRounds)
		}
		// base is the secret until found, the stub after.
		copy(base, secret)
		subtle.ConstantTimeCopy(found, base, stub)
		seed, value := round(counter, base)
		x := new(big.Int).SetBytes(value)
		if r := g.Bits % 8; r != 0 {
			x.Rsh(x, uint(8-r))
		}
		inRange := x.Cmp(g.P) < 0
		// A zero y^2 has a root (0) but gives no element of order r:
		// treat it as a miss, as the standards' tests do.
		y2 := g.YSquared(x)
		qr := inRange && y2.Sign() != 0 && g.IsSquare(y2)
		hit := 0
		if qr {
			hit = 1
		}
		take := hit &^ found // this round is the first hit
		subtle.ConstantTimeCopy(take, xBin, g.Fixed(new(big.Int).Mod(x, g.P)))
		seedOdd = byte(subtle.ConstantTimeSelect(take, int(seed[len(seed)-1]&1), int(seedOdd)))
		found |= hit
	}
	x := new(big.Int).SetBytes(xBin)
	y := g.Sqrt(g.YSquared(x))
	negY := new(big.Int).Sub(g.P, y)
	yBin, negYBin := g.Fixed(y), g.Fixed(negY)
	same := subtle.ConstantTimeByteEq(seedOdd, yBin[g.Len-1]&1)
	subtle.ConstantTimeCopy(1-same, yBin, negYBin)
	pwe := g.Point(x, new(big.Int).SetBytes(yBin))
	if err := g.Check(pwe); err != nil {
		return nil, fmt.Errorf("group %d: password element not on the curve: %v", g.ID, err)
	}
	return pwe, nil
}
