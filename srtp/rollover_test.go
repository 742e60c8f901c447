package srtp

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRolloverLongStream runs one SSRC's stream of 2^16 + 1024 packets
// through a session pair, starting 512 packets before the 16-bit sequence
// number wraps, so the receiver must advance its rollover counter twice
// (RFC 3711, Section 3.3.1: the index is 2^16 * ROC + SEQ and the receiver
// estimates the ROC of each packet, Appendix A). Around each wrap the path
// reorders packets across the wrap point, loses a run of packets, and
// replays packets from before the wrap; every delivered packet must
// unprotect to exactly what was sent, and every replay must be refused.
func TestRolloverLongStream(t *testing.T) {
	const (
		start = uint16(0xfe00)
		total = 1<<16 + 1024
		ssrc  = 0x5eed
	)
	for _, p := range allProfiles {
		t.Run(p.String(), func(t *testing.T) {
			alice, bob := testPair(t, p)
			var (
				held    [][]byte // protected, delayed to after the wrap
				heldRTP [][]byte
				old     [][]byte // delivered before a wrap, replayed after it
				sbuf    = make([]byte, 0, 64)
				rbuf    = make([]byte, 0, 64)
			)
			deliver := func(srtp, want []byte) {
				t.Helper()
				got, err := bob.UnprotectRTP(rbuf[:0], srtp)
				require.NoError(t, err, "seq %#04x", uint16(want[2])<<8|uint16(want[3]))
				require.True(t, bytes.Equal(want, got), "seq %#04x: payload differs", uint16(want[2])<<8|uint16(want[3]))
			}
			delivered, wraps := 0, 0
			seq := start
			for range total {
				pkt := rtpPacket(ssrc, seq, 20)
				srtp, err := alice.ProtectRTP(sbuf[:0], pkt)
				require.NoError(t, err)
				switch {
				case seq >= 0xfff0 && seq <= 0xfff3:
					// Reordered across the wrap: arrive after seq 0x0002.
					held, heldRTP = append(held, bytes.Clone(srtp)), append(heldRTP, pkt)
				case seq >= 0xffe0 && seq < 0xffe8:
					deliver(srtp, pkt)
					old = append(old, bytes.Clone(srtp))
					delivered++
				case wraps == 1 && seq >= 0xff80 && seq < 0xffc0:
					// Lost: a gap of 64 just before the second wrap.
				default:
					deliver(srtp, pkt)
					delivered++
				}
				if seq == 0x0002 {
					wraps++
					for j := range held {
						deliver(held[j], heldRTP[j])
						delivered++
					}
					for _, o := range old {
						_, err := bob.UnprotectRTP(rbuf[:0], o)
						require.ErrorIs(t, err, ErrReplay, "pre-wrap packet replayed after wrap %d", wraps)
					}
					held, heldRTP, old = held[:0], heldRTP[:0], old[:0]
				}
				seq++
			}
			require.Equal(t, 2, wraps)
			require.Equal(t, total-64, delivered)

			// The sender is at ROC 2 now; its next packet must open, so the
			// receiver's rollover counter followed it.
			pkt := rtpPacket(ssrc, seq, 20)
			srtp, err := alice.ProtectRTP(nil, pkt)
			require.NoError(t, err)
			deliver(srtp, pkt)
		})
	}
}
