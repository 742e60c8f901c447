package e2ee

import (
	"bytes"
	"testing"

	"github.com/pion/rtp"
	"github.com/stretchr/testify/require"
)

var (
	secretA = bytes.Repeat([]byte{0xa1}, 32) // alice → bob
	secretB = bytes.Repeat([]byte{0xb2}, 32) // bob → alice
)

// newPair returns two sessions with swapped secrets: alice seals what bob
// opens and vice versa.
func newPair(t testing.TB, cfg ...Config) (alice, bob *Session) {
	t.Helper()
	alice, err := NewSessionFromSecrets(secretA, secretB, cfg...)
	require.NoError(t, err)
	bob, err = NewSessionFromSecrets(secretB, secretA, cfg...)
	require.NoError(t, err)
	return alice, bob
}

type pktOpts struct {
	csrc []uint32
	ext  []byte // one-byte header extension id 1 payload, if non-nil
	seq  uint16
}

// makeRTP marshals an RTP packet with pion/rtp (independent of our parser).
func makeRTP(t testing.TB, payload []byte, o pktOpts) []byte {
	t.Helper()
	p := rtp.Packet{
		Header: rtp.Header{
			Version:        2,
			Marker:         true,
			PayloadType:    111,
			SequenceNumber: o.seq,
			Timestamp:      0x11223344,
			SSRC:           0xdeadbeef,
			CSRC:           o.csrc,
		},
		Payload: payload,
	}
	if o.ext != nil {
		require.NoError(t, p.Header.SetExtension(1, o.ext))
	}
	b, err := p.Marshal()
	require.NoError(t, err)
	return b
}

func payloadOf(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// sealOpenAllocs returns the allocations of one alice.Seal of pkt as kind
// and one bob.Open of the result, into buffers of their own or, with
// inPlace, both in one buffer, averaged over 200 runs.
func sealOpenAllocs(alice, bob *Session, pkt []byte, kind MediaKind, inPlace bool) float64 {
	sealBuf := make([]byte, 0, len(pkt)+alice.Overhead())
	openBuf := make([]byte, 0, len(pkt)+alice.Overhead())
	return testing.AllocsPerRun(200, func() {
		in := pkt
		if inPlace {
			in = sealBuf[:len(pkt)]
			copy(in, pkt)
		}
		sealed, err := alice.Seal(sealBuf[:0], in, kind)
		if err != nil {
			panic(err)
		}
		dst := openBuf[:0]
		if inPlace {
			dst = sealed[:0]
		}
		if _, _, err := bob.Open(dst, sealed); err != nil {
			panic(err)
		}
	})
}
