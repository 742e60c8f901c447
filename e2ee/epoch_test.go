package e2ee

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee/sframe"
)

// fakeClock runs AfterFunc callbacks when the test advances it: grace
// periods pass without sleeping.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Duration
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Duration
	f  func()
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timers = append(c.timers, fakeTimer{at: c.now + d, f: f})
}

// Advance moves the clock forward by d and runs the timers now due, in order.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now += d
	var due []fakeTimer
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at <= c.now {
			due = append(due, t)
		} else {
			kept = append(kept, t)
		}
	}
	c.timers = kept
	c.mu.Unlock()
	for _, t := range due {
		t.f()
	}
}

func sealOne(t testing.TB, s *Session, kind MediaKind, seq uint16) []byte {
	t.Helper()
	p, err := s.Seal(nil, makeRTP(t, payloadOf(40), pktOpts{seq: seq}), kind)
	require.NoError(t, err)
	return p
}

func mustOpen(t testing.TB, s *Session, pkt []byte) {
	t.Helper()
	_, _, err := s.Open(nil, pkt)
	require.NoError(t, err)
}

func TestRekeyReceiverFollows(t *testing.T) {
	clk := &fakeClock{}
	alice, bob := newPair(t, Config{clock: clk})
	mustOpen(t, bob, sealOne(t, alice, Audio, 1))
	oldBase := alice.send[Audio].base
	oldRecvBase := bob.recv[Audio].base

	require.NoError(t, alice.Rekey())
	require.Equal(t, uint64(1), alice.send[Audio].cur.Load().epoch)
	require.Equal(t, make([]byte, len(oldBase)), oldBase, "sender's old base key erased")

	p := sealOne(t, alice, Audio, 2)
	h, _, err := sframe.ParseHeader(p[12:])
	require.NoError(t, err)
	require.Equal(t, kid(1, Audio), h.KID)
	require.Equal(t, uint64(0), h.CTR, "a new epoch's counter starts at 0")
	mustOpen(t, bob, p)
	require.Equal(t, uint64(1), bob.recv[Audio].epoch)
	require.Equal(t, make([]byte, len(oldRecvBase)), oldRecvBase, "receiver's old base key erased")
	require.Equal(t, uint64(0), bob.recv[Video].epoch, "other kinds have their own chains")

	// Video had sealed nothing: Rekey left it in epoch 0, where bob opens
	// it. It moves on the next Rekey, independently.
	require.Equal(t, uint64(0), alice.send[Video].cur.Load().epoch)
	mustOpen(t, bob, sealOne(t, alice, Video, 1))
	require.Equal(t, uint64(0), bob.recv[Video].epoch)
	require.NoError(t, alice.Rekey())
	mustOpen(t, bob, sealOne(t, alice, Video, 2))
	require.Equal(t, uint64(1), bob.recv[Video].epoch)
	require.Equal(t, uint64(2), alice.send[Audio].cur.Load().epoch)
}

func TestGracePeriod(t *testing.T) {
	clk := &fakeClock{}
	alice, bob := newPair(t, Config{clock: clk, EpochGraceTime: 5 * time.Second, EpochGracePackets: 1000})
	late := sealN(t, alice, Video, 10) // epoch 0, delivered late
	mustOpen(t, bob, late[0])
	require.NoError(t, alice.Rekey())
	mustOpen(t, bob, sealOne(t, alice, Video, 100)) // bob moves to epoch 1

	// Within the grace period late packets of epoch 0 open, once.
	clk.Advance(4 * time.Second)
	mustOpen(t, bob, late[1])
	mustOpen(t, bob, late[2])
	_, _, err := bob.Open(nil, late[2])
	require.ErrorIs(t, err, ErrReplay)

	// After it they fail with ErrUnknownKey, and the key is gone.
	rc := bob.recv[Video]
	require.NotNil(t, rc.ring.Load().keys[0])
	clk.Advance(time.Second + time.Millisecond)
	_, _, err = bob.Open(nil, late[3])
	require.ErrorIs(t, err, ErrUnknownKey)
	require.Nil(t, rc.ring.Load().keys[0], "epoch 0 key erased from the keyring")
	require.Empty(t, rc.graced)
	require.Len(t, rc.base, sframe.AES_128_GCM_SHA256_128.HashSize(), "only the newest base key is held")

	// The current epoch is unaffected.
	mustOpen(t, bob, sealOne(t, alice, Video, 101))
}

func TestGracePackets(t *testing.T) {
	clk := &fakeClock{}
	alice, bob := newPair(t, Config{clock: clk, EpochGraceTime: time.Hour, EpochGracePackets: 5})
	late := sealN(t, alice, Audio, 3)
	require.NoError(t, alice.Rekey())
	for i := range 4 {
		mustOpen(t, bob, sealOne(t, alice, Audio, uint16(10+i)))
	}
	mustOpen(t, bob, late[0]) // 4 packets of epoch 1 so far: still kept
	mustOpen(t, bob, sealOne(t, alice, Audio, 20))
	_, _, err := bob.Open(nil, late[1]) // the 5th erased it
	require.ErrorIs(t, err, ErrUnknownKey)
	require.Nil(t, bob.recv[Audio].ring.Load().keys[0])
}

// sealLostAndRekey seals a packet of kind that the peer never receives,
// then calls Rekey, n times: kind moves n epochs ahead of the peer.
func sealLostAndRekey(t testing.TB, s *Session, kind MediaKind, n int) {
	t.Helper()
	for i := range n {
		sealOne(t, s, kind, uint16(1000+i))
		require.NoError(t, s.Rekey())
	}
}

// TestEpochSkipAndBounds: the receiver follows a stream over any jump of up
// to MaxEpochAhead epochs and keeps the epoch it left for the grace period
// if it is at most maxEpochBehind behind; further ahead it does not follow.
func TestEpochSkipAndBounds(t *testing.T) {
	clk := &fakeClock{}
	alice, bob := newPair(t, Config{clock: clk})
	rc := bob.recv[ScreenShare]
	skipped := sealOne(t, alice, ScreenShare, 0) // epoch 0, never delivered in time
	require.NoError(t, alice.Rekey())
	sealLostAndRekey(t, alice, ScreenShare, maxEpochBehind-1)
	mustOpen(t, bob, sealOne(t, alice, ScreenShare, 1))
	require.Equal(t, uint64(maxEpochBehind), rc.epoch)
	mustOpen(t, bob, skipped) // epoch 0 is in its grace period

	// Exactly MaxEpochAhead epochs ahead: followed. The epoch left is
	// then more than maxEpochBehind behind: its KID names an epoch ahead
	// (here maxEpochBehind+2·MaxEpochAhead), so its packets never open.
	skipped = sealOne(t, alice, ScreenShare, 2)
	require.NoError(t, alice.Rekey())
	sealLostAndRekey(t, alice, ScreenShare, MaxEpochAhead-1)
	mustOpen(t, bob, sealOne(t, alice, ScreenShare, 3))
	require.Equal(t, uint64(maxEpochBehind+MaxEpochAhead), rc.epoch)
	_, _, err := bob.Open(nil, skipped)
	require.ErrorIs(t, err, ErrAuth)
	require.Equal(t, uint64(maxEpochBehind+MaxEpochAhead), rc.epoch)

	// One more than MaxEpochAhead: not followed, and nothing derived. (Once
	// the grace period is over: until then the KID names one of the
	// epochs skipped, kept for late packets, and the packet fails ErrAuth.)
	clk.Advance(DefaultGraceTime)
	sealLostAndRekey(t, alice, ScreenShare, MaxEpochAhead+1)
	before := rc.derivations
	_, _, err = bob.Open(nil, sealOne(t, alice, ScreenShare, 4))
	require.ErrorIs(t, err, ErrUnknownKey)
	require.Equal(t, before, rc.derivations)
	require.Equal(t, uint64(maxEpochBehind+MaxEpochAhead), rc.epoch)

	// Rekeys without packets do not move a stream at all.
	mustOpen(t, bob, sealOne(t, alice, Audio, 3))
	for range 3 * MaxEpochAhead {
		require.NoError(t, alice.Rekey())
	}
	require.Equal(t, uint64(1), alice.send[Audio].cur.Load().epoch)
	mustOpen(t, bob, sealOne(t, alice, Audio, 4))
}

// TestEpochWrap runs the epoch past 2^EpochBits: the KID's epoch bits wrap
// and the receiver keeps following.
func TestEpochWrap(t *testing.T) {
	clk := &fakeClock{}
	alice, bob := newPair(t, Config{clock: clk, EpochGraceTime: time.Second, EpochGracePackets: 1})
	for e := uint64(0); e < 3<<EpochBits; e++ {
		p := sealOne(t, alice, Audio, uint16(e))
		h, _, err := sframe.ParseHeader(p[12:])
		require.NoError(t, err)
		require.Equal(t, kid(e, Audio), h.KID)
		require.LessOrEqual(t, h.KID, uint64(maxKID))
		mustOpen(t, bob, p)
		require.Equal(t, e, bob.recv[Audio].epoch)
		require.NoError(t, alice.Rekey())
		clk.Advance(2 * time.Second)
	}
	require.Len(t, bob.recv[Audio].graced, 0)
	n := 0
	for _, rk := range bob.recv[Audio].ring.Load().keys {
		if rk != nil {
			n++
		}
	}
	require.Equal(t, 1, n, "one live key per stream after the grace periods")
}

// TestOldEpochsBeyondKIDRangeDropped keeps grace forever and rekeys further
// than the KID can tell apart: the oldest epochs must be dropped, never
// confused with newer ones.
func TestOldEpochsBeyondKIDRangeDropped(t *testing.T) {
	clk := &fakeClock{}
	alice, bob := newPair(t, Config{clock: clk, EpochGraceTime: time.Hour, EpochGracePackets: 1 << 30})
	first := sealN(t, alice, Audio, 2)
	mustOpen(t, bob, first[0])
	for range maxEpochBehind + 1 {
		require.NoError(t, alice.Rekey())
		mustOpen(t, bob, sealOne(t, alice, Audio, 0))
	}
	require.LessOrEqual(t, len(bob.recv[Audio].graced), maxEpochBehind)
	// Epoch 0's KID now names epoch 64, MaxEpochAhead ahead: the old packet
	// is tried under that epoch's key and fails; it never opens.
	epoch := bob.recv[Audio].epoch
	_, _, err := bob.Open(nil, first[1])
	require.ErrorIs(t, err, ErrAuth)
	require.Equal(t, epoch, bob.recv[Audio].epoch)
}

// TestForgedFutureEpoch: a forgery naming an epoch ahead neither moves the
// receiver nor costs a key derivation per packet.
func TestForgedFutureEpoch(t *testing.T) {
	alice, bob := newPair(t)
	for d := uint64(1); d <= MaxEpochAhead; d++ {
		forged := makeRTP(t, nil, pktOpts{})
		forged = sframe.Header{KID: kid(d, Video), CTR: 5}.AppendTo(forged)
		forged = append(forged, payloadOf(40)...)
		for range 100 {
			_, _, err := bob.Open(nil, forged)
			require.ErrorIs(t, err, ErrAuth)
		}
	}
	rc := bob.recv[Video]
	require.Equal(t, uint64(0), rc.epoch, "forgeries do not move the epoch")
	require.Equal(t, MaxEpochAhead, rc.derivations, "each epoch ahead derived once, not per packet")
	require.Nil(t, rc.ring.Load().keys[1])

	// A well-formed packet sealed under a key the receiver does not have
	// (here: the receiver's own send key) fails the same way.
	require.NoError(t, bob.Rekey())
	_, _, err := bob.Open(nil, sealOne(t, bob, Video, 1))
	require.ErrorIs(t, err, ErrAuth)

	// Genuine traffic is unaffected and still moves it.
	mustOpen(t, bob, sealOne(t, alice, Video, 1))
	require.NoError(t, alice.Rekey())
	mustOpen(t, bob, sealOne(t, alice, Video, 2))
	require.Equal(t, uint64(1), rc.epoch)
	require.Equal(t, MaxEpochAhead, rc.derivations, "cached keys reused")
}

func TestAutomaticRekey(t *testing.T) {
	for _, suite := range []sframe.CipherSuite{sframe.AES_128_GCM_SHA256_128, sframe.AES_128_CTR_HMAC_SHA256_32} {
		t.Run(suite.String(), func(t *testing.T) {
			alice, bob := newPair(t, Config{CipherSuite: suite})
			const limit = 10
			alice.rekeyAfter = limit
			var last sframe.Header
			for i := range 3*limit + 1 {
				p := sealOne(t, alice, Audio, uint16(i))
				h, _, err := sframe.ParseHeader(p[12:])
				require.NoError(t, err)
				require.Less(t, h.CTR, uint64(limit), "CTR stays below the limit")
				require.Equal(t, kid(uint64(i/limit), Audio), h.KID, "packet %d", i)
				if i > 0 && h.KID == last.KID {
					require.Equal(t, last.CTR+1, h.CTR)
				}
				last = h
				mustOpen(t, bob, p)
			}
			require.Equal(t, uint64(3), bob.recv[Audio].epoch)
		})
	}
}

// TestSealRekeyConcurrent seals from several goroutines on one stream while
// another goroutine calls Rekey and the automatic rekey also fires; every
// packet must open exactly once and no (KID, CTR) may repeat. Run with -race.
func TestSealRekeyConcurrent(t *testing.T) {
	clk := &fakeClock{}
	alice, bob := newPair(t, Config{clock: clk, ReplayWindow: MaxReplayWindow})
	alice.rekeyAfter = 97 // automatic rekeys too
	const goroutines, perG = 4, 150
	var mu sync.Mutex
	var sealed [][]byte
	seen := map[sframe.Header]bool{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var rekeys sync.WaitGroup
	rekeys.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				if err := alice.Rekey(); err != nil {
					t.Error(err)
					return
				}
				time.Sleep(50 * time.Microsecond)
			}
		}
	})
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				p, err := alice.Seal(nil, makeRTP(t, payloadOf(30), pktOpts{seq: uint16(g*perG + i)}), Video)
				if err != nil {
					t.Error(err)
					return
				}
				h, _, _ := sframe.ParseHeader(p[12:])
				mu.Lock()
				if seen[h] {
					t.Errorf("KID/CTR %+v used twice", h)
				}
				seen[h] = true
				sealed = append(sealed, p)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(stop)
	rekeys.Wait()

	// Deliver every packet twice, from two goroutines: each opens at most
	// once. (Packets of an epoch the receiver can no longer tell apart, or
	// has not reached, may fail with ErrUnknownKey or ErrAuth.)
	counts := make([]int, len(sealed))
	for g := range 2 {
		wg.Go(func() {
			for i := range sealed {
				j := (i + g) % len(sealed)
				_, _, err := bob.Open(nil, sealed[j])
				mu.Lock()
				switch {
				case err == nil:
					counts[j]++
				case errors.Is(err, ErrReplay), errors.Is(err, ErrUnknownKey), errors.Is(err, ErrAuth):
				default:
					t.Error(err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	accepted := 0
	for i, c := range counts {
		require.LessOrEqual(t, c, 1, "packet %d accepted %d times", i, c)
		accepted += c
	}
	require.Greater(t, accepted, len(sealed)/2)
}

// TestSealOpenRekeyRace runs Seal, Open and Rekey at the same time, on a
// sender that rekeys rarely enough for the receiver to follow. Run with
// -race.
func TestSealOpenRekeyRace(t *testing.T) {
	clk := &fakeClock{}
	alice, bob := newPair(t, Config{clock: clk, ReplayWindow: MaxReplayWindow})
	pkts := make(chan []byte, 64)
	var wg sync.WaitGroup
	var opened, failed int64
	var mu sync.Mutex
	for range 2 {
		wg.Go(func() {
			for p := range pkts {
				_, _, err := bob.Open(nil, p)
				mu.Lock()
				if err == nil {
					opened++
				} else {
					failed++
					t.Errorf("open: %v", err)
				}
				mu.Unlock()
			}
		})
	}
	var senders sync.WaitGroup
	for g := range 3 {
		senders.Go(func() {
			for i := range 200 {
				p, err := alice.Seal(nil, makeRTP(t, payloadOf(20), pktOpts{seq: uint16(i)}), allKinds[g])
				if err != nil {
					t.Error(err)
					return
				}
				pkts <- p
			}
		})
	}
	senders.Go(func() {
		for range 5 {
			if err := alice.Rekey(); err != nil {
				t.Error(err)
			}
			time.Sleep(time.Millisecond)
		}
	})
	senders.Wait()
	close(pkts)
	wg.Wait()
	require.Equal(t, int64(600), opened)
	clk.Advance(DefaultGraceTime)
}
