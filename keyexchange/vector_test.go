package keyexchange

import (
	"bytes"
	"crypto/mlkem"
	"crypto/mlkem/mlkemtest"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/keyexchange/internal/wire"
	"github.com/callseal/callseal/policy"
)

var update = flag.Bool("update", false, "rewrite testdata/handshake_vectors.json from the implementation")

// deterministicEncapsulation makes ML-KEM encapsulation read its 32-byte
// message m from Config.Rand through crypto/mlkem/mlkemtest (ML-KEM.Encaps_internal,
// FIPS 203 Algorithm 17), which crypto/mlkem allows for known-answer tests
// only. The production function is restored when the test ends.
func deterministicEncapsulation(t testing.TB) {
	old := encapsulate768
	encapsulate768 = func(ek *mlkem.EncapsulationKey768, rand io.Reader) ([]byte, []byte, error) {
		var m [32]byte
		if _, err := io.ReadFull(rand, m[:]); err != nil {
			return nil, nil, err
		}
		return mlkemtest.Encapsulate768(ek, m[:])
	}
	t.Cleanup(func() { encapsulate768 = old })
}

// handshakeVector is a full handshake with fixed randomness, documented in
// PROTOCOL.md ("Test vectors"). Byte strings are hex.
type handshakeVector struct {
	Name            string `json:"name"`
	Suite           string `json:"suite"`
	CallID          string `json:"call_id"`
	InitiatorID     string `json:"initiator_id"`
	ResponderID     string `json:"responder_id"`
	PolicyInitiator string `json:"policy_initiator"` // the 1-byte encoding
	PolicyResponder string `json:"policy_responder"`
	RetainedSecret  string `json:"retained_secret,omitempty"` // held by both before the call
	RandInitiator   string `json:"rand_initiator"`            // X25519 scalar ‖ [ML-KEM seed d‖z] ‖ nonce
	RandResponder   string `json:"rand_responder"`            // X25519 scalar ‖ [ML-KEM m] ‖ nonce
	Commit          string `json:"commit"`
	Response        string `json:"response"`
	Reveal          string `json:"reveal"`
	Confirm         string `json:"confirm"`
	TranscriptHash  string `json:"transcript_hash"`
	E2EE            bool   `json:"e2ee"`
	Reason          string `json:"reason"`
	Continuity      string `json:"continuity"`
	MediaI2R        string `json:"media_i2r"` // zero when e2ee is false
	MediaR2I        string `json:"media_r2i"`
	TransportI2R    string `json:"transport_i2r"`
	TransportR2I    string `json:"transport_r2i"`
	SAS             string `json:"sas"`
	NextRetained    string `json:"next_retained,omitempty"`
	ExportLabel     string `json:"export_label"`
	ExportContext   string `json:"export_context"`
	Export32        string `json:"export_32"`
}

type vectorCase struct {
	name         string
	suite        Suite
	polI, polR   policy.Party
	retained     []byte
	randI, randR []byte
}

func vectorCases() []vectorCase {
	return []vectorCase{
		{
			name: "X25519_SHA256", suite: X25519_SHA256,
			randI: seq(0x00, 32+32), randR: seq(0x40, 32+32),
		},
		{
			name: "X25519_MLKEM768_SHA256", suite: X25519_MLKEM768_SHA256,
			polI:  policy.Party{Admin: policy.DisabledUserOverride, UserEnabled: true},
			randI: seq(0x00, 32+mlkem.SeedSize+32), randR: seq(0x80, 32+32+32),
		},
		{
			name: "X25519_SHA256 with retained secret, E2EE off by policy", suite: X25519_SHA256,
			polR:     policy.Party{Admin: policy.Disabled},
			retained: seq(0xa0, SecretSize),
			randI:    seq(0x00, 32+32), randR: seq(0x40, 32+32),
		},
	}
}

func runVector(t *testing.T, vc vectorCase) handshakeVector {
	deterministicEncapsulation(t)
	var si, sr *memStore
	if vc.retained != nil {
		si, sr = newMemStore(), newMemStore()
		si.recs["bob"] = ContinuityRecord{Secret: [SecretSize]byte(vc.retained)}
		sr.recs["alice"] = ContinuityRecord{Secret: [SecretSize]byte(vc.retained)}
	}
	i, r := newPair(t, func(ci, cr *Config) {
		ci.Suites, cr.Suites = []Suite{vc.suite}, []Suite{vc.suite}
		ci.Policy, cr.Policy = vc.polI, vc.polR
		ci.Rand, cr.Rand = bytes.NewReader(vc.randI), bytes.NewReader(vc.randR)
		if si != nil {
			ci.Continuity, cr.Continuity = si, sr
		}
	})
	m := runHandshake(t, i, r)
	ri, errI := i.Result()
	rr, errR := r.Result()
	d := policy.Decide(vc.polI, vc.polR)
	if !d.E2EE {
		require.ErrorIs(t, errI, ErrE2EEDisabled)
		require.ErrorIs(t, errR, ErrE2EEDisabled)
	} else {
		require.NoError(t, errI)
		require.NoError(t, errR)
	}
	requireMatching(t, ri, rr)
	require.Equal(t, vc.suite, ri.Suite())
	pi, _ := wire.EncodePolicy(vc.polI)
	pr, _ := wire.EncodePolicy(vc.polR)
	th := ri.TranscriptHash()
	sas := ri.SASSecret()
	exp, err := ri.Export("EXPORTER-callseal-test", []byte("context"), 32)
	require.NoError(t, err)
	v := handshakeVector{
		Name:            vc.name,
		Suite:           ri.Suite().String(),
		CallID:          hex.EncodeToString(ri.CallID()),
		InitiatorID:     ri.LocalID(),
		ResponderID:     ri.PeerID(),
		PolicyInitiator: hex.EncodeToString([]byte{pi}),
		PolicyResponder: hex.EncodeToString([]byte{pr}),
		RetainedSecret:  hex.EncodeToString(vc.retained),
		RandInitiator:   hex.EncodeToString(vc.randI),
		RandResponder:   hex.EncodeToString(vc.randR),
		Commit:          hex.EncodeToString(m[0]),
		Response:        hex.EncodeToString(m[1]),
		Reveal:          hex.EncodeToString(m[2]),
		Confirm:         hex.EncodeToString(m[3]),
		TranscriptHash:  hex.EncodeToString(th[:]),
		E2EE:            ri.Decision().E2EE,
		Reason:          ri.Decision().Reason.String(),
		Continuity:      ri.Continuity().String(),
		MediaI2R:        hex.EncodeToString(ri.secrets.sendMedia[:]),
		MediaR2I:        hex.EncodeToString(ri.secrets.recvMedia[:]),
		TransportI2R:    hex.EncodeToString(ri.secrets.sendTransport[:]),
		TransportR2I:    hex.EncodeToString(ri.secrets.recvTransport[:]),
		SAS:             hex.EncodeToString(sas[:]),
		ExportLabel:     "EXPORTER-callseal-test",
		ExportContext:   hex.EncodeToString([]byte("context")),
		Export32:        hex.EncodeToString(exp),
	}
	if si != nil {
		recI, recR := si.recs["bob"], sr.recs["alice"]
		require.Equal(t, recI.Secret, recR.Secret)
		v.NextRetained = hex.EncodeToString(recI.Secret[:])
	}
	return v
}

// TestHandshakeVectors pins testdata/handshake_vectors.json: a second
// implementation can check itself against it (PROTOCOL.md, "Test
// vectors"). go test -run TestHandshakeVectors -update rewrites it after a
// deliberate change.
func TestHandshakeVectors(t *testing.T) {
	path := filepath.Join("testdata", "handshake_vectors.json")
	var got []handshakeVector
	for _, vc := range vectorCases() {
		got = append(got, runVector(t, vc))
	}
	if *update {
		data, err := json.MarshalIndent(got, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, append(data, '\n'), 0o644))
		t.Logf("wrote %s", path)
		return
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run TestHandshakeVectors -update to create it")
	var want []handshakeVector
	require.NoError(t, json.Unmarshal(data, &want))
	require.Equal(t, want, got, "the implementation no longer matches testdata/handshake_vectors.json")
}

// TestVectorsIndependent re-derives the secrets of the first vector from
// its messages alone, by the formulas of PROTOCOL.md, without the
// Handshake: X25519 from the scalars, the transcript hash from the
// messages as sent, HKDF with the labels.
func TestVectorsIndependent(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "handshake_vectors.json"))
	require.NoError(t, err)
	var vs []handshakeVector
	require.NoError(t, json.Unmarshal(data, &vs))
	unhex := func(s string) []byte {
		b, err := hex.DecodeString(s)
		require.NoError(t, err)
		return b
	}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			commit, response, reveal := unhex(v.Commit), unhex(v.Response), unhex(v.Reveal)
			th := transcriptHash(commit, response, reveal[:len(reveal)-wire.RevealConfirmFieldSize])
			require.Equal(t, v.TranscriptHash, hex.EncodeToString(th[:]))
			randI := unhex(v.RandInitiator)
			resp, err := wire.ParseResponse(response)
			require.NoError(t, err)
			priv := [32]byte(randI[:32])
			xSS, err := x25519(&priv, &resp.PublicKey)
			require.NoError(t, err)
			var kemSS []byte
			if v.Suite == X25519_MLKEM768_SHA256.String() {
				dk, err := mlkem.NewDecapsulationKey768(randI[32 : 32+mlkem.SeedSize])
				require.NoError(t, err)
				kemSS, err = dk.Decapsulate(resp.KEMCiphertext)
				require.NoError(t, err)
			}
			ks, err := deriveKeys(ikm(kemSS, xSS, unhex(v.RetainedSecret)), &th)
			require.NoError(t, err)
			require.Equal(t, v.SAS, hex.EncodeToString(ks.sas[:]))
			require.Equal(t, v.TransportI2R, hex.EncodeToString(ks.transportI2R[:]))
			if v.E2EE {
				require.Equal(t, v.MediaI2R, hex.EncodeToString(ks.mediaI2R[:]))
			}
			if v.NextRetained != "" {
				require.Equal(t, v.NextRetained, hex.EncodeToString(ks.retained[:]))
			}
			mac := confirmMAC(&ks.confirmResponder, &th)
			require.Equal(t, v.Confirm[len(v.Confirm)-64:], hex.EncodeToString(mac[:]))
		})
	}
}

func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}
