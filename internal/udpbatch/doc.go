// Package udpbatch reads and writes UDP datagrams in batches: several
// datagrams per system call where the platform has one for it (recvmmsg and
// sendmmsg on Linux, through golang.org/x/net/ipv4 and ipv6), one datagram
// per call elsewhere. On loopback, the kernel's per-datagram path, not the
// crypto, is most of what a packet costs; batching pays the system call's
// entry and exit and Go's poller once per batch instead of once per
// datagram.
//
// A Reader fills caller-owned buffers with up to Config.Batch datagrams per
// call and drops (and counts) truncated ones. A Writer queues datagrams,
// each with its destination, and sends a full batch per call, looping over
// partial writes. A Forwarder joins the two for a selective forwarding unit:
// it reads a batch from one socket and writes each datagram to the
// destinations a routing function names, with one system call per
// Config.Batch datagrams sent rather than one per destination.
//
// # Allocation
//
// In steady state nothing is allocated per datagram, except that a Reader
// made with Config.SourceAddr (and so a Forwarder whose routing needs the
// source) gets each source address from x/net as a new *net.UDPAddr: two
// small allocations per datagram.
//
// # Concurrency
//
// A Reader, a Writer and a Forwarder are each used by one goroutine at a
// time; a second goroutine calling in while a call is in progress gets
// ErrBusy, never a corrupted batch. A Reader and a Writer on the same socket
// may run concurrently, as reads and writes on a *net.UDPConn may. Closing
// the socket makes a pending ReadBatch return the socket's error.
package udpbatch
