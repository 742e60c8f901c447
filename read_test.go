package callseal

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callseal/callseal/srtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readWait is how long a read is given to see that nothing arrives.
const readWait = 50 * time.Millisecond

// readSoon reads st's next packet, failing the test if none comes within
// 5 s.
func readSoon(t *testing.T, st *Stream) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	got, err := st.ReadRTPContext(ctx, nil)
	require.NoError(t, err)
	return got
}

func TestReadRTPContextDeadline(t *testing.T) {
	alice, bob, _, _ := call(t, Config{})
	st := bob.Stream(Audio)

	start := time.Now() // before the deadline is set, which counts from then
	ctx, cancel := context.WithTimeout(t.Context(), readWait)
	defer cancel()
	got, err := st.ReadRTPContext(ctx, nil)
	took := time.Since(start)
	assert.Nil(t, got)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, ErrClosed)
	assert.GreaterOrEqual(t, took, readWait, "returned before the deadline")
	assert.Less(t, took, 2*time.Second, "returned long after the deadline")

	// The stream is unaffected: the next read gets the next packet.
	pkt := rtpPacket(testPT[Audio], testSSRC[0][Audio], 1, 40)
	require.NoError(t, alice.Stream(Audio).WriteRTP(pkt))
	assert.Equal(t, pkt, readSoon(t, st))

	// RTCP alike.
	ctx2, cancel2 := context.WithTimeout(t.Context(), readWait)
	defer cancel2()
	_, err = bob.ReadRTCPContext(ctx2, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	rtcp := rtcpPacket(testSSRC[0][Audio])
	require.NoError(t, alice.WriteRTCP(rtcp))
	got, err = bob.ReadRTCPContext(t.Context(), nil)
	require.NoError(t, err)
	assert.Equal(t, rtcp, got)
}

func TestReadRTPContextCanceled(t *testing.T) {
	alice, bob, _, _ := call(t, Config{})
	st := bob.Stream(Video)

	// Canceled while waiting.
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := st.ReadRTPContext(ctx, nil)
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("ReadRTPContext did not return after cancel")
	}

	// A context already done fails at once, even with a packet queued,
	// which the next read then gets.
	pkt := rtpPacket(testPT[Video], testSSRC[0][Video], 1, 100)
	require.NoError(t, alice.Stream(Video).WriteRTP(pkt))
	waitFor(t, 5*time.Second, "the packet to be queued", func() bool {
		return bob.Stats().Stream(Video).Received.Packets == 1
	})
	_, err := st.ReadRTPContext(ctx, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, pkt, readSoon(t, st))
}

// Close wakes reads waiting with a context, which return ErrClosed, and
// reads after Close return ErrClosed whatever their context.
func TestReadRTPContextClose(t *testing.T) {
	_, bob, _, _ := call(t, Config{})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	const readers = 8
	errs := make(chan error, readers+1)
	var wg sync.WaitGroup
	for i := range readers {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				_, err = bob.Stream(MediaKind(i%int(NumKinds))).ReadRTPContext(ctx, nil)
			} else {
				_, err = bob.ReadRTCPContext(ctx, nil)
			}
			errs <- err
		})
	}
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, bob.Close())
	wg.Wait()
	for range readers {
		assert.ErrorIs(t, <-errs, ErrClosed)
	}

	done, cancelDone := context.WithCancel(t.Context())
	cancelDone()
	_, err := bob.Stream(Audio).ReadRTPContext(done, nil)
	assert.ErrorIs(t, err, ErrClosed)
}

// Reads, cancels and Close at once: for the race detector, and every read
// ends with one of the documented errors.
func TestReadRTPContextCloseRace(t *testing.T) {
	for range 20 {
		_, bob, _, _ := call(t, Config{})
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(t.Context(), time.Duration(i)*time.Millisecond)
				defer cancel()
				_, err := bob.Stream(Audio).ReadRTPContext(ctx, nil)
				if !errors.Is(err, ErrClosed) && !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("read: %v", err)
				}
			})
		}
		wg.Go(func() { bob.Close() })
		wg.Wait()
	}
}

// profileCall is call with each party's transport SRTP keys from the
// handshake under its own profile.
func profileCall(t *testing.T, pa, pb srtp.Profile) (alice, bob *Session, ap, bp *pipeEnd) {
	t.Helper()
	ra, rb := handshake(t)
	ap, bp = pipe()
	alice, err := New(ra, Config{Transport: ap, SRTP: DirectKeys(pa)})
	require.NoError(t, err)
	t.Cleanup(func() { alice.Close() })
	bob, err = New(rb, Config{Transport: bp, SRTP: DirectKeys(pb)})
	require.NoError(t, err)
	t.Cleanup(func() { bob.Close() })
	return alice, bob, ap, bp
}

// noReadWithin asserts that nothing, not even an error, is read from st
// within readWait.
func noReadWithin(t *testing.T, st *Stream) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), readWait)
	defer cancel()
	got, err := st.ReadRTPContext(ctx, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "got %x", got)
}

// Two parties whose SRTP profiles differ: after TransportAuthFailureLimit
// packets that all failed, each side's reads say why nothing arrives.
func TestTransportAuthMismatchedProfiles(t *testing.T) {
	alice, bob, _, _ := profileCall(t, srtp.AEAD_AES_128_GCM, srtp.AES_CM_128_HMAC_SHA1_80)
	for _, dir := range []struct {
		name     string
		from, to *Session
		side     int
	}{{"alice to bob", alice, bob, 0}, {"bob to alice", bob, alice, 1}} {
		t.Run(dir.name, func(t *testing.T) {
			send := func(seq uint16) {
				pkt := rtpPacket(testPT[Audio], testSSRC[dir.side][Audio], seq, 160)
				require.NoError(t, dir.from.Stream(Audio).WriteRTP(pkt))
			}
			for seq := range uint16(TransportAuthFailureLimit - 1) {
				send(seq)
			}
			waitFor(t, 5*time.Second, "the packets to fail", func() bool {
				return dir.to.Stats().Unattributed.TransportAuthFailures == TransportAuthFailureLimit-1
			})
			noReadWithin(t, dir.to.Stream(Audio))

			send(TransportAuthFailureLimit)
			_, err := readAny(t, dir.to.Stream(Audio))
			require.ErrorIs(t, err, ErrTransportAuth)
			assert.Contains(t, err.Error(), "every packet failed transport SRTP authentication: the peer's SRTP profile or keys differ")
			assert.Contains(t, err.Error(), dir.to.Profile().String())
			t.Log(err)

			// Each stream is told once, RTCP too; then reads wait again.
			_, err = dir.to.Stream(Video).ReadRTP(nil)
			assert.ErrorIs(t, err, ErrTransportAuth)
			_, err = dir.to.ReadRTCP(nil)
			assert.ErrorIs(t, err, ErrTransportAuth)
			send(TransportAuthFailureLimit + 1)
			noReadWithin(t, dir.to.Stream(Audio))
			noReadWithin(t, dir.to.Stream(Video))
			ctx, cancel := context.WithTimeout(t.Context(), readWait)
			defer cancel()
			_, err = dir.to.ReadRTCPContext(ctx, nil)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Zero(t, dir.to.Stats().Stream(Audio).Received.Packets)
		})
	}
}

// readAny reads st's next packet or error, failing the test if neither
// comes within 5 s.
func readAny(t *testing.T, st *Stream) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	got, err := st.ReadRTPContext(ctx, nil)
	require.NotErrorIs(t, err, context.DeadlineExceeded)
	return got, err
}

// The alarm is a diagnosis: when good packets start arriving after it,
// the call works, and the error does not come back.
func TestTransportAuthRecovers(t *testing.T) {
	alice, bob, ap, _ := call(t, Config{})
	var mu sync.Mutex
	corrupt := TransportAuthFailureLimit
	ap.onWrite = func(pkt []byte) []byte {
		mu.Lock()
		defer mu.Unlock()
		if corrupt > 0 {
			corrupt--
			pkt[len(pkt)-1] ^= 1 // the SRTP tag
		}
		return pkt
	}
	for seq := range uint16(TransportAuthFailureLimit) {
		require.NoError(t, alice.Stream(Audio).WriteRTP(rtpPacket(testPT[Audio], testSSRC[0][Audio], seq, 160)))
	}
	_, err := readAny(t, bob.Stream(Audio))
	require.ErrorIs(t, err, ErrTransportAuth)

	// The reader that was told waits on, and gets the good packets.
	type read struct {
		pkt []byte
		err error
	}
	got := make(chan read, 1)
	go func() {
		pkt, err := bob.Stream(Audio).ReadRTPContext(t.Context(), nil)
		got <- read{pkt, err}
	}()
	time.Sleep(10 * time.Millisecond) // let it wait
	pkt := rtpPacket(testPT[Audio], testSSRC[0][Audio], TransportAuthFailureLimit, 160)
	require.NoError(t, alice.Stream(Audio).WriteRTP(pkt))
	select {
	case r := <-got:
		require.NoError(t, r.err)
		assert.Equal(t, pkt, r.pkt)
	case <-time.After(5 * time.Second):
		t.Fatal("the good packet was not read")
	}
	// Streams that were not told never will be: a packet authenticated.
	noReadWithin(t, bob.Stream(Video))
	ctx, cancel := context.WithTimeout(t.Context(), readWait)
	defer cancel()
	_, err = bob.ReadRTCPContext(ctx, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, uint64(TransportAuthFailureLimit), bob.Stats().Unattributed.TransportAuthFailures)
}

// Packets forged into a working call (here: many, failing transport SRTP
// authentication) are dropped and counted, and never turn into an error
// for the reader.
func TestTransportAuthForgedIntoWorkingCall(t *testing.T) {
	alice, bob, ap, _ := call(t, Config{})
	var sent []byte
	ap.onWrite = func(pkt []byte) []byte {
		if sent == nil {
			sent = append([]byte(nil), pkt...)
		}
		return pkt
	}
	pkt := rtpPacket(testPT[Audio], testSSRC[0][Audio], 1, 160)
	require.NoError(t, alice.Stream(Audio).WriteRTP(pkt))
	assert.Equal(t, pkt, readSoon(t, bob.Stream(Audio)))

	const forged = 10 * TransportAuthFailureLimit
	for i := range forged {
		f := append([]byte(nil), sent...)
		f[len(f)-1-i%8] ^= byte(1 + i) // the tag
		f[3] += byte(1 + i)            // a new sequence number, so no replay
		ap.inject(f)
	}
	waitFor(t, 5*time.Second, "the forged packets to be dropped", func() bool {
		return bob.Stats().Stream(Audio).TransportAuthFailures == forged
	})
	noReadWithin(t, bob.Stream(Audio))
	ctx, cancel := context.WithTimeout(t.Context(), readWait)
	defer cancel()
	_, err := bob.ReadRTCPContext(ctx, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	pkt = rtpPacket(testPT[Audio], testSSRC[0][Audio], 2, 160)
	require.NoError(t, alice.Stream(Audio).WriteRTP(pkt))
	assert.Equal(t, pkt, readSoon(t, bob.Stream(Audio)))
}

// The README's "Sending and receiving RTP" snippet is the body of
// ExampleStream_WriteRTP, which compiles and runs: keep them the same.
func TestReadmeRTPSnippet(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, sec, ok := strings.Cut(string(readme), "## Sending and receiving RTP\n")
	require.True(t, ok, "README.md has no section \"Sending and receiving RTP\"")
	_, snippet, ok := strings.Cut(sec, "```go\n")
	require.True(t, ok)
	snippet, _, ok = strings.Cut(snippet, "```\n")
	require.True(t, ok)

	src, err := os.ReadFile("example_test.go")
	require.NoError(t, err)
	_, body, ok := strings.Cut(string(src), "func ExampleStream_WriteRTP() {\n")
	require.True(t, ok)
	_, body, ok = strings.Cut(body, "\t// Alice sends")
	require.True(t, ok)
	body, output, ok := strings.Cut("\t// Alice sends"+body, "\t// Output:\n")
	require.True(t, ok)
	output, _, _ = strings.Cut(output, "}\n")

	var want strings.Builder
	for line := range strings.Lines(body + output) {
		want.WriteString(strings.TrimPrefix(line, "\t"))
	}
	assert.Equal(t, want.String(), snippet)
}
