package keyexchange

import (
	"bytes"
	"crypto/mlkem"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/keyexchange/internal/wire"
)

var bothSuites = []Suite{X25519_MLKEM768_SHA256, X25519_SHA256}

func testKEMKey(t testing.TB) []byte {
	t.Helper()
	dk, err := mlkem.GenerateKey768()
	require.NoError(t, err)
	return dk.EncapsulationKey().Bytes()
}

func TestSuiteCodePoints(t *testing.T) {
	require.Equal(t, uint16(wire.SuiteHybrid), uint16(X25519_MLKEM768_SHA256))
	require.Equal(t, "X25519_MLKEM768_SHA256", X25519_MLKEM768_SHA256.String())
	require.Equal(t, "Suite(0x0999)", Suite(0x0999).String())
}

func TestHybridHandshake(t *testing.T) {
	i, r := newPair(t, func(ci, cr *Config) {
		ci.Suites = []Suite{X25519_MLKEM768_SHA256}
		cr.Suites = []Suite{X25519_MLKEM768_SHA256}
	})
	m := runHandshake(t, i, r)
	ri, err := i.Result()
	require.NoError(t, err)
	rr, err := r.Result()
	require.NoError(t, err)
	requireMatching(t, ri, rr)
	require.Equal(t, X25519_MLKEM768_SHA256, ri.Suite())
	c, err := wire.ParseCommit(m[0])
	require.NoError(t, err)
	require.Len(t, c.KEMKey, mlkem.EncapsulationKeySize768, "encapsulation key in Commit")
	resp, err := wire.ParseResponse(m[1])
	require.NoError(t, err)
	require.Len(t, resp.KEMCiphertext, mlkem.CiphertextSize768, "ciphertext in Response")
	for k, msg := range m {
		require.LessOrEqual(t, len(msg), MaxMessageSize, "message %d", k+1)
	}
}

// TestHybridIKM checks the hybrid key schedule input against an independent
// computation: IKM = ML-KEM ss ‖ X25519 ss, with the ML-KEM secret
// decapsulated from the Response's ciphertext by a key from the same seed.
func TestHybridIKM(t *testing.T) {
	seedI := seq(0x00, 32+mlkem.SeedSize+32)
	i, r := newPair(t, func(ci, cr *Config) {
		ci.Suites = []Suite{X25519_MLKEM768_SHA256}
		cr.Suites = []Suite{X25519_MLKEM768_SHA256}
		ci.Rand = bytes.NewReader(seedI)
	})
	m := runHandshake(t, i, r)
	ri, err := i.Result()
	require.NoError(t, err)

	resp, err := wire.ParseResponse(m[1])
	require.NoError(t, err)
	dk, err := mlkem.NewDecapsulationKey768(seedI[32 : 32+mlkem.SeedSize])
	require.NoError(t, err)
	kemSS, err := dk.Decapsulate(resp.KEMCiphertext)
	require.NoError(t, err)
	priv := [32]byte(seedI[:32])
	xSS, err := x25519(&priv, &resp.PublicKey)
	require.NoError(t, err)
	th := ri.TranscriptHash()
	ks, err := deriveKeys(append(kemSS, xSS...), &th)
	require.NoError(t, err)
	require.Equal(t, ks.sas, ri.SASSecret())

	// The X25519 secret alone gives other keys: the ML-KEM secret counts.
	ks2, err := deriveKeys(xSS, &th)
	require.NoError(t, err)
	require.NotEqual(t, ks2.sas, ri.SASSecret())
}

// TestNegotiation: the responder picks the first suite of the initiator's
// offer that it supports.
func TestNegotiation(t *testing.T) {
	H, X := X25519_MLKEM768_SHA256, X25519_SHA256
	for _, tc := range []struct {
		offer, accept []Suite
		want          Suite // 0: no common suite
	}{
		{[]Suite{H, X}, []Suite{H, X}, H},
		{[]Suite{H, X}, []Suite{X, H}, H}, // the initiator's preference rules
		{[]Suite{X, H}, []Suite{H, X}, X},
		{[]Suite{H, X}, []Suite{X}, X},
		{[]Suite{H}, []Suite{H, X}, H},
		{[]Suite{X}, []Suite{H, X}, X},
		{[]Suite{H}, []Suite{X}, 0},
		{[]Suite{X}, []Suite{H}, 0},
	} {
		t.Run(fmt.Sprintf("%v/%v", tc.offer, tc.accept), func(t *testing.T) {
			i, r := newPair(t, func(ci, cr *Config) { ci.Suites, cr.Suites = tc.offer, tc.accept })
			commit, err := i.Start()
			require.NoError(t, err)
			if tc.want == 0 {
				_, err := r.Handle(commit)
				require.ErrorIs(t, err, ErrNoCommonSuite)
				require.Equal(t, StateAwaitCommit, r.State())
				return
			}
			finish(t, i, r, transcript{commit}, 0)
			ri, _ := i.Result()
			require.Equal(t, tc.want, ri.Suite())
		})
	}
}

// TestDowngradeDetected plays a man in the middle who removes the hybrid
// suite from the initiator's offer (and the ML-KEM key with it), so that
// the responder, which supports both, falls back to X25519_SHA256. The offer
// is in the transcript: the two sides' transcript hashes, Confirm MACs and
// check numbers differ, and the responder rejects the Reveal.
func TestDowngradeDetected(t *testing.T) {
	i, r := newPair(t, func(ci, cr *Config) { ci.Suites, cr.Suites = bothSuites, bothSuites })
	commit, err := i.Start()
	require.NoError(t, err)
	c, err := wire.ParseCommit(commit)
	require.NoError(t, err)
	c.Suites, c.KEMKey = []uint16{uint16(X25519_SHA256)}, nil
	stripped, err := c.Marshal()
	require.NoError(t, err)

	resp, err := r.Handle(stripped)
	require.NoError(t, err)
	w, err := wire.ParseResponse(resp)
	require.NoError(t, err)
	require.Equal(t, uint16(X25519_SHA256), w.Suite, "the responder was downgraded")

	reveal, err := i.Handle(resp) // X25519_SHA256 was offered: the initiator cannot tell yet
	require.NoError(t, err)
	_, err = r.Handle(reveal)
	require.ErrorIs(t, err, ErrConfirm, "the Confirm MACs differ")
	require.False(t, r.Done())

	// What each side would show: different transcripts, so different check numbers.
	rv, err := wire.ParseReveal(reveal)
	require.NoError(t, err)
	part, err := rv.TranscriptPart()
	require.NoError(t, err)
	thR := transcriptHash(r.commitMsg, r.responseMsg, part)
	require.NotEqual(t, i.pending.TranscriptHash(), thR)
	ksR, err := r.keySchedule(r.kemSecret, &rv.PublicKey, &thR)
	require.NoError(t, err)
	require.NotEqual(t, i.pending.SASSecret(), ksR.sas, "check numbers differ")

	// A MitM who instead rewrites the responder's choice to X25519_SHA256
	// (dropping the ciphertext) fails the same way.
	i, r = newPair(t, func(ci, cr *Config) { ci.Suites, cr.Suites = bothSuites, bothSuites })
	commit, err = i.Start()
	require.NoError(t, err)
	resp, err = r.Handle(commit)
	require.NoError(t, err)
	w, err = wire.ParseResponse(resp)
	require.NoError(t, err)
	w.Suite, w.KEMCiphertext = uint16(X25519_SHA256), nil
	forged, err := w.Marshal()
	require.NoError(t, err)
	reveal, err = i.Handle(forged)
	require.NoError(t, err)
	_, err = r.Handle(reveal)
	require.ErrorIs(t, err, ErrConfirm)
}

// TestBadEncapsulationKey: a Commit whose ML-KEM key fails the FIPS 203
// encapsulation key check (a coefficient not reduced mod q) is ErrMalformed
// and leaves the responder waiting.
func TestBadEncapsulationKey(t *testing.T) {
	i, r, m, _ := stepWith(t, 0, func(ci, cr *Config) {
		ci.Suites = []Suite{X25519_MLKEM768_SHA256}
		cr.Suites = []Suite{X25519_MLKEM768_SHA256}
	})
	c, err := wire.ParseCommit(m[0])
	require.NoError(t, err)
	key := append([]byte(nil), c.KEMKey...)
	key[0], key[1] = 0xff, 0xff // first 12-bit coefficient = 0xfff ≥ q = 3329
	c.KEMKey = key
	bad, err := c.Marshal()
	require.NoError(t, err)
	_, err = r.Handle(bad)
	require.ErrorIs(t, err, ErrMalformed)
	require.Equal(t, StateAwaitCommit, r.State())
	finish(t, i, r, m, 0)
}
