package keyexchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// abortedAttempt runs one handshake between alice (store si) and bob (sr)
// until alice has sent her Reveal, then drops it: neither side completes.
func abortedAttempt(t testing.TB, si, sr ContinuityStore, callID string) {
	t.Helper()
	i, r := newPair(t, func(ci, cr *Config) {
		ci.CallID, cr.CallID = []byte(callID), []byte(callID)
		ci.Continuity, cr.Continuity = si, sr
	})
	commit, err := i.Start()
	require.NoError(t, err)
	resp, err := r.Handle(commit)
	require.NoError(t, err)
	_, err = i.Handle(resp) // the Reveal is dropped
	require.NoError(t, err)
	require.False(t, i.Done())
	require.False(t, r.Done())
}

func failedAttempts(t testing.TB, s ContinuityStore, peer string) uint32 {
	t.Helper()
	n, err := FailedAttempts(s, peer)
	require.NoError(t, err)
	return n
}

// TestMITMAbortsUnseen: a man in the middle runs one handshake with each
// party and learns both SAS secrets while neither party has completed, so
// it can abort every attempt whose check numbers would differ; the users
// see only calls that failed to set up. Each party counts these attempts,
// and the next completed handshake reports them and resets the count.
func TestMITMAbortsUnseen(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stores func(t testing.TB) (si, sr *memStore)
		want   Continuity
	}{
		{"first call", func(testing.TB) (si, sr *memStore) { return newMemStore(), newMemStore() }, ContinuityNew},
		{"continued", continuedStores, ContinuityKept},
	} {
		t.Run(tc.name, func(t *testing.T) {
			si, sr := tc.stores(t)
			const n = 3
			for k := range n {
				callID := []byte(fmt.Sprintf("mitm-%d", k))
				ci, cr := configs()
				ci.CallID, cr.CallID = callID, callID
				ci.Continuity, cr.Continuity = si, sr
				alice, err := New(ci)
				require.NoError(t, err)
				bob, err := New(cr)
				require.NoError(t, err)
				mi, mr := configs() // M, without stores
				mi.CallID, mr.CallID = callID, callID
				toBob, err := New(mi) // M posing as alice
				require.NoError(t, err)
				toAlice, err := New(mr) // M posing as bob
				require.NoError(t, err)

				commitA, err := alice.Start()
				require.NoError(t, err)
				commitM, err := toBob.Start()
				require.NoError(t, err)
				respB, err := bob.Handle(commitM)
				require.NoError(t, err)
				_, err = toBob.Handle(respB) // M's Reveal to bob, held back
				require.NoError(t, err)
				sasBob := toBob.pending.SASSecret() // bob's SAS, before bob completes
				respM, err := toAlice.Handle(commitA)
				require.NoError(t, err)
				revealA, err := alice.Handle(respM)
				require.NoError(t, err)
				_, err = toAlice.Handle(revealA) // M's Confirm to alice, held back
				require.NoError(t, err)
				resA, err := toAlice.Result()
				require.NoError(t, err)
				sasAlice := resA.SASSecret() // alice's SAS, before alice completes

				// The numbers would differ: M drops both messages.
				require.NotEqual(t, sasAlice, sasBob)
				require.False(t, alice.Done())
				require.False(t, bob.Done())
				require.Equal(t, uint32(k+1), failedAttempts(t, si, "bob"))
				require.Equal(t, uint32(k+1), failedAttempts(t, sr, "alice"))
			}

			ri, rr := call(t, si, sr, "honest")
			require.Equal(t, uint32(n), ri.FailedAttempts())
			require.Equal(t, uint32(n), rr.FailedAttempts())
			require.Equal(t, tc.want, ri.Continuity(), "no false continuity break")
			require.Equal(t, tc.want, rr.Continuity(), "no false continuity break")
			require.Zero(t, failedAttempts(t, si, "bob"))
			require.Zero(t, failedAttempts(t, sr, "alice"))

			ri, rr = call(t, si, sr, "next")
			require.Zero(t, ri.FailedAttempts())
			require.Zero(t, rr.FailedAttempts())
			require.Equal(t, ContinuityKept, ri.Continuity())
		})
	}
}

// TestFailedAttemptsOneSided: attempts that only one side committed to are
// counted on that side only.
func TestFailedAttemptsOneSided(t *testing.T) {
	si, sr := continuedStores(t)
	ri, rr := call(t, si, sr, "verified")
	require.NoError(t, ri.MarkVerified())
	require.NoError(t, rr.MarkVerified())

	// The responder never answers (twice): only alice counts.
	for k := range 2 {
		i, _ := newPair(t, func(ci, cr *Config) { ci.Continuity = si })
		_, err := i.Start()
		require.NoError(t, err, "attempt %d", k)
	}
	// The final Confirm is lost: bob completed (and saved zero), alice did not.
	i, r := newPair(t, func(ci, cr *Config) { ci.Continuity, cr.Continuity = si, sr })
	commit, err := i.Start()
	require.NoError(t, err)
	resp, err := r.Handle(commit)
	require.NoError(t, err)
	reveal, err := i.Handle(resp)
	require.NoError(t, err)
	_, err = r.Handle(reveal)
	require.NoError(t, err)
	rr, err = r.Result()
	require.NoError(t, err)
	require.Zero(t, rr.FailedAttempts())
	require.Zero(t, failedAttempts(t, sr, "alice"))
	require.Equal(t, uint32(3), failedAttempts(t, si, "bob"))

	ri, rr = call(t, si, sr, "after")
	require.Equal(t, uint32(3), ri.FailedAttempts())
	require.Zero(t, rr.FailedAttempts())
	require.Equal(t, ContinuityKept, ri.Continuity())
	require.True(t, ri.Verified(), "the count does not touch the verification")
	require.True(t, rr.Verified())
}

// TestFailedAttemptsRepeatsCountedOnce: a retransmitted Commit is answered
// without counting again, a rejected Commit is not an attempt, and a
// retransmitted Commit that arrives after the handshake failed later on
// does not count either.
func TestFailedAttemptsRepeatsCountedOnce(t *testing.T) {
	si, sr := newMemStore(), newMemStore()
	i, r := newPair(t, func(ci, cr *Config) { ci.Continuity, cr.Continuity = si, sr })

	// A Commit addressed to someone else is rejected and not counted.
	other, _ := newPair(t, func(ci, cr *Config) { ci.PeerID = "carol" })
	bad, err := other.Start()
	require.NoError(t, err)
	_, err = r.Handle(bad)
	require.ErrorIs(t, err, ErrIdentity)
	_, ok, err := sr.Load("alice")
	require.NoError(t, err)
	require.False(t, ok, "a rejected Commit writes nothing")

	commit, err := i.Start()
	require.NoError(t, err)
	retransmit := i.Retransmit()
	resp, err := r.Handle(commit)
	require.NoError(t, err)
	saves := sr.saves
	for range 3 {
		again, err := r.Handle(retransmit)
		require.NoError(t, err)
		require.Equal(t, resp, again)
	}
	require.Equal(t, saves, sr.saves)
	require.Equal(t, uint32(1), failedAttempts(t, sr, "alice"))
	require.Equal(t, uint32(1), failedAttempts(t, si, "bob"))
	require.Equal(t, commit, i.Retransmit())
	require.Equal(t, uint32(1), failedAttempts(t, si, "bob"), "Retransmit counts nothing")

	// A tampered Reveal fails; the attempt stays counted, once.
	reveal, err := i.Handle(resp)
	require.NoError(t, err)
	tampered := bytes.Clone(reveal)
	tampered[len(tampered)-1] ^= 1
	_, err = r.Handle(tampered)
	require.ErrorIs(t, err, ErrConfirm)
	_, err = r.Handle(commit)
	require.NoError(t, err)
	require.Equal(t, uint32(1), failedAttempts(t, sr, "alice"))
}

// TestFailedAttemptsStoreErrors: when the store cannot save the count, Start
// and the Commit fail with ErrContinuity and leave state and store as they
// were; FailedAttempts reports a missing store or a failing one.
func TestFailedAttemptsStoreErrors(t *testing.T) {
	boom := errors.New("disk full")
	si, sr := continuedStores(t)
	beforeI, beforeR := si.get("bob"), sr.get("alice")
	i, r := newPair(t, func(ci, cr *Config) { ci.Continuity, cr.Continuity = si, sr })

	si.failSave = boom
	_, err := i.Start()
	require.ErrorIs(t, err, ErrContinuity)
	require.ErrorIs(t, err, boom)
	require.Equal(t, StateStart, i.State())
	require.Equal(t, beforeI, si.get("bob"))
	si.failSave = nil
	commit, err := i.Start()
	require.NoError(t, err)

	sr.failSave = boom
	_, err = r.Handle(commit)
	require.ErrorIs(t, err, ErrContinuity)
	require.Equal(t, StateAwaitCommit, r.State())
	require.Equal(t, beforeR, sr.get("alice"))
	sr.failSave = nil
	resp, err := r.Handle(commit)
	require.NoError(t, err)
	reveal, err := i.Handle(resp)
	require.NoError(t, err)
	confirm, err := r.Handle(reveal)
	require.NoError(t, err)
	_, err = i.Handle(confirm)
	require.NoError(t, err)
	ri, err := i.Result()
	require.NoError(t, err)
	require.Zero(t, ri.FailedAttempts())
	require.Equal(t, ContinuityKept, ri.Continuity())

	_, err = FailedAttempts(nil, "bob")
	require.ErrorIs(t, err, ErrContinuity)
	si.failLoad = boom
	_, err = FailedAttempts(si, "bob")
	require.ErrorIs(t, err, ErrContinuity)
	require.ErrorIs(t, err, boom)
	si.failLoad = nil
	n, err := FailedAttempts(si, "nobody")
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestFailedAttemptsWithoutStore: without a ContinuityStore nothing is
// counted and Result.FailedAttempts is 0.
func TestFailedAttemptsWithoutStore(t *testing.T) {
	ri, rr := call(t, nil, nil, "no-store")
	require.Zero(t, ri.FailedAttempts())
	require.Zero(t, rr.FailedAttempts())
	require.Equal(t, ContinuityOff, ri.Continuity())
}

// TestFailedAttemptsSaturates: the count stops at the largest uint32.
func TestFailedAttemptsSaturates(t *testing.T) {
	si := newMemStore()
	si.recs["bob"] = ContinuityRecord{FailedAttempts: ^uint32(0)}
	i, _ := newPair(t, func(ci, cr *Config) { ci.Continuity = si })
	_, err := i.Start()
	require.NoError(t, err)
	require.Equal(t, ^uint32(0), failedAttempts(t, si, "bob"))
}

// TestCountOnlyRecordNoBreak: a record that holds only a count (no
// retained secret) offers no secret, like no record at all, whichever side
// holds it; a record with a secret against a count-only one is a break.
func TestCountOnlyRecordNoBreak(t *testing.T) {
	countOnly := ContinuityRecord{FailedAttempts: 2, Verified: true}
	for _, tc := range []struct {
		name         string
		recI, recR   *ContinuityRecord
		wantI, wantR Continuity
	}{
		{"both count-only", &countOnly, &countOnly, ContinuityNew, ContinuityNew},
		{"initiator count-only", &countOnly, nil, ContinuityNew, ContinuityNew},
		{"responder count-only", nil, &countOnly, ContinuityNew, ContinuityNew},
		{"secret vs count-only", &ContinuityRecord{Secret: [SecretSize]byte{7}}, &countOnly, ContinuityPeerLost, ContinuityLocalLost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			si, sr := newMemStore(), newMemStore()
			if tc.recI != nil {
				si.recs["bob"] = *tc.recI
			}
			if tc.recR != nil {
				sr.recs["alice"] = *tc.recR
			}
			ri, rr := call(t, si, sr, "c")
			require.Equal(t, tc.wantI, ri.Continuity())
			require.Equal(t, tc.wantR, rr.Continuity())
			require.False(t, ri.Verified(), "a count-only record carries no verification")
			require.False(t, rr.Verified())
			ri, rr = call(t, si, sr, "d")
			require.Equal(t, ContinuityKept, ri.Continuity())
			require.Equal(t, ContinuityKept, rr.Continuity())
		})
	}
}

// TestFileStoreFailedAttempts: FileStore keeps the count (also in a record
// without a secret, which has no "secret" in the file), reads files written
// before the count existed as 0, and the count survives a restart.
func TestFileStoreFailedAttempts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.json")
	s := NewFileStore(path)
	full := ContinuityRecord{Secret: [SecretSize]byte{1}, Previous: [SecretSize]byte{2}, HasPrevious: true, Verified: true, FailedAttempts: 5}
	countOnly := ContinuityRecord{FailedAttempts: 1}
	require.NoError(t, s.Save("bob", full))
	require.NoError(t, s.Save("carol", countOnly))
	for peer, want := range map[string]ContinuityRecord{"bob": full, "carol": countOnly} {
		got, ok, err := NewFileStore(path).Load(peer)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, want, got)
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var f struct {
		Peers map[string]map[string]any `json:"peers"`
	}
	require.NoError(t, json.Unmarshal(data, &f))
	require.NotContains(t, f.Peers["carol"], "secret")
	require.EqualValues(t, 5, f.Peers["bob"]["failed_attempts"])

	// A file as written before the count existed.
	old := `{"version":1,"peers":{"bob":{"secret":"` + hex32(3) + `","previous":"` + hex32(4) + `","verified":true}}}`
	require.NoError(t, os.WriteFile(path, []byte(old), 0o600))
	got, ok, err := s.Load("bob")
	require.NoError(t, err)
	require.True(t, ok)
	require.Zero(t, got.FailedAttempts)
	require.True(t, got.Verified && got.HasPrevious)
	require.Equal(t, byte(3), got.Secret[0])

	// Out-of-range counts are errors, not wrapped values.
	for _, bad := range []string{"-1", "4294967296", `"1"`} {
		require.NoError(t, os.WriteFile(path, []byte(`{"version":1,"peers":{"bob":{"failed_attempts":`+bad+`}}}`), 0o600))
		_, _, err = s.Load("bob")
		require.Error(t, err, bad)
	}

	// Through handshakes and a restart of the app (new FileStore values).
	si := NewFileStore(filepath.Join(dir, "alice.json"))
	sr := NewFileStore(filepath.Join(dir, "bob.json"))
	abortedAttempt(t, si, sr, "1")
	abortedAttempt(t, NewFileStore(filepath.Join(dir, "alice.json")), NewFileStore(filepath.Join(dir, "bob.json")), "2")
	require.Equal(t, uint32(2), failedAttempts(t, NewFileStore(filepath.Join(dir, "alice.json")), "bob"))
	ri, rr := call(t, NewFileStore(filepath.Join(dir, "alice.json")), NewFileStore(filepath.Join(dir, "bob.json")), "3")
	require.Equal(t, uint32(2), ri.FailedAttempts())
	require.Equal(t, uint32(2), rr.FailedAttempts())
	require.Equal(t, ContinuityNew, ri.Continuity())
	require.Zero(t, failedAttempts(t, si, "bob"))
	require.Zero(t, failedAttempts(t, sr, "alice"))
}
