package perf

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"time"

	"github.com/callseal/callseal"
	"github.com/callseal/callseal/internal/udpbatch"
	"github.com/callseal/callseal/keyexchange"
)

// SocketSizes are the RTP payload sizes in bytes of the end-to-end socket
// measure: audio and video.
var SocketSizes = []int{160, 1200}

// A SocketVariant is one way of carrying RTP packets from a sender to a
// receiver over loopback UDP.
type SocketVariant uint8

const (
	// PlainUDP: the RTP packet as it is, one write and one read per packet.
	PlainUDP SocketVariant = iota
	// CallsealSingle: a sender Session and a receiver Session, both layers,
	// the receiver reading one datagram per system call.
	CallsealSingle
	// CallsealBatched: the same, the receiver's Session reading its UDP
	// transport in batches (recvmmsg).
	CallsealBatched
)

// SocketVariants are the variants in the order the report lists them.
var SocketVariants = []SocketVariant{PlainUDP, CallsealSingle, CallsealBatched}

func (v SocketVariant) String() string {
	switch v {
	case PlainUDP:
		return "plain UDP"
	case CallsealSingle:
		return "callseal, one read per packet"
	case CallsealBatched:
		return "callseal, batched reads"
	}
	return fmt.Sprintf("SocketVariant(%d)", uint8(v))
}

// Flow control of the pipelined measures: the sender runs at most
// sendWindow packets ahead of the receiver, which acknowledges every
// sendAck packets, so that the receiver's socket buffer (Linux's default
// rmem_max caps it at about 416 KiB) never overflows.
const (
	sendWindow = 128 // packets
	sendAck    = 16  // packets
	socketWait = 10 * time.Second
)

// errLost reports a measure whose packets did not all arrive.
var errLost = errors.New("perf: packets lost on loopback")

// SocketCPU sends packets RTP packets of size payload bytes from a sender
// to a receiver in this process over loopback UDP, pipelined, and returns
// the process's CPU time (user and system, getrusage) per packet, in ns:
// both ends, the kernel's work included.
func SocketCPU(v SocketVariant, size, packets int) (float64, error) {
	rc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	sc, err := net.DialUDP("udp", nil, rc.LocalAddr().(*net.UDPAddr))
	if err != nil {
		return 0, err
	}
	defer sc.Close()
	_ = rc.SetReadBuffer(4 << 20) // capped by the system; sendWindow fits the default

	kind := KindFor(size)
	pkt := rtpPacket(kind, size, 0)
	var send func([]byte) error
	var recv func([]byte) error
	switch v {
	case PlainUDP:
		send = func(p []byte) error { _, err := sc.Write(p); return err }
		recv = func(buf []byte) error { _, err := rc.Read(buf); return err }
	case CallsealSingle, CallsealBatched:
		ra, rb, err := handshakeResults(keyexchange.X25519_SHA256)
		if err != nil {
			return 0, err
		}
		var bt callseal.Transport = callseal.PacketConn(rc, sc.LocalAddr())
		if v == CallsealSingle {
			bt = oneByOne{bt} // hides ReadBatch: one Read per packet
		}
		alice, err := callseal.New(ra, callseal.Config{Transport: sc})
		if err != nil {
			return 0, err
		}
		defer alice.Close()
		bob, err := callseal.New(rb, callseal.Config{Transport: bt})
		if err != nil {
			return 0, err
		}
		defer bob.Close()
		as, bs := alice.Stream(callseal.MediaKind(kind)), bob.Stream(callseal.MediaKind(kind))
		send = as.WriteRTP
		recv = func(buf []byte) error { _, err := bs.ReadRTP(buf[:0]); return err }
	default:
		return 0, fmt.Errorf("perf: unknown socket variant %d", v)
	}

	acks := make(chan struct{}, packets/sendAck+1)
	done := make(chan error, 1)
	go func() {
		timer := time.AfterFunc(socketWait, func() { rc.Close() })
		defer timer.Stop()
		buf := make([]byte, 0, 2048)
		for i := range packets {
			if err := recv(buf[:cap(buf)]); err != nil {
				done <- fmt.Errorf("%w: %d of %d arrived: %v", errLost, i, packets, err)
				return
			}
			if (i+1)%sendAck == 0 {
				acks <- struct{}{}
			}
		}
		done <- nil
	}()
	start, err := processCPU()
	if err != nil {
		return 0, err
	}
	for i := range packets {
		if i >= sendWindow && i%sendAck == 0 {
			<-acks
		}
		setSeq(pkt, uint16(i))
		if err := send(pkt); err != nil {
			return 0, err
		}
	}
	if err := <-done; err != nil {
		return 0, err
	}
	end, err := processCPU()
	if err != nil {
		return 0, err
	}
	return float64(end-start) / float64(packets), nil
}

// oneByOne is a Transport without ReadBatch.
type oneByOne struct{ callseal.Transport }

// SFUSize is the payload size in bytes of the SFU forwarding measure: a
// video packet.
const SFUSize = 1200 // bytes

// SFUListeners is how many listeners the SFU forwards one speaker to.
const SFUListeners = 199

// SFU is the outcome of one SFU forwarding measure.
type SFU struct {
	In       int     // packets the speaker sent
	NsPerIn  float64 // CPU time of the SFU's thread per packet received and forwarded to every listener
	NsPerOut float64 // the same per datagram sent
}

// InPerCore returns how many speaker packets one core forwards per second.
func (s SFU) InPerCore() float64 { return 1e9 / s.NsPerIn }

// OutPerCore returns how many datagrams one core sends per second.
func (s SFU) OutPerCore() float64 { return 1e9 / s.NsPerOut }

// SFUForward measures an SFU that forwards packets RTP packets of SFUSize
// bytes from one speaker to listeners listeners, all on loopback UDP in
// this process: batched with udpbatch.Forwarder (recvmmsg, sendmmsg), or
// with one system call per datagram (Read, then WriteToUDP per listener).
// It counts the CPU time of the SFU's own thread (getrusage RUSAGE_THREAD
// on Linux; the whole process elsewhere), kernel work included; the
// listeners are drained by their own goroutines, not counted.
func SFUForward(batched bool, listeners, packets int) (SFU, error) {
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	sfu, err := net.ListenUDP("udp", lo)
	if err != nil {
		return SFU{}, err
	}
	defer sfu.Close()
	_ = sfu.SetReadBuffer(4 << 20)
	speaker, err := net.DialUDP("udp", nil, sfu.LocalAddr().(*net.UDPAddr))
	if err != nil {
		return SFU{}, err
	}
	defer speaker.Close()
	to := make([]*net.UDPAddr, listeners)
	for i := range to {
		c, err := net.ListenUDP("udp", lo)
		if err != nil {
			return SFU{}, err
		}
		defer c.Close()
		to[i] = c.LocalAddr().(*net.UDPAddr)
		go drain(c)
	}

	forwarded := make(chan struct{}, packets)
	done := make(chan error, 1)
	var cpu time.Duration
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		timer := time.AfterFunc(socketWait, func() { sfu.Close() })
		defer timer.Stop()
		start, err := threadCPU()
		if err != nil {
			done <- err
			return
		}
		if batched {
			err = forwardBatched(sfu, to, packets, forwarded)
		} else {
			err = forwardSingle(sfu, to, packets, forwarded)
		}
		if err != nil {
			done <- err
			return
		}
		end, err := threadCPU()
		cpu = end - start
		done <- err
	}()
	pkt := rtpPacket(KindFor(SFUSize), SFUSize, 0)
	for i := range packets {
		if i >= sendWindow {
			<-forwarded
		}
		setSeq(pkt, uint16(i))
		if _, err := speaker.Write(pkt); err != nil {
			return SFU{}, err
		}
	}
	if err := <-done; err != nil {
		return SFU{}, err
	}
	ns := float64(cpu.Nanoseconds())
	return SFU{In: packets, NsPerIn: ns / float64(packets), NsPerOut: ns / float64(packets*listeners)}, nil
}

// forwardBatched is the batched SFU loop.
func forwardBatched(sfu *net.UDPConn, to []*net.UDPAddr, packets int, forwarded chan<- struct{}) error {
	f, err := udpbatch.NewForwarder(sfu, sfu, udpbatch.Config{})
	if err != nil {
		return err
	}
	route := func([]byte, *net.UDPAddr) []*net.UDPAddr { return to }
	for got := 0; got < packets; {
		n, err := f.Forward(route)
		if err != nil {
			return fmt.Errorf("%w: %d of %d forwarded: %v", errLost, got, packets, err)
		}
		got += n
		for range n {
			forwarded <- struct{}{}
		}
	}
	return nil
}

// forwardSingle is the SFU loop with one system call per datagram.
func forwardSingle(sfu *net.UDPConn, to []*net.UDPAddr, packets int, forwarded chan<- struct{}) error {
	buf := make([]byte, udpbatch.DefaultSize)
	for got := 0; got < packets; got++ {
		n, err := sfu.Read(buf)
		if err != nil {
			return fmt.Errorf("%w: %d of %d forwarded: %v", errLost, got, packets, err)
		}
		for _, a := range to {
			if _, err := sfu.WriteToUDP(buf[:n], a); err != nil {
				return err
			}
		}
		forwarded <- struct{}{}
	}
	return nil
}

// drain reads c until it is closed.
func drain(c *net.UDPConn) {
	r, err := udpbatch.NewReader(c, udpbatch.Config{Batch: 16})
	if err != nil {
		return
	}
	bufs := make([][]byte, 16)
	for i := range bufs {
		bufs[i] = make([]byte, udpbatch.DefaultSize)
	}
	sizes := make([]int, len(bufs))
	for {
		if _, err := r.ReadBatch(bufs, sizes); err != nil {
			return
		}
	}
}
