package e2ee

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireEpochs checks s.Epochs(kind).
func requireEpochs(t *testing.T, s *Session, kind MediaKind, send, recv uint64, msg string) {
	t.Helper()
	gotSend, gotRecv := s.Epochs(kind)
	require.Equal(t, [2]uint64{send, recv}, [2]uint64{gotSend, gotRecv}, "%v: %s (send, recv)", kind, msg)
}

// TestEpochs: the send epoch moves when the key moves (Rekey of a key that
// sealed, or the automatic ratchet), the receive epoch when a packet of a
// newer epoch authenticates, skipping epochs whose packets were lost; a
// forgery moves nothing, and the epochs survive Close.
func TestEpochs(t *testing.T) {
	alice, bob := newPair(t)
	pkt := makeRTP(t, payloadOf(40), pktOpts{})
	send := func() []byte {
		t.Helper()
		sealed, err := alice.Seal(nil, pkt, Audio)
		require.NoError(t, err)
		return sealed
	}
	open := func(sealed []byte) {
		t.Helper()
		_, _, err := bob.Open(nil, sealed)
		require.NoError(t, err)
	}

	requireEpochs(t, alice, Audio, 0, 0, "new")
	require.NoError(t, alice.Rekey())
	requireEpochs(t, alice, Audio, 0, 0, "Rekey of a key that sealed nothing")

	open(send())
	require.NoError(t, alice.Rekey())
	requireEpochs(t, alice, Audio, 1, 0, "Rekey after a packet")
	requireEpochs(t, bob, Audio, 0, 0, "no packet of epoch 1 yet")
	first := send()
	forged := append([]byte(nil), first...)
	forged[len(forged)-1] ^= 1
	_, _, err := bob.Open(nil, forged)
	require.ErrorIs(t, err, ErrAuth)
	requireEpochs(t, bob, Audio, 0, 0, "a forgery under epoch 1")
	open(first)
	requireEpochs(t, bob, Audio, 0, 1, "epoch 1 authenticated")

	// Epochs 2 and 3 lost: the receiver counts them when epoch 4 arrives.
	for range 3 {
		send()
		require.NoError(t, alice.Rekey())
	}
	requireEpochs(t, alice, Audio, 4, 0, "three more Rekeys")
	open(send())
	requireEpochs(t, bob, Audio, 0, 4, "epoch 4 after 2 and 3 were lost")

	// Seal's own ratchet before the key's limit.
	alice.rekeyAfter = 2
	for range 5 {
		open(send())
	}
	requireEpochs(t, alice, Audio, 6, 0, "5 packets, 2 per key")
	requireEpochs(t, bob, Audio, 0, 6, "followed")

	for _, kind := range []MediaKind{Video, ScreenShare, numKinds, 200} {
		requireEpochs(t, alice, kind, 0, 0, "untouched or invalid kind")
	}
	require.NoError(t, alice.Close())
	require.NoError(t, bob.Close())
	requireEpochs(t, alice, Audio, 6, 0, "after Close")
	requireEpochs(t, bob, Audio, 0, 6, "after Close")
}

// TestEpochsSSRCKeys: with per-SSRC keys each stream moves on its own, and
// Epochs sums a kind's streams.
func TestEpochsSSRCKeys(t *testing.T) {
	alice, bob := newSSRCPair(t) // alice: video 0x2222 and 0x3333
	seq := uint16(0)
	send := func(ssrc uint32) {
		t.Helper()
		seq++
		sealed, err := alice.Seal(nil, rtpWithSSRC(t, ssrc, seq), Video)
		require.NoError(t, err)
		_, _, err = bob.Open(nil, sealed)
		require.NoError(t, err)
	}

	send(0x2222)
	require.NoError(t, alice.Rekey()) // 0x2222 to epoch 1
	send(0x2222)
	send(0x3333)
	require.NoError(t, alice.Rekey()) // 0x2222 to 2, 0x3333 to 1
	requireEpochs(t, alice, Video, 3, 0, "two streams")
	requireEpochs(t, bob, Video, 0, 1, "0x2222's epoch 1 authenticated")
	send(0x2222)
	send(0x3333)
	requireEpochs(t, bob, Video, 0, 3, "both streams followed")
	requireEpochs(t, alice, Audio, 0, 0, "audio sent nothing")
	requireEpochs(t, bob, Audio, 0, 0, "bob's audio stream sent nothing")
}

// TestEpochsConcurrent runs Epochs against Seal, Open and Rekey (for the
// race detector): the epochs it reports never go back, and end where the
// streams are.
func TestEpochsConcurrent(t *testing.T) {
	alice, bob := newPair(t)
	pkt := makeRTP(t, payloadOf(40), pktOpts{})
	const rounds = 200
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for range rounds {
			sealed, err := alice.Seal(nil, pkt, Video)
			if err == nil {
				_, _, err = bob.Open(nil, sealed)
			}
			if err == nil {
				err = alice.Rekey()
			}
			if err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Go(func() {
		var lastSend, lastRecv uint64
		for {
			select {
			case <-done:
				return
			default:
			}
			send, _ := alice.Epochs(Video)
			_, recv := bob.Epochs(Video)
			if send < lastSend || recv < lastRecv {
				t.Errorf("epochs went back: send %d after %d, recv %d after %d", send, lastSend, recv, lastRecv)
				return
			}
			lastSend, lastRecv = send, recv
		}
	})
	wg.Wait()
	requireEpochs(t, alice, Video, rounds, 0, "after the run")
	requireEpochs(t, bob, Video, 0, rounds-1, "after the run: the last epoch carried no packet")
}
