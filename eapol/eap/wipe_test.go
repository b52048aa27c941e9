package eap_test

import (
	"bytes"
	"context"
	"testing"

	"wifid/eapol/eap"
	"wifid/eapol/eap/eaptest"
)

// TestPeerCloseWipesKeys: once the conversation is over, Peer.Close wipes
// the Result's MSK and EMSK and the method's own (MSCHAPv2's, PWD's): the
// slices handed out read zero.
func TestPeerCloseWipesKeys(t *testing.T) {
	ms, _ := eap.NewMSCHAPv2(eap.MSCHAPv2Config{Credentials: eap.Credentials{User: "alice", Password: "pässwörd"}})
	pw := eap.NewPWD(eap.PWDConfig{Credentials: eap.Credentials{User: "alice@pwd", Password: "correct horse"}})
	for _, c := range []struct {
		name   string
		method eap.Method
		server eaptest.Method
	}{
		{"MSCHAPv2", ms, &eaptest.MSCHAPv2{User: "alice", Password: "pässwörd"}},
		{"PWD", pw, &eaptest.PWD{Password: "correct horse", ServerID: "server.example.org"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			peer := newPeer(t, c.method)
			if err := eaptest.Run(context.Background(), peer, &eaptest.Server{Methods: []eaptest.Method{c.server}}); err != nil {
				t.Fatal(err)
			}
			res, err := peer.Result()
			if err != nil {
				t.Fatal(err)
			}
			msk, emsk := c.method.Keys()
			keys := [][]byte{res.MSK, res.EMSK, msk, emsk}
			for _, k := range keys {
				if k != nil && bytes.Equal(k, make([]byte, len(k))) {
					t.Fatal("a key is zero before Close")
				}
			}
			if err := peer.Close(); err != nil {
				t.Fatal(err)
			}
			for i, k := range keys {
				if !bytes.Equal(k, make([]byte, len(k))) {
					t.Errorf("key %d (%d octets) not wiped by Close", i, len(k))
				}
			}
			if m, _ := c.method.Keys(); m != nil {
				t.Error("the method still hands out an MSK")
			}
			peer.Close() // twice is fine
		})
	}
}
