package ecgroup

import (
	"crypto/hmac"
	"crypto/sha256"
	"math/big"
	"testing"
)

// testRound is a hunting-and-pecking round in SAE's manner: the seed an
// HMAC of the secret and the counter, the value the seed stretched to
// the group's length.
func testRound(g *Group) Round {
	return func(counter int, secret []byte) ([]byte, []byte) {
		m := hmac.New(sha256.New, []byte("test key"))
		m.Write(secret)
		m.Write([]byte{byte(counter)})
		seed := m.Sum(nil)
		var value []byte
		for i := byte(1); len(value) < g.Len; i++ {
			m := hmac.New(sha256.New, seed)
			m.Write([]byte{i})
			value = m.Sum(value)
		}
		return seed, value[:g.Len]
	}
}

// referencePWE is hunting-and-pecking written plainly: the first round
// whose x is below p with a non-zero square x^3 + ax + b.
func referencePWE(t *testing.T, g *Group, secret []byte) []byte {
	round := testRound(g)
	for counter := 1; counter <= 200; counter++ {
		seed, value := round(counter, secret)
		x := new(big.Int).SetBytes(value)
		if r := g.Bits % 8; r != 0 {
			x.Rsh(x, uint(8-r))
		}
		y2 := g.YSquared(x)
		if x.Cmp(g.P) >= 0 || y2.Sign() == 0 || !g.IsSquare(y2) {
			continue
		}
		y := g.Sqrt(y2)
		if y.Bit(0) != uint(seed[len(seed)-1]&1) {
			y.Sub(g.P, y)
		}
		return g.Point(x, y)
	}
	t.Fatal("no element in 200 rounds")
	return nil
}

// TestHuntAndPeckBlindsResidueTest: the quadratic-residue test of each
// round never computes the Legendre symbol of the password-derived
// x^3 + ax + b itself (whose time would tell it apart), but of a value
// blinded by a random square and a random residue or non-residue
// (IEEE 802.11-2020 12.4.4.2.2); the element found is still the right
// one, in every group.
func TestHuntAndPeckBlindsResidueTest(t *testing.T) {
	for _, id := range []int{19, 20, 21} {
		g := ByID(id)
		secret := []byte("password of the test")
		var seen []*big.Int
		watch := func(v *big.Int) *big.Int {
			seen = append(seen, new(big.Int).Set(v))
			return g.Legendre(v)
		}
		const rounds = 40
		pwe, err := huntAndPeck(g, secret, rounds, 200, testRound(g), watch)
		if err != nil {
			t.Fatal(err)
		}
		if want := referencePWE(t, g, secret); string(pwe) != string(want) {
			t.Fatalf("group %d: element %x, want %x", id, pwe, want)
		}
		// The candidates of the rounds that used the secret.
		secretY2 := map[string]bool{}
		round := testRound(g)
		for counter := 1; counter <= rounds; counter++ {
			_, value := round(counter, secret)
			x := new(big.Int).SetBytes(value)
			if r := g.Bits % 8; r != 0 {
				x.Rsh(x, uint(8-r))
			}
			secretY2[g.YSquared(x).String()] = true
		}
		for _, v := range seen {
			if secretY2[v.String()] {
				t.Fatalf("group %d: Legendre symbol of an unblinded candidate %v", id, v)
			}
		}
	}
}

// TestResidueTest: the blinded test answers as the Legendre symbol does,
// whichever way its random r falls: squares are residues, -1 (p = 3 mod
// 4 for all three primes) and 0 are not.
func TestResidueTest(t *testing.T) {
	for _, id := range []int{19, 20, 21} {
		g := ByID(id)
		rt, err := g.NewResidueTest(nil)
		if err != nil {
			t.Fatal(err)
		}
		seven := big.NewInt(7)
		square := new(big.Int).Mul(seven, seven)
		minusSquare := new(big.Int).Sub(g.P, square)
		for i := 0; i < 64; i++ {
			for v, want := range map[*big.Int]int{square: 1, minusSquare: 0, big.NewInt(0): 0, big.NewInt(1): 1} {
				if got, err := rt.Is(v); err != nil || got != want {
					t.Fatalf("group %d: Is(%v) = %d, %v; want %d", id, v, got, err, want)
				}
			}
		}
	}
}
