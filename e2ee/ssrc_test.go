package e2ee

import (
	"testing"

	"github.com/pion/rtp"
	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee/sframe"
)

func rtpWithSSRC(t testing.TB, ssrc uint32, seq uint16) []byte {
	t.Helper()
	b, err := (&rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, SSRC: ssrc},
		Payload: payloadOf(50),
	}).Marshal()
	require.NoError(t, err)
	return b
}

// The streams of the per-SSRC tests: alice sends one audio and two video
// streams, bob one audio stream.
var (
	aliceStreams = []RTPStream{{SSRC: 0x1111, Kind: Audio}, {SSRC: 0x2222, Kind: Video}, {SSRC: 0x3333, Kind: Video}}
	bobStreams   = []RTPStream{{SSRC: 0x9999, Kind: Audio}}
)

// newSSRCPair is newPair with per-SSRC keys: alice sends aliceStreams, bob
// bobStreams.
func newSSRCPair(t *testing.T) (alice, bob *Session) {
	t.Helper()
	alice, err := NewSessionFromSecrets(secretA, secretB, Config{SendStreams: aliceStreams, RecvStreams: bobStreams})
	require.NoError(t, err)
	bob, err = NewSessionFromSecrets(secretB, secretA, Config{SendStreams: bobStreams, RecvStreams: aliceStreams})
	require.NoError(t, err)
	return alice, bob
}

func TestSSRCKeys(t *testing.T) {
	alice, bob := newSSRCPair(t)

	// The key of each stream is the draft's: the SSRC key derived once from
	// the kind's base key, then ratcheted per stream (RFC 9605, Section 5.1).
	bases := map[uint32][]byte{}
	for _, st := range aliceStreams {
		kindBase, err := deriveBaseKey(secretA, st.Kind)
		require.NoError(t, err)
		bases[st.SSRC], err = sframe.DeriveSSRCKey(DefaultCipherSuite, kindBase, st.SSRC)
		require.NoError(t, err)
	}
	for epoch := range uint64(3) {
		for _, st := range aliceStreams {
			want, err := sframe.NewKey(DefaultCipherSuite, kid(epoch, st.Kind), bases[st.SSRC])
			require.NoError(t, err)
			pkt := rtpWithSSRC(t, st.SSRC, uint16(epoch))
			sealed, err := alice.Seal(nil, pkt, st.Kind)
			require.NoError(t, err)
			_, h, err := want.Open(nil, sealed[12:], sealed[:12])
			require.NoError(t, err, "SSRC %#x epoch %d: not the draft's key", st.SSRC, epoch)
			require.Equal(t, uint64(0), h.CTR, "each stream and epoch has its own counter")
			opened, kind, err := bob.Open(nil, sealed)
			require.NoError(t, err)
			require.Equal(t, st.Kind, kind)
			require.Equal(t, pkt, opened)
			bases[st.SSRC], err = sframe.Ratchet(DefaultCipherSuite, bases[st.SSRC])
			require.NoError(t, err)
		}
		require.NoError(t, alice.Rekey())
	}

	// Streams of one kind have distinct keys: relabelling the SSRC fails.
	sealed, err := alice.Seal(nil, rtpWithSSRC(t, 0x2222, 9), Video)
	require.NoError(t, err)
	sealed[11] = 0x33 // SSRC 0x2222 → 0x2233: not announced
	_, _, err = bob.Open(nil, sealed)
	require.ErrorIs(t, err, ErrUnknownKey)

	// Unannounced SSRCs and kinds are refused.
	_, err = alice.Seal(nil, rtpWithSSRC(t, 0x4444, 1), Video)
	require.ErrorIs(t, err, ErrUnknownKey)
	_, err = alice.Seal(nil, rtpWithSSRC(t, 0x2222, 1), Audio)
	require.ErrorIs(t, err, ErrUnknownKey)
	p, err := bob.Seal(nil, rtpWithSSRC(t, 0x9999, 1), Audio)
	require.NoError(t, err)
	_, _, err = alice.Open(nil, p)
	require.NoError(t, err)

	// Without the option on the peer, nothing opens.
	plain, _ := newPair(t)
	p, err = plain.Seal(nil, rtpWithSSRC(t, 0x1111, 1), Audio)
	require.NoError(t, err)
	_, _, err = bob.Open(nil, p)
	require.Error(t, err)
}

func TestSSRCKeysConfigErrors(t *testing.T) {
	for name, cfg := range map[string]Config{
		"bad kind": {SendStreams: []RTPStream{{SSRC: 1, Kind: 3}}},
		"dup send": {SendStreams: []RTPStream{{SSRC: 1}, {SSRC: 1, Kind: Video}}},
		"dup recv": {RecvStreams: []RTPStream{{SSRC: 7}, {SSRC: 7}}},
	} {
		_, err := NewSessionFromSecrets(secretA, secretB, cfg)
		require.ErrorIs(t, err, ErrInvalidConfig, name)
	}
	// Both lists empty: keys per media kind, not per SSRC.
	s, err := NewSessionFromSecrets(secretA, secretB, Config{SendStreams: []RTPStream{}})
	require.NoError(t, err)
	require.False(t, s.perSSRC)
}
