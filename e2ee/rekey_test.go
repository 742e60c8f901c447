package e2ee

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee/sframe"
)

// rekeyAll moves every send stream of s to its next epoch, whether or not
// its key has sealed anything (Rekey moves only the streams that have): for
// tests that need a stream in a given epoch.
func rekeyAll(t testing.TB, s *Session) {
	t.Helper()
	for _, sc := range s.sendChains() {
		sc.mu.Lock()
		err := sc.ratchetLocked(s.suite)
		sc.mu.Unlock()
		require.NoError(t, err)
	}
}

// rekeyStream is one RTP stream of the rekey tests.
type rekeyStream struct {
	RTPStream
	seq uint16
}

func (st *rekeyStream) String() string { return fmt.Sprintf("%v SSRC %#x", st.Kind, st.SSRC) }

// seal seals the stream's next packet.
func (st *rekeyStream) seal(t testing.TB, s *Session) []byte {
	t.Helper()
	st.seq++
	p, err := s.Seal(nil, rtpWithSSRC(t, st.SSRC, st.seq), st.Kind)
	require.NoError(t, err)
	return p
}

// sendChain returns the stream's send chain in s.
func (st *rekeyStream) sendChain(s *Session) *sendChain {
	if s.perSSRC {
		return s.sendStream(st.Kind, st.SSRC)
	}
	return s.send[st.Kind]
}

// rekeySetups are the session shapes of the rekey tests: keys by media
// kind, and per-SSRC keys with two video streams.
var rekeySetups = []struct {
	name    string
	perSSRC bool
	streams []RTPStream
}{
	{"kind keys", false, []RTPStream{{SSRC: 0x1111, Kind: Audio}, {SSRC: 0x2222, Kind: Video}, {SSRC: 0x4444, Kind: ScreenShare}}},
	{"SSRC keys", true, []RTPStream{{SSRC: 0x1111, Kind: Audio}, {SSRC: 0x2222, Kind: Video}, {SSRC: 0x3333, Kind: Video}, {SSRC: 0x4444, Kind: ScreenShare}}},
}

func rekeyPair(t testing.TB, perSSRC bool, streams []RTPStream) (alice, bob *Session, sts []*rekeyStream) {
	t.Helper()
	cfg := Config{clock: &fakeClock{}}
	if perSSRC {
		cfg.SendStreams, cfg.RecvStreams = streams, streams
	}
	alice, bob = newPair(t, cfg)
	for _, st := range streams {
		sts = append(sts, &rekeyStream{RTPStream: st})
	}
	return alice, bob, sts
}

// TestRekeyIdleStream: 1000 Rekeys while one stream sends nothing (screen
// share not started, video muted) and the others send and are opened
// between them. The idle stream stays in epoch 0 and its first packet
// opens; after that it follows Rekey like the others.
func TestRekeyIdleStream(t *testing.T) {
	const rekeys = 1000
	for _, setup := range rekeySetups {
		for idle := range setup.streams {
			t.Run(fmt.Sprintf("%s/%v %#x idle", setup.name, setup.streams[idle].Kind, setup.streams[idle].SSRC), func(t *testing.T) {
				alice, bob, sts := rekeyPair(t, setup.perSSRC, setup.streams)
				for range rekeys {
					for i, st := range sts {
						if i != idle {
							mustOpen(t, bob, st.seal(t, alice))
						}
					}
					require.NoError(t, alice.Rekey())
				}
				st := sts[idle]
				out, kind, err := bob.Open(nil, st.seal(t, alice))
				require.NoError(t, err, "the idle stream's first packet")
				require.Equal(t, st.Kind, kind)
				require.Equal(t, payloadOf(50), out[12:])
				for i, st := range sts {
					want := uint64(rekeys)
					if i == idle {
						want = 0
					}
					require.Equal(t, want, st.sendChain(alice).cur.Load().epoch, "%v", st)
				}
				require.NoError(t, alice.Rekey())
				mustOpen(t, bob, st.seal(t, alice))
				require.Equal(t, uint64(1), st.sendChain(alice).cur.Load().epoch)
			})
		}
	}
}

// TestRekeyUnderLoss: 1000 Rekeys, each followed by a few packets of the
// streams that send in that epoch, half of them lost (seeded, independent
// losses). Audio sends 1 to 3 packets in every epoch, video (the first
// video stream) 1, and the others 1 packet in one epoch of five. Every
// packet delivered must open (no ErrUnknownKey), and so must each stream's
// last packet; each stream's epoch moved exactly once per Rekey after
// which it had sent.
//
// Before Rekey left idle streams alone, the occasional streams ran more
// than MaxEpochAhead epochs ahead of the receiver. With that fixed but
// MaxEpochAhead = 8, runs of 9 epochs whose packets were all lost broke a
// stream in both setups with this seed.
func TestRekeyUnderLoss(t *testing.T) {
	const rekeys = 1000
	for _, setup := range rekeySetups {
		t.Run(setup.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(15, 1))
			alice, bob, sts := rekeyPair(t, setup.perSSRC, setup.streams)
			moved := make([]uint64, len(sts))
			delivered, lost := 0, 0
			for e := range rekeys {
				for i, st := range sts {
					var n int
					switch {
					case st.Kind == Audio:
						n = 1 + rng.IntN(3)
					case st.SSRC == 0x2222:
						n = 1
					case rng.IntN(5) == 0:
						n = 1
					}
					for range n {
						p := st.seal(t, alice)
						if rng.IntN(2) == 0 {
							lost++
							continue
						}
						_, _, err := bob.Open(nil, p)
						require.NoError(t, err, "%v, Rekey %d", st, e)
						delivered++
					}
					if n > 0 {
						moved[i]++
					}
				}
				require.NoError(t, alice.Rekey())
			}
			for i, st := range sts {
				mustOpen(t, bob, st.seal(t, alice))
				require.Equal(t, moved[i], st.sendChain(alice).cur.Load().epoch, "%v", st)
			}
			t.Logf("%d packets delivered, %d lost; epochs moved: %v", delivered, lost, moved)
		})
	}
}

// TestRekeyForwardSecrecy: Rekey erases the base key of every stream whose
// key has sealed a packet, and leaves the key of an idle stream, which
// protects nothing, in place.
func TestRekeyForwardSecrecy(t *testing.T) {
	for _, setup := range rekeySetups {
		t.Run(setup.name, func(t *testing.T) {
			alice, bob, sts := rekeyPair(t, setup.perSSRC, setup.streams)
			used := sts[0] // audio
			mustOpen(t, bob, used.seal(t, alice))
			bases := make([][]byte, len(sts))
			copies := make([][]byte, len(sts))
			for i, st := range sts {
				bases[i] = st.sendChain(alice).base
				copies[i] = append([]byte(nil), bases[i]...)
			}
			require.NoError(t, alice.Rekey())
			for i, st := range sts {
				sc := st.sendChain(alice)
				if st == used {
					require.Equal(t, make([]byte, len(bases[i])), bases[i], "%v: the base key that sealed is erased", st)
					require.Equal(t, uint64(1), sc.cur.Load().epoch)
					next, err := sframe.Ratchet(alice.suite, copies[i])
					require.NoError(t, err)
					require.Equal(t, next, sc.base, "%v: the next epoch's base key", st)
				} else {
					require.Equal(t, copies[i], bases[i], "%v: an idle stream's base key stays", st)
					require.Equal(t, uint64(0), sc.cur.Load().epoch)
				}
			}
			mustOpen(t, bob, used.seal(t, alice))
		})
	}
}

// TestRekeyConcurrentSeal seals on every stream from goroutines, one
// packet at a time (so that packets are collected in the order they were
// sealed), while another goroutine calls Rekey as fast as it can, racing
// each Seal that draws the first counter of an epoch. Every packet must
// open, in that order: a stream moves at most one epoch per packet it
// seals, and no packet is sealed in an epoch the receiver cannot follow.
// Run with -race.
func TestRekeyConcurrentSeal(t *testing.T) {
	for _, setup := range rekeySetups {
		t.Run(setup.name, func(t *testing.T) {
			alice, bob, sts := rekeyPair(t, setup.perSSRC, setup.streams)
			const perStream = 300
			var mu sync.Mutex // serializes the Seals and the collection
			var sealed [][]byte
			stop := make(chan struct{})
			var rekeys sync.WaitGroup
			rekeys.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := alice.Rekey(); err != nil {
						t.Error(err)
						return
					}
				}
			})
			var wg sync.WaitGroup
			for _, st := range sts {
				wg.Go(func() {
					for range perStream {
						mu.Lock()
						st.seq++
						p, err := alice.Seal(nil, rtpWithSSRC(t, st.SSRC, st.seq), st.Kind)
						if err != nil {
							mu.Unlock()
							t.Error(err)
							return
						}
						sealed = append(sealed, p)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			close(stop)
			rekeys.Wait()
			require.Len(t, sealed, perStream*len(sts))
			for i, p := range sealed {
				_, _, err := bob.Open(nil, p)
				require.NoError(t, err, "packet %d", i)
			}
			for _, st := range sts {
				require.LessOrEqual(t, st.sendChain(alice).cur.Load().epoch, uint64(perStream))
			}
		})
	}
}

// TestForgedKIDCostBounded: a forged KID costs ratchet steps, not receive
// keys, for the epochs before the one it names. While the receiver follows
// the sender through 200 epochs, a forger sends a packet under every KID of
// the MaxEpochAhead epochs ahead, in every epoch. The receiver never derives
// more than MaxEpochAhead keys beyond its newest epoch: the forgeries cost
// each ratchet step at most once, and its epoch moves only with genuine
// packets.
func TestForgedKIDCostBounded(t *testing.T) {
	// One forgery MaxEpochAhead ahead: MaxEpochAhead ratchet steps, and a
	// receive key (AEAD and replay window) for that epoch only.
	_, fresh := newPair(t)
	forged := makeRTP(t, nil, pktOpts{})
	forged = sframe.Header{KID: kid(MaxEpochAhead, Video), CTR: 5}.AppendTo(forged)
	forged = append(forged, payloadOf(40)...)
	_, _, err := fresh.Open(nil, forged)
	require.ErrorIs(t, err, ErrAuth)
	require.Equal(t, MaxEpochAhead, fresh.recv[Video].derivations)
	built := 0
	for _, a := range fresh.recv[Video].ahead {
		if a.rk != nil {
			built++
		}
	}
	require.Equal(t, 1, built, "receive keys built")

	alice, bob := newPair(t, Config{clock: &fakeClock{}})
	rc := bob.recv[Video]
	for e := range uint64(200) {
		mustOpen(t, bob, sealOne(t, alice, Video, uint16(e))) // bob moves to epoch e
		for d := uint64(1); d <= MaxEpochAhead; d++ {
			forged := makeRTP(t, nil, pktOpts{})
			forged = sframe.Header{KID: kid(e+d, Video), CTR: 5}.AppendTo(forged)
			forged = append(forged, payloadOf(40)...)
			_, _, err := bob.Open(nil, forged)
			require.ErrorIs(t, err, ErrAuth, "epoch %d, forged KID %d ahead", e, d)
		}
		require.Equal(t, e, rc.epoch, "forgeries do not move the epoch")
		require.Equal(t, int(e)+MaxEpochAhead, rc.derivations)
		require.Len(t, rc.ahead, MaxEpochAhead)
		require.NoError(t, alice.Rekey())
	}
}

// BenchmarkOpenForgedKID measures what a forged packet naming an epoch
// MaxEpochAhead ahead costs the receiver: "first" on a fresh stream (the
// MaxEpochAhead ratchet steps and SFrame keys it derives, with the default
// and the largest replay window), "cached" for each further one (one
// failed authentication).
func BenchmarkOpenForgedKID(b *testing.B) {
	forged := makeRTP(b, nil, pktOpts{})
	forged = sframe.Header{KID: kid(MaxEpochAhead, Video), CTR: 5}.AppendTo(forged)
	forged = append(forged, payloadOf(160)...)
	for _, window := range []int{DefaultReplayWindow, MaxReplayWindow} {
		b.Run(fmt.Sprintf("first/window=%d", window), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				_, bob := newPair(b, Config{ReplayWindow: window})
				b.StartTimer()
				if _, _, err := bob.Open(nil, forged); err == nil {
					b.Fatal("forgery opened")
				}
			}
		})
	}
	b.Run("cached", func(b *testing.B) {
		_, bob := newPair(b)
		_, _, _ = bob.Open(nil, forged)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := bob.Open(nil, forged); err == nil {
				b.Fatal("forgery opened")
			}
		}
	})
}
