package keyexchange

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/keyexchange/internal/wire"
)

// Wycheproof's x25519_test.json (schema xdh_comp_schema_v1) and
// hkdf_sha256_test.json (schema hkdf_test_schema_v1), from
// testdata/wycheproof (SOURCES.md there).
var (
	wycheproofX25519 = filepath.Join("testdata", "wycheproof", "x25519_test.json")
	wycheproofHKDF   = filepath.Join("testdata", "wycheproof", "hkdf_sha256_test.json")
)

type xdhVector struct {
	TcID    int      `json:"tcId"`
	Comment string   `json:"comment"`
	Flags   []string `json:"flags"`
	Public  string   `json:"public"`
	Private string   `json:"private"`
	Shared  string   `json:"shared"`
	Result  string   `json:"result"`
}

func loadX25519Vectors(t *testing.T) []xdhVector {
	t.Helper()
	data, err := os.ReadFile(wycheproofX25519)
	require.NoError(t, err, "the vectors are part of the repository")
	var file struct {
		Algorithm  string `json:"algorithm"`
		TestGroups []struct {
			Curve string      `json:"curve"`
			Tests []xdhVector `json:"tests"`
		} `json:"testGroups"`
	}
	require.NoError(t, json.Unmarshal(data, &file))
	require.Equal(t, "XDH", file.Algorithm)
	var out []xdhVector
	for _, g := range file.TestGroups {
		if g.Curve != "curve25519" {
			continue
		}
		out = append(out, g.Tests...)
	}
	require.NotEmpty(t, out)
	return out
}

func unhex32(t *testing.T, s string) (out [32]byte) {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	require.Len(t, b, 32)
	copy(out[:], b)
	return out
}

// TestX25519Wycheproof runs every vector through the handshake's X25519
// step. Vectors flagged ZeroSharedSecret must fail with ErrLowOrderPoint;
// all others, "valid" and "acceptable" (twist points, non-canonical
// encodings, which RFC 7748 Section 5 says to accept), must give the
// expected shared secret.
func TestX25519Wycheproof(t *testing.T) {
	var zero int
	for _, v := range loadX25519Vectors(t) {
		priv, pub := unhex32(t, v.Private), unhex32(t, v.Public)
		ss, err := x25519(&priv, &pub)
		switch {
		case slices.Contains(v.Flags, "ZeroSharedSecret"):
			zero++
			require.ErrorIs(t, err, ErrLowOrderPoint, "tcId %d (%s)", v.TcID, v.Comment)
		case v.Result == "invalid":
			require.Error(t, err, "tcId %d (%s)", v.TcID, v.Comment)
		default:
			require.NoError(t, err, "tcId %d (%s)", v.TcID, v.Comment)
			require.Equal(t, v.Shared, hex.EncodeToString(ss), "tcId %d (%s)", v.TcID, v.Comment)
		}
	}
	require.Positive(t, zero, "no ZeroSharedSecret vectors found")
}

func zeroSharedVectors(t *testing.T) []xdhVector {
	var out []xdhVector
	for _, v := range loadX25519Vectors(t) {
		if slices.Contains(v.Flags, "ZeroSharedSecret") {
			out = append(out, v)
		}
	}
	return out
}

// TestLowOrderResponse injects each ZeroSharedSecret vector's public key as
// the responder's pub_R; the initiator uses the vector's private key (read
// through Config.Rand). The initiator must refuse with ErrLowOrderPoint and
// keep waiting, so the genuine Response still completes the handshake.
func TestLowOrderResponse(t *testing.T) {
	for _, v := range zeroSharedVectors(t) {
		priv := unhex32(t, v.Private)
		i, r := newPair(t, func(ci, cr *Config) {
			ci.Rand = bytes.NewReader(append(priv[:], make([]byte, wire.NonceSize)...))
		})
		commit, err := i.Start()
		require.NoError(t, err)
		resp, err := r.Handle(commit)
		require.NoError(t, err)
		w, err := wire.ParseResponse(resp)
		require.NoError(t, err)
		w.PublicKey = unhex32(t, v.Public)
		bad, err := w.Marshal()
		require.NoError(t, err)
		_, err = i.Handle(bad)
		require.ErrorIs(t, err, ErrLowOrderPoint, "tcId %d (%s)", v.TcID, v.Comment)
		require.Equal(t, StateAwaitResponse, i.State())
		finish(t, i, r, transcript{commit, resp}, 1)
	}
}

// TestLowOrderReveal plays an initiator that commits to a low-order pub_I
// (with a consistent commitment, so the commitment check passes) and then
// reveals it. The responder must refuse with ErrLowOrderPoint.
func TestLowOrderReveal(t *testing.T) {
	for _, v := range zeroSharedVectors(t) {
		pub := unhex32(t, v.Public)
		var nonce [wire.NonceSize]byte
		nonce[0] = 7
		priv := unhex32(t, v.Private)
		_, r := newPair(t, func(ci, cr *Config) {
			cr.Rand = bytes.NewReader(append(priv[:], make([]byte, wire.NonceSize)...))
		})
		c := &wire.Commit{
			Suites:      []uint16{uint16(X25519_SHA256)},
			CallID:      []byte("call-42"),
			InitiatorID: "alice",
			ResponderID: "bob",
			Commitment:  commitment(&pub, &nonce),
		}
		commit, err := c.Marshal()
		require.NoError(t, err)
		_, err = r.Handle(commit)
		require.NoError(t, err)
		reveal, err := (&wire.Reveal{CallID: []byte("call-42"), PublicKey: pub, Nonce: nonce}).Marshal()
		require.NoError(t, err)
		_, err = r.Handle(reveal)
		require.ErrorIs(t, err, ErrLowOrderPoint, "tcId %d (%s)", v.TcID, v.Comment)
		require.Equal(t, StateAwaitReveal, r.State())
	}
}

// TestHKDFWycheproof runs every Wycheproof HKDF-SHA-256 vector through
// crypto/hkdf with sha256.New, the hash and package the key schedule uses.
// Valid vectors must give the expected output; invalid ones (an output
// longer than 255 × 32 bytes, RFC 5869 Section 2.3) must return an error.
func TestHKDFWycheproof(t *testing.T) {
	data, err := os.ReadFile(wycheproofHKDF)
	require.NoError(t, err, "the vectors are part of the repository")
	var file struct {
		Algorithm  string
		TestGroups []struct {
			Tests []struct {
				TcID                 int
				Comment, Result      string
				IKM, Salt, Info, OKM string
				Size                 int
			}
		}
	}
	require.NoError(t, json.Unmarshal(data, &file))
	require.Equal(t, "HKDF-SHA-256", file.Algorithm)
	unhex := func(s string) []byte {
		b, err := hex.DecodeString(s)
		require.NoError(t, err)
		return b
	}
	var valid, invalid int
	for _, g := range file.TestGroups {
		for _, v := range g.Tests {
			okm, err := hkdf.Key(sha256.New, unhex(v.IKM), unhex(v.Salt), string(unhex(v.Info)), v.Size)
			if v.Result == "invalid" {
				invalid++
				require.Error(t, err, "tcId %d (%s)", v.TcID, v.Comment)
				continue
			}
			valid++
			require.NoError(t, err, "tcId %d (%s)", v.TcID, v.Comment)
			require.Equal(t, v.OKM, hex.EncodeToString(okm), "tcId %d (%s)", v.TcID, v.Comment)
		}
	}
	require.Positive(t, valid)
	require.Positive(t, invalid)
}
