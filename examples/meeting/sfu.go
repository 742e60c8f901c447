package main

import (
	"crypto/rand"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/callseal/callseal/srtp"
)

// profile is the transport SRTP profile of every hop.
const profile = srtp.DefaultProfile

// maxDatagram is the largest UDP payload read, in bytes.
const maxDatagram = 1500

// socketBuffer is the UDP buffer asked for, in bytes, so that keyframe
// bursts fanned out to many receivers are not dropped on loopback.
const socketBuffer = 4 << 20

// hopKeys are the transport SRTP keys of one hop, participant ↔ SFU, one
// per direction. In a deployment each hop runs DTLS-SRTP with the SFU (RFC
// 5764); here the set-up draws them at random.
type hopKeys struct{ toSFU, fromSFU srtp.Keys }

func newHopKeys() hopKeys {
	k := func() srtp.Keys {
		key, salt := make([]byte, profile.KeySize()), make([]byte, profile.SaltSize())
		rand.Read(key)
		rand.Read(salt)
		return srtp.Keys{MasterKey: key, MasterSalt: salt}
	}
	return hopKeys{toSFU: k(), fromSFU: k()}
}

// A hop is the SFU's end of one participant's leg: its UDP socket, the
// participant's address and the leg's transport SRTP session.
type hop struct {
	who  int // participant number
	conn *net.UDPConn
	peer *net.UDPAddr
	srtp *srtp.Session // protects SFU → participant, unprotects participant → SFU

	mu sync.Mutex // serialises ProtectRTP and writes on this hop
}

// An sfu is a selective forwarding unit: it terminates transport SRTP on
// each hop, reads RTP headers (SSRC, sequence number, the RFC 6464 audio
// level) to route, and forwards each packet to the other participants. It
// never holds an E2EE key, so the payload stays SFrame ciphertext to it.
type sfu struct {
	speakers int // 0: forward everything; else the audio and video of the loudest speakers only

	mu       sync.Mutex
	hops     map[int]*hop   // by participant number: those in the meeting
	ssrcs    map[uint32]int // SSRC → sender participant, announced at join
	levels   map[int]*levelMeter
	active   []int // the speakers forwarded, when speakers > 0
	seen     sfuView
	capture  []captured // with capturing: every packet, for the secrecy check
	capOn    bool
	fwd      map[fwdKey][]uint16 // per receiver and SSRC: sequence numbers forwarded
	wg       sync.WaitGroup
	closed   bool
	startSel time.Time
}

type fwdKey struct {
	to   int
	ssrc uint32
}

// captured is one packet as the SFU saw it: transport SRTP removed, E2EE
// on.
type captured struct {
	from int
	pkt  []byte
}

// sfuView is what the SFU could read.
type sfuView struct {
	packets, payloadBytes int
	withLevel             int            // packets with an audio level extension
	ssrcs                 map[uint32]int // packets per SSRC
	forwarded             int
	srtpDropped           int
}

// levelMeter smooths a sender's RFC 6464 audio level: 0 is the loudest
// (0 dBov), 127 silence.
type levelMeter struct{ level float64 }

func (m *levelMeter) add(level uint8) { m.level = 0.8*m.level + 0.2*float64(level) }

func newSFU(speakers int, capture bool) *sfu {
	return &sfu{
		speakers: speakers, hops: map[int]*hop{}, ssrcs: map[uint32]int{}, levels: map[int]*levelMeter{},
		fwd: map[fwdKey][]uint16{}, capOn: capture, seen: sfuView{ssrcs: map[uint32]int{}},
	}
}

// listen opens the SFU's socket for participant who, with the hop's keys;
// the participant's own socket address comes with attach.
func (s *sfu) listen(who int, k hopKeys) (*hop, error) {
	conn, err := listenUDP()
	if err != nil {
		return nil, err
	}
	sess, err := srtp.NewSession(profile, k.fromSFU, k.toSFU)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &hop{who: who, conn: conn, srtp: sess}, nil
}

// attach starts forwarding to and from participant h.who, whose media
// socket is at peer and who sends with the given SSRCs.
func (s *sfu) attach(h *hop, peer *net.UDPAddr, ssrcs []uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h.peer = peer
	s.hops[h.who] = h
	for _, x := range ssrcs {
		s.ssrcs[x] = h.who
	}
	s.levels[h.who] = &levelMeter{level: 127}
	s.wg.Go(func() { s.pump(h) })
}

// detach stops forwarding to and from participant who (a leave).
func (s *sfu) detach(who int) {
	s.mu.Lock()
	h := s.hops[who]
	delete(s.hops, who)
	s.mu.Unlock()
	if h != nil {
		h.conn.Close()
	}
}

func (s *sfu) close() {
	s.mu.Lock()
	hops := make([]*hop, 0, len(s.hops))
	for _, h := range s.hops {
		hops = append(hops, h)
	}
	s.hops = map[int]*hop{}
	s.mu.Unlock()
	for _, h := range hops {
		h.conn.Close()
	}
	s.wg.Wait()
}

// pump reads one participant's packets, removes transport SRTP, reads the
// header and forwards.
func (s *sfu) pump(in *hop) {
	buf := make([]byte, maxDatagram)
	var plain, out []byte
	var hdr rtp.Header
	var targets []*hop
	for {
		n, addr, err := in.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if addr.Port != in.peer.Port || !addr.IP.Equal(in.peer.IP) {
			continue
		}
		plain, err = in.srtp.UnprotectRTP(plain[:0], buf[:n])
		if err != nil {
			s.mu.Lock()
			s.seen.srtpDropped++
			s.mu.Unlock()
			continue
		}
		hl, err := hdr.Unmarshal(plain)
		if err != nil {
			continue
		}
		targets = s.route(in.who, &hdr, plain, hl, targets[:0])
		for _, t := range targets {
			t.mu.Lock()
			out, err = t.srtp.ProtectRTP(out[:0], plain)
			if err == nil {
				t.conn.WriteToUDP(out, t.peer) //nolint:errcheck // UDP: a lost packet is lost
			}
			t.mu.Unlock()
		}
	}
}

// route records what the SFU read of one packet and returns the hops to
// forward it to: every other participant, or with speakers > 0 only the
// audio and video of the currently loudest senders (RFC 6464 levels).
func (s *sfu) route(from int, hdr *rtp.Header, pkt []byte, hl int, dst []*hop) []*hop {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen.packets++
	s.seen.payloadBytes += len(pkt) - hl
	s.seen.ssrcs[hdr.SSRC]++
	if s.capOn {
		s.capture = append(s.capture, captured{from: from, pkt: slices.Clone(pkt)})
	}
	if ext := hdr.GetExtension(audioLevelID); ext != nil {
		var al rtp.AudioLevelExtension
		if al.Unmarshal(ext) == nil {
			s.seen.withLevel++
			if m := s.levels[from]; m != nil {
				m.add(al.Level)
			}
		}
	}
	if s.speakers > 0 {
		s.selectSpeakers()
		if hdr.PayloadType == ptScreen || !slices.Contains(s.active, from) {
			return dst
		}
	}
	for who, h := range s.hops {
		if who == from {
			continue
		}
		dst = append(dst, h)
		k := fwdKey{who, hdr.SSRC}
		s.fwd[k] = append(s.fwd[k], hdr.SequenceNumber)
		s.seen.forwarded++
	}
	return dst
}

// selectSpeakers picks, every 100 ms, the s.speakers senders with the
// loudest smoothed audio level. s.mu must be held.
func (s *sfu) selectSpeakers() {
	if time.Since(s.startSel) < 100*time.Millisecond {
		return
	}
	s.startSel = time.Now()
	type lv struct {
		who   int
		level float64
	}
	var all []lv
	for who, m := range s.levels {
		if m.level < 127 {
			all = append(all, lv{who, m.level})
		}
	}
	slices.SortFunc(all, func(a, b lv) int {
		if a.level != b.level {
			return int(a.level*1000) - int(b.level*1000)
		}
		return a.who - b.who
	})
	s.active = s.active[:0]
	for _, x := range all[:min(s.speakers, len(all))] {
		s.active = append(s.active, x.who)
	}
}

// forwarded returns the sequence numbers of ssrc the SFU forwarded to
// participant to.
func (s *sfu) forwarded(to int, ssrc uint32) []uint16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fwd[fwdKey{to, ssrc}]
}

func (s *sfu) view() sfuView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen
}

func listenUDP() (*net.UDPConn, error) {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	c.SetReadBuffer(socketBuffer)  //nolint:errcheck // best effort
	c.SetWriteBuffer(socketBuffer) //nolint:errcheck
	return c, nil
}
