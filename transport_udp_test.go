package callseal

import (
	"bytes"
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUDPBatchedBurst sends bursts that queue up on the receiver's socket,
// so that its receive loop gets several datagrams per ReadBatch, over
// IPv4 and IPv6 loopback, with a bare connected *net.UDPConn and with
// PacketConn: every packet arrives once, in order, byte-identical, and
// corrupted datagrams among them are dropped without spoiling the others.
func TestUDPBatchedBurst(t *testing.T) {
	for _, ip := range []string{"127.0.0.1", "::1"} {
		for _, bare := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/bare=%v", ip, bare), func(t *testing.T) {
				ac, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
				if err != nil {
					t.Logf("no %s loopback: %v; IPv4 covers the batched path", ip, err)
					return
				}
				bc, err := net.DialUDP("udp", nil, ac.LocalAddr().(*net.UDPAddr))
				require.NoError(t, err)
				require.NoError(t, bc.SetReadBuffer(1<<20))
				var bt Transport = bc
				if !bare {
					bt = PacketConn(bc, ac.LocalAddr())
				}
				require.NotNil(t, batchReaderOf(bt), "a UDP transport reads in batches")
				ra, rb := handshake(t)
				alice, err := New(ra, Config{Transport: PacketConn(ac, bc.LocalAddr())})
				require.NoError(t, err)
				defer alice.Close()
				bob, err := New(rb, Config{Transport: bt})
				require.NoError(t, err)
				defer bob.Close()

				const packets = 200
				var want [][]byte
				for i := range packets {
					pkt := rtpPacket(96, 0x1234, uint16(i), 100+i*5)
					want = append(want, pkt)
					require.NoError(t, alice.Stream(Video).WriteRTP(pkt))
					if i%10 == 3 { // garbage between good packets
						_, err := ac.WriteTo(bytes.Repeat([]byte{0x80}, 50), bc.LocalAddr())
						require.NoError(t, err)
					}
				}
				for i := range packets {
					got, err := bob.Stream(Video).ReadRTP(nil)
					require.NoError(t, err)
					require.Equal(t, want[i], got, "packet %d", i)
				}
				st := bob.Stats()
				assert.EqualValues(t, packets, st.Streams[Video].Received.Packets)
				u := st.Unattributed
				assert.EqualValues(t, packets/10, u.AuthFailures()+u.Malformed, "garbage dropped")
			})
		}
	}
}

// TestBatchReaderOf: only UDP transports are read in batches.
func TestBatchReaderOf(t *testing.T) {
	a, _ := pipe()
	assert.Nil(t, batchReaderOf(a))
	assert.Nil(t, batchReaderOf(PacketConn(fakePacketConn{}, nil)))
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer c.Close()
	assert.NotNil(t, batchReaderOf(c))
	assert.NotNil(t, batchReaderOf(PacketConn(c, c.LocalAddr())))
}

// fakePacketConn is a net.PacketConn that is not a *net.UDPConn.
type fakePacketConn struct{ net.PacketConn }
