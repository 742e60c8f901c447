package e2ee

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/keyexchange"
)

// handshake runs a keyexchange handshake in memory and returns both results.
// It fails the test if the handshake does not complete.
func handshake(t *testing.T) (initiator, responder *keyexchange.Result) {
	t.Helper()
	callID := []byte("e2ee-test-call")
	i, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Initiator, CallID: callID, LocalID: "alice", PeerID: "bob"})
	require.NoError(t, err, "keyexchange handshake")
	r, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Responder, CallID: callID, LocalID: "bob", PeerID: "alice"})
	require.NoError(t, err, "keyexchange handshake")
	msg, err := i.Start()
	require.NoError(t, err, "keyexchange handshake")
	for turn := 0; msg != nil && turn < 8; turn++ {
		next := r
		if turn%2 == 1 {
			next = i
		}
		msg, err = next.Handle(msg)
		require.NoError(t, err, "keyexchange handshake, turn %d", turn)
	}
	ri, err := i.Result()
	require.NoError(t, err, "keyexchange handshake")
	rr, err := r.Result()
	require.NoError(t, err, "keyexchange handshake")
	return ri, rr
}

func TestNewSessionFromHandshake(t *testing.T) {
	ri, rr := handshake(t)
	alice, err := NewSession(ri)
	require.NoError(t, err)
	bob, err := NewSession(rr)
	require.NoError(t, err)
	for _, kind := range allKinds {
		pkt := makeRTP(t, payloadOf(100), pktOpts{})
		sealed, err := alice.Seal(nil, pkt, kind)
		require.NoError(t, err)
		opened, k, err := bob.Open(nil, sealed)
		require.NoError(t, err)
		require.Equal(t, kind, k)
		require.Equal(t, pkt, opened)

		sealed, err = bob.Seal(nil, pkt, kind)
		require.NoError(t, err)
		opened, _, err = alice.Open(nil, sealed)
		require.NoError(t, err)
		require.Equal(t, pkt, opened)
	}
}
