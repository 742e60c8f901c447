package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/callseal/callseal/internal/handshaketest"
	"github.com/callseal/callseal/keyexchange"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestContinuity runs calls one after the other with one -cache directory,
// as two apps would call each other over days: the first call is new and
// marked verified (-verified); the second reports "verified earlier"; after
// bob's cache file is deleted the third reports "continuity broken" on
// both sides; the fourth continues the new chain, not verified; and a call
// through an attacker (-mitm), who holds no retained secret, is a break.
func TestContinuity(t *testing.T) {
	dir := t.TempDir()
	call := func(t *testing.T, cfg config) (string, error) {
		t.Helper()
		cfg.out, cfg.speed, cfg.timeout, cfg.cache = t.TempDir(), 8, 25*time.Second, dir
		var stdout bytes.Buffer
		_, err := run(t.Context(), cfg, &stdout)
		t.Log("\n" + stdout.String())
		return stdout.String(), err
	}
	note := func(t *testing.T, out string, s side) string {
		t.Helper()
		m := regexp.MustCompile(`(?m)^  ` + s.String() + `: +(.*)$`).FindStringSubmatch(out)
		require.NotNil(t, m, "continuity line of %v", s)
		return m[1]
	}
	steps := []struct {
		name   string
		cfg    config
		before func(t *testing.T)
		want   string // prefix of both parties' continuity line
		mitm   bool
	}{
		{name: "first call, verified", cfg: config{verified: true}, want: "first call with this peer"},
		{name: "second call", want: "verified earlier"},
		{name: "bob's cache deleted", before: func(t *testing.T) { require.NoError(t, os.Remove(filepath.Join(dir, "bob.json"))) },
			want: "continuity broken"},
		{name: "new chain, not verified", want: "keys continue from the last call, never verified"},
		{name: "man in the middle", cfg: config{mitm: mitmReseal, verified: true}, want: "continuity broken", mitm: true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.before != nil {
				st.before(t)
			}
			out, err := call(t, st.cfg)
			if st.mitm {
				require.ErrorIs(t, err, errMITM)
				assert.Contains(t, out, "not marked verified")
			} else {
				require.NoError(t, err)
			}
			for _, s := range []side{alice, bob} {
				assert.Regexp(t, "^"+regexp.QuoteMeta(st.want), note(t, out, s), "%v", s)
			}
			if st.cfg.verified && !st.mitm {
				assert.Contains(t, out, "marked verified (-verified)")
			}
		})
		if t.Failed() {
			return
		}
	}
}

func TestVerifiedNeedsCache(t *testing.T) {
	_, err := run(t.Context(), config{verified: true, speed: 8}, &bytes.Buffer{})
	require.ErrorContains(t, err, "-verified needs -cache")
}

// TestContinuityNoteFailedAttempts: a handshake that alice started and
// never finished shows in the next call's continuity note, as the count of
// attempts a man in the middle may have aborted.
func TestContinuityNoteFailedAttempts(t *testing.T) {
	dir := t.TempDir()
	store := func(name string) keyexchange.ContinuityStore {
		return keyexchange.NewFileStore(filepath.Join(dir, name+".json"))
	}
	cfg := func(role keyexchange.Role, local, peer string) keyexchange.Config {
		return keyexchange.Config{Role: role, CallID: []byte("call-" + t.Name()), LocalID: local, PeerID: peer, Continuity: store(local)}
	}
	// An attempt that never completes: alice sends a Commit, nobody answers.
	aborted, err := keyexchange.New(cfg(keyexchange.Initiator, "alice", "bob"))
	require.NoError(t, err)
	_, err = aborted.Start()
	require.NoError(t, err)

	ra, rb, err := handshaketest.Run(cfg(keyexchange.Initiator, "alice", "bob"), cfg(keyexchange.Responder, "bob", "alice"))
	require.NoError(t, err)
	assert.Contains(t, continuityNote(ra), "1 earlier attempt(s) with this peer failed to set up")
	assert.NotContains(t, continuityNote(rb), "earlier attempt")
}
