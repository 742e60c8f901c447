package srtp

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeysFromDTLS checks the RFC 5764, Section 4.2 layout against a fixed
// material of counting bytes: client key, server key, client salt, server salt.
func TestKeysFromDTLS(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(p.String(), func(t *testing.T) {
			k, s := p.KeySize(), p.SaltSize()
			material := make([]byte, 2*(k+s))
			for i := range material {
				material[i] = byte(i)
			}
			at := func(off, n int) []byte { return bytes.Clone(material[off : off+n]) }
			clientKeys := Keys{MasterKey: at(0, k), MasterSalt: at(2*k, s)}
			serverKeys := Keys{MasterKey: at(k, k), MasterSalt: at(2*k+s, s)}

			local, remote, err := KeysFromDTLS(p, material, true)
			require.NoError(t, err)
			assert.Equal(t, clientKeys, local)
			assert.Equal(t, serverKeys, remote)

			local, remote, err = KeysFromDTLS(p, material, false)
			require.NoError(t, err)
			assert.Equal(t, serverKeys, local)
			assert.Equal(t, clientKeys, remote)

			// The keys are copies.
			clear(material)
			assert.Equal(t, serverKeys, local)

			// Client and server sessions interoperate.
			for i := range material {
				material[i] = byte(i * 3)
			}
			cl, cr, err := KeysFromDTLS(p, material, true)
			require.NoError(t, err)
			sl, sr, err := KeysFromDTLS(p, material, false)
			require.NoError(t, err)
			client, err := NewSession(p, cl, cr)
			require.NoError(t, err)
			server, err := NewSession(p, sl, sr)
			require.NoError(t, err)
			roundTrip(t, client, server)
			roundTrip(t, server, client)

			for _, n := range []int{0, len(material) - 1, len(material) + 1} {
				_, _, err := KeysFromDTLS(p, make([]byte, n), true)
				assert.Error(t, err, "length %d", n)
			}
		})
	}
	_, _, err := KeysFromDTLS(Profile(0), make([]byte, 56), true)
	assert.Error(t, err)
}

// roundTrip sends one RTP packet from a to b.
func roundTrip(t *testing.T, a, b *Session) {
	t.Helper()
	pkt := rtpPacket(42, 1, 100)
	srtp, err := a.ProtectRTP(nil, pkt)
	require.NoError(t, err)
	out, err := b.UnprotectRTP(nil, srtp)
	require.NoError(t, err)
	assert.Equal(t, pkt, out)
}

// handshake runs a complete keyexchange handshake between Alice (initiator)
// and Bob (responder).
func handshake(t *testing.T) (alice, bob *keyexchange.Result) {
	t.Helper()
	callID := []byte("srtp-test-call")
	a, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Initiator, CallID: callID, LocalID: "alice", PeerID: "bob"})
	require.NoError(t, err)
	b, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Responder, CallID: callID, LocalID: "bob", PeerID: "alice"})
	require.NoError(t, err)
	msg, err := a.Start()
	require.NoError(t, err)
	for turn := 0; msg != nil; turn++ {
		require.Less(t, turn, 10, "handshake does not finish")
		h := b
		if turn%2 == 1 {
			h = a
		}
		msg, err = h.Handle(msg)
		require.NoError(t, err)
	}
	alice, err = a.Result()
	require.NoError(t, err)
	bob, err = b.Result()
	require.NoError(t, err)
	return alice, bob
}

func TestKeysFromResult(t *testing.T) {
	for _, p := range allProfiles {
		t.Run(p.String(), func(t *testing.T) {
			aliceRes, bobRes := handshake(t) // a Result keys one session
			al, ar, err := KeysFromResult(p, aliceRes)
			require.NoError(t, err)
			bl, br, err := KeysFromResult(p, bobRes)
			require.NoError(t, err)

			// Symmetric: what Alice protects with, Bob unprotects with.
			assert.Equal(t, al, br)
			assert.Equal(t, ar, bl)
			assert.NotEqual(t, al.MasterKey, ar.MasterKey)
			assert.Len(t, al.MasterKey, p.KeySize())
			assert.Len(t, al.MasterSalt, p.SaltSize())

			alice, err := NewSession(p, al, ar)
			require.NoError(t, err)
			bob, err := NewSession(p, bl, br)
			require.NoError(t, err)
			roundTrip(t, alice, bob)
			roundTrip(t, bob, alice)
		})
	}
	aliceRes, _ := handshake(t)
	_, _, err := KeysFromResult(DefaultProfile, nil)
	assert.ErrorIs(t, err, ErrInvalidKeys)
	_, _, err = KeysFromResult(Profile(0), aliceRes)
	assert.ErrorIs(t, err, ErrUnsupportedProfile)
	_, _, err = KeysFromResult(DefaultProfile, aliceRes) // the bad profile took nothing
	assert.NoError(t, err)
}

// TestKeysFromResultOnce: a Result's transport keys key one SRTP session. A
// second KeysFromResult, with any profile, would restart the SRTP index
// under the same master key (keystream reuse), so it fails.
func TestKeysFromResultOnce(t *testing.T) {
	res, _ := handshake(t)
	l, r, err := KeysFromResult(DefaultProfile, res)
	require.NoError(t, err)
	require.NotEqual(t, make([]byte, len(l.MasterKey)), l.MasterKey)
	require.NotEqual(t, l.MasterKey, r.MasterKey)
	for _, p := range allProfiles {
		l2, r2, err := KeysFromResult(p, res)
		require.ErrorIs(t, err, keyexchange.ErrSecretsTaken, "%v", p)
		require.Nil(t, l2.MasterKey)
		require.Nil(t, r2.MasterKey)
	}
}

// TestKeysFromResultRefused: a Result whose call was refused by policy (a
// party requires E2EE, and it is off) yields no keys, with a typed error;
// an E2EE-off call that nobody refused still gets its transport keys.
func TestKeysFromResultRefused(t *testing.T) {
	for _, refused := range []bool{false, true} {
		callID := []byte("srtp-policy-call")
		a, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Initiator, CallID: callID, LocalID: "alice", PeerID: "bob",
			Policy: policy.Party{RequireE2EE: refused}})
		require.NoError(t, err)
		b, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Responder, CallID: callID, LocalID: "bob", PeerID: "alice",
			Policy: policy.Party{ComplianceRecording: true}})
		require.NoError(t, err)
		msg, err := a.Start()
		require.NoError(t, err)
		for turn := 0; msg != nil; turn++ {
			h := b
			if turn%2 == 1 {
				h = a
			}
			msg, err = h.Handle(msg)
			require.NoError(t, err)
		}
		res, err := a.Result()
		require.ErrorIs(t, err, keyexchange.ErrE2EEDisabled)
		local, _, err := KeysFromResult(DefaultProfile, res)
		if !refused {
			require.NoError(t, err)
			assert.Len(t, local.MasterKey, DefaultProfile.KeySize())
			continue
		}
		require.ErrorIs(t, err, keyexchange.ErrE2EERequired)
		var pe *keyexchange.PolicyError
		require.ErrorAs(t, err, &pe)
		assert.True(t, pe.Decision.Refused)
		assert.Nil(t, local.MasterKey)
	}
}

// TestKeysFromResultVectors checks the expansion of a transport secret into
// SRTP master keys and salts (keyexchange/PROTOCOL.md) against
// testdata/keys_from_result.json, whose transport secrets are those of
// keyexchange/testdata/handshake_vectors.json.
func TestKeysFromResultVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/keys_from_result.json")
	require.NoError(t, err)
	var vectors []struct {
		Handshake       string `json:"handshake"`
		Secret          string `json:"secret"`
		TransportSecret string `json:"transport_secret"`
		Profile         string `json:"profile"`
		MasterKey       string `json:"master_key"`
		MasterSalt      string `json:"master_salt"`
	}
	require.NoError(t, json.Unmarshal(data, &vectors))
	require.Len(t, vectors, 18)
	byName := make(map[string]Profile)
	for _, p := range allProfiles {
		byName[p.String()] = p
	}
	for _, v := range vectors {
		p, ok := byName[v.Profile]
		require.True(t, ok, v.Profile)
		secret, err := hex.DecodeString(v.TransportSecret)
		require.NoError(t, err)
		k, err := expandTransportSecret(p, secret)
		require.NoError(t, err)
		require.Equal(t, v.MasterKey, hex.EncodeToString(k.MasterKey), "%s %s %v", v.Handshake, v.Secret, p)
		require.Equal(t, v.MasterSalt, hex.EncodeToString(k.MasterSalt), "%s %s %v", v.Handshake, v.Secret, p)
	}
}
