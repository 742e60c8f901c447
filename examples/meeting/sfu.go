package main

import (
	"crypto/rand"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/callseal/callseal/internal/udpbatch"
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

// A hop is the SFU's end of one participant's leg: the participant's
// address and the leg's transport SRTP session.
type hop struct {
	who  int // participant number
	peer *net.UDPAddr
	srtp *srtp.Session // protects SFU → participant, unprotects participant → SFU
}

// An sfu is a selective forwarding unit: it terminates transport SRTP on
// each hop, reads RTP headers (SSRC, sequence number, the RFC 6464 audio
// level) to route, and forwards each packet to the other participants,
// protected again for each receiving hop. It never holds an E2EE key, so
// the payload stays SFrame ciphertext to it.
//
// It serves every hop on one UDP socket, telling participants apart by
// their address, and moves datagrams in batches (internal/udpbatch:
// recvmmsg and sendmmsg on Linux): a packet fanned out to 199 receivers
// takes a few system calls, not 199.
type sfu struct {
	speakers int // 0: forward everything; else the audio and video of the loudest speakers only
	conn     *net.UDPConn
	done     chan struct{}

	mu       sync.Mutex
	hops     map[string]*hop // by the participant's address: those in the meeting
	levels   map[int]*levelMeter
	active   []int // the speakers forwarded, when speakers > 0
	seen     sfuView
	capture  []captured // with capturing: every packet, for the secrecy check
	capOn    bool
	fwd      map[fwdKey][]uint16 // per receiver and SSRC: sequence numbers forwarded
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

// newSFU opens the SFU's socket and starts its packet pump.
func newSFU(speakers int, capture bool) (*sfu, error) {
	conn, err := listenUDP()
	if err != nil {
		return nil, err
	}
	s := &sfu{
		speakers: speakers, conn: conn, done: make(chan struct{}), hops: map[string]*hop{}, levels: map[int]*levelMeter{},
		fwd: map[fwdKey][]uint16{}, capOn: capture, seen: sfuView{ssrcs: map[uint32]int{}},
	}
	r, err := udpbatch.NewReader(conn, udpbatch.Config{SourceAddr: true})
	if err != nil {
		conn.Close()
		return nil, err
	}
	w, err := udpbatch.NewWriter(conn, udpbatch.Config{})
	if err != nil {
		conn.Close()
		return nil, err
	}
	go s.pump(r, w)
	return s, nil
}

func (s *sfu) addr() *net.UDPAddr { return s.conn.LocalAddr().(*net.UDPAddr) }

// attach starts forwarding to and from participant who at address peer,
// with the transport keys of its hop.
func (s *sfu) attach(who int, peer *net.UDPAddr, k hopKeys) error {
	sess, err := srtp.NewSession(profile, k.fromSFU, k.toSFU)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hops[peer.String()] = &hop{who: who, peer: peer, srtp: sess}
	s.levels[who] = &levelMeter{level: 127}
	return nil
}

// detach stops forwarding to and from participant who (a leave).
func (s *sfu) detach(who int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for a, h := range s.hops {
		if h.who == who {
			delete(s.hops, a)
		}
	}
	delete(s.levels, who)
}

func (s *sfu) close() {
	s.conn.Close()
	<-s.done
}

// pump reads batches of packets, removes transport SRTP, reads each
// header and queues a copy protected for every receiving hop; each batch's
// copies go out together.
func (s *sfu) pump(r *udpbatch.Reader, w *udpbatch.Writer) {
	defer close(s.done)
	bufs := make([][]byte, udpbatch.DefaultBatch)
	for i := range bufs {
		bufs[i] = make([]byte, maxDatagram)
	}
	sizes := make([]int, len(bufs))
	var plain, out []byte
	var hdr rtp.Header
	var targets []*hop
	for {
		n, err := r.ReadBatch(bufs, sizes)
		if err != nil {
			return // closed
		}
		for i := range n {
			from := r.Source(i)
			s.mu.Lock()
			in := s.hops[from.String()]
			s.mu.Unlock()
			if in == nil {
				continue // not a participant in the meeting
			}
			plain, err = in.srtp.UnprotectRTP(plain[:0], bufs[i][:sizes[i]])
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
				if out, err = t.srtp.ProtectRTP(out[:0], plain); err == nil {
					w.Add(out, t.peer) //nolint:errcheck // UDP: a lost packet is lost
				}
			}
		}
		w.Flush() //nolint:errcheck
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
	for _, h := range s.hops {
		if h.who == from {
			continue
		}
		dst = append(dst, h)
		k := fwdKey{h.who, hdr.SSRC}
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
