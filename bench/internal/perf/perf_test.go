package perf

import (
	"testing"
)

// One party of a call holds at most 64 KiB in both layers (the memory
// target of go run ./bench).
func TestMemoryPerCall(t *testing.T) {
	const limit = 64 << 10 // bytes
	m, err := MeasureMemory(200)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("per call: both layers %.0f B, e2ee %.0f B, srtp %.0f B", m.Both, m.E2EE, m.SRTP)
	if m.Both > limit {
		t.Errorf("a call holds %.0f bytes, want at most %d", m.Both, limit)
	}
	if m.Both <= 0 || m.E2EE <= 0 || m.SRTP <= 0 {
		t.Errorf("implausible measure %+v: the heap did not grow", m)
	}
}

func TestHandshake(t *testing.T) {
	for _, s := range HandshakeSuites {
		if err := HandshakeSupported(s); err != nil {
			t.Logf("%v: not supported by keyexchange.New: %v", s, err)
			continue
		}
		if err := handshake(s); err != nil {
			t.Errorf("%v: %v", s, err)
		}
	}
}

func TestCallStreams(t *testing.T) {
	// 64 kbit/s of 160-byte packets is 50 packets/s (20 ms Opus frames).
	if got := CallStreams[0].PacketsPerSecond(); got != 50 {
		t.Errorf("audio: %v packets/s, want 50", got)
	}
	// A path that costs 1 µs per packet in each direction: 2 µs × 444 packets/s.
	us := func(int) float64 { return 1000 }
	var pps float64
	for _, s := range CallStreams {
		pps += s.PacketsPerSecond()
	}
	if got, want := CallsPerCore(us, us), 1e9/(2000*pps); got != want {
		t.Errorf("CallsPerCore = %v, want %v", got, want)
	}
}
