// Command loopback places a real end-to-end encrypted call between two
// parties, alice and bob, in one process: over UDP on 127.0.0.1, through a
// relay that terminates transport SRTP on each hop, on real media files.
//
//	go run ./examples/loopback [-mitm [downgrade]] [-require-e2ee] [-cache dir [-verified]]
//		[-loss P] [-reorder P] [-dup P] [-jitter D] [-seed N]
//		[-audio file.ogg] [-video file.ivf] [-screen file.ivf] [-out dir] [-speed 2] [-timeout 25s]
//
// The call, step by step:
//
//  1. alice and bob connect to the relay's signaling server and run the
//     keyexchange handshake through it (Commit, Response, Reveal+Confirm,
//     Confirm). The relay sees and logs every message.
//  2. Each shows its check number (verify.CheckNumber) and the other
//     renderings of package verify (6 digits, words, base32, emoji); the
//     report prints them side by side, and they must match.
//  3. Each starts a callseal.Session from the handshake result: the inner
//     E2EE layer, and the transport layer for its hop to the relay
//     (callseal.HopKeys: keys of that hop only).
//  4. Each sends audio (Ogg Opus), video and screen share (IVF VP8) at once:
//     RTP packet → E2EE seal (payload → SFrame) → transport SRTP → UDP.
//  5. The relay removes transport SRTP, reads the RTP header, tries and fails
//     to read the payload, protects again for the other hop and forwards.
//  6. Each receiver's Session unprotects and opens; a jitter buffer (pion's
//     samplebuilder) puts frames back together, which are compared byte for
//     byte with what was sent and written to files.
//
// With -mitm the relay is an active man in the middle (mitm.go): it runs
// its own handshake with each party, posing as bob to alice and as alice to
// bob with the identities each expects, and opens and re-seals the media
// between its two E2EE sessions, so the call still works. Only the check
// numbers tell: the program shows them side by side, they differ, and it
// reports "man in the middle detected".
//
// With -mitm downgrade (also -mitm=downgrade) the attacker goes for the
// policy fallback instead: in each of its two handshakes it claims that the
// other side's account is under compliance recording. Both handshakes
// complete, both parties show "end-to-end encryption is off: compliance
// recording is on for an account — compare the number to confirm", and the
// call runs on transport SRTP only, which the relay terminates: the report
// shows that the relay read the media. Again only the check numbers tell:
// they differ, and the program exits 3. With -require-e2ee both parties
// require E2EE (policy.Party.RequireE2EE, as a Teams organizer enforces
// it): the handshakes complete, but each party's decision is "refused",
// callseal.New refuses to start the call, no media flows, each side's
// reason is printed, and the program exits 4. Without an attacker,
// -require-e2ee changes nothing: the call is end-to-end encrypted.
//
//	go run ./examples/loopback -mitm downgrade                 # transport-only, numbers differ: exit 3
//	go run ./examples/loopback -mitm downgrade -require-e2ee   # refused: exit 4
//
// Key continuity (keyexchange, ZRTP's retained secrets): with -cache DIR
// each party keeps its retained secret for the other in its own file,
// DIR/alice.json and DIR/bob.json (keyexchange.FileStore), and the report
// shows what the handshake found. -verified records, after a call whose
// check numbers match, that the users compared them (Result.MarkVerified).
// A later call with the same -cache then reports "verified earlier": the
// keys continue a verified chain, no new comparison is needed. If one
// side's file is deleted (or the caches otherwise disagree, or -mitm puts
// an attacker without the secrets in the middle), the next call reports
// "continuity broken" and asks for the check numbers to be compared again:
//
//	go run ./examples/loopback -cache /tmp/callseal-cache -verified   # first call: compare, mark verified
//	go run ./examples/loopback -cache /tmp/callseal-cache             # verified earlier
//	rm /tmp/callseal-cache/bob.json
//	go run ./examples/loopback -cache /tmp/callseal-cache             # continuity broken
//
// Network impairment (impair.go): -loss P, -reorder P and -dup P make the
// relay lose, reorder and duplicate each packet it forwards with probability
// P, and -jitter D delay it by up to D. With the same -seed N the same
// packets are lost, duplicated and held back (0, the default, picks a seed
// and reports it). The report then accounts for every packet of every
// stream: sent + duplicated = opened + lost + replays, where every
// duplicate must be dropped as a replay and every other packet that
// arrives must open exactly once:
//
//	go run ./examples/loopback -loss 0.1 -reorder 0.1 -dup 0.05 -seed 1
//
// The received media is written to files, one per stream and receiver, in
// the directory -out names; without -out, in a new temporary directory that
// the program removes before it exits.
//
// Exit status:
//
//	0  the check numbers match and every frame arrived byte-identical; under
//	   impairment: no packet was rejected but the duplicates, each one that
//	   arrived opened exactly once, every stream's packets add up, and every
//	   frame whose packets all arrived is byte-identical (frames with a lost
//	   packet are reported as incomplete)
//	1  the call failed, or a frame was lost or changed (under impairment: a
//	   rule above was broken)
//	2  the command line is invalid
//	3  the check numbers differ: a man in the middle was detected (the
//	   expected outcome of -mitm and of -mitm downgrade); this takes
//	   precedence over 1
//	4  the call was refused because a party requires E2EE and it would be
//	   off (-require-e2ee; the expected outcome of -mitm downgrade
//	   -require-e2ee); no media flowed; this takes precedence over 3 and 1
//
// go run prints a non-zero status ("exit status 3") but itself exits 1; to
// test the status in a script, build the program first:
//
//	go build -o loopback ./examples/loopback && ./loopback -mitm; echo $?   # 3
package main

import (
	"context"
	"crypto/rand"
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
	"github.com/callseal/callseal/examples/loopback/media"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
	"github.com/callseal/callseal/srtp"
)

// config is what the command line sets.
type config struct {
	audio, video, screen string        // media files; "" means the embedded one
	out                  string        // where received media is written; "" means a temp dir, removed at exit
	speed                float64       // media pacing: 1 is real time
	timeout              time.Duration // the whole call
	mitm                 mitmMode      // put an active man in the middle in the relay, and how it attacks
	requireE2EE          bool          // both parties require E2EE (policy.Party.RequireE2EE)
	cache                string        // directory of the parties' continuity stores; "" for none
	verified             bool          // after a call with matching check numbers, mark it verified
	impair               impairment    // on the relay's path towards each receiver
}

func main() {
	cfg, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		flag.CommandLine.Usage()
		os.Exit(exitUsage)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	_, err = run(ctx, cfg, os.Stdout)
	if code := exitCode(err); code != exitOK {
		if code == exitMITM || code == exitRefused {
			fmt.Fprintln(os.Stderr, err)
		} else {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
		}
		stop()
		os.Exit(code)
	}
}

// usageHead is the start of -h's output; the flags follow. Its exit
// statuses are those of the package doc, in the same order (TestUsage).
const usageHead = `usage: loopback [-mitm [downgrade]] [-require-e2ee] [-cache dir [-verified]]
                [-loss P] [-reorder P] [-dup P] [-jitter D] [-seed N] [-out dir] [flags]

Places a real end-to-end encrypted call between two parties, alice and bob, in one process:
over UDP on 127.0.0.1, through a relay that terminates transport SRTP on each hop. They run
the key exchange through the relay's signaling, show their check numbers side by side, then
send each other audio, video and screen share (embedded clips unless -audio, -video, -screen)
through both layers (E2EE SFrame inside transport SRTP). Each receiver checks every frame
byte for byte, and the report shows what the relay could and could not read.
  -mitm             the relay is a man in the middle that re-seals the media (exit 3)
  -mitm downgrade   the relay claims compliance recording to each party, so the call runs
                    without E2EE and the relay reads the media (exit 3; also -mitm=downgrade)
  -require-e2ee     both parties require E2EE: a downgraded call is refused (exit 4)
  -cache dir        key continuity: each party keeps its retained secret in dir, and with
                    -verified a call with matching numbers makes the next "verified earlier"
  -loss, -reorder, -dup, -jitter
                    impair the relay's path; the report accounts for every packet

The received media is written to -out dir; without -out, to a temporary directory that is
removed before the program exits.

Exit status:
  0  the call worked: the check numbers match and every frame arrived intact
  1  the call failed, or a frame was lost or changed
  2  the command line is invalid
  3  the check numbers differ: a man in the middle was detected (takes precedence over 1)
  4  the call was refused: a party requires end-to-end encryption and it would be off
     (takes precedence over 3 and 1)

Flags:
`

// parseFlags defines the program's flags on fs and parses args. -mitm is a
// boolean flag that may be followed by the word downgrade as a separate
// argument ("-mitm downgrade"), which the flag package would otherwise take
// for the first non-flag argument and stop at; -mitm=downgrade works too.
// Any other non-flag argument is an error.
func parseFlags(fs *flag.FlagSet, args []string) (config, error) {
	var cfg config
	fs.StringVar(&cfg.audio, "audio", "", "Ogg Opus file to send as audio (default: embedded speech clip)")
	fs.StringVar(&cfg.video, "video", "", "VP8 IVF file to send as camera video (default: embedded clip)")
	fs.StringVar(&cfg.screen, "screen", "", "VP8 IVF file to send as screen share (default: embedded clip)")
	fs.StringVar(&cfg.out, "out", "", "keep the received media in `dir` (default: a temporary directory, removed at exit)")
	fs.Float64Var(&cfg.speed, "speed", 2, "send media at this many times real time")
	fs.DurationVar(&cfg.timeout, "timeout", 25*time.Second, "give up on the call after this long")
	fs.Var(&cfg.mitm, "mitm", "make the relay an active man in the middle (two handshakes); the check numbers then differ and the program exits 3.\n"+
		"\"-mitm downgrade\": the attacker claims compliance recording to each party instead, so the call runs without E2EE")
	fs.BoolVar(&cfg.requireE2EE, "require-e2ee", false, "both parties require end-to-end encryption: a call without it is refused (exit 4)")
	fs.StringVar(&cfg.cache, "cache", "", "keep each party's retained secret (key continuity) in `dir`/alice.json and dir/bob.json")
	fs.BoolVar(&cfg.verified, "verified", false, "with -cache: the users compared the check numbers; if they match, record the call as verified")
	fs.Float64Var(&cfg.impair.loss, "loss", 0, "the relay loses each packet with probability `P`")
	fs.Float64Var(&cfg.impair.reorder, "reorder", 0, "the relay holds each packet back behind the next 1-3 of its stream with probability `P`")
	fs.Float64Var(&cfg.impair.dup, "dup", 0, "the relay sends each packet twice with probability `P`")
	fs.DurationVar(&cfg.impair.jitter, "jitter", 0, "the relay delays each packet by a random time up to `D`")
	fs.Uint64Var(&cfg.impair.seed, "seed", 0, "seed of the impairment's random numbers (0: pick one and report it)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHead)
		fs.PrintDefaults()
	}
	for {
		if err := fs.Parse(args); err != nil {
			return cfg, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return cfg, nil
		}
		prev := "" // the argument before the first non-flag one
		if i := len(args) - len(rest) - 1; i >= 0 {
			prev = args[i]
		}
		if rest[0] != "downgrade" || cfg.mitm != mitmReseal || (prev != "-mitm" && prev != "--mitm") {
			return cfg, fmt.Errorf("unexpected argument %q", rest[0])
		}
		cfg.mitm = mitmDowngrade
		args = rest[1:]
	}
}

// run places the call, prints what happened to stdout and returns the
// report. The error is non-nil if the call failed or its result is wrong:
// different check numbers (then it wraps errMITM), or a frame missing or
// not identical.
func run(ctx context.Context, cfg config, stdout io.Writer) (*callReport, error) {
	if cfg.speed <= 0 {
		return nil, fmt.Errorf("-speed %v: must be positive", cfg.speed)
	}
	if cfg.timeout <= 0 {
		cfg.timeout = 25 * time.Second
	}
	if cfg.verified && cfg.cache == "" {
		return nil, errors.New("-verified needs -cache: the verification is recorded in the continuity stores")
	}
	if err := cfg.impair.check(); err != nil {
		return nil, err
	}
	for cfg.impair.on() && cfg.impair.seed == 0 {
		var b [8]byte
		rand.Read(b[:])
		cfg.impair.seed = binary.BigEndian.Uint64(b[:]) >> 32 // short enough to type
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
		defer os.RemoveAll(outDir) // the report has been printed: the files are checked
	} else if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	c, err := placeCall(ctx, tracks, cfg)
	if errors.Is(err, context.DeadlineExceeded) || (err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded)) {
		return nil, fmt.Errorf("the call did not finish within %v (-timeout): %w", cfg.timeout, err)
	}
	if err != nil {
		return nil, err
	}
	if c.refused() {
		rep := newRefusalReport(c)
		rep.print(stdout)
		return rep, rep.verdict()
	}
	rep := newReport(c, cfg, outDir)
	if cfg.verified {
		if rep.markedVerified, err = markVerified(c); err != nil {
			return rep, err
		}
	}
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
	data, err := read(cfg.audio, media.AudioOgg)
	if err != nil {
		return nil, err
	}
	audio, err := loadOpus(data)
	if err != nil {
		return nil, err
	}
	if data, err = read(cfg.video, media.VideoIVF); err != nil {
		return nil, err
	}
	video, err := loadVP8(data, e2ee.Video, "video", ptVideo)
	if err != nil {
		return nil, err
	}
	if data, err = read(cfg.screen, media.ScreenIVF); err != nil {
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
	relay    *relay
	parties  [2]*party
	profile  srtp.Profile
	attacker *attacker // with -mitm
	path     *impairer // with -loss, -reorder, -dup or -jitter
}

// refused reports whether a party refused the call after its handshake
// (its decision was policy.Decision.Refused).
func (c *call) refused() bool {
	return c.parties[alice].refusal != nil || c.parties[bob].refusal != nil
}

// transportProfile is the SRTP profile of both hops.
const transportProfile = srtp.AEAD_AES_128_GCM

// placeCall sets up the relay and the two parties and runs the call to its
// end: both parties hung up, every goroutine returned, every socket closed.
func placeCall(ctx context.Context, tracks []*track, cfg config) (*call, error) {
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
	if cfg.mitm != mitmNone {
		if c.attacker, err = newAttacker(callID, ids, cfg.mitm, inspector{opusSamples: insp.opusSamples, known: insp.known}); err != nil {
			r.close()
			return nil, err
		}
		r.signal = c.attacker.signal
		if cfg.mitm == mitmReseal {
			r.forward = c.attacker.forward
		} // downgraded: no E2EE to open, the relay reads the media as it forwards it
		defer close(c.attacker.stop)
	}
	// The receivers' jitter buffers wait, in media time, for what the path
	// may hold back (an adaptive jitter buffer would learn it).
	jitterBuffer := 500*time.Millisecond + time.Duration(float64(2*cfg.impair.maxDelay())*cfg.speed)
	if cfg.impair.on() {
		c.path = newImpairer(cfg.impair)
		r.forward = c.path.wrap(r.forward)
	}
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
			speed:          cfg.speed,
			profile:        transportProfile,
			keys:           keys[s],
			signalingAddr:  r.signalingAddr(),
			relayMediaAddr: r.mediaAddr(side(s)),
			inspect:        inspector{opusSamples: insp.opusSamples, known: insp.known},
			jitterBuffer:   jitterBuffer,
			policy:         policy.Party{RequireE2EE: cfg.requireE2EE},
		}
		if cfg.cache != "" {
			if c.parties[s].store, err = openStore(cfg.cache, side(s)); err != nil {
				r.close()
				return nil, err
			}
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
	// A party that refuses the call stays on the line until the other one
	// has refused too (or returned), so that its hang-up does not cut the
	// other's handshake short; then both hang up.
	var settled sync.WaitGroup
	settled.Add(len(c.parties))
	for s, p := range c.parties {
		var once sync.Once
		p.settle = func() { once.Do(settled.Done) }
		wg.Go(func() {
			defer p.settle()
			if errs[s] = p.run(partyCtx); errs[s] != nil {
				hangUp(errs[s]) // the other party gives up too
			}
		})
	}
	wg.Go(func() {
		settled.Wait()
		hangUp(nil)
	})
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
	if c.path != nil {
		c.path.close()
	}
	if c.refused() {
		// A party refused the call after its handshake: that is the
		// outcome, whatever the hang-up did to the other party.
		return c, nil
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
