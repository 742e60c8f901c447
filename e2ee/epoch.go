package e2ee

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/callseal/callseal/e2ee/internal/sfcore"
	"github.com/callseal/callseal/e2ee/sframe"
	"github.com/callseal/callseal/internal/replay"
)

// Epochs and the sender key ratchet (RFC 9605, Section 5.1).
//
// Every stream (a media kind, or with per-SSRC keys an SSRC) of each
// direction has its own chain of base keys, base_key[e+1] =
// sframe.Ratchet(base_key[e]), and its epoch e is named by the KID. The
// sender moves a stream to the next epoch on Rekey if the stream's key has
// sealed a packet (an idle stream stays where it is), and automatically
// before RekeyAfterPackets packets, and erases the old base key at once.
// The receiver keeps the base key of the newest epoch it has authenticated,
// derives the keys of up to MaxEpochAhead further epochs when a KID names
// one (caching them, so that forgeries cost no further derivations), and
// moves to a new epoch only when a packet under it authenticates. The
// superseded epochs' keys stay for a grace period, then are erased.
//
// So the receiver follows a stream as long as it receives at least one of
// the packets sealed in any MaxEpochAhead consecutive epochs of the
// stream; the epochs the KID tells apart are shared between those ahead
// (MaxEpochAhead) and the superseded ones kept for the grace period
// (maxEpochBehind).

// sendChain is the send side of one stream.
type sendChain struct {
	kind MediaKind
	ssrc uint32 // with per-SSRC keys

	cur atomic.Pointer[sendKey] // the key Seal uses

	mu          sync.Mutex // serializes ratchets; guards base and closedEpoch
	base        []byte     // base key of cur's epoch
	closedEpoch uint64     // cur's epoch when Close dropped it (for Epochs)
}

// sendKey is the key of one epoch and its counter. Replaced as a whole.
type sendKey struct {
	next  atomic.Uint64 // next CTR to use; may run past the limit, those values are never used
	epoch uint64
	key   sfcore.Key

	// mu guards scratch, the nonce and AAD space of the Seal holding it.
	// Seal only tries the lock: one that finds it taken, by a concurrent
	// Seal on the stream, takes a pooled Scratch instead of waiting.
	mu      sync.Mutex
	scratch sfcore.Scratch
}

func newSendChain(suite sframe.CipherSuite, kind MediaKind, ssrc uint32, base []byte) (*sendChain, error) {
	k, err := newSFrameKey(suite, 0, kind, base)
	if err != nil {
		return nil, err
	}
	sc := &sendChain{kind: kind, ssrc: ssrc, base: base}
	sc.cur.Store(&sendKey{key: k})
	return sc, nil
}

// ratchetLocked moves the chain to its next epoch and erases the old base
// key (best-effort: Go may have copied it). sc.mu must be held.
func (sc *sendChain) ratchetLocked(suite sframe.CipherSuite) error {
	old := sc.cur.Load()
	if old == nil {
		return ErrClosed
	}
	next, err := ratchet(suite, sc.base)
	if err != nil {
		return err
	}
	k, err := newSFrameKey(suite, old.epoch+1, sc.kind, next)
	if err != nil {
		clear(next)
		return err
	}
	clear(sc.base)
	sc.base = next
	sc.cur.Store(&sendKey{epoch: old.epoch + 1, key: k})
	return nil
}

// recvChain is the receive side of one stream.
type recvChain struct {
	kind MediaKind
	ssrc uint32 // with per-SSRC keys

	// ring holds the keys Open may use, indexed by the KID's epoch bits.
	// It is immutable once published: changes publish a copy, so Open
	// reads it without locking.
	ring atomic.Pointer[recvRing]

	mu          sync.Mutex // guards the fields below; never taken by Open on a known key
	epoch       uint64     // newest authenticated epoch
	base        []byte     // its base key
	ahead       []aheadKey // epochs epoch+1.., derived on demand, not yet authenticated
	graced      []*recvKey // superseded epochs, still in ring until erased
	derivations int        // ratchet steps derived so far (for tests)
}

type recvRing struct {
	keys [1 << EpochBits]*recvKey
}

// aheadKey is an epoch ahead of the newest: its base key, and its receive
// key once a packet has named the epoch (or the receiver moves past it).
type aheadKey struct {
	base []byte
	rk   *recvKey // nil until needed
}

// recvKey is the receive key of one epoch of one stream, with its replay
// window. key, epoch and eraseOlderAfter are immutable once in a ring.
type recvKey struct {
	key   sfcore.Key
	epoch uint64
	// eraseOlderAfter is the number of accepted packets after which the
	// older epochs of the stream are erased; 0 if none are kept.
	eraseOlderAfter uint64

	// mu is held by Open across the replay check, decryption and the
	// replay update, so that one Scratch serves every Open of the key.
	mu       sync.Mutex // guards replay, accepted and scratch
	replay   replay.Window
	accepted uint64
	scratch  sfcore.Scratch
}

func (s *Session) newRecvKey(epoch uint64, kind MediaKind, base []byte) (*recvKey, error) {
	k, err := newSFrameKey(s.suite, epoch, kind, base)
	if err != nil {
		return nil, err
	}
	return &recvKey{key: k, epoch: epoch, replay: replay.New(s.window)}, nil
}

func (s *Session) newRecvChain(kind MediaKind, ssrc uint32, base []byte) (*recvChain, error) {
	rk, err := s.newRecvKey(0, kind, base)
	if err != nil {
		return nil, err
	}
	rc := &recvChain{kind: kind, ssrc: ssrc, base: base}
	var ring recvRing
	ring.keys[0] = rk
	rc.ring.Store(&ring)
	return rc, nil
}

// aheadLocked returns the key of epoch rc.epoch+d, 1 ≤ d ≤ MaxEpochAhead,
// deriving the base keys up to it and its receive key if needed: a KID d
// epochs ahead costs d ratchet steps and one SFrame key once, whatever
// epochs were named before. rc.mu must be held.
func (s *Session) aheadLocked(rc *recvChain, d int) (*recvKey, error) {
	for len(rc.ahead) < d {
		prev := rc.base
		if n := len(rc.ahead); n > 0 {
			prev = rc.ahead[n-1].base
		}
		next, err := ratchet(s.suite, prev)
		if err != nil {
			return nil, err
		}
		rc.ahead = append(rc.ahead, aheadKey{base: next})
		rc.derivations++
	}
	a := &rc.ahead[d-1]
	if a.rk == nil {
		rk, err := s.newRecvKey(rc.epoch+uint64(d), rc.kind, a.base)
		if err != nil {
			return nil, err
		}
		a.rk = rk
	}
	return a.rk, nil
}

// commitLocked makes epoch rc.epoch+d, whose key has just authenticated a
// packet, the newest epoch of rc: the previous newest and any skipped
// epochs are kept for the grace period, base keys no longer needed are
// erased, and the new ring is published. rc.mu must be held.
func (s *Session) commitLocked(rc *recvChain, d int) {
	ring := *rc.ring.Load()
	newEpoch := rc.epoch + uint64(d)

	superseded := []*recvKey{ring.keys[rc.epoch&epochMask]}
	for i := range rc.ahead[:d-1] {
		// The epochs skipped get their keys now, for late packets. (An
		// error, never expected once a key of the suite was made, would
		// only cost that epoch's late packets.)
		rk, _ := s.aheadLocked(rc, i+1)
		superseded = append(superseded, rk)
	}
	for _, rk := range superseded {
		if rk != nil {
			ring.keys[rk.epoch&epochMask] = rk
			rc.graced = append(rc.graced, rk)
		}
	}
	// Epochs too far behind to be told apart from the epochs ahead go now.
	kept := rc.graced[:0]
	for _, g := range rc.graced {
		if newEpoch-g.epoch <= maxEpochBehind {
			kept = append(kept, g)
		} else if ring.keys[g.epoch&epochMask] == g {
			ring.keys[g.epoch&epochMask] = nil
		}
	}
	clear(rc.graced[len(kept):])
	rc.graced = kept

	cur := rc.ahead[d-1].rk
	if len(rc.graced) > 0 {
		cur.eraseOlderAfter = s.gracePackets
	}
	ring.keys[newEpoch&epochMask] = cur

	// Forward secrecy: only the newest base key is needed from now on.
	clear(rc.base)
	for _, a := range rc.ahead[:d-1] {
		clear(a.base)
	}
	rc.base = rc.ahead[d-1].base
	n := copy(rc.ahead, rc.ahead[d:])
	clear(rc.ahead[n:])
	rc.ahead = rc.ahead[:n]
	rc.epoch = newEpoch
	rc.ring.Store(&ring)

	if len(rc.graced) > 0 {
		s.clock.AfterFunc(s.graceTime, func() { s.eraseBefore(rc, newEpoch) })
	}
}

// eraseBefore erases rc's superseded epochs older than epoch: their keys
// leave the ring, so their packets get ErrUnknownKey, and nothing in the
// session references them any more. (Their base keys were already erased
// when they were superseded. The AES key schedules inside crypto/cipher
// cannot be wiped from Go; they become unreachable.)
func (s *Session) eraseBefore(rc *recvChain, epoch uint64) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var ring *recvRing
	kept := rc.graced[:0]
	for _, g := range rc.graced {
		if g.epoch >= epoch {
			kept = append(kept, g)
			continue
		}
		if ring == nil {
			r := *rc.ring.Load()
			ring = &r
		}
		if ring.keys[g.epoch&epochMask] == g {
			ring.keys[g.epoch&epochMask] = nil
		}
	}
	clear(rc.graced[len(kept):])
	rc.graced = kept
	if ring != nil {
		rc.ring.Store(ring)
	}
}

// Rekey moves every send stream of the session whose current key has
// sealed at least one packet to its next epoch by the SFrame ratchet (RFC
// 9605, Section 5.1) and erases the previous epoch's base key
// (best-effort). A stream whose key has sealed nothing stays in its epoch,
// however often Rekey is called: that key protects no packet, so moving it
// would add no forward secrecy, and the peer could not follow a stream that
// moved more than MaxEpochAhead epochs without a packet. The peer needs no
// message: it follows from the KID of the next packet. Seal also rekeys a
// stream by itself before its key reaches RekeyAfterPackets packets.
//
// Forward secrecy: every packet whose Seal returned before Rekey was called
// was sealed under a key whose base key is erased when Rekey returns (by
// this Rekey, or by an earlier ratchet of its stream). A Seal running
// concurrently may use either epoch: if it drew its counter before Rekey
// looked at the stream, Rekey moves the stream and the packet is sealed
// under the old epoch's key, which the Seal still holds (the peer opens it
// during the grace period); if after, and the stream had sealed nothing
// before, Rekey leaves the stream, and the packet is covered by the next
// Rekey.
//
// The peer opens every packet it receives as long as it receives at least
// one packet of each stream in every MaxEpochAhead consecutive epochs the
// stream moves through. If every packet of a stream sealed in more than
// MaxEpochAhead consecutive epochs is lost, the peer cannot open that
// stream again (ErrUnknownKey or ErrAuth): calling Rekey more often than
// packets get through risks that.
//
// Rekey is safe to call concurrently with Seal and Open. Call it, for
// example, when the call's participants or policy change, or periodically
// for forward secrecy. Errors: ErrClosed after Close, ErrKeyExhausted if a
// ratchet failed (not expected); streams handled before the error may
// have moved.
func (s *Session) Rekey() error {
	for _, sc := range s.sendChains() {
		sc.mu.Lock()
		var err error
		if sk := sc.cur.Load(); sk == nil {
			err = ErrClosed
		} else if sk.next.Load() > 0 {
			// Its key has sealed, or a concurrent Seal has drawn a
			// counter from it. (A key that has sealed nothing stays:
			// moving it protects nothing and would take the stream
			// further ahead of the peer, which follows at most
			// MaxEpochAhead epochs without a packet.)
			err = sc.ratchetLocked(s.suite)
		}
		sc.mu.Unlock()
		if errors.Is(err, ErrClosed) {
			return err
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrKeyExhausted, err)
		}
	}
	return nil
}

// sealRatchet is Seal's slow path when the counter of sk reached the limit:
// it ratchets the stream unless another goroutine already did, and draws a
// counter from the new key.
func (s *Session) sealRatchet(sc *sendChain, sk *sendKey) (*sendKey, uint64, error) {
	for {
		sc.mu.Lock()
		if sc.cur.Load() == sk {
			if err := sc.ratchetLocked(s.suite); err != nil {
				sc.mu.Unlock()
				if errors.Is(err, ErrClosed) {
					return nil, 0, err
				}
				return nil, 0, fmt.Errorf("%w: %w", ErrKeyExhausted, err)
			}
		}
		sk = sc.cur.Load()
		sc.mu.Unlock()
		if sk == nil {
			return nil, 0, ErrClosed
		}
		if ctr := sk.next.Add(1) - 1; ctr < s.rekeyAfter {
			return sk, ctr, nil
		}
	}
}

// Close erases the session's keys: the base key of every stream's current
// epoch, of epochs derived ahead and kept for a grace period, and it drops
// every SFrame key so that the AES key schedules become unreachable
// (best-effort: Go may have copied key material, and crypto/cipher's key
// schedules cannot be wiped from outside). Grace-period erasures still
// scheduled then find nothing to do.
//
// After Close, Seal, Open and Rekey return ErrClosed. Close is safe to call
// concurrently with them (a call already past its key lookup may finish
// with the old key) and more than once; it always returns nil.
func (s *Session) Close() error {
	for _, sc := range s.sendChains() {
		sc.mu.Lock()
		if sk := sc.cur.Load(); sk != nil {
			sc.closedEpoch = sk.epoch
		}
		sc.cur.Store(nil)
		clear(sc.base)
		sc.base = nil
		sc.mu.Unlock()
	}
	for _, rc := range s.recvChains() {
		rc.mu.Lock()
		rc.ring.Store(&recvRing{})
		clear(rc.base)
		rc.base = nil
		for _, a := range rc.ahead {
			clear(a.base)
		}
		clear(rc.ahead)
		rc.ahead = nil
		clear(rc.graced)
		rc.graced = nil
		rc.mu.Unlock()
	}
	return nil
}
