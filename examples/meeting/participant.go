package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/internal/rtpheader"
	"github.com/callseal/callseal/meeting"
	"github.com/callseal/callseal/srtp"
)

// A participant is one meeting client: its meeting state (a Leader or a
// Member), its inner E2EE layer, its hop to the SFU and what it sent and
// received.
type participant struct {
	num   int
	id    string
	kinds []e2ee.MediaKind // what it sends; none when muted with the camera off
	level func(at time.Duration) uint8

	leader *meeting.Leader // while it leads
	member *meeting.Member // while it is a member
	crypt  *mediaCrypt
	code   string // the meeting code it shows (the latest)
	codes  []string

	conn *net.UDPConn
	keys hopKeys // transport keys of its hop to the SFU
	srtp *srtp.Session

	sent   [3]*sentStream
	mu     sync.Mutex
	recv   map[uint32]*recvStream
	errs   map[string]int // transport errors
	failed []failure      // packets the E2EE layer did not open

	heldEpochs map[uint32]bool // every epoch it installed
	// With keep, every sender base key it could derive, kept past the
	// epoch's end, as a malicious client would: by epoch, then by KID of
	// the epoch.
	kept map[uint32]map[uint64][]byte
	keep bool
}

func pid(n int) string { return fmt.Sprintf("p%02d", n) }

// ssrcOf names participant n's stream of kind.
func ssrcOf(n int, kind e2ee.MediaKind) uint32 { return 0x5000_0000 | uint32(n)<<4 | uint32(kind) }

// current returns its meeting's current and previous epoch keys and its
// sender index.
func (p *participant) current() (cur, prev *meeting.EpochKeys, index uint8) {
	if p.leader != nil {
		return p.leader.Current(), p.leader.Previous(), p.leader.Index()
	}
	return p.member.Current(), p.member.Previous(), p.member.Index()
}

// installKeys gives the E2EE layer the epochs the meeting holds now, for
// receiving; sending moves with switchSend.
func (p *participant) installKeys() {
	cur, _, _ := p.current()
	if cur == nil {
		return
	}
	if e, err := p.mediaEpoch(); err == nil {
		p.crypt.install(e) //nolint:errcheck // an epoch not newer (the attacker's victim) keeps the old one
	}
	if p.heldEpochs == nil {
		p.heldEpochs = map[uint32]bool{}
	}
	p.heldEpochs[cur.Epoch()] = true
	if p.keep && p.kept[cur.Epoch()] == nil {
		p.retain(cur)
	}
}

// retain derives and keeps every base key of an epoch: all sender indexes
// and kinds.
func (p *participant) retain(k *meeting.EpochKeys) {
	if p.kept == nil {
		p.kept = map[uint32]map[uint64][]byte{}
	}
	m := map[uint64][]byte{}
	for i := range meeting.MaxParticipants {
		for _, kind := range []meeting.Kind{meeting.Audio, meeting.Video, meeting.ScreenShare} {
			if b, err := k.SenderBaseKey(uint8(i), kind); err == nil {
				m[k.KID(uint8(i), kind)] = b
			}
		}
	}
	p.kept[k.Epoch()] = m
}

func (p *participant) switchSend() {
	if cur, _, _ := p.current(); cur != nil {
		p.crypt.sendWith() //nolint:errcheck // nothing installed yet: it keeps not sending
	}
}

// mediaEpoch describes its meeting's current epoch to the E2EE layer.
func (p *participant) mediaEpoch() (e2ee.MeetingEpoch, error) {
	if p.leader != nil {
		return p.leader.MediaEpoch()
	}
	return p.member.MediaEpoch()
}

func (p *participant) showCode() {
	var code string
	if p.leader != nil {
		code = p.leader.Code()
	} else if c, err := p.member.Code(); err == nil {
		code = c
	}
	p.code = code
	if len(p.codes) == 0 || p.codes[len(p.codes)-1] != code {
		p.codes = append(p.codes, code)
	}
}

// A failure is a packet the E2EE layer refused.
type failure struct {
	ssrc uint32
	seq  uint16
	err  error
}

// A sentStream is what a participant sent of one track: per frame its
// first RTP timestamp and bytes, and its packets' sequence numbers.
type sentStream struct {
	ssrc   uint32
	frames map[uint32]*sentFrame // by RTP timestamp
	epochs map[uint16]uint32     // by sequence number: the epoch it was sealed in
}

type sentFrame struct {
	seqs []uint16
	data []byte
}

// A recvStream is what a participant rebuilt of one sender's stream.
type recvStream struct {
	kind    e2ee.MediaKind
	index   uint8 // the sender index the KID named
	packets int
	jitter  *samplebuilder.SampleBuilder
	frames  map[uint32][]byte // by RTP timestamp
}

// vp8Frames takes every packet for a possible frame start, so that a
// frame whose first packet was not forwarded is built and then dropped by
// the head handler's note (S=1 or not, RFC 7741, Section 4.2).
type vp8Frames struct{ codecs.VP8Packet }

func (*vp8Frames) IsPartitionHead([]byte) bool { return true }

func newRecvStream(kind e2ee.MediaKind, index uint8) *recvStream {
	var d rtp.Depacketizer = &codecs.OpusPacket{}
	rate := uint32(opusClockRate)
	var opts []samplebuilder.Option
	if kind != e2ee.Audio {
		d, rate = &vp8Frames{}, vp8ClockRate
		opts = append(opts, samplebuilder.WithPacketHeadHandler(func(d any) any { return d.(*vp8Frames).S == 1 }))
	}
	return &recvStream{kind: kind, index: index, jitter: samplebuilder.New(512, d, rate, opts...), frames: map[uint32][]byte{}}
}

func (r *recvStream) pop() {
	for f := r.jitter.Pop(); f != nil; f = r.jitter.Pop() {
		if start, ok := f.Metadata.(bool); !ok || start {
			r.frames[f.PacketTimestamp] = f.Data
		}
	}
}

// receive reads, unprotects and opens the packets the SFU forwards until
// the socket is closed.
func (p *participant) receive() {
	buf := make([]byte, maxDatagram)
	var plain, opened []byte
	for {
		n, err := p.conn.Read(buf)
		if err != nil {
			return
		}
		plain, err = p.srtp.UnprotectRTP(plain[:0], buf[:n])
		if err != nil {
			p.count("transport: " + err.Error())
			continue
		}
		opened, index, kind, err := p.crypt.open(opened[:0], plain)
		if err != nil {
			p.mu.Lock()
			p.failed = append(p.failed, failure{rtpheader.SSRC(plain), binary.BigEndian.Uint16(plain[2:]), err})
			p.mu.Unlock()
			continue
		}
		pkt := new(rtp.Packet)
		if err := pkt.Unmarshal(slices.Clone(opened)); err != nil {
			continue
		}
		p.mu.Lock()
		st := p.recv[pkt.SSRC]
		if st == nil {
			st = newRecvStream(kind, index)
			p.recv[pkt.SSRC] = st
		}
		st.packets++
		st.jitter.Push(pkt)
		st.pop()
		p.mu.Unlock()
	}
}

func (p *participant) count(what string) {
	p.mu.Lock()
	p.errs[what]++
	p.mu.Unlock()
}

// flush takes the frames still in the jitter buffers.
func (p *participant) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, st := range p.recv {
		st.jitter.Flush()
		st.pop()
	}
}

// scheduled is one RTP packet and when to send it, from the start.
type scheduled struct {
	at   time.Duration
	kind e2ee.MediaKind
	pkt  *rtp.Packet
}

// send packetizes its tracks (RFC 7587, RFC 7741) and sends them paced in
// real time from start, through both layers. Audio carries the RFC 6464
// audio level, which the SFU reads to pick the active speakers.
func (p *participant) send(ctx context.Context, tracks [3]*track, start time.Time) error {
	var plan []scheduled
	for _, kind := range p.kinds {
		t := tracks[kind]
		s := &sentStream{ssrc: ssrcOf(p.num, kind), frames: map[uint32]*sentFrame{}, epochs: map[uint16]uint32{}}
		p.sent[kind] = s
		var pl rtp.Payloader = &codecs.OpusPayloader{}
		if kind != e2ee.Audio {
			pl = &codecs.VP8Payloader{EnablePictureID: true}
		}
		pz := rtp.NewPacketizer(mtu, t.pt, s.ssrc, pl, rtp.NewRandomSequencer(), t.clockRate)
		for _, f := range t.frames {
			pkts := pz.Packetize(f.data, f.step)
			if len(pkts) == 0 {
				continue
			}
			sf := &sentFrame{data: f.data}
			s.frames[pkts[0].Timestamp] = sf
			for _, pkt := range pkts {
				sf.seqs = append(sf.seqs, pkt.SequenceNumber)
				if kind == e2ee.Audio {
					lvl, _ := rtp.AudioLevelExtension{Level: p.level(f.at), Voice: true}.Marshal()
					if err := pkt.SetExtension(audioLevelID, lvl); err != nil {
						return err
					}
				}
				plan = append(plan, scheduled{at: f.at, kind: kind, pkt: pkt})
			}
		}
	}
	slices.SortStableFunc(plan, func(a, b scheduled) int { return int(a.at - b.at) })
	timer := time.NewTimer(0)
	defer timer.Stop()
	var raw, sealed, wire []byte
	for _, sp := range plan {
		if d := time.Until(start.Add(sp.at)); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return nil // it left the meeting
			}
		} else if ctx.Err() != nil {
			return nil
		}
		var err error
		if raw, err = sp.pkt.Marshal(); err != nil {
			return err
		}
		var epoch uint32
		sealed, epoch, err = p.crypt.seal(sealed[:0], raw, sp.kind)
		if errors.Is(err, errNoKey) {
			continue // paused between leaderships: not sent
		}
		if err != nil {
			return fmt.Errorf("%s: seal: %w", p.id, err)
		}
		p.sent[sp.kind].epochs[sp.pkt.SequenceNumber] = epoch
		if wire, err = p.srtp.ProtectRTP(wire[:0], sealed); err != nil {
			return fmt.Errorf("%s: transport: %w", p.id, err)
		}
		p.conn.Write(wire) //nolint:errcheck // UDP
	}
	return nil
}
