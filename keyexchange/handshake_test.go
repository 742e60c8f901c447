package keyexchange

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/keyexchange/internal/wire"
	"github.com/callseal/callseal/policy"
)

// sentinels lists every error a peer message may produce.
var sentinels = []error{
	ErrMalformed, ErrVersion, ErrUnexpectedMessage, ErrCommitment, ErrConfirm,
	ErrLowOrderPoint, ErrIdentity, ErrCallID, ErrNoCommonSuite,
}

func isTyped(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func configs() (ci, cr Config) {
	ci = Config{Role: Initiator, CallID: []byte("call-42"), LocalID: "alice", PeerID: "bob"}
	cr = Config{Role: Responder, CallID: []byte("call-42"), LocalID: "bob", PeerID: "alice"}
	return ci, cr
}

func newPair(t testing.TB, edit func(ci, cr *Config)) (i, r *Handshake) {
	t.Helper()
	ci, cr := configs()
	if edit != nil {
		edit(&ci, &cr)
	}
	i, err := New(ci)
	require.NoError(t, err)
	r, err = New(cr)
	require.NoError(t, err)
	return i, r
}

// transcript holds the four messages of one handshake.
type transcript [4][]byte

// runHandshake completes a handshake between i and r and returns the messages.
func runHandshake(t testing.TB, i, r *Handshake) transcript {
	t.Helper()
	var m transcript
	var err error
	m[0], err = i.Start()
	require.NoError(t, err)
	m[1], err = r.Handle(m[0])
	require.NoError(t, err)
	m[2], err = i.Handle(m[1])
	require.NoError(t, err)
	m[3], err = r.Handle(m[2])
	require.NoError(t, err)
	reply, err := i.Handle(m[3])
	require.NoError(t, err)
	require.Nil(t, reply)
	require.True(t, i.Done())
	require.True(t, r.Done())
	return m
}

// requireMatching checks that the two results are the two ends of one handshake.
func requireMatching(t testing.TB, ri, rr *Result) {
	t.Helper()
	si, vi := ri.secrets.sendMedia, ri.secrets.recvMedia // peek: requireMatching takes nothing
	sr, vr := rr.secrets.sendMedia, rr.secrets.recvMedia
	require.Equal(t, si, vr, "initiator send media == responder recv media")
	require.Equal(t, sr, vi, "responder send media == initiator recv media")
	if ri.Decision().E2EE {
		require.NotEqual(t, si, sr, "directions have different media secrets")
		require.NotEqual(t, [SecretSize]byte{}, si)
	} else {
		require.Equal(t, [SecretSize]byte{}, si, "no media secrets without E2EE")
		require.Equal(t, [SecretSize]byte{}, sr, "no media secrets without E2EE")
	}
	require.Equal(t, ri.SASSecret(), rr.SASSecret())
	require.Equal(t, ri.TranscriptHash(), rr.TranscriptHash())
	tsi, tvi := ri.secrets.sendTransport, ri.secrets.recvTransport
	tsr, tvr := rr.secrets.sendTransport, rr.secrets.recvTransport
	require.Equal(t, tsi, tvr)
	require.Equal(t, tsr, tvi)
	require.NotEqual(t, tsi, tsr)
	require.Equal(t, ri.Suite(), rr.Suite())
	require.Equal(t, ri.Decision(), rr.Decision())
	li, pi := ri.Policies()
	lr, pr := rr.Policies()
	require.Equal(t, li, pr)
	require.Equal(t, pi, lr)
	require.Equal(t, Initiator, ri.Role())
	require.Equal(t, Responder, rr.Role())
	require.Equal(t, ri.CallID(), rr.CallID())
	require.Equal(t, ri.LocalID(), rr.PeerID())
	require.Equal(t, ri.PeerID(), rr.LocalID())
}

func TestHandshake(t *testing.T) {
	i, r := newPair(t, nil)
	assert.Equal(t, StateStart, i.State())
	assert.Equal(t, StateAwaitCommit, r.State())
	m := runHandshake(t, i, r)
	ri, err := i.Result()
	require.NoError(t, err)
	rr, err := r.Result()
	require.NoError(t, err)
	requireMatching(t, ri, rr)
	for k, msg := range m {
		assert.LessOrEqual(t, len(msg), MaxMessageSize, "message %d", k+1)
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{
		StateStart: "Start", StateAwaitCommit: "AwaitCommit", StateAwaitResponse: "AwaitResponse",
		StateAwaitReveal: "AwaitReveal", StateAwaitConfirm: "AwaitConfirm", StateDone: "Done", 0: "State(0)",
	} {
		assert.Equal(t, want, s.String())
	}
}

// step drives a fresh handshake up to message k (0-based) and returns the
// pair, the messages so far and the party that receives message k.
func step(t testing.TB, k int) (i, r *Handshake, m transcript, recv *Handshake) {
	t.Helper()
	return stepWith(t, k, nil)
}

// stepWith is step for a pair configured by edit.
func stepWith(t testing.TB, k int, edit func(ci, cr *Config)) (i, r *Handshake, m transcript, recv *Handshake) {
	t.Helper()
	i, r = newPair(t, edit)
	var err error
	m[0], err = i.Start()
	require.NoError(t, err)
	parties := []*Handshake{r, i, r, i}
	for j := 0; j < k; j++ {
		m[j+1], err = parties[j].Handle(m[j])
		require.NoError(t, err)
	}
	return i, r, m, parties[k]
}

// finish delivers message k and the rest and checks that both sides agree.
func finish(t testing.TB, i, r *Handshake, m transcript, k int) {
	t.Helper()
	parties := []*Handshake{r, i, r, i}
	msg := m[k]
	for j := k; j < 4; j++ {
		reply, err := parties[j].Handle(msg)
		require.NoError(t, err, "message %d", j+1)
		msg = reply
	}
	ri, err := i.Result()
	require.NoError(t, err)
	rr, err := r.Result()
	require.NoError(t, err)
	requireMatching(t, ri, rr)
}

// fieldOf returns the index of the field whose value holds byte p of msg
// (every message is a 2-byte header and length-prefixed fields), or -1 when
// p is in the header or a length prefix.
func fieldOf(msg []byte, p int) int {
	off := wire.HeaderSize
	for f := 0; off+wire.LengthSize <= len(msg); f++ {
		n := int(msg[off])<<8 | int(msg[off+1])
		start := off + wire.LengthSize
		if p >= start && p < start+n {
			return f
		}
		off = start + n
	}
	return -1
}

// lateCheck lists, per message, the fields whose value the receiver cannot
// check on arrival — the commitment, values either side contributes (key
// shares, ML-KEM key and ciphertext, nonces) and the policy states and
// retained-secret IDs — with the error the handshake then fails with at
// the next message. Field indices follow PROTOCOL.md.
var lateCheck = map[int]map[int]error{
	0: {4: ErrConfirm, 5: ErrConfirm, 6: ErrConfirm, 7: ErrCommitment},             // Commit: policy, IDs, ML-KEM key, commitment
	1: {4: ErrConfirm, 5: ErrConfirm, 6: ErrConfirm, 7: ErrConfirm, 8: ErrConfirm}, // Response: policy, IDs, pub_R, ML-KEM ct, nonce_R
}

// tamperEveryByte changes every byte of every message in two ways. The
// receiver must reject the result with a typed error and keep its state, so
// the genuine message completes the handshake afterwards — or, for the
// values the receiver cannot check (lateCheck), the handshake must fail at
// the next message.
func tamperEveryByte(t *testing.T, setup func(t testing.TB) func(ci, cr *Config)) {
	for k := range 4 {
		_, _, m, _ := stepWith(t, k, setup(t))
		for p := range len(m[k]) {
			for _, mask := range tamperMasks {
				t.Run(fmt.Sprintf("msg%d/byte%d/%02x", k+1, p, mask), func(t *testing.T) {
					i, r, m, recv := stepWith(t, k, setup(t))
					before := recv.State()
					bad := bytes.Clone(m[k])
					bad[p] ^= mask
					reply, err := recv.Handle(bad)
					if err != nil {
						require.True(t, isTyped(err), "untyped error: %v", err)
						require.Equal(t, before, recv.State(), "state changed after %v", err)
						require.Nil(t, reply)
						finish(t, i, r, m, k)
						return
					}
					want, ok := lateCheck[k][fieldOf(m[k], p)]
					require.True(t, ok, "tampered message accepted (field %d)", fieldOf(m[k], p))
					switch k {
					case 0: // R answered a forged Commit: the Reveal fails.
						reveal, err := i.Handle(reply)
						require.NoError(t, err)
						_, err = r.Handle(reveal)
						require.ErrorIs(t, err, want)
					case 1: // I used a forged Response: transcripts differ.
						_, err = r.Handle(reply)
						require.ErrorIs(t, err, want)
					}
					require.False(t, r.Done())
				})
			}
		}
	}
}

// tamperMasks are the changes tried on each byte: the lowest and highest
// bit. Under the race detector, which slows the hybrid run tenfold, only the
// lowest.
var tamperMasks = func() []byte {
	if raceEnabled {
		return []byte{0x01}
	}
	return []byte{0x01, 0x80}
}()

func TestTamperEveryByte(t *testing.T) {
	tamperEveryByte(t, func(testing.TB) func(ci, cr *Config) { return nil })
}

// TestTamperEveryByteHybrid covers the new fields: the hybrid suite's
// ML-KEM key and ciphertext, non-zero policy bytes and retained-secret IDs.
func TestTamperEveryByteHybrid(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	tamperEveryByte(t, func(t testing.TB) func(ci, cr *Config) {
		si, sr := sharedStores([SecretSize]byte{1}, [SecretSize]byte{2})
		return func(ci, cr *Config) {
			ci.Suites = []Suite{X25519_MLKEM768_SHA256}
			cr.Suites = []Suite{X25519_MLKEM768_SHA256}
			ci.Policy = policy.Party{Admin: policy.DisabledUserOverride, UserEnabled: true}
			cr.Policy = policy.Party{Admin: policy.DisabledUserOverride, UserEnabled: true}
			ci.Continuity, cr.Continuity = si, sr
		}
	})
}

func TestTruncatedAndExtended(t *testing.T) {
	for k := range 4 {
		for n := range len(func() []byte { _, _, m, _ := step(t, k); return m[k] }()) {
			i, r, m, recv := step(t, k)
			before := recv.State()
			_, err := recv.Handle(m[k][:n])
			require.ErrorIs(t, err, ErrMalformed, "message %d cut to %d bytes", k+1, n)
			require.Equal(t, before, recv.State())
			_, err = recv.Handle(append(bytes.Clone(m[k]), 0))
			require.ErrorIs(t, err, ErrMalformed)
			finish(t, i, r, m, k)
		}
	}
}

func TestOversized(t *testing.T) {
	i, r, m, recv := step(t, 0)
	_, err := recv.Handle(make([]byte, MaxMessageSize+1))
	require.ErrorIs(t, err, ErrMalformed)
	finish(t, i, r, m, 0)
}

func TestOutOfOrder(t *testing.T) {
	// Reference messages from a completed handshake.
	i0, r0 := newPair(t, nil)
	ref := runHandshake(t, i0, r0)

	// Responder: anything but Commit first.
	_, r := newPair(t, nil)
	for _, k := range []int{1, 2, 3} {
		_, err := r.Handle(ref[k])
		require.ErrorIs(t, err, ErrUnexpectedMessage, "message %d first", k+1)
		require.Equal(t, StateAwaitCommit, r.State())
	}

	// Initiator after Start: Commit (reflected), Reveal or Confirm.
	i, r := newPair(t, nil)
	commit, err := i.Start()
	require.NoError(t, err)
	for _, msg := range [][]byte{commit, ref[0], ref[2], ref[3]} {
		_, err := i.Handle(msg)
		require.ErrorIs(t, err, ErrUnexpectedMessage)
		require.Equal(t, StateAwaitResponse, i.State())
	}
	// Responder waiting for Reveal: a Confirm, a Response, or another Commit.
	resp, err := r.Handle(commit)
	require.NoError(t, err)
	other, _ := newPair(t, nil)
	otherCommit, err := other.Start()
	require.NoError(t, err)
	for _, msg := range [][]byte{ref[3], resp, otherCommit} {
		_, err := r.Handle(msg)
		require.ErrorIs(t, err, ErrUnexpectedMessage)
		require.Equal(t, StateAwaitReveal, r.State())
	}
	// Reveal from another handshake does not open this commitment.
	_, err = r.Handle(ref[2])
	require.ErrorIs(t, err, ErrCommitment)
	// Initiator waiting for Confirm: the other handshake's Confirm fails.
	reveal, err := i.Handle(resp)
	require.NoError(t, err)
	_, err = i.Handle(ref[3])
	require.ErrorIs(t, err, ErrConfirm)
	require.Equal(t, StateAwaitConfirm, i.State())
	confirm, err := r.Handle(reveal)
	require.NoError(t, err)
	_, err = i.Handle(confirm)
	require.NoError(t, err)
	require.True(t, i.Done())
	// Done: a new message is unexpected.
	_, err = r.Handle(otherCommit)
	require.ErrorIs(t, err, ErrUnexpectedMessage)
}

func TestAPIMisuse(t *testing.T) {
	i, r := newPair(t, nil)
	_, err := r.Start()
	require.ErrorIs(t, err, ErrWrongState)
	_, err = i.Handle([]byte{1, 2})
	require.ErrorIs(t, err, ErrWrongState)
	_, err = i.Result()
	require.ErrorIs(t, err, ErrNotDone)
	_, err = i.Start()
	require.NoError(t, err)
	_, err = i.Start()
	require.ErrorIs(t, err, ErrWrongState)
	_, err = r.Result()
	require.ErrorIs(t, err, ErrNotDone)
}

func TestDuplicatesAnsweredIdempotently(t *testing.T) {
	i, r := newPair(t, nil)
	commit, err := i.Start()
	require.NoError(t, err)
	resp1, err := r.Handle(commit)
	require.NoError(t, err)
	resp2, err := r.Handle(commit)
	require.NoError(t, err)
	require.Equal(t, resp1, resp2, "Commit twice")

	reveal1, err := i.Handle(resp1)
	require.NoError(t, err)
	reveal2, err := i.Handle(resp2)
	require.NoError(t, err)
	require.Equal(t, reveal1, reveal2, "Response twice")

	confirm1, err := r.Handle(reveal1)
	require.NoError(t, err)
	confirm2, err := r.Handle(reveal2)
	require.NoError(t, err)
	require.Equal(t, confirm1, confirm2, "Reveal twice")
	resp3, err := r.Handle(commit)
	require.NoError(t, err)
	require.Equal(t, resp1, resp3, "Commit again after Done")

	out, err := i.Handle(confirm1)
	require.NoError(t, err)
	require.Nil(t, out)
	out, err = i.Handle(confirm2)
	require.NoError(t, err, "Confirm twice")
	require.Nil(t, out)
	reveal3, err := i.Handle(resp1)
	require.NoError(t, err)
	require.Equal(t, reveal1, reveal3, "Response again after Done")

	// Replies are copies: changing one does not change the next.
	resp3[len(resp3)-1] ^= 1
	resp4, err := r.Handle(commit)
	require.NoError(t, err)
	require.Equal(t, resp1, resp4)

	ri, _ := i.Result()
	rr, _ := r.Result()
	requireMatching(t, ri, rr)
}

func TestIdentityChecks(t *testing.T) {
	for name, edit := range map[string]func(ci, cr *Config){
		"responder expects someone else":   func(ci, cr *Config) { cr.PeerID = "carol" },
		"commit addressed to someone else": func(ci, cr *Config) { ci.PeerID = "carol" },
		"different call ID":                func(ci, cr *Config) { cr.CallID = []byte("call-43") },
	} {
		t.Run(name, func(t *testing.T) {
			i, r := newPair(t, edit)
			commit, err := i.Start()
			require.NoError(t, err)
			_, err = r.Handle(commit)
			require.ErrorIs(t, err, ErrIdentity)
			require.Equal(t, StateAwaitCommit, r.State())
		})
	}
	// The initiator checks the Response: forge its identities and call ID.
	for name, edit := range map[string]func(*wire.Response){
		"response from someone else":   func(w *wire.Response) { w.ResponderID = "mallory" },
		"response addressed elsewhere": func(w *wire.Response) { w.InitiatorID = "carol" },
		"response for another call":    func(w *wire.Response) { w.CallID = []byte("call-43") },
	} {
		t.Run(name, func(t *testing.T) {
			i, r, m, _ := step(t, 1)
			w, err := wire.ParseResponse(m[1])
			require.NoError(t, err)
			edit(w)
			bad, err := w.Marshal()
			require.NoError(t, err)
			_, err = i.Handle(bad)
			require.ErrorIs(t, err, ErrIdentity)
			require.Equal(t, StateAwaitResponse, i.State())
			finish(t, i, r, m, 1)
		})
	}
}

func TestSuiteNegotiation(t *testing.T) {
	// Forged choice of a suite that was not offered.
	i, r, m, _ := step(t, 1)
	w, err := wire.ParseResponse(m[1])
	require.NoError(t, err)
	w.Suite = uint16(X25519_MLKEM768_SHA256)
	w.KEMCiphertext = make([]byte, wire.KEMCiphertextSize)
	bad, err := w.Marshal()
	require.NoError(t, err)
	_, err = i.Handle(bad)
	require.ErrorIs(t, err, ErrNoCommonSuite)
	finish(t, i, r, m, 1)

	// A Commit offering only unknown suites.
	i, r, m, _ = step(t, 0)
	c, err := wire.ParseCommit(m[0])
	require.NoError(t, err)
	c.Suites = []uint16{0x7777, uint16(X25519_MLKEM768_SHA256)}
	c.KEMKey = testKEMKey(t)
	bad, err = c.Marshal()
	require.NoError(t, err)
	_, err = r.Handle(bad)
	require.ErrorIs(t, err, ErrNoCommonSuite)
	finish(t, i, r, m, 0)

	// Unknown suites alongside a known one are ignored.
	_, r, m, _ = step(t, 0)
	c, err = wire.ParseCommit(m[0])
	require.NoError(t, err)
	c.Suites = []uint16{0x7777, uint16(X25519_SHA256)}
	ok, err := c.Marshal()
	require.NoError(t, err)
	resp, err := r.Handle(ok)
	require.NoError(t, err)
	w, err = wire.ParseResponse(resp)
	require.NoError(t, err)
	require.Equal(t, uint16(X25519_SHA256), w.Suite)
}

func TestConfigValidation(t *testing.T) {
	for name, edit := range map[string]func(*Config){
		"no role":         func(c *Config) { c.Role = 0 },
		"empty call ID":   func(c *Config) { c.CallID = nil },
		"long call ID":    func(c *Config) { c.CallID = make([]byte, MaxCallIDSize+1) },
		"empty local ID":  func(c *Config) { c.LocalID = "" },
		"long peer ID":    func(c *Config) { c.PeerID = string(make([]byte, MaxIDSize+1)) },
		"bad policy":      func(c *Config) { c.Policy.Admin = 3 },
		"unknown suite":   func(c *Config) { c.Suites = []Suite{0x0999} },
		"duplicate suite": func(c *Config) { c.Suites = []Suite{X25519_SHA256, X25519_SHA256} },
		"empty suites":    func(c *Config) { c.Suites = []Suite{} },
	} {
		ci, _ := configs()
		edit(&ci)
		_, err := New(ci)
		assert.ErrorIs(t, err, ErrInvalidConfig, name)
	}
	// The Handshake keeps its own copy of the call ID.
	ci, cr := configs()
	i, err := New(ci)
	require.NoError(t, err)
	r, err := New(cr)
	require.NoError(t, err)
	ci.CallID[0] ^= 1
	runHandshake(t, i, r)
}

func TestRandFailureKeepsState(t *testing.T) {
	ci, cr := configs()
	ci.Rand = io.LimitReader(bytes.NewReader(make([]byte, 64)), 40) // key, then short nonce
	i, err := New(ci)
	require.NoError(t, err)
	_, err = i.Start()
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	require.Equal(t, StateStart, i.State())

	cr.Rand = bytes.NewReader(nil)
	r, err := New(cr)
	require.NoError(t, err)
	i2, _ := newPair(t, nil)
	commit, err := i2.Start()
	require.NoError(t, err)
	_, err = r.Handle(commit)
	require.Error(t, err)
	require.Equal(t, StateAwaitCommit, r.State())
}

func TestExport(t *testing.T) {
	i, r := newPair(t, nil)
	runHandshake(t, i, r)
	ri, _ := i.Result()
	rr, _ := r.Result()
	a, err := ri.Export("EXPORTER-test", []byte("ctx"), 42)
	require.NoError(t, err)
	b, err := rr.Export("EXPORTER-test", []byte("ctx"), 42)
	require.NoError(t, err)
	require.Equal(t, a, b)
	require.Len(t, a, 42)
	c, err := ri.Export("EXPORTER-other", []byte("ctx"), 42)
	require.NoError(t, err)
	require.NotEqual(t, a, c, "labels separate outputs")
	d, err := ri.Export("EXPORTER-test", []byte("ctx2"), 42)
	require.NoError(t, err)
	require.NotEqual(t, a, d, "contexts separate outputs")
	for _, n := range []int{0, -1, MaxExportSize + 1} {
		_, err := ri.Export("x", nil, n)
		require.ErrorIs(t, err, ErrExportLength)
	}
	// Another handshake exports something else.
	i2, r2 := newPair(t, nil)
	runHandshake(t, i2, r2)
	ri2, _ := i2.Result()
	e, err := ri2.Export("EXPORTER-test", []byte("ctx"), 42)
	require.NoError(t, err)
	require.NotEqual(t, a, e)
}

func TestSecretsWiped(t *testing.T) {
	si, sr := continuedStores(t)
	i, r := newPair(t, func(ci, cr *Config) {
		ci.Suites, cr.Suites = bothSuites, bothSuites
		ci.Continuity, cr.Continuity = si, sr
	})
	runHandshake(t, i, r)
	var zero [x25519PrivateKeySize]byte
	for _, h := range []*Handshake{i, r} {
		require.Equal(t, zero, h.priv, "%v private key wiped", h.cfg.Role)
		require.Nil(t, h.kemKey, "%v ML-KEM decapsulation key dropped", h.cfg.Role)
		require.Nil(t, h.kemSecret, "%v ML-KEM shared secret wiped", h.cfg.Role)
		require.Nil(t, h.cont.own, "%v retained secrets wiped", h.cfg.Role)
	}
	require.Equal(t, [wire.MACSize]byte{}, i.wantConfirm)
	require.Equal(t, ContinuityRecord{}, i.pendingRec)
}

// FuzzHandle feeds arbitrary messages to a party in each waiting state:
// Handle must never panic, every error must be typed, and after an error
// the state must be unchanged and the genuine message must still succeed.
func FuzzHandle(f *testing.F) {
	for _, suites := range [][]Suite{nil, bothSuites} {
		i0, r0 := newPair(f, func(ci, cr *Config) { ci.Suites, cr.Suites = suites, suites })
		ref := runHandshake(f, i0, r0)
		for _, m := range ref {
			for k := range uint8(4) {
				f.Add(k, suites != nil, m)
			}
		}
	}
	f.Fuzz(func(t *testing.T, k uint8, hybrid bool, msg []byte) {
		k %= 4
		var edit func(ci, cr *Config)
		if hybrid {
			edit = func(ci, cr *Config) { ci.Suites, cr.Suites = bothSuites, bothSuites }
		}
		i, r, m, recv := stepWith(t, int(k), edit)
		before := recv.State()
		if _, err := recv.Handle(msg); err != nil {
			if !isTyped(err) {
				t.Fatalf("untyped error: %v", err)
			}
			if recv.State() != before {
				t.Fatalf("state %v → %v after %v", before, recv.State(), err)
			}
			finish(t, i, r, m, int(k))
		}
	})
}
