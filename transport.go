package callseal

import (
	"net"

	"github.com/callseal/callseal/internal/udpbatch"
)

// MaxPacketSize is the largest datagram, in bytes, a Session reads from its
// Transport: the largest UDP payload. Longer ones are truncated by the
// transport and then fail authentication.
const MaxPacketSize = 65535 // bytes

// Transport carries a Session's packets to and from the peer (or the
// relay): each Read returns one received packet, each Write sends one. A
// connected *net.UDPConn (net.DialUDP) is a Transport as it is; PacketConn
// adapts a net.PacketConn with a peer address, and tests and relays can use
// in-memory pipes.
//
// A *net.UDPConn, and PacketConn's Transport for one, are read in batches:
// one system call returns up to 8 queued datagrams (recvmmsg on Linux,
// through golang.org/x/net; one datagram per call on other systems), so
// that a receiver under load pays the system call once per batch. Writes
// send one packet each.
//
// The Session calls Read from one goroutine, and Write from several at once
// (one per stream writer and RTCP); Write must be safe for that. Close must
// make a pending Read return, with an error, so that Session.Close can stop
// its receive loop. The Session owns the Transport: Session.Close closes it.
type Transport interface {
	Read(p []byte) (n int, err error)
	Write(p []byte) (n int, err error)
	Close() error
}

var _ Transport = (*net.UDPConn)(nil)

// PacketConn returns a Transport that sends to peer over conn and receives
// whatever conn receives, from any address: packets from elsewhere fail SRTP
// authentication and are dropped, so a peer whose address changes (NAT
// rebinding) is still heard. Closing the Transport closes conn.
func PacketConn(conn net.PacketConn, peer net.Addr) Transport {
	pc := packetConn{conn: conn, peer: peer}
	if u, ok := conn.(*net.UDPConn); ok {
		if r, err := udpbatch.NewReader(u, udpbatch.Config{Batch: recvBatch}); err == nil {
			return &udpPacketConn{packetConn: pc, r: r}
		}
	}
	return &pc
}

type packetConn struct {
	conn net.PacketConn
	peer net.Addr
}

func (c *packetConn) Read(p []byte) (int, error) {
	n, _, err := c.conn.ReadFrom(p)
	return n, err
}

func (c *packetConn) Write(p []byte) (int, error) { return c.conn.WriteTo(p, c.peer) }
func (c *packetConn) Close() error                { return c.conn.Close() }
