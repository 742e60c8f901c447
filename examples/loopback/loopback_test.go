package main

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee"
)

// TestLoopbackCall places the whole call in-process, as `go run
// ./examples/loopback` does, and checks what the program promises.
func TestLoopbackCall(t *testing.T) {
	goroutines := runtime.NumGoroutine()
	out := t.TempDir()
	var stdout bytes.Buffer
	rep, err := run(t.Context(), config{out: out, speed: 8, timeout: 25 * time.Second}, &stdout)
	t.Log("\n" + stdout.String())
	require.NoError(t, err)

	// Check numbers: printed side by side in the documented form, equal.
	a, b, verdict := checkNumberRow(t, stdout.String())
	assert.Equal(t, a, b, "check numbers")
	assert.Equal(t, "equal", verdict)
	assert.Equal(t, rep.sas[alice], rep.sas[bob], "every rendering")
	assert.Contains(t, stdout.String(), "check numbers match: yes")

	// Six streams, every frame received and identical.
	require.Len(t, rep.streams, 6)
	for _, sr := range rep.streams {
		name := sr.dir.String() + " " + sr.sent.track.name
		n := len(sr.sent.track.frames)
		assert.Equal(t, n, len(sr.sent.frames), name+": frames sent")
		assert.Equal(t, n, sr.framesReceived, name+": frames received")
		assert.Equal(t, n, sr.framesIdentical, name+": frames identical")
		assert.Zero(t, sr.lost(), name+": packets lost")

		assert.Equal(t, frameData(sr.sent.track), readBack(t, filepath.Join(out, sr.file), sr.sent.track.kind), name+": received file")
	}

	// The relay read every header and no payload; the same checks on the
	// opened packets do recognise the media (so the checks work).
	relay, audio, video := rep.relayTotals()
	assert.Positive(t, audio.packets)
	assert.Equal(t, relay.packets, relay.headersRead, "relay: headers read")
	assert.Zero(t, relay.readable, "relay: payloads read")
	assert.Equal(t, relay.packets, relay.sframeRead, "relay: SFrame headers read")
	assert.Zero(t, video.vp8Keyframes, "relay: parsed as VP8 keyframes")
	assert.Zero(t, relay.plaintextSeen, "relay: sent media bytes found")
	assert.Greater(t, relay.entropy(), 7.5, "relay: payload entropy")
	ep, _ := rep.endpointTotals()
	assert.Greater(t, ep.plaintextSeen, ep.packets*9/10, "endpoints: sent media bytes found")
	assert.Equal(t, audio.packets, ep.opusTOC, "endpoints: Opus TOC valid")
	assert.Positive(t, ep.vp8Keyframes, "endpoints: VP8 keyframes")

	// Clean shutdown: every goroutine of the call has returned.
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), goroutines, "goroutines left running")
}

// checkNumberRow finds the row of the report that shows both check numbers
// side by side and returns them and the verdict printed beside them.
func checkNumberRow(t *testing.T, out string) (alice, bob, verdict string) {
	t.Helper()
	const number = `(\d{4}(?: \d{4}){4})`
	re := regexp.MustCompile(`(?m)^  check number +` + number + ` +` + number + ` +(equal|DIFFERENT)$`)
	m := re.FindAllStringSubmatch(out, -1)
	require.Len(t, m, 1, "one check number row")
	// Each party's number also stands on a line of its own, in the exact
	// form scripts look for, and agrees with the side-by-side row.
	for party, want := range map[string]string{"alice": m[0][1], "bob": m[0][2]} {
		line := regexp.MustCompile(`(?m)^`+party+` check number: `+number+`$`).FindAllStringSubmatch(out, -1)
		require.Len(t, line, 1, "one %q line", party+" check number: dddd dddd dddd dddd dddd")
		assert.Equal(t, want, line[0][1], "%s's check number line", party)
	}
	return m[0][1], m[0][2], m[0][3]
}

func frameData(t *track) [][]byte {
	var out [][]byte
	for _, f := range t.frames {
		out = append(out, f.data)
	}
	return out
}

// readBack reads the frames of a received media file with pion's readers.
func readBack(t *testing.T, path string, kind e2ee.MediaKind) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out [][]byte
	if kind == e2ee.Audio {
		r, _, err := oggreader.NewWith(f)
		require.NoError(t, err)
		for {
			page, _, err := r.ParseNextPage()
			if errors.Is(err, io.EOF) {
				return out
			}
			require.NoError(t, err)
			if !bytes.HasPrefix(page, []byte("OpusTags")) && len(page) > 0 {
				out = append(out, page)
			}
		}
	}
	r, _, err := ivfreader.NewWith(f)
	require.NoError(t, err)
	for {
		frame, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		out = append(out, frame)
	}
}

// TestFramesSurviveReordering checks that the receiver's jitter buffer puts
// frames back together from packets that arrive out of order, across a
// sequence number wrap, and leaves out the frames with a missing packet —
// the first one of frame 2, the second of frame 3 — and no other.
func TestFramesSurviveReordering(t *testing.T) {
	payloader := &codecs.VP8Payloader{EnablePictureID: true}
	seq := rtp.NewFixedSequencer(65530) // wraps during the stream
	pz := rtp.NewPacketizer(mtu, ptVideo, 1234, payloader, seq, vp8ClockRate)
	var frames [][]byte
	var got []*rtp.Packet
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 6 {
		f := make([]byte, 500+1000*i)
		for j := range f {
			f[j] = byte(r.Uint32())
		}
		frames = append(frames, f)
		pkts := pz.Packetize(f, 3000)
		switch i {
		case 2:
			pkts = pkts[1:]
		case 3:
			pkts = append(pkts[:1], pkts[2:]...)
		}
		got = append(got, pkts...)
	}
	r.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })

	st := newRecvStream(1234, e2ee.Video, time.Second)
	for _, p := range got {
		st.packets++
		st.push(p)
	}
	st.jitter.Flush()
	st.pop()
	want := [][]byte{frames[0], frames[1], frames[4], frames[5]}
	require.Len(t, st.frames, len(want))
	for i, f := range st.frames {
		assert.Equal(t, want[i], f.Data, "frame %d", i)
	}
}

// TestOpusDuration checks the TOC and framing rules of RFC 6716, Section 3.
func TestOpusDuration(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pkt     []byte
		samples int
		ok      bool
	}{
		{"empty", nil, 0, false},
		{"SILK WB 20 ms code 0", []byte{0x48, 1, 2, 3}, 960, true},
		{"CELT FB 20 ms code 1", []byte{0xf9, 1, 2, 3, 4}, 1920, true},
		{"code 1 odd length", []byte{0xf9, 1, 2, 3}, 0, false},
		{"code 2", []byte{0xfa, 2, 9, 9, 8}, 1920, true},
		{"code 2 first frame too long", []byte{0xfa, 5, 9, 9}, 0, false},
		{"code 3 CBR 3 frames", []byte{0xfb, 0x03, 1, 2, 3}, 2880, true},
		{"code 3 zero frames", []byte{0xfb, 0x00}, 0, false},
		{"code 3 over 120 ms", []byte{0x18 | 0x03, 0x03}, 0, false}, // 3 × 60 ms
	} {
		samples, ok := opusDuration(tc.pkt)
		assert.Equal(t, tc.ok, ok, tc.name)
		if tc.ok {
			assert.Equal(t, tc.samples, samples, tc.name)
		}
	}
}

// TestLoadMedia checks the embedded media parse into the expected shape.
func TestLoadMedia(t *testing.T) {
	tracks, err := loadMedia(config{})
	require.NoError(t, err)
	require.Len(t, tracks, 3)
	audio, video, screen := tracks[0], tracks[1], tracks[2]
	assert.Equal(t, 960, opusPacketSamples(audio), "20 ms Opus packets")
	assert.Equal(t, uint32(6000), video.step(0), "15 fps at 90 kHz")
	assert.Equal(t, uint32(18000), screen.step(0), "5 fps at 90 kHz")
	for _, tr := range tracks {
		assert.InDelta(t, 5.0, tr.duration().Seconds(), 0.5, tr.name)
		assert.True(t, isVP8KeyframeStart(append([]byte{0x10}, tr.frames[0].data...)) || tr.kind == e2ee.Audio, tr.name)
	}
}

// FuzzReadFrame feeds arbitrary bytes to the signaling frame reader: it
// must never panic or read a frame over maxFrameSize, and a frame it
// returns must re-encode to the bytes it consumed.
func FuzzReadFrame(f *testing.F) {
	var good bytes.Buffer
	if err := writeFrame(&good, frameType(1), []byte("hello")); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:3])
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		typ, body, err := readFrame(r)
		if err != nil {
			return
		}
		if len(body) > maxFrameSize {
			t.Fatalf("frame of %d bytes accepted", len(body))
		}
		var again bytes.Buffer
		if err := writeFrame(&again, typ, body); err != nil {
			t.Fatal(err)
		}
		consumed := data[:len(data)-r.Len()]
		if !bytes.Equal(again.Bytes(), consumed) {
			t.Fatalf("re-encoded %x, consumed %x", again.Bytes(), consumed)
		}
	})
}
