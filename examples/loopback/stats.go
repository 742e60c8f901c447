package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/callseal/callseal"
	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/policy"
)

// A callReport is what the call did, for the output and the verdict.
type callReport struct {
	speed          float64
	tracks         []*track
	profile        string
	relaySig       string
	relayMedia     [2]string
	sas            [2]sasStrings      // what each party shows for the users to compare
	decisions      [2]policy.Decision // per party: the policy decision of its handshake
	refusals       [2]error           // per party: why callseal.New refused the call, if it did
	mitm           *mitmReport        // with -mitm: what the attacker did
	continuity     [2]string          // with -cache: what key continuity found, per party
	markedVerified string             // with -verified: whether the call was marked verified
	sigLog         []sigEvent
	streams        []*streamReport // per direction, then per track
	relayDropped   [2]int          // per direction: failed transport SRTP at the relay
	unattributed   [2]uint64       // per receiving side: packets rejected before their stream was known
	impair         impairment      // with -loss, -reorder, -dup or -jitter
	outDir         string
	keepFiles      bool // outDir is -out's, not a temporary directory
}

// A streamReport is one direction of one track: what was sent, what arrived,
// what the relay saw.
type streamReport struct {
	dir    direction
	sent   *sentStream
	recv   *recvStream
	tx, rx callseal.StreamStats // the sender's and the receiver's Session counters of the stream
	path   pathStats            // what the impaired path did

	framesWhole     int // every packet of the frame opened
	framesReceived  int // built by the jitter buffer
	framesIdentical int // of those, equal to the sent frame byte for byte
	openedTwice     int // sequence numbers read more than once
	mismatch        string

	relay payloadView
	file  string // received media, in outDir
}

func newReport(c *call, cfg config, outDir string) *callReport {
	rep := &callReport{
		speed:      cfg.speed,
		tracks:     c.parties[alice].tracks,
		profile:    c.profile.String(),
		relaySig:   c.relay.signalingAddr(),
		relayMedia: [2]string{c.relay.mediaAddr(alice), c.relay.mediaAddr(bob)},
		impair:     cfg.impair,
		outDir:     outDir,
		keepFiles:  cfg.out != "",
	}
	c.relay.mu.Lock()
	rep.sigLog = c.relay.sigLog
	rep.relayDropped = c.relay.dropped
	c.relay.mu.Unlock()
	for _, s := range []side{alice, bob} {
		rep.sas[s] = c.parties[s].sas
		rep.decisions[s] = c.parties[s].decision
		u := c.parties[s].sess.Stats().Unattributed
		rep.unattributed[s] = u.AuthFailures() + u.Replays + u.Malformed
		if c.parties[s].store != nil {
			rep.continuity[s] = continuityNote(c.parties[s].res)
		}
	}
	if c.attacker != nil {
		rep.mitm, _ = c.attacker.report() // nil if a handshake did not complete; the call failed then
	}
	for _, dir := range []direction{aliceToBob, bobToAlice} {
		sender, receiver := c.parties[dir.from()], c.parties[dir.to()]
		for _, sent := range sender.sent {
			sr := &streamReport{
				dir:   dir,
				sent:  sent,
				recv:  receiver.recv.get(sent.ssrc),
				tx:    sender.sess.Stats().Stream(sent.track.kind),
				rx:    receiver.sess.Stats().Stream(sent.track.kind),
				relay: c.relay.view(dir, sent.ssrc),
				file: fmt.Sprintf("%v-received-from-%v-%s.%s", dir.to(), dir.from(), sent.track.name,
					map[bool]string{true: "ogg", false: "ivf"}[sent.track.kind == e2ee.Audio]),
			}
			if c.path != nil {
				sr.path = c.path.stats(dir, sent.ssrc)
			}
			sr.compare()
			rep.streams = append(rep.streams, sr)
		}
	}
	return rep
}

// newRefusalReport is the report of a call that a party refused after its
// handshake: the signaling, the check numbers and each side's reason; no
// media flowed.
func newRefusalReport(c *call) *callReport {
	rep := &callReport{relaySig: c.relay.signalingAddr()}
	c.relay.mu.Lock()
	rep.sigLog = c.relay.sigLog
	c.relay.mu.Unlock()
	for _, s := range []side{alice, bob} {
		rep.sas[s] = c.parties[s].sas
		rep.decisions[s] = c.parties[s].decision
		rep.refusals[s] = c.parties[s].refusal
	}
	if c.attacker != nil {
		rep.mitm, _ = c.attacker.report()
	}
	return rep
}

// refused reports whether a party refused the call.
func (rep *callReport) refused() bool { return rep.refusals[alice] != nil || rep.refusals[bob] != nil }

// e2ee reports whether the call was end-to-end encrypted for both parties.
func (rep *callReport) e2ee() bool { return rep.decisions[alice].E2EE && rep.decisions[bob].E2EE }

// compare matches the frames the jitter buffer built to the sent ones by
// their RTP timestamp and compares them byte for byte; it also notes which
// sent frames arrived whole (every packet opened).
func (sr *streamReport) compare() {
	built := make(map[uint32][]byte, len(sr.recv.frames))
	for _, f := range sr.recv.frames {
		if _, twice := built[f.PacketTimestamp]; twice && sr.mismatch == "" {
			sr.mismatch = fmt.Sprintf("the frame at ts %d was built twice", f.PacketTimestamp)
		}
		built[f.PacketTimestamp] = f.Data
	}
	for _, f := range sr.sent.frames {
		whole := true
		for i := range f.packets {
			whole = whole && sr.recv.opened[f.firstSeq+uint16(i)] > 0
		}
		if whole {
			sr.framesWhole++
		}
		data, ok := built[f.ts]
		if !ok {
			if whole && sr.mismatch == "" {
				sr.mismatch = fmt.Sprintf("the frame at seq %d arrived whole, but the jitter buffer dropped it", f.firstSeq)
			}
			continue
		}
		delete(built, f.ts) // a frame counts once
		sr.framesReceived++
		if bytes.Equal(data, f.data) {
			sr.framesIdentical++
		} else if sr.mismatch == "" {
			sr.mismatch = fmt.Sprintf("frame at seq %d: %d bytes received, %d sent, contents differ", f.firstSeq, len(data), len(f.data))
		}
	}
	for ts := range built {
		if sr.mismatch == "" {
			sr.mismatch = fmt.Sprintf("a received frame (ts %d) was never sent", ts)
		}
	}
	for _, n := range sr.recv.opened {
		if n > 1 {
			sr.openedTwice++
		}
	}
}

func (sr *streamReport) lost() int { return int(sr.tx.Sent.Packets) - int(sr.rx.Received.Packets) }

// accounted reports whether every packet of the stream is accounted for:
// sent + duplicated = opened + lost + replays, where the path lost exactly
// the lost ones and every duplicate was dropped as a replay.
func (sr *streamReport) accounted() bool {
	sent, opened, replays := int(sr.tx.Sent.Packets), int(sr.rx.Received.Packets), int(sr.rx.Replays)
	return sr.path.arrived == sent && sent+sr.path.duplicated == opened+sr.path.lost+replays &&
		opened == sent-sr.path.lost && replays == sr.path.duplicated
}

// writeFiles writes what each party received, one file per stream.
func (rep *callReport) writeFiles() error {
	for _, sr := range rep.streams {
		if err := sr.recv.write(filepath.Join(rep.outDir, sr.file), sr.sent.track); err != nil {
			return fmt.Errorf("writing received media: %w", err)
		}
	}
	return nil
}

// relayTotals sums what the relay saw over all streams.
func (rep *callReport) relayTotals() (all, audio, video payloadView) {
	for _, sr := range rep.streams {
		all.add(&sr.relay)
		if sr.sent.track.kind == e2ee.Audio {
			audio.add(&sr.relay)
		} else {
			video.add(&sr.relay)
		}
	}
	return all, audio, video
}

// endpointTotals sums what the receivers saw after E2EE open, with the same
// checks as the relay: the control that the checks recognise plain media.
func (rep *callReport) endpointTotals() (all, audio payloadView) {
	for _, sr := range rep.streams {
		all.add(&sr.recv.view)
		if sr.sent.track.kind == e2ee.Audio {
			audio.add(&sr.recv.view)
		}
	}
	return all, audio
}

// verdict is nil if the call did what it must: equal check numbers, no
// payload readable at the relay, and every frame received and identical —
// or, under impairment, every packet accounted for, none rejected but the
// duplicates, each opened once, and every frame that arrived whole built
// and identical.
func (rep *callReport) verdict() error {
	if rep.refused() {
		var why []string
		for _, s := range []side{alice, bob} {
			if rep.refusals[s] != nil {
				why = append(why, fmt.Sprintf("%v: %v", s, rep.decisions[s].Reason))
			}
		}
		return fmt.Errorf("%w (%s)", errRefused, strings.Join(why, "; "))
	}
	var errs []error
	if a, b := rep.sas[alice].check, rep.sas[bob].check; a != b {
		errs = append(errs, fmt.Errorf("%w (alice %s, bob %s)", errMITM, a, b))
	}
	for _, sr := range rep.streams {
		name := fmt.Sprintf("%v %s", sr.dir, sr.sent.track.name)
		n, want := len(sr.sent.frames), len(sr.sent.frames)
		if rep.impair.on() {
			want = sr.framesWhole
			rx := sr.rx
			if bad := rx.AuthFailures() + rx.Malformed + rx.Overflows; bad > 0 {
				errs = append(errs, fmt.Errorf("%s: %d packets rejected (auth %d, malformed %d, queue full %d)",
					name, bad, rx.AuthFailures(), rx.Malformed, rx.Overflows))
			}
			if sr.openedTwice > 0 {
				errs = append(errs, fmt.Errorf("%s: %d packets opened twice", name, sr.openedTwice))
			}
			if !sr.accounted() {
				errs = append(errs, fmt.Errorf("%s: packets do not add up: sent %d + dup %d != opened %d + lost %d + replays %d (relay passed %d)",
					name, sr.tx.Sent.Packets, sr.path.duplicated, rx.Received.Packets, sr.path.lost, rx.Replays, sr.path.arrived))
			}
		}
		if sr.framesReceived != want || sr.framesIdentical != want || sr.mismatch != "" {
			msg := fmt.Sprintf("%s: %d frames sent, %d arrived whole, %d received, %d identical",
				name, n, sr.framesWhole, sr.framesReceived, sr.framesIdentical)
			if sr.mismatch != "" {
				msg += " (" + sr.mismatch + ")"
			}
			errs = append(errs, errors.New(msg))
		}
	}
	if u := rep.unattributed[alice] + rep.unattributed[bob]; u > 0 && rep.impair.on() {
		errs = append(errs, fmt.Errorf("%d packets rejected before their stream was known", u))
	}
	// Without E2EE the relay reads the payloads by design; what matters
	// then is whether the check numbers confirm the reason (above).
	if all, _, _ := rep.relayTotals(); all.readable > 0 && rep.e2ee() {
		errs = append(errs, fmt.Errorf("the relay could read %d payloads", all.readable))
	}
	return errors.Join(errs...)
}

// printNotices writes what each party tells its user about encryption.
func (rep *callReport) printNotices(p func(string, ...any)) {
	p("what each user is told:")
	p("  alice: %s", userNotice(rep.decisions[alice]))
	p("  bob:   %s", userNotice(rep.decisions[bob]))
}

// printSignaling writes the signaling log.
func (rep *callReport) printSignaling(p func(string, ...any)) {
	p("signaling, as the relay saw it:")
	for _, ev := range rep.sigLog {
		switch {
		case ev.t == frameJoin:
			p("  %s", ev.info)
		case ev.forged:
			p("  %-13s %-37s %5d bytes  (the attacker's own)", "relay → "+ev.to.String(), ev.info, ev.size)
		default:
			p("  %-13v %-37s %5d bytes", ev.dir, ev.info, ev.size)
		}
	}
	p("")
}

// printRefusal writes the report of a refused call.
func (rep *callReport) printRefusal(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("callseal loopback: alice calls bob through a relay on 127.0.0.1; both require end-to-end encryption")
	p("")
	p("relay: signaling on %s (TCP)", rep.relaySig)
	rep.printSignaling(p)
	if rep.mitm != nil {
		describeMITM(p, rep.mitm, rep.sas)
		p("")
	}
	rep.printNotices(p)
	for _, s := range []side{alice, bob} {
		if rep.refusals[s] != nil {
			p("  %-6s callseal.New: %v", s.String()+":", rep.refusals[s])
		}
	}
	p("")
	p("what each user sees, to read aloud and compare (package verify):")
	printSAS(p, rep.sas)
	if rep.sas[alice].check == rep.sas[bob].check {
		p("check numbers match: yes (the refusal and its reason are genuine)")
	} else {
		p("check numbers match: NO — the reason was forged by a man in the middle, and the refusal kept the media from him")
	}
	p("")
	p("CALL REFUSED (exit status %d): a party requires end-to-end encryption, and it would be off; no media was sent", exitRefused)
	p("  %v", rep.verdict())
}

// print writes the report for a person to read.
func (rep *callReport) print(w io.Writer) {
	if rep.refused() {
		rep.printRefusal(w)
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	if rep.e2ee() {
		p("callseal loopback: alice calls bob, end-to-end encrypted, over UDP on 127.0.0.1 through a relay")
	} else {
		p("callseal loopback: alice calls bob WITHOUT end-to-end encryption (transport SRTP only), over UDP on 127.0.0.1 through a relay")
	}
	p("")
	p("media each side sends, all at once, at %g× real time:", rep.speed)
	for _, t := range rep.tracks {
		p("  %-7s %s", t.name, t.describe())
	}
	p("")
	p("relay: signaling on %s (TCP); media on %s for alice and %s for bob (UDP)", rep.relaySig, rep.relayMedia[alice], rep.relayMedia[bob])
	p("  each hop has its own transport SRTP keys (%s), as DTLS-SRTP with a media relay gives;", rep.profile)
	if rep.e2ee() {
		p("  the E2EE keys come from the handshake and never reach the relay")
	} else {
		p("  E2EE is off for this call: transport SRTP, which the relay removes, is all that protects the media")
	}
	p("")
	rep.printSignaling(p)
	if rep.mitm != nil {
		describeMITM(p, rep.mitm, rep.sas)
		p("")
	}
	if !rep.e2ee() {
		rep.printNotices(p)
		p("")
	}
	p("what each user sees, to read aloud and compare (package verify):")
	printSAS(p, rep.sas)
	if rep.sas[alice].check == rep.sas[bob].check {
		p("check numbers match: yes (no one is in the middle of the call)")
	} else {
		p("check numbers match: NO — man in the middle detected")
	}
	if rep.continuity[alice] != "" {
		p("key continuity (-cache):")
		p("  alice: %s", rep.continuity[alice])
		p("  bob:   %s", rep.continuity[bob])
	}
	if rep.markedVerified != "" {
		p("%s", rep.markedVerified)
	}
	p("")

	if rep.e2ee() {
		p("media received (RTP → E2EE SFrame → transport SRTP → UDP, and back; counters of callseal.Session.Stats):")
	} else {
		p("media received (RTP → transport SRTP → UDP, and back, no E2EE layer; counters of callseal.Session.Stats):")
	}
	p("  %-13s %-6s %7s %5s %7s %9s %11s %6s %7s %6s %21s", "direction", "media", "packets", "lost", "replays",
		"RTP bytes", "E2EE +bytes", "+B/pkt", "E2EE +%", "rekeys", "frames sent/recv/same")
	for _, sr := range rep.streams {
		s := sr.tx.Sent
		over := s.E2EEOverhead()
		p("  %-13v %-6s %7d %5d %7d %9d %11d %6.1f %6.1f%% %6d %21s",
			sr.dir, sr.sent.track.name, s.Packets, sr.lost(), sr.rx.Replays, s.Bytes, over,
			float64(over)/float64(max(s.Packets, 1)), 100*float64(over)/float64(max(s.Bytes, 1)), sr.tx.RekeysSent,
			fmt.Sprintf("%d/%d/%d", len(sr.sent.frames), sr.framesReceived, sr.framesIdentical))
	}
	p("  (replays: packets dropped by a replay window; +bytes: SFrame header and tag added to the RTP packets;")
	p("  rekeys: E2EE epoch changes of the sender's key)")
	p("")
	if rep.impair.on() {
		rep.printImpairment(p)
	}

	all, audio, video := rep.relayTotals()
	switch {
	case !rep.e2ee():
		p("what the relay could read (transport SRTP removed; end-to-end encryption is OFF, nothing else protects the media):")
	case rep.mitm == nil:
		p("what the relay could read (transport SRTP removed; it does not hold the E2EE keys):")
	default:
		p("what the relay could read of the packets as the parties sealed them (transport SRTP removed):")
	}
	p("  %-13s %-6s %-10s %3s %7s %7s %6s %3s %10s %7s", "direction", "media", "SSRC", "PT", "packets", "headers",
		"SFrame", "KID", "media read", "entropy")
	for _, sr := range rep.streams {
		v := sr.relay
		p("  %-13v %-6s 0x%08x %3d %7d %7d %6d %3d %10s %7.3f",
			sr.dir, sr.sent.track.name, sr.sent.ssrc, sr.sent.track.pt, v.packets, v.headersRead,
			v.sframeRead, v.kid, fmt.Sprintf("%d of %d", v.readable, v.packets), v.entropy())
	}
	yesNo := func(b bool) string { return map[bool]string{true: "yes", false: "no"}[b] }
	p("  headers readable: %s: the RTP header (SSRC, payload type, sequence number, timestamp, marker) of %d of %d packets,",
		yesNo(all.headersRead > 0), all.headersRead, all.packets)
	if rep.e2ee() {
		p("    and by design the SFrame header (KID: key epoch and media kind; CTR) of %d", all.sframeRead)
	}
	p("  payloads readable: %s (%d of %d)", yesNo(all.readable > 0), all.readable, all.packets)
	if m := rep.mitm; m != nil && m.mode == mitmReseal {
		p("    but the attacker opened %d of them with the keys of its own two handshakes (above): E2EE keeps the relay",
			m.opened[aliceToBob]+m.opened[bobToAlice])
		p("    out only if the users compare the check numbers")
	}
	p("    parsed as VP8 keyframe (descriptor, start code 9d 01 2a): %d of %d video payloads", video.vp8Keyframes, video.packets)
	p("    holding sent media bytes (any 16-byte run of a sent frame): %d of %d payloads", all.plaintextSeen, all.packets)
	p("    mean entropy: %.3f bits/byte over %d payload bytes (random bytes: 8)", all.entropy(), all.payloadBytes)
	b := audio.commonFirstByte()
	p("    Opus TOC check, not counted: %d of %d audio payloads start with a valid TOC for %d ms; one byte proves nothing:",
		audio.opusTOC, audio.packets, rep.opusPtime())
	if audio.sframeRead == audio.packets {
		p("    the most common first byte, %#02x, is an SFrame header byte, and as a TOC it reads %s", b, opusTOCName(b))
	} else {
		p("    the most common first byte, %#02x, reads as a TOC %s", b, opusTOCName(b))
	}
	ep, epAudio := rep.endpointTotals()
	p("  control, the same checks on the packets the endpoints opened: VP8 keyframes %d, sent media bytes in %d of %d,",
		ep.vp8Keyframes, ep.plaintextSeen, ep.packets)
	p("    Opus TOC valid in %d of %d audio packets; %.3f bits/byte", ep.opusTOC, epAudio.packets, ep.entropy())
	if d := rep.relayDropped[0] + rep.relayDropped[1]; d > 0 {
		p("  packets the relay dropped for failed transport SRTP: %d", d)
	}
	p("")

	if rep.keepFiles {
		p("received media written to %s:", rep.outDir)
	} else {
		p("received media written to %s, which is removed at exit (-out dir keeps it):", rep.outDir)
	}
	for _, sr := range rep.streams {
		p("  %s", sr.file)
	}
	p("")
	frames, identical := 0, 0
	for _, sr := range rep.streams {
		frames += len(sr.sent.frames)
		identical += sr.framesIdentical
	}
	if err := rep.verdict(); errors.Is(err, errMITM) {
		p("MAN IN THE MIDDLE DETECTED (exit status %d):", exitMITM)
		for _, line := range strings.Split(err.Error(), "\n") {
			p("  %s", line)
		}
		if identical == frames {
			if rep.e2ee() {
				p("  the media itself gave nothing away: all %d frames arrived byte-identical", frames)
			} else {
				p("  the call itself worked: all %d frames arrived byte-identical", frames)
			}
		}
		if !rep.e2ee() {
			p("  end-to-end encryption was off (%v, as the attacker claimed): the relay read %d of %d payloads",
				rep.decisions[alice].Reason, all.readable, all.packets)
		}
		return
	} else if err != nil {
		p("FAIL:")
		for _, line := range strings.Split(err.Error(), "\n") {
			p("  %s", line)
		}
		return
	}
	if rep.impair.on() {
		whole := 0
		for _, sr := range rep.streams {
			whole += sr.framesWhole
		}
		p("OK: check numbers match, every packet is accounted for and opened once, all %d frames that arrived whole are", whole)
		p("  byte-identical (of %d sent; %d incomplete for lost packets), and the relay read no payload", frames, frames-whole)
		return
	}
	p("OK: check numbers match, all %d frames in %d streams arrived byte-identical, and the relay read no payload", frames, len(rep.streams))
}

// printImpairment shows what the impaired path did to each stream and
// whether its packets add up.
func (rep *callReport) printImpairment(p func(string, ...any)) {
	p("network impairment on the relay's path to each receiver: %v", rep.impair)
	p("  %-13s %-6s %5s %5s %4s %6s %6s %7s %4s %-28s %s", "direction", "media", "sent", "lost", "dup", "reord",
		"opened", "replays", "auth", "sent+dup = opened+lost+repl", "frames whole/built/same, incomplete")
	for _, sr := range rep.streams {
		ok := "ok"
		if !sr.accounted() {
			ok = "DOES NOT ADD UP"
		}
		tx, rx, path := sr.tx.Sent, sr.rx, sr.path
		p("  %-13v %-6s %5d %5d %4d %6d %6d %7d %4d %-28s %d/%d/%d, %d",
			sr.dir, sr.sent.track.name, tx.Packets, path.lost, path.duplicated, path.reordered, rx.Received.Packets,
			rx.Replays, rx.AuthFailures(),
			fmt.Sprintf("%d = %d %s", int(tx.Packets)+path.duplicated, int(rx.Received.Packets)+path.lost+int(rx.Replays), ok),
			sr.framesWhole, sr.framesReceived, sr.framesIdentical, len(sr.sent.frames)-sr.framesWhole)
	}
	p("  (lost, dup, reord: by the relay's path; replays: duplicates the receiver's replay windows dropped;")
	p("  whole: every packet of the frame opened; built: by the jitter buffer; incomplete: a packet was lost)")
	p("")
}

// opusPtime is the audio packet duration in milliseconds.
func (rep *callReport) opusPtime() int {
	for _, t := range rep.tracks {
		if t.kind == e2ee.Audio {
			return opusPacketSamples(t) / (opusClockRate / 1000)
		}
	}
	return 0
}

// opusTOCName describes an Opus TOC byte (RFC 6716, Section 3.1).
func opusTOCName(toc byte) string {
	config := toc >> 3
	var mode string
	switch {
	case config < 12:
		mode = "SILK " + [...]string{"NB", "MB", "WB"}[config/4]
	case config < 16:
		mode = "Hybrid " + [...]string{"SWB", "FB"}[(config-12)/2]
	default:
		mode = "CELT " + [...]string{"NB", "WB", "SWB", "FB"}[(config-16)/4]
	}
	ms := float64(opusSamplesPerFrame(toc)) / (opusClockRate / 1000)
	return fmt.Sprintf("%s %g ms, %s, code %d", mode, ms, map[bool]string{true: "stereo", false: "mono"}[toc&0x04 != 0], toc&0x03)
}
