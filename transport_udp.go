package callseal

import (
	"net"

	"github.com/callseal/callseal/internal/udpbatch"
)

// recvBatch is the most datagrams the receive loop reads per system call
// from a UDP socket (recvmmsg on Linux): 8 buffers of MaxPacketSize bytes.
const recvBatch = 8 // datagrams

// batchReader is a Transport that can return several received datagrams
// per call, as a UDP socket can with recvmmsg. The receive loop uses
// ReadBatch instead of Read when its Transport has it: PacketConn's for a
// *net.UDPConn, and a bare *net.UDPConn, which the loop wraps itself.
//
// ReadBatch waits for at least one datagram and returns n ≥ 1: datagram i,
// for i < n, is bufs[i][:sizes[i]]. It may swap elements of bufs. Its
// errors are Read's.
type batchReader interface {
	ReadBatch(bufs [][]byte, sizes []int) (n int, err error)
}

// batchReaderOf returns t's batchReader, or nil when t reads one packet
// per Read.
func batchReaderOf(t Transport) batchReader {
	switch t := t.(type) {
	case batchReader:
		return t
	case *net.UDPConn:
		if r, err := udpbatch.NewReader(t, udpbatch.Config{Batch: recvBatch}); err == nil {
			return r
		}
	}
	return nil
}

// udpPacketConn is PacketConn's Transport for a *net.UDPConn: it receives
// in batches.
type udpPacketConn struct {
	packetConn
	r *udpbatch.Reader
}

func (c *udpPacketConn) ReadBatch(bufs [][]byte, sizes []int) (int, error) {
	return c.r.ReadBatch(bufs, sizes)
}
