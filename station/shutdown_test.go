package station

import (
	"testing"
	"time"
)

// Run returns when its context ends even with more background results
// waiting than done holds (a worker blocked on done kept shutdown's Wait
// from returning: stop is closed only after it).
func TestShutdownWithResultsPending(t *testing.T) {
	h := newHarness(t, nil, false)
	if err := h.st.call(t.Context(), func() {
		for range 4 * cap(h.st.done) {
			h.st.async(func() func() { return func() {} })
		}
		h.cancel()
		time.Sleep(50 * time.Millisecond) // the workers fill done and block
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
}
