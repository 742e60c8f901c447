package keyexchange

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/handshake_vector.json from the implementation")

// handshakeVector is a full X25519_SHA256 handshake with fixed randomness,
// documented in PROTOCOL.md ("Test vector"). Every byte string is hex.
type handshakeVector struct {
	Suite          string `json:"suite"`
	CallID         string `json:"call_id"`
	InitiatorID    string `json:"initiator_id"`
	ResponderID    string `json:"responder_id"`
	RandInitiator  string `json:"rand_initiator"` // X25519 scalar ‖ nonce
	RandResponder  string `json:"rand_responder"` // X25519 scalar ‖ nonce
	Commit         string `json:"commit"`
	Response       string `json:"response"`
	Reveal         string `json:"reveal"`
	Confirm        string `json:"confirm"`
	TranscriptHash string `json:"transcript_hash"`
	MediaI2R       string `json:"media_i2r"`
	MediaR2I       string `json:"media_r2i"`
	TransportI2R   string `json:"transport_i2r"`
	TransportR2I   string `json:"transport_r2i"`
	SAS            string `json:"sas"`
	ExportLabel    string `json:"export_label"`
	ExportContext  string `json:"export_context"`
	Export32       string `json:"export_32"`
}

func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func TestHandshakeVector(t *testing.T) {
	path := filepath.Join("testdata", "handshake_vector.json")
	randI, randR := seq(0x00, 64), seq(0x40, 64)
	i, r := newPair(t, func(ci, cr *Config) {
		ci.Rand = bytes.NewReader(randI)
		cr.Rand = bytes.NewReader(randR)
	})
	m := runHandshake(t, i, r)
	ri, err := i.Result()
	require.NoError(t, err)
	rr, err := r.Result()
	require.NoError(t, err)
	requireMatching(t, ri, rr)
	th := ri.TranscriptHash()
	sendI, recvI := ri.MediaSecrets()
	sas := ri.SASSecret()
	exp, err := ri.Export("EXPORTER-callseal-test", []byte("context"), 32)
	require.NoError(t, err)
	got := handshakeVector{
		Suite:          ri.Suite().String(),
		CallID:         hex.EncodeToString(ri.CallID()),
		InitiatorID:    ri.LocalID(),
		ResponderID:    ri.PeerID(),
		RandInitiator:  hex.EncodeToString(randI),
		RandResponder:  hex.EncodeToString(randR),
		Commit:         hex.EncodeToString(m[0]),
		Response:       hex.EncodeToString(m[1]),
		Reveal:         hex.EncodeToString(m[2]),
		Confirm:        hex.EncodeToString(m[3]),
		TranscriptHash: hex.EncodeToString(th[:]),
		MediaI2R:       hex.EncodeToString(sendI[:]),
		MediaR2I:       hex.EncodeToString(recvI[:]),
		TransportI2R:   hex.EncodeToString(ri.sendTransport[:]),
		TransportR2I:   hex.EncodeToString(ri.recvTransport[:]),
		SAS:            hex.EncodeToString(sas[:]),
		ExportLabel:    "EXPORTER-callseal-test",
		ExportContext:  hex.EncodeToString([]byte("context")),
		Export32:       hex.EncodeToString(exp),
	}
	if *update {
		data, err := json.MarshalIndent(got, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, append(data, '\n'), 0o644))
		t.Logf("wrote %s", path)
		return
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run TestHandshakeVector -update to create it")
	var want handshakeVector
	require.NoError(t, json.Unmarshal(data, &want))
	require.Equal(t, want, got, "the implementation no longer matches testdata/handshake_vector.json")
}
