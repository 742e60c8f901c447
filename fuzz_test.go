package callseal

import (
	"bytes"
	"testing"
)

// FuzzReceive feeds arbitrary datagrams to a Session's receive path (the
// header checks of rtp.go, then both layers): it must never panic, never
// deliver a packet that was not sealed by the peer, and the genuine packet
// sent after each one must still arrive intact.
func FuzzReceive(f *testing.F) {
	alice, bob, ap, _ := call(f, Config{})
	// Seeds: what the wire really carries (a protected RTP and RTCP packet
	// of alice's), plain RTP and RTCP, a packet with a CSRC list and a
	// header extension, and truncations.
	var seeds [][]byte
	ap.onWrite = func(pkt []byte) []byte { seeds = append(seeds, bytes.Clone(pkt)); return pkt }
	if err := alice.Stream(Audio).WriteRTP(rtpPacket(111, 0xa1, 1, 40)); err != nil {
		f.Fatal(err)
	}
	if err := alice.WriteRTCP(rtcpPacket(0xa1)); err != nil {
		f.Fatal(err)
	}
	ap.onWrite = nil
	if _, err := bob.Stream(Audio).ReadRTP(nil); err != nil {
		f.Fatal(err)
	}
	if _, err := bob.ReadRTCP(nil); err != nil {
		f.Fatal(err)
	}
	ext := rtpPacket(96, 0xb2, 7, 30)
	ext[0] |= 0x10 | 2 // X bit, two CSRCs
	ext = append(ext[:12], append([]byte{0, 0, 0, 1, 0, 0, 0, 2, 0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0}, ext[12:]...)...)
	seeds = append(seeds, rtpPacket(111, 0xa1, 2, 40), rtcpPacket(0xa1), ext, []byte{0x80}, []byte{0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1})
	for _, s := range seeds {
		f.Add(s)
		f.Add(s[:len(s)/2])
	}

	l := bob.layers.Load()
	learned := make(map[uint32]MediaKind)
	seq := uint16(100)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		bob.handle(l, bytes.Clone(pkt), learned)
		// Nothing the fuzzer made may have been delivered: the next packet
		// on each stream is alice's genuine one.
		seq++
		for _, k := range Kinds {
			want := rtpPacket(testPT[k], testSSRC[0][k], seq, 30)
			if err := alice.Stream(k).WriteRTP(want); err != nil {
				t.Fatal(err)
			}
			got, err := bob.Stream(k).ReadRTP(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%v: got %x, want alice's genuine packet %x", k, got, want)
			}
		}
	})
}
