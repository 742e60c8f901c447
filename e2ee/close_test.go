package e2ee

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestClose checks that Close erases every base key it holds (current
// epochs, epochs derived ahead, graced epochs), drops the SFrame keys, and
// that Seal, Open and Rekey then fail with ErrClosed.
func TestClose(t *testing.T) {
	for _, perSSRC := range []bool{false, true} {
		var cfg Config
		if perSSRC {
			streams := []RTPStream{{Kind: Audio, SSRC: 0xdeadbeef}}
			cfg = Config{SendStreams: streams, RecvStreams: streams}
		}
		alice, bob := newPair(t, cfg)
		pkt := makeRTP(t, payloadOf(100), pktOpts{})
		sealed, err := alice.Seal(nil, pkt, Audio)
		require.NoError(t, err)
		_, _, err = bob.Open(nil, sealed)
		require.NoError(t, err)
		// Give bob a graced epoch and an epoch derived ahead.
		require.NoError(t, alice.Rekey())
		sealed2, err := alice.Seal(nil, makeRTP(t, payloadOf(100), pktOpts{seq: 1}), Audio)
		require.NoError(t, err)
		_, _, err = bob.Open(nil, sealed2)
		require.NoError(t, err)

		var bases [][]byte // views of the key bytes Close must clear
		for _, sc := range bob.sendChains() {
			if sc != nil {
				bases = append(bases, sc.base)
			}
		}
		for _, rc := range bob.recvChains() {
			if rc == nil {
				continue
			}
			bases = append(bases, rc.base)
			for _, a := range rc.ahead {
				bases = append(bases, a.base)
			}
		}
		require.NotEmpty(t, bases)

		require.NoError(t, bob.Close())
		require.NoError(t, bob.Close(), "Close is idempotent")
		for i, b := range bases {
			require.Equal(t, make([]byte, len(b)), b, "base key %d not erased", i)
		}
		for _, rc := range bob.recvChains() {
			if rc == nil {
				continue
			}
			require.Equal(t, recvRing{}, *rc.ring.Load(), "receive keys still reachable")
			require.Nil(t, rc.base)
			require.Empty(t, rc.ahead)
			require.Empty(t, rc.graced)
		}
		for _, sc := range bob.sendChains() {
			if sc != nil {
				require.Nil(t, sc.cur.Load(), "send key still reachable")
			}
		}

		_, err = bob.Seal(nil, pkt, Audio)
		require.ErrorIs(t, err, ErrClosed)
		_, _, err = bob.Open(nil, sealed2)
		require.ErrorIs(t, err, ErrClosed)
		require.ErrorIs(t, bob.Rekey(), ErrClosed)

		// A grace-period erasure scheduled before Close finds nothing.
		for _, rc := range bob.recvChains() {
			if rc != nil {
				bob.eraseBefore(rc, 1<<20)
			}
		}
	}
}

// TestCloseConcurrent runs Close while other goroutines Seal, Open and
// Rekey: under -race, no data race; every call either succeeds or returns
// ErrClosed.
func TestCloseConcurrent(t *testing.T) {
	alice, bob := newPair(t)
	var sealed [][]byte
	for i := range 200 {
		p, err := alice.Seal(nil, makeRTP(t, payloadOf(64), pktOpts{seq: uint16(i)}), Video)
		require.NoError(t, err)
		sealed = append(sealed, p)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	wg.Add(3)
	go func() {
		defer wg.Done()
		for i := range 200 {
			if _, err := alice.Seal(nil, makeRTP(t, payloadOf(64), pktOpts{seq: uint16(i)}), Video); err != nil {
				errs <- err
			}
		}
	}()
	go func() {
		defer wg.Done()
		for _, p := range sealed {
			if _, _, err := bob.Open(nil, p); err != nil {
				errs <- err
			}
		}
	}()
	go func() {
		defer wg.Done()
		for range 5 {
			if err := alice.Rekey(); err != nil {
				errs <- err
			}
		}
	}()
	require.NoError(t, alice.Close())
	require.NoError(t, bob.Close())
	wg.Wait()
	close(errs)
	for err := range errs {
		require.ErrorIs(t, err, ErrClosed)
	}
}
