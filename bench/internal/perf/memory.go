package perf

import (
	"fmt"
	"runtime"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/srtp"
)

// Memory is the heap one party holds per call, in bytes, averaged over Calls
// calls.
type Memory struct {
	Calls int
	// Both is both layers (the e2ee and the srtp Session) after three
	// streams (audio, video, screen share) were sent and received in each
	// direction, so that every per-stream state exists: e2ee send and receive
	// keys with their replay windows, pion's per-SSRC contexts with theirs.
	Both float64
	// E2EE and SRTP are each layer alone, measured the same way.
	E2EE, SRTP float64
}

// endpoint is what one party of a call keeps: its two sessions.
type endpoint struct {
	e *e2ee.Session
	s *srtp.Session
}

// MeasureMemory creates calls calls, runs the three streams each way through
// them, keeps one party of each and returns the growth of the live heap
// (runtime.MemStats.HeapAlloc after a full GC) divided by calls. Packet
// buffers, which belong to the application, are not counted.
func MeasureMemory(calls int) (Memory, error) {
	m := Memory{Calls: calls}
	var err error
	if m.Both, err = heapPerCall(calls, func() (any, error) { return warmCall(true, true) }); err != nil {
		return m, err
	}
	if m.E2EE, err = heapPerCall(calls, func() (any, error) { return warmCall(true, false) }); err != nil {
		return m, err
	}
	if m.SRTP, err = heapPerCall(calls, func() (any, error) { return warmCall(false, true) }); err != nil {
		return m, err
	}
	return m, nil
}

// heapPerCall returns the live-heap growth per object that build creates and
// that is kept.
func heapPerCall(n int, build func() (any, error)) (float64, error) {
	keep := make([]any, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range keep {
		v, err := build()
		if err != nil {
			return 0, err
		}
		keep[i] = v
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n), nil
}

// bobSSRC gives bob's streams SSRCs of their own.
const bobSSRC = 0x0b0b0000

// warmCall sets up one call between alice and bob with the layers asked for,
// sends one packet of each of the three streams in each direction, and
// returns alice's endpoint; bob's side becomes garbage.
func warmCall(withE2EE, withSRTP bool) (*endpoint, error) {
	var alice, bob endpoint
	var err error
	if withE2EE {
		if alice.e, err = e2eeAlice(DefaultSuite); err != nil {
			return nil, err
		}
		if bob.e, err = e2eeBob(DefaultSuite); err != nil {
			return nil, err
		}
	}
	if withSRTP {
		if alice.s, err = srtpAlice(DefaultProfile); err != nil {
			return nil, err
		}
		if bob.s, err = srtpBob(DefaultProfile); err != nil {
			return nil, err
		}
	}
	for _, st := range CallStreams {
		if err := transfer(&alice, &bob, rtpPacket(st.Kind, st.Payload, 1), st.Kind); err != nil {
			return nil, fmt.Errorf("%s alice→bob: %w", st.Name, err)
		}
		pkt := rtpPacketSSRC(st.Kind, bobSSRC|uint32(st.Kind), st.Payload, 1)
		if err := transfer(&bob, &alice, pkt, st.Kind); err != nil {
			return nil, fmt.Errorf("%s bob→alice: %w", st.Name, err)
		}
	}
	return &alice, nil
}

// transfer sends pkt from one endpoint to the other through the layers they
// have.
func transfer(from, to *endpoint, pkt []byte, kind e2ee.MediaKind) error {
	var err error
	if from.e != nil {
		if pkt, err = from.e.Seal(nil, pkt, kind); err != nil {
			return err
		}
	}
	if from.s != nil {
		if pkt, err = from.s.ProtectRTP(nil, pkt); err != nil {
			return err
		}
		if pkt, err = to.s.UnprotectRTP(nil, pkt); err != nil {
			return err
		}
	}
	if from.e != nil {
		if _, _, err = to.e.Open(nil, pkt); err != nil {
			return err
		}
	}
	return nil
}
