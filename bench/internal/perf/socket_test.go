package perf

import (
	"math"
	"testing"
)

// Every variant carries its packets over loopback and costs some CPU.
func TestSocketCPU(t *testing.T) {
	for _, n := range SocketSizes {
		for _, v := range SocketVariants {
			ns, err := SocketCPU(v, n, 500)
			if err != nil {
				t.Fatalf("%d B %v: %v", n, v, err)
			}
			if ns <= 0 {
				t.Errorf("%d B %v: %.0f ns/packet", n, v, ns)
			}
		}
	}
}

// Both SFU loops forward every packet to every listener.
func TestSFUForward(t *testing.T) {
	for _, batched := range []bool{true, false} {
		s, err := SFUForward(batched, 7, 300)
		if err != nil {
			t.Fatalf("batched=%v: %v", batched, err)
		}
		if s.In != 300 || s.NsPerIn <= 0 || math.Abs(s.NsPerOut*7-s.NsPerIn) > 1e-6*s.NsPerIn {
			t.Errorf("batched=%v: %+v", batched, s)
		}
	}
}
