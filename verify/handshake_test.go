package verify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/callseal/callseal/keyexchange"
)

// renderings is every rendering of one Result, as displayed.
type renderings struct {
	check, digits6, digits20, b32, words, emoji string
}

func render(res *keyexchange.Result) renderings {
	var names []string
	for _, e := range Emoji(res) {
		names = append(names, e.String())
	}
	return renderings{
		check:    CheckNumber(res),
		digits6:  Digits(res, 6),
		digits20: Digits(res, 20),
		b32:      B32(res),
		words:    Words(res),
		emoji:    strings.Join(names, ", "),
	}
}

// same lists the renderings that a and b have in common.
func (a renderings) same(b renderings) []string {
	var out []string
	for _, f := range []struct {
		name string
		x, y string
	}{
		{"CheckNumber", a.check, b.check},
		{"Digits(6)", a.digits6, b.digits6},
		{"Digits(20)", a.digits20, b.digits20},
		{"B32", a.b32, b.b32},
		{"Words", a.words, b.words},
		{"Emoji", a.emoji, b.emoji},
	} {
		if f.x == f.y {
			out = append(out, f.name+" "+f.x)
		}
	}
	return out
}

// configs returns an initiator and a responder Config for one call.
func configs(callID string) (ci, cr keyexchange.Config) {
	ci = keyexchange.Config{Role: keyexchange.Initiator, CallID: []byte(callID), LocalID: "alice", PeerID: "bob"}
	cr = keyexchange.Config{Role: keyexchange.Responder, CallID: []byte(callID), LocalID: "bob", PeerID: "alice"}
	return ci, cr
}

// outcome is how one run of the handshake ended.
type outcome struct {
	ri, rr *keyexchange.Result // nil unless that side is done
	err    error               // the first error a side returned
	by     string              // who returned it
	msgs   [][]byte            // the messages as sent, before tampering
}

// exchange runs the handshake between ci and cr in memory. tamper, if not
// nil, sees message k (1-based) after its sender produced it and returns
// what the receiver gets: a relay controlled by an attacker. The run stops
// at the first error.
func exchange(t testing.TB, ci, cr keyexchange.Config, tamper func(k int, msg []byte) []byte) outcome {
	t.Helper()
	i, err := keyexchange.New(ci)
	if err != nil {
		t.Fatal(err)
	}
	r, err := keyexchange.New(cr)
	if err != nil {
		t.Fatal(err)
	}
	var o outcome
	msg, err := i.Start()
	if err != nil {
		t.Fatal(err)
	}
	parties := [2]*keyexchange.Handshake{r, i} // receiver of message k is parties[(k-1)%2]
	names := [2]string{"responder", "initiator"}
	for k := 1; msg != nil; k++ {
		o.msgs = append(o.msgs, msg)
		if tamper != nil {
			msg = tamper(k, bytes.Clone(msg))
		}
		msg, err = parties[(k-1)%2].Handle(msg)
		if err != nil {
			o.err, o.by = err, names[(k-1)%2]
			break
		}
	}
	if i.Done() {
		o.ri, _ = i.Result()
	}
	if r.Done() {
		o.rr, _ = r.Result()
	}
	return o
}

// handshake runs an honest handshake with crypto/rand.
func handshake(t testing.TB, callID string) (ri, rr *keyexchange.Result) {
	t.Helper()
	ci, cr := configs(callID)
	o := exchange(t, ci, cr, nil)
	if o.err != nil || o.ri == nil || o.rr == nil {
		t.Fatalf("handshake: %v (%s)", o.err, o.by)
	}
	return o.ri, o.rr
}

// TestBothSidesEqual runs 10,000 handshakes with fresh randomness (1,000
// under -short or the race detector) and checks that both sides get the
// same string from every rendering, in the documented format, and that no
// check number repeats.
func TestBothSidesEqual(t *testing.T) {
	total := 10000
	if testing.Short() || raceEnabled {
		total = 1000
	}
	shards := max(runtime.GOMAXPROCS(0), 2)
	var mu sync.Mutex
	seen := make(map[string]bool, total)
	for s := range shards {
		t.Run(fmt.Sprintf("shard%d", s), func(t *testing.T) {
			t.Parallel()
			for n := s; n < total; n += shards {
				ri, rr := handshake(t, fmt.Sprintf("call-%d", n))
				a, b := render(ri), render(rr)
				if a != b {
					t.Fatalf("handshake %d: initiator %+v, responder %+v", n, a, b)
				}
				if !checkNumberFormat.MatchString(a.check) || len(a.digits6) != 6 || !b32Format.MatchString(a.b32) ||
					!wordsFormat.MatchString(a.words) || strings.Count(a.emoji, ", ") != EmojiCount-1 {
					t.Fatalf("handshake %d: badly formatted %+v", n, a)
				}
				mu.Lock()
				repeat := seen[a.check]
				seen[a.check] = true
				mu.Unlock()
				if repeat {
					t.Fatalf("handshake %d: check number %s repeated", n, a.check)
				}
			}
		})
	}
	t.Cleanup(func() {
		if !t.Failed() && len(seen) != total {
			t.Errorf("%d distinct check numbers from %d handshakes", len(seen), total)
		}
	})
}

// seeded returns a deterministic Rand for Config: a ChaCha8 stream whose
// byte at offset flip (if flip >= 0) is inverted.
func seeded(seed byte, flip int) io.Reader {
	return &flipReader{r: rand.NewChaCha8([32]byte{seed}), flip: flip}
}

type flipReader struct {
	r    io.Reader
	off  int
	flip int
}

func (f *flipReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if i := f.flip - f.off; i >= 0 && i < n {
		p[i] ^= 0xff
	}
	f.off += n
	return n, err
}

// TestTranscriptChangesEveryRendering changes one input of the transcript
// at a time — the call ID, either identity, the offered suites, and every
// byte a party contributes to the messages (its X25519 key share and its
// nonce, drawn from Rand) — with everything else fixed, and checks that
// the handshake still completes with equal renderings on both sides, and
// that every rendering differs from the unchanged handshake's.
//
// A change of a nonce byte is the smallest possible: the shared secret
// stays the same and the transcripts differ in that one byte (the
// Response's nonce_R), or in the Reveal's nonce_I and the Commit's
// commitment to it. (A rendering with b bits coincides by chance with
// probability 2^-b; the inputs are deterministic, so the test is too.)
//
// Bytes changed in flight by an attacker, rather than chosen by a party,
// never complete a handshake: TestTamperedMessageIsRejected.
func TestTranscriptChangesEveryRendering(t *testing.T) {
	base := func() (ci, cr keyexchange.Config) {
		ci, cr = configs("call-42")
		ci.Rand, cr.Rand = seeded(1, -1), seeded(2, -1)
		return ci, cr
	}
	run := func(t *testing.T, ci, cr keyexchange.Config) renderings {
		t.Helper()
		o := exchange(t, ci, cr, nil)
		if o.err != nil || o.ri == nil || o.rr == nil {
			t.Fatalf("handshake: %v (%s)", o.err, o.by)
		}
		a, b := render(o.ri), render(o.rr)
		if a != b {
			t.Fatalf("sides differ: initiator %+v, responder %+v", a, b)
		}
		return a
	}
	ci0, cr0 := base()
	want := run(t, ci0, cr0)

	type variant struct {
		name   string
		change func(ci, cr *keyexchange.Config)
	}
	variants := []variant{
		{"call ID", func(ci, cr *keyexchange.Config) { ci.CallID, cr.CallID = []byte("call-43"), []byte("call-43") }},
		{"call ID one byte longer", func(ci, cr *keyexchange.Config) { ci.CallID, cr.CallID = []byte("call-420"), []byte("call-420") }},
		{"initiator identity", func(ci, cr *keyexchange.Config) { ci.LocalID, cr.PeerID = "alicf", "alicf" }},
		{"responder identity", func(ci, cr *keyexchange.Config) { ci.PeerID, cr.LocalID = "bob2", "bob2" }},
		{"identities swapped", func(ci, cr *keyexchange.Config) {
			ci.LocalID, ci.PeerID, cr.LocalID, cr.PeerID = "bob", "alice", "alice", "bob"
		}},
		{"offered suites", func(ci, cr *keyexchange.Config) {
			ci.Suites = []keyexchange.Suite{keyexchange.X25519_MLKEM768_SHA256, keyexchange.X25519_SHA256}
			cr.Suites = []keyexchange.Suite{keyexchange.X25519_SHA256}
		}},
	}
	const randBytes = 64 // X25519 scalar, then nonce (PROTOCOL.md)
	for _, side := range []string{"initiator", "responder"} {
		for off := range randBytes {
			part := "key share"
			if off >= 32 {
				part = "nonce"
			}
			variants = append(variants, variant{fmt.Sprintf("%s %s byte %d", side, part, off%32), func(ci, cr *keyexchange.Config) {
				if side == "initiator" {
					ci.Rand = seeded(1, off)
				} else {
					cr.Rand = seeded(2, off)
				}
			}})
		}
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			ci, cr := base()
			v.change(&ci, &cr)
			got := run(t, ci, cr)
			if same := got.same(want); len(same) > 0 {
				t.Errorf("renderings unchanged: %v", same)
			}
		})
	}
}

// TestTamperedMessageIsRejected is the attacker in the relay changing a
// message in flight: for every byte of every message, it flips one bit
// and lets the handshake go on. Every such change must make a party
// reject a message (the change is in the transcript, which the Confirm
// MACs cover, or it breaks the commitment or the layout), and no party
// may complete on a changed transcript: a party that completes (the
// responder, when the last message was changed) has the genuine
// transcript and shows the genuine strings, and the other party has
// failed, so the call stops before anyone compares. The test counts the
// errors by kind.
func TestTamperedMessageIsRejected(t *testing.T) {
	base := func() (ci, cr keyexchange.Config) {
		ci, cr = configs("call-42")
		ci.Rand, cr.Rand = seeded(1, -1), seeded(2, -1)
		return ci, cr
	}
	ci, cr := base()
	honest := exchange(t, ci, cr, nil)
	if honest.err != nil || honest.ri == nil || honest.rr == nil {
		t.Fatalf("honest handshake: %v", honest.err)
	}
	want := render(honest.ri)
	sentinels := []error{keyexchange.ErrMalformed, keyexchange.ErrVersion, keyexchange.ErrUnexpectedMessage,
		keyexchange.ErrCommitment, keyexchange.ErrConfirm, keyexchange.ErrLowOrderPoint, keyexchange.ErrIdentity,
		keyexchange.ErrNoCommonSuite}
	for k, msg := range honest.msgs {
		kinds := map[string]int{}
		for j := range msg {
			ci, cr := base()
			o := exchange(t, ci, cr, func(m int, b []byte) []byte {
				if m == k+1 {
					b[j] ^= 0x01
				}
				return b
			})
			if o.err == nil {
				t.Errorf("message %d byte %d flipped: accepted by both sides", k+1, j)
				continue
			}
			kind := "other"
			for _, s := range sentinels {
				if errors.Is(o.err, s) {
					kind = s.Error()
					break
				}
			}
			kinds[o.by+": "+kind]++
			if o.ri != nil && o.rr != nil {
				t.Errorf("message %d byte %d flipped: both sides completed", k+1, j)
			}
			for _, r := range []*keyexchange.Result{o.ri, o.rr} {
				if r != nil && render(r) != want {
					t.Errorf("message %d byte %d flipped: a side completed with changed renderings", k+1, j)
				}
			}
		}
		t.Logf("message %d (%d bytes), one bit flipped per byte: %v", k+1, len(msg), kinds)
	}
}

// TestWipedResult: a wiped Result has no SAS secret; the renderings are
// empty rather than computed from zeros, which would give both parties the
// same, meaningless, check number.
func TestWipedResult(t *testing.T) {
	ri, rr := handshake(t, "wiped")
	ri.Wipe()
	rr.Wipe()
	if CheckNumber(ri) != "" || Digits(ri, 6) != "" || B32(ri) != "" || Words(ri) != "" {
		t.Fatalf("renderings of a wiped result: %q %q %q %q", CheckNumber(ri), Digits(ri, 6), B32(ri), Words(ri))
	}
	if Emoji(ri) != [EmojiCount]EmojiSymbol{} {
		t.Fatalf("emoji of a wiped result: %v", Emoji(ri))
	}
	if Equal(CheckNumber(ri), CheckNumber(rr)) {
		t.Fatal("two wiped results compare equal")
	}
}
