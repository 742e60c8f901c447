package udpbatch

import (
	"bytes"
	"net"
	"testing"
)

// loopbacks are the addresses tests listen on: 127.0.0.1 always, and ::1
// where the host has IPv6 loopback (logged when it has not).
func loopbacks(t testing.TB) []string {
	t.Helper()
	nets := []string{"127.0.0.1"}
	if c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback}); err == nil {
		c.Close()
		nets = append(nets, "::1")
	} else {
		t.Logf("no IPv6 loopback (%v): IPv4 only", err)
	}
	return nets
}

// listen opens a UDP socket on ip, closed when the test ends.
func listen(t testing.TB, ip string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetReadBuffer(4 << 20); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// dial opens a UDP socket connected to to, closed when the test ends.
func dial(t testing.TB, to *net.UDPConn) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", nil, addrOf(to))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func addrOf(c *net.UDPConn) *net.UDPAddr { return c.LocalAddr().(*net.UDPAddr) }

// datagram returns a datagram of n bytes whose content names seq.
func datagram(seq, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seq*31 + i)
	}
	return b
}

// buffers returns n buffers of size bytes.
func buffers(n, size int) [][]byte {
	b := make([][]byte, n)
	for i := range b {
		b[i] = make([]byte, size)
	}
	return b
}

// readAll reads from r until it has want datagrams, and returns them.
func readAll(t testing.TB, r *Reader, bufs [][]byte, want int) [][]byte {
	t.Helper()
	sizes := make([]int, len(bufs))
	var got [][]byte
	for len(got) < want {
		n, err := r.ReadBatch(bufs, sizes)
		if err != nil {
			t.Fatalf("ReadBatch after %d of %d datagrams: %v", len(got), want, err)
		}
		for i := range n {
			got = append(got, bytes.Clone(bufs[i][:sizes[i]]))
		}
	}
	return got
}

// expectDatagrams reads len(want) datagrams from c and checks that they
// are want, in order.
func expectDatagrams(t testing.TB, c *net.UDPConn, want [][]byte) {
	t.Helper()
	r, err := NewReader(c, Config{})
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, r, buffers(8, DefaultSize), len(want))
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("datagram %d: got %d bytes, want %d", i, len(got[i]), len(want[i]))
		}
	}
}

// listenMany opens n sockets on ip and returns them with their addresses.
func listenMany(t testing.TB, ip string, n int) ([]*net.UDPConn, []*net.UDPAddr) {
	t.Helper()
	var cs []*net.UDPConn
	var as []*net.UDPAddr
	for range n {
		c := listen(t, ip)
		cs, as = append(cs, c), append(as, addrOf(c))
	}
	return cs, as
}
