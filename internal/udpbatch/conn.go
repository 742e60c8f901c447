package udpbatch

import (
	"fmt"
	"net"
	"sync/atomic"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// message is one datagram of a batch system call. ipv6.Message is the
// same type.
type message = ipv4.Message

// batchConn is what a Reader and a Writer call: x/net's ipv4 or ipv6
// PacketConn (recvmmsg and sendmmsg on Linux, one datagram per call on
// other Unix systems), or singleConn where x/net has no batch calls.
type batchConn interface {
	ReadBatch(ms []message, flags int) (int, error)
	WriteBatch(ms []message, flags int) (int, error)
}

// batch is what a Reader and a Writer share: the socket and the messages
// of one system call, each with a single-buffer list of its own.
type batch struct {
	conn  batchConn
	msgs  []message // Config.Batch entries; msgs[i].Buffers is bufs1[i:i+1]
	bufs1 [][]byte
	busy  atomic.Bool // a method is running
}

// newBatch returns the batch of conn for cfg, with cfg's defaults set.
func newBatch(conn *net.UDPConn, cfg Config, sourceAddr bool) (*batch, Config, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, cfg, err
	}
	bc, err := newBatchConn(conn, sourceAddr)
	if err != nil {
		return nil, cfg, err
	}
	b := &batch{conn: bc, msgs: make([]message, cfg.Batch), bufs1: make([][]byte, cfg.Batch)}
	for i := range b.msgs {
		b.msgs[i].Buffers = b.bufs1[i : i+1 : i+1]
	}
	return b, cfg, nil
}

// carve returns n buffers of size bytes, from one allocation.
func carve(n, size int) [][]byte {
	store := make([]byte, n*size)
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = store[i*size : (i+1)*size : (i+1)*size]
	}
	return bufs
}

// newBatchConn returns the batchConn for conn. A conn that reads without
// source addresses is handed to x/net as noSource.
func newBatchConn(conn *net.UDPConn, sourceAddr bool) (batchConn, error) {
	if conn == nil {
		return nil, fmt.Errorf("%w: nil *net.UDPConn", ErrInvalid)
	}
	if !nativeBatch {
		return singleConn{conn}, nil
	}
	var pc net.PacketConn = conn
	if !sourceAddr {
		pc = noSource{conn}
	}
	// For UDP the two packages make the same system calls; they differ
	// only in control messages, which this package does not use.
	if a, ok := conn.LocalAddr().(*net.UDPAddr); ok && a.IP.To4() != nil {
		return ipv4.NewPacketConn(pc), nil
	}
	return ipv6.NewPacketConn(pc), nil
}

// noSource is a *net.UDPConn that x/net takes for a stream socket, because
// of its SetLinger method: x/net then neither asks the kernel for each
// received datagram's source address nor parses it into a new
// *net.UDPAddr (two allocations per datagram). It can still send on a
// connected socket but not to an address, so only a Reader uses it; the
// zero-allocation test of the Reader fails if x/net stops honouring it.
type noSource struct{ *net.UDPConn }

func (noSource) SetLinger(int) error { return nil }

// singleConn reads and writes one datagram per call with the net package,
// where x/net has no batch calls (Windows, Plan 9, js, wasip1).
type singleConn struct{ c *net.UDPConn }

func (s singleConn) ReadBatch(ms []message, _ int) (int, error) {
	n, _, flags, from, err := s.c.ReadMsgUDP(ms[0].Buffers[0], nil)
	if err != nil {
		return 0, err
	}
	ms[0].N, ms[0].Flags, ms[0].Addr = n, flags, from
	return 1, nil
}

func (s singleConn) WriteBatch(ms []message, _ int) (int, error) {
	var to *net.UDPAddr
	if ms[0].Addr != nil {
		to = ms[0].Addr.(*net.UDPAddr)
	}
	n, _, err := s.c.WriteMsgUDP(ms[0].Buffers[0], nil, to)
	if err != nil {
		return 0, err
	}
	ms[0].N = n
	return 1, nil
}
