package srtp

import (
	"errors"
	"testing"
)

// FuzzUnprotectRTP feeds arbitrary bytes to UnprotectRTP and UnprotectRTCP:
// they must never panic, must fail with one of the sentinels, and may succeed
// only on a packet that was really protected (the seeds), never on a
// mutation of one.
func FuzzUnprotectRTP(f *testing.F) {
	valid := map[string]bool{}
	for i, p := range allProfiles {
		alice, _ := testPair(f, p)
		for seq, n := range []int{0, 1, 160, 1200} {
			srtp, err := alice.ProtectRTP(nil, rtpPacket(1, uint16(seq), n))
			if err != nil {
				f.Fatal(err)
			}
			valid[string(append([]byte{byte(i)}, srtp...))] = true
			f.Add(uint8(i), srtp)
			ext, err := alice.ProtectRTP(nil, rtpPacketExt(1, uint16(seq+10), n))
			if err != nil {
				f.Fatal(err)
			}
			valid[string(append([]byte{byte(i)}, ext...))] = true
			f.Add(uint8(i), ext)
		}
		srtcp, err := alice.ProtectRTCP(nil, rtcpPacket(1))
		if err != nil {
			f.Fatal(err)
		}
		valid[string(append([]byte{byte(i) | 0x80}, srtcp...))] = true
		f.Add(uint8(i)|0x80, srtcp)
	}
	f.Add(uint8(0), []byte{})
	f.Add(uint8(1), []byte{0x80})
	f.Add(uint8(2), []byte{0x9f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})

	f.Fuzz(func(t *testing.T, sel uint8, pkt []byte) {
		p := allProfiles[int(sel&0x7f)%len(allProfiles)]
		_, bob := testPair(t, p)
		isRTCP := sel&0x80 != 0
		key := append([]byte{byte(int(sel&0x7f)%len(allProfiles)) | sel&0x80}, pkt...)

		var out []byte
		var err error
		if isRTCP {
			out, err = bob.UnprotectRTCP([]byte("x"), pkt)
		} else {
			out, err = bob.UnprotectRTP([]byte("x"), pkt)
		}
		if err != nil {
			if !errors.Is(err, ErrAuth) && !errors.Is(err, ErrReplay) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("error is none of the sentinels: %v", err)
			}
			if out != nil {
				t.Fatalf("output %x with error", out)
			}
			return
		}
		if !valid[string(key)] {
			t.Fatalf("unprotected a packet that was never protected: %x", pkt)
		}
		if string(out[:1]) != "x" {
			t.Fatal("prefix lost")
		}
	})
}
