package e2ee

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
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

// TestNewSessionOnce: a Result keys one session. Two would both start the
// SFrame CTR at 0 under the same key, so the XOR of two packets sealed by
// them would be the XOR of the plaintexts; the second NewSession fails.
func TestNewSessionOnce(t *testing.T) {
	ri, rr := handshake(t)
	first, err := NewSession(ri)
	require.NoError(t, err)
	second, err := NewSession(ri)
	require.ErrorIs(t, err, keyexchange.ErrSecretsTaken)
	require.Nil(t, second)
	_, _, err = ri.TakeMediaSecrets()
	require.ErrorIs(t, err, keyexchange.ErrSecretsTaken)

	// The first session still works with the peer's.
	bob, err := NewSession(rr)
	require.NoError(t, err)
	pkt := makeRTP(t, payloadOf(100), pktOpts{})
	sealed, err := first.Seal(nil, pkt, Audio)
	require.NoError(t, err)
	opened, _, err := bob.Open(nil, sealed)
	require.NoError(t, err)
	require.Equal(t, pkt, opened)
}

// TestClaim: a session belongs to the first owner that claims it.
func TestClaim(t *testing.T) {
	s, _ := newPair(t)
	a, b := new(int), new(int)
	require.NoError(t, s.Claim(a))
	require.NoError(t, s.Claim(a), "the owner may claim again")
	require.ErrorIs(t, s.Claim(b), ErrSessionInUse)
	require.ErrorIs(t, s.Claim(nil), ErrSessionInUse)
	require.ErrorIs(t, s.Claim([]byte{1}), ErrSessionInUse, "not comparable")
	s.Close()
	require.ErrorIs(t, s.Claim(b), ErrSessionInUse, "also after Close")
}

// TestNewSessionRefusesE2EEOff: a Result whose policy decision is E2EE off
// has no media secrets; NewSession refuses it with a typed error that
// carries the decision, also when the call was refused outright.
func TestNewSessionRefusesE2EEOff(t *testing.T) {
	for _, require2 := range []bool{false, true} {
		callID := []byte("e2ee-policy-call")
		i, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Initiator, CallID: callID, LocalID: "alice", PeerID: "bob",
			Policy: policy.Party{RequireE2EE: require2}})
		require.NoError(t, err)
		r, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Responder, CallID: callID, LocalID: "bob", PeerID: "alice",
			Policy: policy.Party{ComplianceRecording: true}})
		require.NoError(t, err)
		msg, err := i.Start()
		require.NoError(t, err)
		for turn := 0; msg != nil; turn++ {
			next := r
			if turn%2 == 1 {
				next = i
			}
			msg, err = next.Handle(msg)
			require.NoError(t, err)
		}
		for _, h := range []*keyexchange.Handshake{i, r} {
			res, _ := h.Result()
			require.NotNil(t, res)
			sess, err := NewSession(res)
			require.Nil(t, sess)
			require.ErrorIs(t, err, keyexchange.ErrE2EEDisabled)
			require.Equal(t, require2, errors.Is(err, keyexchange.ErrE2EERequired))
			var pe *keyexchange.PolicyError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, policy.ReasonComplianceRecording, pe.Decision.Reason)
		}
	}
}
