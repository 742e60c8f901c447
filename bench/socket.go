package main

import (
	"fmt"
	"io"
	"math"
	"regexp"

	"github.com/callseal/callseal/bench/internal/perf"
)

// Packets of the "Through the socket" measures, per run of each.
const (
	fullSocketPackets  = 30000
	quickSocketPackets = 3000
	fullSFUPackets     = 1000
	quickSFUPackets    = 100
)

// nameSocket is the name -run matches to select the socket measures.
const nameSocket = "Socket"

// socketResults are the "Through the socket" measures of one run: the
// fastest of its runs of each.
type socketResults struct {
	// cpu is ns of process CPU per packet, by payload size and variant.
	cpu map[int]map[perf.SocketVariant]float64
	// sfu is the SFU forwarding measure, batched ([true]) and with one
	// system call per datagram ([false]).
	sfu map[bool]perf.SFU
}

// measureSocket runs the socket measures count times each, round-robin,
// and keeps the least CPU of each: the run with the least interference.
func measureSocket(filter *regexp.Regexp, quick bool, count int, progress io.Writer) (*socketResults, error) {
	if filter != nil && !filter.MatchString(nameSocket) {
		return nil, nil
	}
	packets, sfuPackets := fullSocketPackets, fullSFUPackets
	if quick {
		packets, sfuPackets = quickSocketPackets, quickSFUPackets
	}
	res := &socketResults{cpu: make(map[int]map[perf.SocketVariant]float64), sfu: make(map[bool]perf.SFU)}
	for round := range count {
		for _, n := range perf.SocketSizes {
			if res.cpu[n] == nil {
				res.cpu[n] = make(map[perf.SocketVariant]float64)
			}
			for _, v := range perf.SocketVariants {
				ns, err := perf.SocketCPU(v, n, packets)
				if err != nil {
					return nil, fmt.Errorf("socket %d B %v: %w", n, v, err)
				}
				if old, ok := res.cpu[n][v]; !ok || ns < old {
					res.cpu[n][v] = ns
				}
				fmt.Fprintf(progress, "[socket] round %d %4d B %-32v %8.0f ns/packet CPU\n", round+1, n, v, ns)
			}
		}
		for _, batched := range []bool{true, false} {
			s, err := perf.SFUForward(batched, perf.SFUListeners, sfuPackets)
			if err != nil {
				return nil, fmt.Errorf("SFU batched=%v: %w", batched, err)
			}
			if old, ok := res.sfu[batched]; !ok || s.NsPerIn < old.NsPerIn {
				res.sfu[batched] = s
			}
			fmt.Fprintf(progress, "[socket] round %d SFU batched=%-5v %8.0f ns/datagram sent\n", round+1, batched, s.NsPerOut)
		}
	}
	return res, nil
}

// socketSection renders "Through the socket".
func (r *report) socketSection(p func(string, ...any)) {
	s := r.sock
	if s == nil {
		return
	}
	p("## Through the socket\n\n")
	p("What a packet costs end to end on loopback UDP, the kernel included: a sender and a receiver in\n")
	p("one process, pipelined (the sender a bounded window of packets ahead), CPU time of the whole process\n")
	p("(getrusage: user + system, both ends) divided by the packets received. Plain UDP writes and\n")
	p("reads the RTP packet as it is, one system call each; callseal sends through a Session (both\n")
	p("layers) on a connected socket, and receives through a Session whose UDP transport reads one\n")
	p("datagram per system call, or batches of up to 8 (recvmmsg).\n\n")
	p("| payload | path | CPU per packet | vs plain UDP | vs one read per packet |\n|---|---|---:|---:|---:|\n")
	for _, n := range perf.SocketSizes {
		m := s.cpu[n]
		for _, v := range perf.SocketVariants {
			ns, ok := m[v]
			if !ok {
				continue
			}
			vsSingle := "–"
			if v == perf.CallsealBatched {
				vsSingle = fmt.Sprintf("%.2f×", ns/m[perf.CallsealSingle])
			}
			p("| %d B | %s | %.1f µs | %.2f× | %s |\n", n, v, ns/1e3, ns/m[perf.PlainUDP], vsSingle)
		}
	}
	b, okB := s.sfu[true]
	o, okO := s.sfu[false]
	if !okB || !okO {
		p("\n")
		return
	}
	p("\nSFU forwarding: one speaker's %d B packets to %d listeners on loopback, each listener's\n", perf.SFUSize, perf.SFUListeners)
	p("socket drained by its own goroutine. CPU time of the SFU's thread alone (RUSAGE_THREAD),\n")
	p("kernel included: on loopback the kernel delivers each datagram into its listener's socket\n")
	p("inside the sending call. Batched: `internal/udpbatch.Forwarder` (recvmmsg, then sendmmsg of up\n")
	p("to 64 datagrams); one call per datagram: Read, then WriteToUDP per listener.\n\n")
	p("| SFU | CPU per datagram sent | speaker packets/s per core | datagrams/s per core | vs one call per datagram |\n")
	p("|---|---:|---:|---:|---:|\n")
	p("| one system call per datagram | %.2f µs | %s | %s | 1.00× |\n", o.NsPerOut/1e3, fmtRate(o.InPerCore()), fmtRate(o.OutPerCore()))
	p("| **batched** | %.2f µs | %s | %s | %.2f× |\n\n", b.NsPerOut/1e3, fmtRate(b.InPerCore()), fmtRate(b.OutPerCore()), rateRatio(b, o))
}

// rateRatio is batched throughput per core over one-call-per-datagram's.
func rateRatio(batched, single perf.SFU) float64 {
	if batched.NsPerIn == 0 {
		return math.NaN()
	}
	return single.NsPerIn / batched.NsPerIn
}
