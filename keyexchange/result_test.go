package keyexchange

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/policy"
)

func doneResults(t testing.TB) (ri, rr *Result) {
	t.Helper()
	i, r := newPair(t, nil)
	runHandshake(t, i, r)
	ri, err := i.Result()
	require.NoError(t, err)
	rr, err = r.Result()
	require.NoError(t, err)
	return ri, rr
}

// requireNoSessionSecrets checks that r's internal media and transport
// secrets are zero and count as taken.
func requireNoSessionSecrets(t *testing.T, r *Result) {
	t.Helper()
	var zero [SecretSize]byte
	s := r.secrets
	require.Equal(t, zero, s.sendMedia, "send media secret erased")
	require.Equal(t, zero, s.recvMedia, "receive media secret erased")
	require.Equal(t, zero, s.sendTransport, "send transport secret erased")
	require.Equal(t, zero, s.recvTransport, "receive transport secret erased")
	require.True(t, s.mediaTaken)
	require.True(t, s.transportTaken)
}

// TestTakeOnce: each of a Result's session secrets is handed out once, to
// the first taker; the Result then holds zeros and refuses, with
// ErrSecretsTaken, also through a copy of the Result value.
func TestTakeOnce(t *testing.T) {
	ri, rr := doneResults(t)
	si, vi, err := ri.TakeMediaSecrets()
	require.NoError(t, err)
	sr, vr, err := rr.TakeMediaSecrets()
	require.NoError(t, err)
	require.Equal(t, si, vr)
	require.Equal(t, sr, vi)
	require.NotEqual(t, [SecretSize]byte{}, si)

	send, recv, err := ri.TakeMediaSecrets()
	require.ErrorIs(t, err, ErrSecretsTaken)
	require.NotErrorIs(t, err, ErrWiped)
	require.Equal(t, [SecretSize]byte{}, send)
	require.Equal(t, [SecretSize]byte{}, recv)

	ti, tvi, err := ri.TakeTransportSecrets()
	require.NoError(t, err)
	tr, tvr, err := rr.TakeTransportSecrets()
	require.NoError(t, err)
	require.Equal(t, ti, tvr)
	require.Equal(t, tr, tvi)
	require.NotEqual(t, [SecretSize]byte{}, ti)
	require.NotEqual(t, ti, tr)
	require.NotEqual(t, si, ti, "media and transport secrets are independent")
	send, recv, err = ri.TakeTransportSecrets()
	require.ErrorIs(t, err, ErrSecretsTaken)
	require.Equal(t, [SecretSize]byte{}, send)
	require.Equal(t, [SecretSize]byte{}, recv)
	requireNoSessionSecrets(t, ri)

	// A copy of the Result shares the secrets and their state.
	rc, _ := doneResults(t)
	cp := *rc
	_, _, err = cp.TakeMediaSecrets()
	require.NoError(t, err)
	_, _, err = rc.TakeMediaSecrets()
	require.ErrorIs(t, err, ErrSecretsTaken)

	// What stays: SAS secret, exporter, transcript hash.
	require.Equal(t, ri.SASSecret(), rr.SASSecret())
	require.NotEqual(t, [SecretSize]byte{}, ri.SASSecret())
	a, err := ri.Export("x", nil, 16)
	require.NoError(t, err)
	b, err := rr.Export("x", nil, 16)
	require.NoError(t, err)
	require.Equal(t, a, b)
}

// TestTakeConcurrent: of several goroutines racing for the media secrets,
// exactly one gets them.
func TestTakeConcurrent(t *testing.T) {
	ri, _ := doneResults(t)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, _, err := ri.TakeMediaSecrets()
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		if err == nil {
			ok++
		} else {
			require.ErrorIs(t, err, ErrSecretsTaken)
		}
	}
	require.Equal(t, 1, ok)
}

func TestDropSecrets(t *testing.T) {
	ri, _ := doneResults(t)
	ri.DropSecrets()
	ri.DropSecrets()
	requireNoSessionSecrets(t, ri)
	_, _, err := ri.TakeMediaSecrets()
	require.ErrorIs(t, err, ErrSecretsTaken)
	_, _, err = ri.TakeTransportSecrets()
	require.ErrorIs(t, err, ErrSecretsTaken)
	require.False(t, ri.Wiped())
	_, err = ri.Export("x", nil, 16)
	require.NoError(t, err, "DropSecrets keeps the exporter")
}

// TestTakeMediaE2EEOff: without E2EE there are no media secrets to take.
func TestTakeMediaE2EEOff(t *testing.T) {
	i, r := newPair(t, func(ci, cr *Config) {
		cr.Policy = policy.Party{Admin: policy.Disabled}
	})
	runHandshake(t, i, r)
	ri, err := i.Result()
	require.ErrorIs(t, err, ErrE2EEDisabled)
	_, _, err = ri.TakeMediaSecrets()
	require.ErrorIs(t, err, ErrE2EEDisabled)
	_, _, err = ri.TakeTransportSecrets()
	require.NoError(t, err)
}

// TestForwardSecrecyAfterTake: once the sessions took their secrets (as
// e2ee.NewSession and srtp.KeysFromResult do), nothing the Result still
// holds is a media or transport secret: its internal arrays are zero and
// no accessor yields them.
func TestForwardSecrecyAfterTake(t *testing.T) {
	ri, _ := doneResults(t)
	media, _, err := ri.TakeMediaSecrets()
	require.NoError(t, err)
	tk, _, err := ri.TakeTransportSecrets()
	require.NoError(t, err)
	requireNoSessionSecrets(t, ri)
	sas := ri.SASSecret()
	require.NotEqual(t, media, sas)
	for _, l := range []int{16, 32} {
		exp, err := ri.Export("", nil, l)
		require.NoError(t, err)
		require.NotContains(t, string(exp), string(media[:16]))
	}
	// Printing the Result shows no secret bytes.
	for _, f := range []string{"%v", "%+v", "%#v"} {
		out := fmt.Sprintf(f, *ri)
		require.Contains(t, out, "alice")
		require.NotContains(t, out, strings.Trim(fmt.Sprint(sas[:6]), "[]"))
		require.NotContains(t, out, strings.Trim(fmt.Sprintf("%#v", sas[:6]), "[]byte{}"))
		require.NotContains(t, out, fmt.Sprintf("%x", sas[:6]))
	}
	_ = tk
}

func TestResultWipe(t *testing.T) {
	ri, rr := doneResults(t)
	th := ri.TranscriptHash()
	ri.Wipe()
	ri.Wipe()
	require.True(t, ri.Wiped())
	requireNoSessionSecrets(t, ri)
	require.Equal(t, [SecretSize]byte{}, ri.secrets.sas)
	require.Equal(t, [SecretSize]byte{}, ri.secrets.exporter)
	require.Equal(t, [SecretSize]byte{}, ri.SASSecret())
	_, err := ri.Export("x", nil, 16)
	require.ErrorIs(t, err, ErrWiped)
	_, _, err = ri.TakeMediaSecrets()
	require.ErrorIs(t, err, ErrSecretsTaken)
	require.ErrorIs(t, err, ErrWiped)
	_, _, err = ri.TakeTransportSecrets()
	require.ErrorIs(t, err, ErrSecretsTaken)
	require.ErrorIs(t, err, ErrWiped)
	// Public fields stay; the peer's Result is not affected.
	require.Equal(t, th, ri.TranscriptHash())
	require.Equal(t, "alice", ri.LocalID())
	require.False(t, rr.Wiped())
	_, err = rr.Export("x", nil, 16)
	require.NoError(t, err)
}

// TestHandshakeWipe: Wipe on a finished handshake wipes its Result; on an
// unfinished one it erases the in-progress secrets and ends the handshake.
func TestHandshakeWipe(t *testing.T) {
	t.Run("done", func(t *testing.T) {
		i, r := newPair(t, nil)
		m := runHandshake(t, i, r)
		res, err := r.Result()
		require.NoError(t, err)
		r.Wipe()
		require.True(t, res.Wiped())
		require.Equal(t, [SecretSize]byte{}, res.secrets.sas)
		again, err := r.Result()
		require.NoError(t, err)
		require.True(t, again.Wiped())
		// The initiator can still get the lost Confirm again.
		reply, err := r.Handle(m[2])
		require.NoError(t, err)
		require.Equal(t, m[3], reply)
	})
	t.Run("awaiting confirm", func(t *testing.T) {
		i, r := newPair(t, func(ci, cr *Config) { ci.Suites, cr.Suites = bothSuites, bothSuites })
		m1, err := i.Start()
		require.NoError(t, err)
		m2, err := r.Handle(m1)
		require.NoError(t, err)
		m3, err := i.Handle(m2)
		require.NoError(t, err)
		pending := i.pending
		require.NotNil(t, pending)
		i.Wipe()
		r.Wipe()
		require.True(t, pending.Wiped())
		requireNoSessionSecrets(t, pending)
		for _, h := range []*Handshake{i, r} {
			require.Equal(t, [x25519PrivateKeySize]byte{}, h.priv)
			require.Nil(t, h.kemKey)
			require.Nil(t, h.kemSecret)
			require.Nil(t, h.pending)
			_, err := h.Result()
			require.ErrorIs(t, err, ErrNotDone)
			require.Nil(t, h.Retransmit())
		}
		_, err = r.Handle(m3)
		require.ErrorIs(t, err, ErrUnexpectedMessage)
		_, err = r.Handle(m1)
		require.ErrorIs(t, err, ErrUnexpectedMessage, "no longer answered")
		_, err = i.Start()
		require.ErrorIs(t, err, ErrWrongState)
	})
}
