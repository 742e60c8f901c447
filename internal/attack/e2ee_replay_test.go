package attack

import (
	"errors"
	"testing"
	"time"

	"github.com/callseal/callseal/e2ee"
	"github.com/stretchr/testify/require"
)

// sealed is one genuine packet kept for later replay.
type sealed struct {
	plain, pkt []byte
	kind       e2ee.MediaKind
}

func sealMany(t testing.TB, sess *e2ee.Session, s *stream, n int) []sealed {
	t.Helper()
	out := make([]sealed, n)
	for i := range out {
		out[i].plain, out[i].pkt = sealNext(t, sess, s)
		out[i].kind = s.kind
	}
	return out
}

// TestE2EEReplay replays packets of every suite and kind with the default
// window (e2ee.DefaultReplayWindow = 1024 packets):
//
//   - every accepted packet, again at once → ErrReplay;
//   - a burst delivered in reverse order (reordering inside the window) →
//     each opens once, then every one again → ErrReplay;
//   - after more than a window of newer packets: accepted packets → ErrReplay,
//     and a packet never delivered, now behind the window → ErrReplay
//     (RFC 9605, Section 9.3: too old to tell).
//
// After every replay the stream's next genuine packet opens.
func TestE2EEReplay(t *testing.T) {
	for _, cs := range suites {
		t.Run(cs.suite.String(), func(t *testing.T) {
			c := newTally(t, "e2ee replay "+cs.suite.String())
			alice, bob := e2eePair(t, call1, e2ee.Config{CipherSuite: cs.suite})
			for _, s := range streamsOf(0) {
				replayAll := func(ps []sealed, what string) {
					t.Helper()
					for i, p := range ps {
						_, _, err := bob.Open(nil, p.pkt)
						c.reject(t, err, one(e2ee.ErrReplay), "%v %s %d", s.kind, what, i)
						plain, g := sealNext(t, alice, s)
						openGood(t, c, bob, nil, g, plain, s.kind)
					}
				}
				// In order, replayed at once.
				first := sealMany(t, alice, s, 8)
				for _, p := range first {
					openGood(t, c, bob, nil, p.pkt, p.plain, p.kind)
					_, _, err := bob.Open(nil, p.pkt)
					c.reject(t, err, one(e2ee.ErrReplay), "%v immediate replay", s.kind)
				}
				// Reordered burst, then replayed.
				burst := sealMany(t, alice, s, 32)
				for i := len(burst) - 1; i >= 0; i-- {
					openGood(t, c, bob, nil, burst[i].pkt, burst[i].plain, burst[i].kind)
				}
				replayAll(burst, "reordered burst replay")
				// Beyond the window.
				lost := sealMany(t, alice, s, 1) // never delivered in time
				for _, p := range sealMany(t, alice, s, e2ee.DefaultReplayWindow+1) {
					openGood(t, c, bob, nil, p.pkt, p.plain, p.kind)
				}
				replayAll(first, "replay behind the window")
				replayAll(lost, "first delivery behind the window")
			}
		})
	}
}

// TestE2EEOldEpochs replays packets of superseded epochs after Rekey, for
// every suite and kind:
//
//   - during the grace period: an epoch-0 packet already accepted →
//     ErrReplay; one not yet delivered → opens (late traffic is kept);
//   - after the grace period ends by packet count (EpochGraceTime 1h,
//     EpochGracePackets G: G packets of the new epoch accepted) → ErrUnknownKey for accepted and
//     never-delivered epoch-0 packets alike: the key is erased;
//   - after it ends by time (EpochGraceTime 500ms) → ErrReplay while
//     the grace period runs, then ErrUnknownKey;
//   - current-epoch packets replayed → ErrReplay.
//
// After every attack the current epoch's next genuine packet opens.
func TestE2EEOldEpochs(t *testing.T) {
	const grace = 16 // packets
	for _, cs := range suites {
		t.Run(cs.suite.String(), func(t *testing.T) {
			t.Parallel() // the timed grace periods run side by side
			c := newTally(t, "e2ee old epochs "+cs.suite.String())
			t.Run("packets", func(t *testing.T) {
				alice, bob := e2eePair(t, call1, e2ee.Config{CipherSuite: cs.suite, EpochGraceTime: time.Hour, EpochGracePackets: grace})
				oldEpochs(t, c, alice, bob, func(t *testing.T, s *stream) {
					for range grace {
						plain, g := sealNext(t, alice, s)
						openGood(t, c, bob, nil, g, plain, s.kind)
					}
				})
			})
			t.Run("time", func(t *testing.T) {
				alice, bob := e2eePair(t, call1, e2ee.Config{CipherSuite: cs.suite, EpochGraceTime: 500 * time.Millisecond, EpochGracePackets: 1 << 20})
				oldEpochs(t, c, alice, bob, nil)
			})
		})
	}
}

// oldEpochs runs TestE2EEOldEpochs on one pair; endGrace ends the grace
// period of a stream by packets, or nil to wait for the timer.
func oldEpochs(t *testing.T, c *tally, alice, bob *e2ee.Session, endGrace func(*testing.T, *stream)) {
	streams := streamsOf(0)
	old := make([][]sealed, len(streams))
	for i, s := range streams {
		old[i] = sealMany(t, alice, s, 8)
		for _, p := range old[i][:4] {
			openGood(t, c, bob, nil, p.pkt, p.plain, p.kind)
		}
	}
	require.NoError(t, alice.Rekey())
	cur := make([][]sealed, len(streams))
	for i, s := range streams {
		cur[i] = sealMany(t, alice, s, 1)
		openGood(t, c, bob, nil, cur[i][0].pkt, cur[i][0].plain, s.kind) // bob moves to epoch 1
		// Grace period: replays rejected, late packets kept.
		for _, p := range old[i][:4] {
			_, _, err := bob.Open(nil, p.pkt)
			c.reject(t, err, one(e2ee.ErrReplay), "%v epoch 0 in grace", s.kind)
		}
		openGood(t, c, bob, nil, old[i][4].pkt, old[i][4].plain, s.kind)
		_, _, err := bob.Open(nil, old[i][4].pkt)
		c.reject(t, err, one(e2ee.ErrReplay), "%v late epoch 0 replayed in grace", s.kind)
	}
	if endGrace != nil {
		for _, s := range streams {
			endGrace(t, s)
		}
	} else {
		deadline := time.Now().Add(10 * time.Second)
		for i, s := range streams {
			for {
				_, _, err := bob.Open(nil, old[i][0].pkt)
				c.reject(t, err, []error{e2ee.ErrReplay, e2ee.ErrUnknownKey}, "%v epoch 0 while the timer runs", s.kind)
				if !errors.Is(err, e2ee.ErrReplay) || time.Now().After(deadline) {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	// After the grace period: the old key is gone.
	for i, s := range streams {
		for j, p := range old[i] {
			_, _, err := bob.Open(nil, p.pkt)
			c.reject(t, err, one(e2ee.ErrUnknownKey), "%v epoch 0 packet %d after grace", s.kind, j)
			plain, g := sealNext(t, alice, s)
			openGood(t, c, bob, nil, g, plain, s.kind)
		}
		_, _, err := bob.Open(nil, cur[i][0].pkt)
		c.reject(t, err, one(e2ee.ErrReplay), "%v epoch 1 replayed", s.kind)
		plain, g := sealNext(t, alice, s)
		openGood(t, c, bob, nil, g, plain, s.kind)
	}
}

// TestE2EEManyEpochs keeps an epoch-0 packet that was never delivered and
// offers it after each of 70 rekeys that the receiver follows (grace: one
// packet). The KID carries the epoch mod 2^EpochBits (64), so after 32 to
// 64 rekeys the old KID names the current epoch or one up to MaxEpochAhead
// ahead: the receiver derives that key and the packet fails ErrAuth, or,
// at 64, tries the current key, which accepted CTR 0 already (ErrAuth or
// ErrReplay, see e2eeRx); at every other count it fails ErrUnknownKey. It never opens, never moves the receiver
// (the next genuine packet opens), and the previous epoch's packet,
// erased after its grace packet, fails ErrUnknownKey too.
func TestE2EEManyEpochs(t *testing.T) {
	for _, cs := range suites {
		t.Run(cs.suite.String(), func(t *testing.T) {
			c := newTally(t, "e2ee many epochs "+cs.suite.String())
			alice, bob := e2eePair(t, call1, e2ee.Config{CipherSuite: cs.suite, EpochGraceTime: time.Hour, EpochGracePackets: 1})
			streams := streamsOf(0)
			first := make([]sealed, len(streams))
			prev := make([]sealed, len(streams))
			for i, s := range streams {
				first[i] = sealMany(t, alice, s, 1)[0]
				prev[i] = sealMany(t, alice, s, 1)[0]
				openGood(t, c, bob, nil, prev[i].pkt, prev[i].plain, s.kind)
			}
			for epoch := uint64(1); epoch <= 70; epoch++ {
				require.NoError(t, alice.Rekey())
				for i, s := range streams {
					p := sealMany(t, alice, s, 1)[0]
					openGood(t, c, bob, nil, p.pkt, p.plain, s.kind)
					want := one(e2ee.ErrUnknownKey)
					switch d := (0 - epoch) % 64; {
					case d == 0: // epoch 64's key, which accepted CTR 0 just now
						want = []error{e2ee.ErrAuth, e2ee.ErrReplay}
					case d <= e2ee.MaxEpochAhead:
						want = one(e2ee.ErrAuth)
					}
					_, _, err := bob.Open(nil, first[i].pkt)
					c.reject(t, err, want, "%v epoch 0 packet at epoch %d", s.kind, epoch)
					_, _, err = bob.Open(nil, prev[i].pkt)
					c.reject(t, err, one(e2ee.ErrUnknownKey), "%v epoch %d packet at epoch %d", s.kind, epoch-1, epoch)
					prev[i] = p
					plain, g := sealNext(t, alice, s)
					openGood(t, c, bob, nil, g, plain, s.kind)
				}
			}
		})
	}
}
