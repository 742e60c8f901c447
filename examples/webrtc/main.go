// Command webrtc places an end-to-end encrypted call between two pion/webrtc
// PeerConnections in one process, with callseal's E2EE pion interceptor
// (package e2ee/pioninterceptor).
//
// ICE runs on loopback only (UDP4 host candidates on the loopback interface,
// no STUN or TURN). Alice opens a data channel and the two run the callseal
// handshake over it; each then keys its interceptor, prints the check number
// (the two must be equal) and sends audio, camera video and a screen share
// from the sample media of examples/loopback, under DTLS-SRTP as usual and
// SFrame inside it. A simulated lossy network drops some video packets,
// which pion's NACK/RTX machinery repairs with retransmissions of the sealed
// payloads, and alice rekeys halfway through. Each peer reassembles what it
// received and compares it with the media files, frame by frame; the program
// exits 0 only if every frame arrived byte-identical in both directions.
//
//	go run ./examples/webrtc [-speed 1] [-drop 25] [-rekey=true] [-timeout 30s]
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/verify"
)

type config struct {
	speed     float64       // media pacing: 1 is real time
	dropEvery int           // drop every n-th video packet once (0: no loss)
	rekey     bool          // alice rekeys halfway through
	timeout   time.Duration // for the whole call
}

func main() {
	var cfg config
	flag.Float64Var(&cfg.speed, "speed", 1, "media pacing relative to real time")
	flag.IntVar(&cfg.dropEvery, "drop", 25, "drop every n-th outgoing video packet once, to exercise NACK/RTX (0: none)")
	flag.BoolVar(&cfg.rekey, "rekey", true, "alice rekeys her E2EE session halfway through the call")
	flag.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "give up after this long")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "webrtc:", err)
		os.Exit(1)
	}
}

// run places the call and reports on w. It returns an error if anything
// failed, the check numbers differ, or a frame did not arrive intact.
func run(ctx context.Context, w io.Writer, cfg config) error {
	if cfg.speed <= 0 {
		return errors.New("speed must be positive")
	}
	out := &printer{w: w}
	sources, err := loadSources()
	if err != nil {
		return err
	}
	out.printf("media: %s", describe(sources))

	// The call ID comes from the app's signaling; both parties bind it into
	// the handshake.
	callID := make([]byte, 16)
	_, _ = rand.Read(callID)
	alice, err := newPeer("alice", "bob", keyexchange.Initiator, callID, cfg.dropEvery)
	if err != nil {
		return fmt.Errorf("alice: %w", err)
	}
	defer alice.pc.Close()
	bob, err := newPeer("bob", "alice", keyexchange.Responder, callID, cfg.dropEvery)
	if err != nil {
		return fmt.Errorf("bob: %w", err)
	}
	defer bob.pc.Close()

	if err := connect(ctx, alice, bob, sources); err != nil {
		return err
	}

	// The handshake runs over the data channel as soon as it opens.
	checks := map[*peer]string{}
	for _, p := range []*peer{alice, bob} {
		select {
		case checks[p] = <-p.keyed:
		case err := <-anyFailure(alice, bob):
			return err
		case <-ctx.Done():
			return fmt.Errorf("%s: handshake: %w", p.name, ctx.Err())
		}
	}
	out.printf("alice check number: %s", checks[alice])
	out.printf("bob   check number: %s", checks[bob])
	if !verify.Equal(checks[alice], checks[bob]) {
		return errors.New("the check numbers differ: someone is in the middle")
	}
	out.printf("check numbers match: both E2EE interceptors are keyed")
	for _, p := range []*peer{alice, bob} {
		select {
		case <-p.ready:
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting for the peer's keys: %w", p.name, ctx.Err())
		}
	}
	out.printf("alice's tracks use E2EE keys %s", kindsOf(alice, sources))

	// Media, both ways at once.
	var wg sync.WaitGroup
	for _, p := range []*peer{alice, bob} {
		wg.Go(func() { p.sendMedia(ctx, out, sources, cfg, p == alice) })
	}
	wg.Wait()

	// Each side waits for the other's "done", then for the stragglers
	// (retransmissions) of the frames it announced.
	failed := false
	for _, pair := range [][2]*peer{{bob, alice}, {alice, bob}} {
		rx, tx := pair[0], pair[1]
		var announced map[string]int
		select {
		case announced = <-tx.done:
		case err := <-anyFailure(alice, bob):
			return err
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting for the end of %s's media: %w", rx.name, tx.name, ctx.Err())
		}
		complete := func() bool {
			for _, s := range sources {
				if len(rx.recv.frames(s.trackID)) < announced[s.trackID] {
					return false
				}
			}
			return true
		}
		deadline := time.Now().Add(15 * time.Second)
		for !complete() && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		var parts []string
		for _, s := range sources {
			got := rx.recv.frames(s.trackID)
			identical, exact := compare(s.frames, got)
			parts = append(parts, fmt.Sprintf("%s %d/%d", s.trackID, identical, len(s.frames)))
			if !exact {
				out.printf("%s: %s from %s: %d frames received, %d sent, %d announced, first difference at frame %d",
					rx.name, s.trackID, tx.name, len(got), len(s.frames), announced[s.trackID], firstDifference(s.frames, got))
			}
			failed = failed || !exact || announced[s.trackID] != len(s.frames)
		}
		out.printf("%s received from %s: %s frames byte-identical", rx.name, tx.name, strings.Join(parts, ", "))
	}
	for _, p := range []*peer{alice, bob} {
		st := p.e2ee.Stats()
		out.printf("%s: sealed %d, opened %d (%d RTX retransmissions), dropped before keys %d, rejected %d, replays %d; the lossy network dropped %d",
			p.name, st.Sealed, st.Opened, st.OpenedRTX, st.NoSession, st.Rejected, st.Replayed, p.loss.dropped.Load())
		failed = failed || st.Rejected != 0 || st.SealFailed != 0
	}
	if failed {
		return errors.New("some frames did not arrive intact")
	}
	out.printf("OK: every frame arrived byte-identical in both directions")
	return nil
}

// connect adds the tracks and the data channel and runs the offer/answer
// exchange in process (non-trickle: each side waits for its candidates).
func connect(ctx context.Context, alice, bob *peer, sources []*source) error {
	if err := alice.addTracks(sources); err != nil {
		return fmt.Errorf("alice: %w", err)
	}
	dc, err := alice.pc.CreateDataChannel("callseal", nil)
	if err != nil {
		return fmt.Errorf("alice: %w", err)
	}
	alice.attach(dc)

	offer, err := alice.pc.CreateOffer(nil)
	if err != nil {
		return fmt.Errorf("alice: %w", err)
	}
	if offer, err = gather(ctx, alice.pc, offer); err != nil {
		return fmt.Errorf("alice: %w", err)
	}
	if err := bob.pc.SetRemoteDescription(offer); err != nil {
		return fmt.Errorf("bob: %w", err)
	}
	// After the offer, so that bob's tracks take the offered transceivers.
	if err := bob.addTracks(sources); err != nil {
		return fmt.Errorf("bob: %w", err)
	}
	answer, err := bob.pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("bob: %w", err)
	}
	if answer, err = gather(ctx, bob.pc, answer); err != nil {
		return fmt.Errorf("bob: %w", err)
	}
	if err := alice.pc.SetRemoteDescription(answer); err != nil {
		return fmt.Errorf("alice: %w", err)
	}
	return nil
}

// gather sets the local description and waits for ICE gathering, returning
// the description with its candidates.
func gather(ctx context.Context, pc *webrtc.PeerConnection, sd webrtc.SessionDescription) (webrtc.SessionDescription, error) {
	complete := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(sd); err != nil {
		return sd, err
	}
	select {
	case <-complete:
	case <-ctx.Done():
		return sd, fmt.Errorf("ICE gathering: %w", ctx.Err())
	}
	if !strings.Contains(pc.LocalDescription().SDP, "a=candidate:") {
		return sd, errors.New("no loopback ICE candidate")
	}
	return *pc.LocalDescription(), nil
}

// sendMedia plays every source on its track, paced at cfg.speed, then tells
// the peer how many frames each track sent. If rekey, the session is
// rekeyed halfway through the camera video.
func (p *peer) sendMedia(ctx context.Context, out *printer, sources []*source, cfg config, rekey bool) {
	var wg sync.WaitGroup
	sent := make(map[string]int, len(sources))
	var mu sync.Mutex
	for _, s := range sources {
		wg.Go(func() {
			track := p.tracks[s.trackID]
			start := time.Now()
			for i, frame := range s.frames {
				if rekey && cfg.rekey && s.trackID == "camera" && i == len(s.frames)/2 {
					if err := p.e2ee.Session().Rekey(); err != nil {
						p.fail(fmt.Errorf("rekey: %w", err))
					} else {
						out.printf("%s rekeyed her E2EE session at camera frame %d; bob follows from the SFrame KID", p.name, i)
					}
				}
				if err := track.WriteSample(media.Sample{Data: frame, Duration: s.interval}); err != nil {
					p.fail(fmt.Errorf("%s: %w", s.trackID, err))
					return
				}
				next := start.Add(time.Duration(float64((i+1)*int(s.interval)) / cfg.speed))
				select {
				case <-time.After(time.Until(next)):
				case <-ctx.Done():
					return
				}
			}
			mu.Lock()
			sent[s.trackID] = len(s.frames)
			mu.Unlock()
		})
	}
	wg.Wait()
	p.sendControl(control{Type: "done", Frames: sent})
}

// anyFailure returns a channel that yields the first failure of either peer.
func anyFailure(a, b *peer) <-chan error {
	c := make(chan error, 1)
	go func() {
		select {
		case err := <-a.failed:
			c <- err
		case err := <-b.failed:
			c <- err
		case <-time.After(time.Minute):
		}
	}()
	return c
}

func describe(sources []*source) string {
	var parts []string
	for _, s := range sources {
		codec := strings.TrimPrefix(s.mimeType, "audio/")
		codec = strings.TrimPrefix(codec, "video/")
		parts = append(parts, fmt.Sprintf("%s %s %d frames (%v)", s.trackID, codec, len(s.frames), s.duration().Round(10*time.Millisecond)))
	}
	return strings.Join(parts, ", ")
}

func kindsOf(p *peer, sources []*source) string {
	var parts []string
	for _, s := range sources {
		parts = append(parts, fmt.Sprintf("%s=%v", s.trackID, p.kinds[s.trackID]))
	}
	return strings.Join(parts, ", ")
}

// printer serialises the lines of both peers.
type printer struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *printer) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format+"\n", args...)
}
