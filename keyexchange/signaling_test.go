package keyexchange

import (
	"bytes"
	"container/heap"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestFromAnotherCall: a message of the right type for the state, but from
// another call, is ErrCallID (which also matches ErrIdentity), and leaves
// the state as it was.
func TestFromAnotherCall(t *testing.T) {
	other := func(t *testing.T, k int) []byte {
		_, _, m, _ := stepWith(t, 3, func(ci, cr *Config) {
			ci.CallID, cr.CallID = []byte("call-43"), []byte("call-43")
		})
		return m[k]
	}
	for k := range 4 {
		t.Run(fmt.Sprint("message ", k+1), func(t *testing.T) {
			i, r, m, recv := step(t, k)
			before := recv.State()
			_, err := recv.Handle(other(t, k))
			require.ErrorIs(t, err, ErrCallID)
			require.ErrorIs(t, err, ErrIdentity)
			require.Equal(t, before, recv.State())
			finish(t, i, r, m, k)
		})
	}
}

func TestMessageCallID(t *testing.T) {
	_, _, m, _ := step(t, 3)
	for _, msg := range m {
		id, err := MessageCallID(msg)
		require.NoError(t, err)
		require.Equal(t, []byte("call-42"), id)
		id[0] = 'X' // a copy
		id, _ = MessageCallID(msg)
		require.Equal(t, []byte("call-42"), id)
	}
	_, err := MessageCallID([]byte{1, 1})
	require.ErrorIs(t, err, ErrMalformed)
	_, err = MessageCallID([]byte{9, 1, 0, 1, 'x'})
	require.ErrorIs(t, err, ErrVersion)
}

func TestRetransmit(t *testing.T) {
	i, r := newPair(t, nil)
	require.Nil(t, i.Retransmit())
	commit, err := i.Start()
	require.NoError(t, err)
	require.Equal(t, commit, i.Retransmit())
	resp, err := r.Handle(commit)
	require.NoError(t, err)
	require.Nil(t, r.Retransmit(), "the responder needs no timer")
	reveal, err := i.Handle(resp)
	require.NoError(t, err)
	require.Equal(t, reveal, i.Retransmit())
	confirm, err := r.Handle(i.Retransmit())
	require.NoError(t, err)
	_, err = i.Handle(confirm)
	require.NoError(t, err)
	require.Nil(t, i.Retransmit())
}

// The lossy channel: simulated time, a seeded PRNG, no sleeping.

type delivery struct {
	at  time.Duration
	seq int // tie-break, keeps the order deterministic
	to  *Handshake
	msg []byte
}

type eventQueue []delivery

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(a, b int) bool {
	if q[a].at != q[b].at {
		return q[a].at < q[b].at
	}
	return q[a].seq < q[b].seq
}
func (q eventQueue) Swap(a, b int) { q[a], q[b] = q[b], q[a] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(delivery)) }
func (q *eventQueue) Pop() any {
	old := *q
	d := old[len(old)-1]
	*q = old[:len(old)-1]
	return d
}

// lossyNet delivers messages after a random delay (so they reorder), drops
// some, duplicates some, and occasionally injects a message from another
// call.
type lossyNet struct {
	rng        *rand.Rand
	now        time.Duration
	q          eventQueue
	seq        int
	drop, dup  float64
	sent, lost int
	stray      []byte
}

func (n *lossyNet) send(to *Handshake, msg []byte) {
	n.sent++
	copies := 1
	if n.rng.Float64() < n.dup {
		copies = 2
	}
	for range copies {
		if n.rng.Float64() < n.drop {
			n.lost++
			continue
		}
		delay := 10*time.Millisecond + time.Duration(n.rng.Int64N(int64(300*time.Millisecond)))
		n.seq++
		heap.Push(&n.q, delivery{at: n.now + delay, seq: n.seq, to: to, msg: bytes.Clone(msg)})
	}
	if n.stray != nil && n.rng.Float64() < 0.1 {
		n.seq++
		heap.Push(&n.q, delivery{at: n.now + time.Millisecond, seq: n.seq, to: to, msg: n.stray})
	}
}

// TestLossySignaling drives handshakes through a channel that drops 30% of
// messages, duplicates 20% and reorders them, with a retry timer on the
// initiator (simulated time: a 250 ms retransmission timeout, doubling to
// at most 2 s). Every run must end with both sides Done and agreeing; every
// error along the way must be typed and harmless.
func TestLossySignaling(t *testing.T) {
	const rto, maxRTO, deadline = 250 * time.Millisecond, 2 * time.Second, 5 * time.Minute
	seeds := 300
	if testing.Short() {
		seeds = 50
	}
	_, _, strayMsgs, _ := stepWith(t, 3, func(ci, cr *Config) { ci.CallID, cr.CallID = []byte("other"), []byte("other") })
	var totalSent, totalLost, retries int
	for seed := range seeds {
		suites := []Suite{X25519_SHA256}
		if seed%5 == 0 {
			suites = bothSuites
		}
		i, r := newPair(t, func(ci, cr *Config) { ci.Suites, cr.Suites = suites, suites })
		n := &lossyNet{rng: rand.New(rand.NewPCG(uint64(seed), 42)), drop: 0.3, dup: 0.2, stray: strayMsgs[seed%4]}
		peer := map[*Handshake]*Handshake{i: r, r: i}

		commit, err := i.Start()
		require.NoError(t, err)
		n.send(r, commit)
		timeout, timer := rto, rto
		for !(i.Done() && r.Done()) {
			require.Less(t, n.now, deadline, "seed %d: no progress", seed)
			// The next event is a delivery or the initiator's timer.
			if n.q.Len() > 0 && n.q[0].at <= timer {
				d := heap.Pop(&n.q).(delivery)
				n.now = d.at
				wasDone := d.to.Done()
				before := d.to.State()
				reply, err := d.to.Handle(d.msg)
				if err != nil {
					require.True(t, isTyped(err), "seed %d: untyped error %v", seed, err)
					require.Equal(t, before, d.to.State(), "seed %d: state changed by %v", seed, err)
					continue
				}
				if reply != nil {
					n.send(peer[d.to], reply)
				}
				if d.to == i && (i.State() != before || (i.Done() && !wasDone)) {
					timeout = rto // progress: restart the timer
					timer = n.now + timeout
				}
				continue
			}
			n.now = timer
			if msg := i.Retransmit(); msg != nil {
				retries++
				n.send(r, msg)
			}
			timeout = min(2*timeout, maxRTO)
			timer = n.now + timeout
			if i.Done() && n.q.Len() == 0 && !r.Done() {
				t.Fatalf("seed %d: initiator done, responder not", seed)
			}
		}
		ri, err := i.Result()
		require.NoError(t, err)
		rr, err := r.Result()
		require.NoError(t, err)
		requireMatching(t, ri, rr)
		// Drain the stragglers: late duplicates are answered, never break.
		for n.q.Len() > 0 {
			d := heap.Pop(&n.q).(delivery)
			_, err := d.to.Handle(d.msg)
			if err != nil {
				require.ErrorIs(t, err, ErrCallID, "seed %d", seed)
			}
		}
		totalSent += n.sent
		totalLost += n.lost
	}
	t.Logf("%d handshakes: %d messages sent, %d copies lost, %d retransmissions", seeds, totalSent, totalLost, retries)
	require.Positive(t, totalLost)
	require.Positive(t, retries)
}
