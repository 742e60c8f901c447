package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/callseal/callseal/e2ee/sframe"
	"github.com/callseal/callseal/internal/rtpheader"
	"github.com/callseal/callseal/meeting"
)

// printCodes prints the meeting code each participant's client shows,
// beside the leader's.
func (r *meetingRun) printCodes(title string) {
	want := r.conf.leader.leader.Code()
	fmt.Fprintf(r.out, "%s (the leader %s reads out %s):\n", title, r.conf.leader.id, want)
	same := 0
	for _, n := range r.conf.sorted() {
		p := r.conf.parts[n]
		if p.code == want {
			same++
		}
		if r.o.n <= 10 || p.code != want {
			mark := "same"
			if p.code != want {
				mark = "DIFFERS: man in the middle"
			}
			fmt.Fprintf(r.out, "  %s  %s  %s\n", p.id, p.code, mark)
		}
	}
	fmt.Fprintf(r.out, "  %d of %d participants show the leader's code\n", same, len(r.conf.parts))
}

// report prints what the SFU read, the frames each participant rebuilt and
// the secrecy checks, and returns the exit status.
func (r *meetingRun) report() int {
	ok := true
	mitm := false
	for _, p := range r.all {
		for _, c := range p.codes {
			if !slices.Contains(r.conf.leaderCodes, c) {
				mitm = true
			}
		}
	}
	for n, a := range r.conf.blocked {
		fmt.Fprintf(r.out, "policy: %s was %v; the meeting stayed end-to-end encrypted\n", pid(n), a)
	}

	v := r.sfu.view()
	fmt.Fprintf(r.out, "SFU: read the RTP headers of %d packets from %d streams (SSRC, payload type, sequence number, timestamp; the audio level of %d) and forwarded %d copies\n",
		v.packets, len(v.ssrcs), v.withLevel, v.forwarded)
	if r.sfu.capOn {
		found := r.mediaIn(r.sfu.capture)
		fmt.Fprintf(r.out, "SFU: payloads: %d bytes of SFrame ciphertext; 8-byte runs of the media found in them: %d\n", v.payloadBytes, found)
		if found != 0 {
			ok = false
		}
	}
	if !r.checkFrames() {
		ok = false
	}
	if r.sfu.capOn && !r.checkSecrecy() {
		ok = false
	}
	switch {
	case mitm:
		fmt.Fprintln(r.out, "RESULT: a meeting code differs: man in the middle detected")
		return exitMITM
	case !ok:
		fmt.Fprintln(r.out, "RESULT: FAILED")
		return exitFailed
	}
	fmt.Fprintln(r.out, "RESULT: every check passed")
	return exitOK
}

// checkFrames compares, per receiver and sender, the frames rebuilt with
// those sent. A frame is expected when the SFU forwarded every packet of
// it to the receiver, sealed under an epoch the receiver held.
func (r *meetingRun) checkFrames() bool {
	ok := true
	var total, identical, corrupt int
	for _, rx := range r.all {
		if rx.num == r.o.mitm || len(rx.heldEpochs) == 0 {
			continue
		}
		var line []string
		for _, tx := range r.all {
			if tx == rx || tx.num == r.o.mitm {
				continue
			}
			var parts []string
			for _, kind := range tx.kinds {
				s := tx.sent[kind]
				if s == nil {
					continue
				}
				fw := map[uint16]bool{}
				for _, q := range r.sfu.forwarded(rx.num, s.ssrc) {
					if rx.heldEpochs[s.epochs[q]] {
						fw[q] = true
					}
				}
				rx.mu.Lock()
				st := rx.recv[s.ssrc]
				rx.mu.Unlock()
				want, got, bad := 0, 0, 0
				for ts, f := range s.frames {
					all := true
					for _, q := range f.seqs {
						all = all && fw[q]
					}
					if all {
						want++
					}
					if st == nil {
						continue
					}
					if data, ok := st.frames[ts]; ok {
						if bytes.Equal(data, f.data) {
							if all {
								got++
							}
						} else {
							bad++
						}
					}
				}
				if st != nil {
					for ts := range st.frames {
						if s.frames[ts] == nil {
							bad++
						}
					}
				}
				total += want
				identical += got
				corrupt += bad
				if bad > 0 || (r.o.speakers == 0 && got < want) {
					ok = false
				}
				if want > 0 || bad > 0 {
					parts = append(parts, fmt.Sprintf("%v %d/%d", kind, got, want))
					if bad > 0 {
						parts[len(parts)-1] += fmt.Sprintf(" (%d CORRUPT)", bad)
					}
				}
			}
			if len(parts) > 0 {
				line = append(line, tx.id+": "+strings.Join(parts, " "))
			}
		}
		if r.o.n <= 10 {
			fmt.Fprintf(r.out, "  %s received byte-identical  %s\n", rx.id, strings.Join(line, ";  "))
		}
		for _, k := range slices.Sorted(maps.Keys(rx.errs)) {
			fmt.Fprintf(r.out, "  %s: %d packets dropped: %s\n", rx.id, rx.errs[k], k)
			ok = false
		}
		outside, inside := 0, map[string]int{}
		for _, f := range rx.failed {
			tx, kind := r.all[(f.ssrc&^0x5000_0000)>>4], f.ssrc&0xf
			if tx.num != r.o.mitm && rx.heldEpochs[tx.sent[kind].epochs[f.seq]] {
				inside[fmt.Sprintf("%v (sender %s epoch %d)", f.err, tx.id, tx.sent[kind].epochs[f.seq])]++
			} else {
				outside++
			}
		}
		if outside > 0 && r.o.n <= 10 {
			fmt.Fprintf(r.out, "  %s: %d packets not opened, sealed in epochs it never held\n", rx.id, outside)
		}
		for _, k := range slices.Sorted(maps.Keys(inside)) {
			fmt.Fprintf(r.out, "  %s: %d packets of its epochs NOT OPENED: %s\n", rx.id, inside[k], k)
			ok = false
		}
	}
	fmt.Fprintf(r.out, "frames: %d of %d forwarded during membership arrived byte-identical; %d corrupt\n", identical, total, corrupt)
	if r.o.speakers > 0 && total > 0 && identical*100 < total*95 {
		ok = false
	}
	return ok
}

// mediaIn counts the 8-byte runs of the embedded media found in the
// payloads of pkts (after the RTP header): plaintext the SFU could read.
func (r *meetingRun) mediaIn(pkts []captured) int {
	runs := map[uint64]bool{}
	for _, t := range r.tracks {
		for _, f := range t.frames {
			for i := 0; i+8 <= len(f.data); i++ {
				runs[binary.BigEndian.Uint64(f.data[i:])] = true
			}
		}
	}
	found := 0
	for _, c := range pkts {
		off := rtpheader.CommonPayloadOffset(c.pkt)
		for i := off; off > 0 && i+8 <= len(c.pkt); i++ {
			if runs[binary.BigEndian.Uint64(c.pkt[i:])] {
				found++
			}
		}
	}
	return found
}

// checkSecrecy tries every packet the SFU saw with every sender key the
// late joiner and the leaver ever derived and kept: each must open the
// packets of its membership and nothing outside it.
func (r *meetingRun) checkSecrecy() bool {
	ok := true
	for _, p := range []*participant{r.lateJoiner, r.leaver} {
		if p == nil || p.num == r.o.mitm {
			continue
		}
		var inside, insideOpened, outside, outsideOpened int
		for _, c := range r.sfu.capture {
			if c.from == p.num || c.from == r.o.mitm {
				continue
			}
			epoch, opened := p.tryKept(c.pkt)
			if _, held := p.kept[epoch]; held {
				inside++
				if opened {
					insideOpened++
				}
			} else {
				outside++
				if opened {
					outsideOpened++
				}
			}
		}
		epochs := slices.Sorted(maps.Keys(p.kept))
		what := fmt.Sprintf("joined late at epoch %d", r.joinEpoch)
		if p == r.leaver {
			what = fmt.Sprintf("left after epoch %d", r.leaveEpoch)
		}
		fmt.Fprintf(r.out, "secrecy: %s (%s) kept the keys of epochs %v: opens %d of %d packets sealed in them, %d of %d sealed outside its membership\n",
			p.id, what, epochs, insideOpened, inside, outsideOpened, outside)
		if outsideOpened != 0 || insideOpened != inside || outside == 0 {
			ok = false
		}
	}
	if l := r.leaver; l != nil && l.member != nil {
		for _, notice := range r.conf.overheard {
			if err := l.member.Handle(notice); err == nil {
				fmt.Fprintf(r.out, "secrecy: %s accepted a notice after it left\n", l.id)
				ok = false
			}
		}
		fmt.Fprintf(r.out, "secrecy: %s overheard the %d notices broadcast during the meeting; none moves it past epoch %d\n", l.id, len(r.conf.overheard), l.member.Epoch())
		if l.member.Epoch() != r.leaveEpoch {
			ok = false
		}
	}
	return ok
}

// tryKept returns the epoch a captured packet was sealed in (its KID's
// epoch bits: the run has fewer than 16 epochs) and whether any base key p
// kept, of any epoch, opens it.
func (p *participant) tryKept(pkt []byte) (uint32, bool) {
	off := rtpheader.CommonPayloadOffset(pkt)
	if off == 0 {
		return 0, false
	}
	h, _, err := sframe.ParseHeader(pkt[off:])
	if err != nil {
		return 0, false
	}
	bits, index, kind, err := meeting.ParseKID(h.KID)
	if err != nil {
		return 0, false
	}
	for e, keys := range p.kept {
		base := keys[meeting.KID(e, index, kind)]
		if base == nil {
			continue
		}
		k, err := sframe.NewKey(suite, h.KID, base)
		if err != nil {
			continue
		}
		if _, _, err := k.Open(nil, pkt[off:], pkt[:rtpheader.FixedHeaderSize]); err == nil {
			return uint32(bits), true
		}
	}
	return uint32(bits), false
}
