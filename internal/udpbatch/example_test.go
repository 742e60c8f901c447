package udpbatch_test

import (
	"fmt"
	"net"

	"github.com/callseal/callseal/internal/udpbatch"
)

// A Writer sends a batch in one system call; a Reader reads it in one.
func Example() {
	rc, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer rc.Close()
	sc, _ := net.DialUDP("udp", nil, rc.LocalAddr().(*net.UDPAddr))
	defer sc.Close()

	w, _ := udpbatch.NewWriter(sc, udpbatch.Config{})
	for _, s := range []string{"one", "two", "three"} {
		w.Add([]byte(s), nil) // connected: to the peer
	}
	if err := w.Flush(); err != nil {
		fmt.Println(err)
		return
	}

	r, _ := udpbatch.NewReader(rc, udpbatch.Config{})
	bufs := [][]byte{make([]byte, 1500), make([]byte, 1500), make([]byte, 1500), make([]byte, 1500)}
	sizes := make([]int, len(bufs))
	for got := 0; got < 3; {
		n, err := r.ReadBatch(bufs, sizes)
		if err != nil {
			fmt.Println(err)
			return
		}
		for i := range n {
			fmt.Printf("%s\n", bufs[i][:sizes[i]])
		}
		got += n
	}
	// Output:
	// one
	// two
	// three
}

// A Forwarder sends each datagram it reads to every listener the routing
// function names.
func ExampleForwarder() {
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	sfu, _ := net.ListenUDP("udp", lo)
	defer sfu.Close()
	var listeners []*net.UDPConn
	var to []*net.UDPAddr
	for range 3 {
		c, _ := net.ListenUDP("udp", lo)
		defer c.Close()
		listeners = append(listeners, c)
		to = append(to, c.LocalAddr().(*net.UDPAddr))
	}
	speaker, _ := net.DialUDP("udp", nil, sfu.LocalAddr().(*net.UDPAddr))
	defer speaker.Close()
	speaker.Write([]byte("hello"))

	f, _ := udpbatch.NewForwarder(sfu, sfu, udpbatch.Config{})
	n, err := f.Forward(func(pkt []byte, from *net.UDPAddr) []*net.UDPAddr { return to })
	fmt.Println("forwarded", n, err)
	buf := make([]byte, 1500)
	for i, c := range listeners {
		k, _ := c.Read(buf)
		fmt.Printf("listener %d: %s\n", i, buf[:k])
	}
	// Output:
	// forwarded 1 <nil>
	// listener 0: hello
	// listener 1: hello
	// listener 2: hello
}
