package ie

import "testing"

func TestCodeNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Reason4WayHandshakeTimeout.String(), "4WAY_HANDSHAKE_TIMEOUT"},
		{ReasonCode(3).String(), "LEAVING_NETWORK_DEAUTH"},
		{ReasonCode(999).String(), "reason 999"},
		{ReasonCode(999).Name(), ""},
		{StatusSuccess.String(), "SUCCESS"},
		{StatusCode(17).String(), "DENIED_NO_MORE_STAS"},
		{StatusSAEHashToElement.String(), "SAE_HASH_TO_ELEMENT"},
		{StatusCode(4).String(), "status 4"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}
