// Command loopback places a real end-to-end encrypted call between two
// parties, alice and bob, in one process: over UDP on 127.0.0.1, through a
// relay that terminates transport SRTP on each hop, on real media files.
//
//	go run ./examples/loopback [-audio file.ogg] [-video file.ivf] [-screen file.ivf] [-out dir] [-speed 2] [-timeout 25s]
//
// The call, step by step:
//
//  1. alice and bob connect to the relay's signaling server and run the
//     keyexchange handshake through it (Commit, Response, Reveal+Confirm,
//     Confirm). The relay sees and logs every message.
//  2. Each shows its check number (verify.CheckNumber); they must match.
//  3. Each builds the inner layer from the handshake result (e2ee.NewSession)
//     and the transport layer for its hop to the relay (srtp.NewSession with
//     keys of that hop only).
//  4. Each sends audio (Ogg Opus), video and screen share (IVF VP8) at once:
//     RTP packet → E2EE seal (payload → SFrame) → transport SRTP → UDP.
//  5. The relay removes transport SRTP, reads the RTP header, tries and fails
//     to read the payload, protects again for the other hop and forwards.
//  6. Each receiver unprotects, opens, puts frames back together and compares
//     them byte for byte with what was sent, then writes them to files.
//
// It exits 0 only if the check numbers match and every frame arrived
// byte-identical.
package main

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/srtp"
)

// The default media: a few seconds of speech, a camera-like clip and a
// screen-share clip, embedded so the program runs with no arguments.
var (
	//go:embed media/audio.ogg
	defaultAudio []byte
	//go:embed media/video.ivf
	defaultVideo []byte
	//go:embed media/screen.ivf
	defaultScreen []byte
)

// config is what the command line sets.
type config struct {
	audio, video, screen string        // media files; "" means the embedded one
	out                  string        // where received media is written; "" means a new temp dir
	speed                float64       // media pacing: 1 is real time
	timeout              time.Duration // the whole call
}

func main() {
	var cfg config
	flag.StringVar(&cfg.audio, "audio", "", "Ogg Opus file to send as audio (default: embedded speech clip)")
	flag.StringVar(&cfg.video, "video", "", "VP8 IVF file to send as camera video (default: embedded clip)")
	flag.StringVar(&cfg.screen, "screen", "", "VP8 IVF file to send as screen share (default: embedded clip)")
	flag.StringVar(&cfg.out, "out", "", "directory for the received media (default: a new temporary directory)")
	flag.Float64Var(&cfg.speed, "speed", 2, "send media at this many times real time")
	flag.DurationVar(&cfg.timeout, "timeout", 25*time.Second, "give up on the call after this long")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		stop()
		os.Exit(1)
	}
}

// run places the call, prints what happened to stdout and returns the
// report. The error is non-nil if the call failed or its result is wrong:
// different check numbers, or a frame missing or not identical.
func run(ctx context.Context, cfg config, stdout io.Writer) (*callReport, error) {
	if cfg.speed <= 0 {
		return nil, fmt.Errorf("-speed %v: must be positive", cfg.speed)
	}
	if cfg.timeout <= 0 {
		cfg.timeout = 25 * time.Second
	}
	tracks, err := loadMedia(cfg)
	if err != nil {
		return nil, err
	}
	var longest time.Duration
	for _, t := range tracks {
		longest = max(longest, t.duration())
	}
	if sending := time.Duration(float64(longest) / cfg.speed); sending > cfg.timeout*4/5 {
		return nil, fmt.Errorf("the media lasts %v: at -speed %g sending takes %v, too close to -timeout %v; raise -speed or -timeout",
			longest.Round(time.Millisecond), cfg.speed, sending.Round(time.Millisecond), cfg.timeout)
	}
	outDir := cfg.out
	if outDir == "" {
		if outDir, err = os.MkdirTemp("", "callseal-loopback-"); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	c, err := placeCall(ctx, tracks, cfg.speed)
	if errors.Is(err, context.DeadlineExceeded) || (err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded)) {
		return nil, fmt.Errorf("the call did not finish within %v (-timeout): %w", cfg.timeout, err)
	}
	if err != nil {
		return nil, err
	}
	rep := newReport(c, cfg, outDir)
	if err := rep.writeFiles(); err != nil {
		return rep, err
	}
	rep.print(stdout)
	return rep, rep.verdict()
}

// loadMedia reads the three input files, or the embedded defaults.
func loadMedia(cfg config) ([]*track, error) {
	read := func(path string, def []byte) ([]byte, error) {
		if path == "" {
			return def, nil
		}
		return os.ReadFile(path)
	}
	data, err := read(cfg.audio, defaultAudio)
	if err != nil {
		return nil, err
	}
	audio, err := loadOpus(data)
	if err != nil {
		return nil, err
	}
	if data, err = read(cfg.video, defaultVideo); err != nil {
		return nil, err
	}
	video, err := loadVP8(data, e2ee.Video, "video", ptVideo)
	if err != nil {
		return nil, err
	}
	if data, err = read(cfg.screen, defaultScreen); err != nil {
		return nil, err
	}
	screen, err := loadVP8(data, e2ee.ScreenShare, "screen", ptScreen)
	if err != nil {
		return nil, err
	}
	return []*track{audio, video, screen}, nil
}

// A call is the relay and the two parties, after the call.
type call struct {
	relay   *relay
	parties [2]*party
	profile srtp.Profile
}

// transportProfile is the SRTP profile of both hops.
const transportProfile = srtp.AEAD_AES_128_GCM

// placeCall sets up the relay and the two parties and runs the call to its
// end: both parties hung up, every goroutine returned, every socket closed.
func placeCall(ctx context.Context, tracks []*track, speed float64) (*call, error) {
	var keys [2]hopKeys
	for s := range keys {
		keys[s] = hopKeys{toRelay: randomKeys(transportProfile), fromRelay: randomKeys(transportProfile)}
	}
	insp := inspector{opusSamples: opusPacketSamples(tracks[0]), known: newPlaintextIndex(tracks)}
	r, err := newRelay(transportProfile, keys, insp)
	if err != nil {
		return nil, err
	}

	// The call ID comes with the call set-up (an INVITE, a WebSocket
	// message); both parties know it before the handshake.
	callID := make([]byte, 16)
	rand.Read(callID)
	ssrcs := distinctSSRCs(2 * len(tracks))
	c := &call{relay: r, profile: transportProfile}
	ids := [2]string{"alice@example.com", "bob@example.com"}
	roles := [2]keyexchange.Role{keyexchange.Initiator, keyexchange.Responder}
	for s := range c.parties {
		c.parties[s] = &party{
			side:           side(s),
			id:             ids[s],
			peerID:         ids[1-s],
			role:           roles[s],
			callID:         callID,
			tracks:         tracks,
			ssrcs:          ssrcs[s*len(tracks) : (s+1)*len(tracks)],
			speed:          speed,
			profile:        transportProfile,
			keys:           keys[s],
			signalingAddr:  r.signalingAddr(),
			relayMediaAddr: r.mediaAddr(side(s)),
			inspect:        inspector{opusSamples: insp.opusSamples, known: insp.known},
		}
	}

	relayCtx, stopRelay := context.WithCancel(ctx)
	defer stopRelay()
	relayDone := make(chan error, 1)
	go func() { relayDone <- r.run(relayCtx) }()

	partyCtx, hangUp := context.WithCancelCause(ctx)
	defer hangUp(nil)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for s, p := range c.parties {
		wg.Go(func() {
			if errs[s] = p.run(partyCtx); errs[s] != nil {
				hangUp(errs[s]) // the other party gives up too
			}
		})
	}
	wg.Wait()

	// Both parties hung up: the relay sees the end of both signaling
	// connections and stops by itself; make sure it does.
	var relayErr error
	select {
	case relayErr = <-relayDone:
	case <-time.After(time.Second):
		stopRelay()
		<-relayDone
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if relayErr != nil {
		return nil, relayErr
	}
	return c, nil
}

// randomKeys draws a transport master key and salt for one direction of one
// hop, as DTLS-SRTP would give them.
func randomKeys(p srtp.Profile) srtp.Keys {
	k := srtp.Keys{MasterKey: make([]byte, p.KeySize()), MasterSalt: make([]byte, p.SaltSize())}
	rand.Read(k.MasterKey)
	rand.Read(k.MasterSalt)
	return k
}

// distinctSSRCs draws n different random SSRCs (RFC 3550, Section 8).
func distinctSSRCs(n int) []uint32 {
	seen := make(map[uint32]bool)
	var out []uint32
	for len(out) < n {
		var b [4]byte
		rand.Read(b[:])
		s := binary.BigEndian.Uint32(b[:])
		if s != 0 && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// opusPacketSamples is the audio track's packet duration in 48 kHz samples,
// which the SDP announces as a=ptime: the step between its first frames.
func opusPacketSamples(t *track) int {
	return int(t.step(0))
}
