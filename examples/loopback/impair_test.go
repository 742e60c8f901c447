package main

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee"
)

// TestImpairedCall places the call through a relay that loses 10 %,
// reorders 10 % and duplicates 5 % of every stream's packets:
// every packet is accounted for, none is rejected but the duplicates, each
// packet that arrives opens exactly once, and every frame that arrived
// whole comes out of the jitter buffer byte-identical, in the file too.
func TestImpairedCall(t *testing.T) {
	out := t.TempDir()
	var stdout bytes.Buffer
	imp := impairment{loss: 0.1, reorder: 0.1, dup: 0.05, seed: 1}
	rep, err := run(t.Context(), config{out: out, speed: 8, timeout: 25 * time.Second, impair: imp}, &stdout)
	t.Log("\n" + stdout.String())
	require.NoError(t, err)
	assert.Contains(t, stdout.String(), "network impairment on the relay's path to each receiver: "+imp.String())
	assert.Zero(t, rep.unattributed[alice]+rep.unattributed[bob], "packets rejected before their stream was known")

	var total pathStats
	incomplete := 0
	require.Len(t, rep.streams, 6)
	for _, sr := range rep.streams {
		name := sr.dir.String() + " " + sr.sent.track.name
		sent, opened := int(sr.tx.Sent.Packets), int(sr.rx.Received.Packets)
		// Accounting: sent + duplicated = opened + lost + replays, with the
		// replays exactly the duplicates.
		assert.Equal(t, sent, sr.path.arrived, name+": packets the relay passed to the path")
		assert.Equal(t, sent+sr.path.duplicated, opened+sr.path.lost+int(sr.rx.Replays), name+": sent + dup = opened + lost + replays")
		assert.Equal(t, sr.path.duplicated, int(sr.rx.Replays), name+": replays are the duplicates")
		assert.True(t, sr.accounted(), name)
		// Opened once, nothing authentic rejected.
		assert.Equal(t, sent-sr.path.lost, opened, name+": every packet that arrived opened")
		assert.Zero(t, sr.openedTwice, name+": packets opened twice")
		assert.Equal(t, opened, sr.recv.packets, name+": packets read from the Session")
		assert.Zero(t, sr.rx.AuthFailures(), name+": authentication failures")
		assert.Zero(t, sr.rx.Malformed+sr.rx.Overflows, name+": malformed or overflowed")
		// Whole frames built and identical.
		assert.Positive(t, sr.framesWhole, name)
		assert.Equal(t, sr.framesWhole, sr.framesReceived, name+": whole frames the jitter buffer built")
		assert.Equal(t, sr.framesWhole, sr.framesIdentical, name+": whole frames identical")
		assert.Empty(t, sr.mismatch, name)
		assert.Equal(t, wholeFrames(sr), readBack(t, filepath.Join(out, sr.file), sr.sent.track.kind), name+": received file")

		total.lost += sr.path.lost
		total.duplicated += sr.path.duplicated
		total.reordered += sr.path.reordered
		incomplete += len(sr.sent.frames) - sr.framesWhole
	}
	// The impairment happened.
	assert.Positive(t, total.lost, "packets lost")
	assert.Positive(t, total.duplicated, "packets duplicated")
	assert.Positive(t, total.reordered, "packets reordered")
	assert.Positive(t, incomplete, "frames incomplete")
}

// wholeFrames is what the received file of sr must hold: the sent frames
// that arrived whole, from the first keyframe on for VP8 (a decoder, and
// pion's IVF writer, cannot start without one).
func wholeFrames(sr *streamReport) [][]byte {
	var out [][]byte
	for _, f := range sr.sent.frames {
		whole := true
		for i := range f.packets {
			whole = whole && sr.recv.opened[f.firstSeq+uint16(i)] > 0
		}
		keyframe := sr.sent.track.kind == e2ee.Audio || f.data[0]&0x01 == 0
		if whole && (len(out) > 0 || keyframe) {
			out = append(out, f.data)
		}
	}
	return out
}

// TestImpairerSeeded checks that the path's decisions follow from the seed
// and that it accounts for every packet: the same seed gives the same
// packets in the same order, another seed others.
func TestImpairerSeeded(t *testing.T) {
	path := func(seed uint64) ([]uint16, pathStats) {
		x := newImpairer(impairment{loss: 0.1, reorder: 0.1, dup: 0.05, seed: seed})
		var mu sync.Mutex
		var got []uint16
		send := func(pkt []byte) {
			mu.Lock()
			got = append(got, binary.BigEndian.Uint16(pkt[2:]))
			mu.Unlock()
		}
		fwd := x.wrap(forwardAll)
		pkt := make([]byte, 20)
		pkt[0] = 0x80
		for i := range 2000 {
			binary.BigEndian.PutUint16(pkt[2:], uint16(65000+i)) // wraps
			fwd(aliceToBob, pkt, send)
		}
		time.Sleep(3 * maxHold) // the last held packets go
		x.close()
		mu.Lock()
		defer mu.Unlock()
		return got, x.stats(aliceToBob, 0)
	}
	a, sa := path(1)
	b, sb := path(1)
	c, _ := path(2)
	assert.Equal(t, a, b, "same seed")
	assert.Equal(t, sa, sb, "same seed")
	assert.NotEqual(t, a, c, "another seed")

	assert.Equal(t, 2000, sa.arrived)
	assert.Equal(t, sa.arrived-sa.lost+sa.duplicated, sa.forwarded, "every packet accounted for")
	assert.Equal(t, sa.forwarded, len(a))
	assert.InDelta(t, 200, sa.lost, 60)
	assert.InDelta(t, 90, sa.duplicated, 40)
	assert.InDelta(t, 180, sa.reordered, 60)
}
