package keyexchange

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/keyexchange/internal/wire"
)

// memStore is an in-memory ContinuityStore with failure injection.
type memStore struct {
	mu                 sync.Mutex
	recs               map[string]ContinuityRecord
	failLoad, failSave error
	saves              int
}

var _ ContinuityStore = (*memStore)(nil)

func newMemStore() *memStore { return &memStore{recs: map[string]ContinuityRecord{}} }

func (s *memStore) Load(peer string) (ContinuityRecord, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failLoad != nil {
		return ContinuityRecord{}, false, s.failLoad
	}
	rec, ok := s.recs[peer]
	return rec, ok, nil
}

func (s *memStore) Save(peer string, rec ContinuityRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failSave != nil {
		return s.failSave
	}
	s.recs[peer] = rec
	s.saves++
	return nil
}

func (s *memStore) get(peer string) ContinuityRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recs[peer]
}

// call runs one complete handshake between alice (with store si) and bob
// (with sr) and returns both results.
func call(t testing.TB, si, sr ContinuityStore, callID string) (ri, rr *Result) {
	t.Helper()
	i, r := newPair(t, func(ci, cr *Config) {
		ci.CallID, cr.CallID = []byte(callID), []byte(callID)
		if si != nil {
			ci.Continuity = si
		}
		if sr != nil {
			cr.Continuity = sr
		}
	})
	runHandshake(t, i, r)
	ri, err := i.Result()
	require.NoError(t, err)
	rr, err = r.Result()
	require.NoError(t, err)
	requireMatching(t, ri, rr)
	return ri, rr
}

// sharedStores returns two stores holding the same current and previous
// retained secrets for each other, without running handshakes.
func sharedStores(cur, prev [SecretSize]byte) (si, sr *memStore) {
	rec := ContinuityRecord{Secret: cur, Previous: prev, HasPrevious: true}
	si, sr = newMemStore(), newMemStore()
	si.recs["bob"], sr.recs["alice"] = rec, rec
	return si, sr
}

// continuedStores returns two stores that share a retained secret and a
// previous one, after two calls.
func continuedStores(t testing.TB) (si, sr *memStore) {
	si, sr = newMemStore(), newMemStore()
	call(t, si, sr, "setup-1")
	call(t, si, sr, "setup-2")
	return si, sr
}

func TestContinuityChain(t *testing.T) {
	si, sr := newMemStore(), newMemStore()

	// First call: nothing retained, nothing verified.
	ri, rr := call(t, si, sr, "call-1")
	require.Equal(t, ContinuityNew, ri.Continuity())
	require.Equal(t, ContinuityNew, rr.Continuity())
	require.False(t, ri.Continuity().Break())
	require.False(t, ri.Verified())
	require.Equal(t, si.get("bob").Secret, sr.get("alice").Secret, "both retained the same secret")
	require.False(t, si.get("bob").Verified)

	// Second call: the secret matches and is mixed in; still unverified.
	ri, rr = call(t, si, sr, "call-2")
	require.Equal(t, ContinuityKept, ri.Continuity())
	require.Equal(t, ContinuityKept, rr.Continuity())
	require.False(t, ri.Verified() || rr.Verified())
	// The users compare the check number; each app records it.
	require.NoError(t, ri.MarkVerified())
	require.NoError(t, rr.MarkVerified())
	require.False(t, ri.Verified(), "the Result itself does not change")

	// Third call: the verification carries over, and keeps carrying.
	for k := 3; k < 5; k++ {
		ri, rr = call(t, si, sr, fmt.Sprintf("call-%d", k))
		require.Equal(t, ContinuityKept, ri.Continuity())
		require.True(t, ri.Verified())
		require.True(t, rr.Verified())
	}
}

func TestContinuitySecretIsMixedIn(t *testing.T) {
	// Same randomness, same call: with and without a shared retained
	// secret the keys differ.
	run := func(withSecret bool) *Result {
		var si, sr *memStore
		if withSecret {
			si, sr = newMemStore(), newMemStore()
			si.recs["bob"] = ContinuityRecord{Secret: [SecretSize]byte{1}}
			sr.recs["alice"] = ContinuityRecord{Secret: [SecretSize]byte{1}}
		}
		i, r := newPair(t, func(ci, cr *Config) {
			ci.Rand, cr.Rand = bytes.NewReader(seq(0, 64)), bytes.NewReader(seq(64, 64))
			if withSecret {
				ci.Continuity, cr.Continuity = si, sr
			}
		})
		runHandshake(t, i, r)
		res, err := i.Result()
		require.NoError(t, err)
		return res
	}
	a, b := run(false), run(true)
	require.Equal(t, ContinuityOff, a.Continuity())
	require.Equal(t, ContinuityKept, b.Continuity())
	require.NotEqual(t, a.SASSecret(), b.SASSecret())
}

func TestContinuityBreaks(t *testing.T) {
	t.Run("peer lost its cache", func(t *testing.T) {
		si, sr := continuedStores(t)
		ri, rr := call(t, si, sr, "c")
		require.NoError(t, ri.MarkVerified())
		require.NoError(t, rr.MarkVerified())
		sr = newMemStore() // bob reinstalled, or answers from another device
		ri, rr = call(t, si, sr, "c2")
		require.Equal(t, ContinuityPeerLost, ri.Continuity())
		require.Equal(t, ContinuityLocalLost, rr.Continuity())
		require.True(t, ri.Continuity().Break())
		require.True(t, rr.Continuity().Break())
		require.False(t, ri.Verified(), "a break drops the verification")
		require.False(t, si.get("bob").Verified)
		// The chain restarts from this call, unverified.
		ri, _ = call(t, si, sr, "c3")
		require.Equal(t, ContinuityKept, ri.Continuity())
		require.False(t, ri.Verified())
	})
	t.Run("secrets differ", func(t *testing.T) {
		si, sr := continuedStores(t)
		rec := sr.get("alice")
		rec.Secret[0] ^= 1 // e.g. a device restored from an old backup, or a MitM earlier
		rec.HasPrevious = false
		rec.Verified = true
		sr.recs["alice"] = rec
		ri, rr := call(t, si, sr, "c")
		require.Equal(t, ContinuityMismatch, ri.Continuity())
		require.Equal(t, ContinuityMismatch, rr.Continuity())
		require.False(t, rr.Verified())
	})
	t.Run("continuity off on one side", func(t *testing.T) {
		si, _ := continuedStores(t)
		ri, rr := call(t, si, nil, "c")
		require.Equal(t, ContinuityPeerLost, ri.Continuity())
		require.Equal(t, ContinuityOff, rr.Continuity())
		require.False(t, rr.Continuity().Break())
		require.ErrorIs(t, rr.MarkVerified(), ErrContinuity)
	})
}

// TestContinuityLostConfirm: the final Confirm never arrives, so only the
// responder saved the new secret. The previous secret keeps the chain: the
// next call still matches, and the verification carries over.
func TestContinuityLostConfirm(t *testing.T) {
	si, sr := continuedStores(t)
	ri, rr := call(t, si, sr, "verified")
	require.NoError(t, ri.MarkVerified())
	require.NoError(t, rr.MarkVerified())

	i, r := newPair(t, func(ci, cr *Config) { ci.Continuity, cr.Continuity = si, sr })
	commit, err := i.Start()
	require.NoError(t, err)
	resp, err := r.Handle(commit)
	require.NoError(t, err)
	reveal, err := i.Handle(resp)
	require.NoError(t, err)
	_, err = r.Handle(reveal)
	require.NoError(t, err)
	require.True(t, r.Done())
	require.False(t, i.Done()) // the Confirm is lost; alice gives up
	require.NotEqual(t, si.get("bob").Secret, sr.get("alice").Secret)

	for k := range 2 {
		ri, rr = call(t, si, sr, fmt.Sprintf("after-%d", k))
		require.Equal(t, ContinuityKept, ri.Continuity())
		require.Equal(t, ContinuityKept, rr.Continuity())
		require.True(t, ri.Verified())
		require.True(t, rr.Verified())
	}
}

// TestContinuityUpdatedOnlyWhenComplete: each side writes its record
// twice: when it commits to the attempt, with FailedAttempts counted up and
// the secrets unchanged, and after it completed, with the new retained
// secret; a rejected message writes nothing.
func TestContinuityUpdatedOnlyWhenComplete(t *testing.T) {
	si, sr := continuedStores(t)
	before := [2]ContinuityRecord{si.get("bob"), sr.get("alice")}
	savesI, savesR := si.saves, sr.saves

	i, r := newPair(t, func(ci, cr *Config) { ci.Continuity, cr.Continuity = si, sr })
	commit, err := i.Start()
	require.NoError(t, err)
	resp, err := r.Handle(commit)
	require.NoError(t, err)
	reveal, err := i.Handle(resp)
	require.NoError(t, err)
	counted := before
	counted[0].FailedAttempts, counted[1].FailedAttempts = 1, 1
	require.Equal(t, counted, [2]ContinuityRecord{si.get("bob"), sr.get("alice")})
	require.Equal(t, savesI+1, si.saves)
	require.Equal(t, savesR+1, sr.saves)
	bad := bytes.Clone(reveal)
	bad[len(bad)-1] ^= 1
	_, err = r.Handle(bad)
	require.ErrorIs(t, err, ErrConfirm)
	require.Equal(t, savesI+1, si.saves)
	require.Equal(t, savesR+1, sr.saves)
	confirm, err := r.Handle(reveal)
	require.NoError(t, err)
	require.Equal(t, savesR+2, sr.saves)
	require.Equal(t, savesI+1, si.saves)
	_, err = i.Handle(confirm)
	require.NoError(t, err)
	require.Equal(t, savesI+2, si.saves)
	_, err = i.Handle(confirm) // a duplicate saves nothing
	require.NoError(t, err)
	require.Equal(t, savesI+2, si.saves)
	require.Equal(t, si.get("bob").Secret, sr.get("alice").Secret)
	require.NotEqual(t, before[0].Secret, si.get("bob").Secret)
	require.Zero(t, si.get("bob").FailedAttempts)
	require.Zero(t, sr.get("alice").FailedAttempts)
}

func TestContinuityStoreFailures(t *testing.T) {
	boom := errors.New("disk on fire")

	// Load fails: Start and the Commit fail, state unchanged.
	si, sr := continuedStores(t)
	si.failLoad = boom
	i, r := newPair(t, func(ci, cr *Config) { ci.Continuity, cr.Continuity = si, sr })
	_, err := i.Start()
	require.ErrorIs(t, err, ErrContinuity)
	require.ErrorIs(t, err, boom)
	require.Equal(t, StateStart, i.State())
	si.failLoad = nil
	commit, err := i.Start()
	require.NoError(t, err)
	sr.failLoad = boom
	_, err = r.Handle(commit)
	require.ErrorIs(t, err, ErrContinuity)
	require.Equal(t, StateAwaitCommit, r.State())
	sr.failLoad = nil

	// Save fails: the message is rejected, state unchanged; the peer's
	// retransmission succeeds once the store works again.
	resp, err := r.Handle(commit)
	require.NoError(t, err)
	reveal, err := i.Handle(resp)
	require.NoError(t, err)
	sr.failSave = boom
	_, err = r.Handle(reveal)
	require.ErrorIs(t, err, ErrContinuity)
	require.Equal(t, StateAwaitReveal, r.State())
	sr.failSave = nil
	confirm, err := r.Handle(reveal)
	require.NoError(t, err)
	si.failSave = boom
	_, err = i.Handle(confirm)
	require.ErrorIs(t, err, ErrContinuity)
	require.Equal(t, StateAwaitConfirm, i.State())
	si.failSave = nil
	_, err = i.Handle(confirm)
	require.NoError(t, err)
	ri, _ := i.Result()
	rr, _ := r.Result()
	requireMatching(t, ri, rr)
	require.Equal(t, ContinuityKept, ri.Continuity())
}

func TestMarkVerifiedStale(t *testing.T) {
	si, sr := continuedStores(t)
	old, _ := call(t, si, sr, "one")
	call(t, si, sr, "two") // replaces the record
	require.ErrorIs(t, old.MarkVerified(), ErrContinuity)
	require.False(t, si.get("bob").Verified)
	si.failLoad = errors.New("x")
	require.ErrorIs(t, old.MarkVerified(), ErrContinuity)
}

// TestRetainedIDs: IDs are derived from the secret, never the secret; they
// depend on role and call ID; and they are what the Commit carries.
func TestRetainedIDs(t *testing.T) {
	rs := [SecretSize]byte{7}
	a := retainedID(&rs, Initiator, []byte("c1"))
	require.NotEqual(t, a, retainedID(&rs, Responder, []byte("c1")))
	require.NotEqual(t, a, retainedID(&rs, Initiator, []byte("c2")))
	require.False(t, bytes.Contains(rs[:], a[:]))

	si, sr := continuedStores(t)
	_, _, m, _ := stepWith(t, 1, func(ci, cr *Config) { ci.Continuity, cr.Continuity = si, sr })
	c, err := wire.ParseCommit(m[0])
	require.NoError(t, err)
	rec := si.get("bob")
	require.Equal(t, [][wire.RetainedIDSize]byte{
		retainedID(&rec.Secret, Initiator, []byte("call-42")),
		retainedID(&rec.Previous, Initiator, []byte("call-42")),
	}, c.RetainedIDs)
	for _, msg := range m[:2] {
		require.False(t, bytes.Contains(msg, rec.Secret[:]), "secret on the wire")
		require.False(t, bytes.Contains(msg, rec.Previous[:]), "secret on the wire")
	}
}

func TestFileStore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "continuity.json")
	s := NewFileStore(path)
	_, ok, err := s.Load("bob")
	require.NoError(t, err)
	require.False(t, ok, "no file yet: empty store")

	rec := ContinuityRecord{Secret: [SecretSize]byte{1, 2, 3}, Previous: [SecretSize]byte{4}, HasPrevious: true, Verified: true}
	require.NoError(t, s.Save("bob", rec))
	require.NoError(t, s.Save("carol", ContinuityRecord{Secret: [SecretSize]byte{9}}))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary files left behind")

	got, ok, err := NewFileStore(path).Load("bob") // a fresh store reads the file
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, rec, got)
	got, ok, err = s.Load("carol")
	require.NoError(t, err)
	require.True(t, ok)
	require.False(t, got.HasPrevious)

	// A corrupt file is an error, not an empty store.
	require.NoError(t, os.WriteFile(path, []byte("{nope"), 0o600))
	_, _, err = s.Load("bob")
	require.Error(t, err)
	require.Error(t, s.Save("bob", rec), "Save must not overwrite a file it cannot read")
	require.NoError(t, os.WriteFile(path, []byte(`{"version":1,"peers":{"bob":{"secret":"abcd"}}}`), 0o600))
	_, _, err = s.Load("bob")
	require.Error(t, err)
	require.NoError(t, os.WriteFile(path, []byte(`{"version":2,"peers":{}}`), 0o600))
	_, _, err = s.Load("bob")
	require.Error(t, err)
}

func TestFileStoreHandshakes(t *testing.T) {
	dir := t.TempDir()
	si := NewFileStore(filepath.Join(dir, "alice.json"))
	sr := NewFileStore(filepath.Join(dir, "bob.json"))
	call(t, si, sr, "1")
	ri, rr := call(t, si, sr, "2")
	require.Equal(t, ContinuityKept, ri.Continuity())
	require.NoError(t, ri.MarkVerified())
	require.NoError(t, rr.MarkVerified())
	ri, _ = call(t, NewFileStore(filepath.Join(dir, "alice.json")), sr, "3")
	require.True(t, ri.Verified())
}

func TestFileStoreConcurrent(t *testing.T) {
	s := NewFileStore(filepath.Join(t.TempDir(), "c.json"))
	var wg sync.WaitGroup
	for k := range 16 {
		wg.Go(func() {
			peer := fmt.Sprintf("peer-%d", k)
			assert.NoError(t, s.Save(peer, ContinuityRecord{Secret: [SecretSize]byte{byte(k)}}))
			_, ok, err := s.Load(peer)
			assert.NoError(t, err)
			assert.True(t, ok)
		})
	}
	wg.Wait()
	for k := range 16 {
		rec, ok, err := s.Load(fmt.Sprintf("peer-%d", k))
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, byte(k), rec.Secret[0])
	}
}
