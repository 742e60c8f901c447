package soak

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"time"
)

// The heap must stay flat while the calls run: between the first sample
// after the warm-up and the last, the live heap may grow by less than
// noiseFloor.
//
// A leak is memory kept for each packet or each rekey, so it grows with the
// work done between the two samples: P packets written (each also read,
// unprotected and opened by the peer) and R rekeys (each replacing the send
// keys of the three media streams, and the peer deriving three receive
// keys). A leak of b bytes per packet grows the heap by at least b·P, one of
// c bytes per rekey by at least c·R. The full run must therefore do enough
// work, P ≥ noiseFloor/perPacketLeak and R ≥ noiseFloor/perRekeyLeak, that
// a leak of a single byte per packet, or of perRekeyLeak bytes per rekey,
// exceeds the bound (enoughWork checks it). Real leaks are larger still: Go
// rounds every allocation up to at least 8 bytes, and anything that keeps
// an epoch's key keeps an AES key schedule (176 bytes and more) with it.
// The short run does less work and sees only larger leaks; it logs which.
//
// The measure is the live heap the collector marked (runtime/metrics
// /gc/heap/live:bytes) right after runtime.GC. HeapInuse, logged beside
// it, also counts free space in partly used spans and what the calls
// allocated since the collection, and moved by 6 MiB in leak-free runs of
// 200 calls on an idle machine, by 110 MiB on one loaded by other
// processes: far too much to see a leak of a byte a packet. The live heap
// counts besides the live objects only what the calls allocated while the
// collector was marking, which is garbage by the next collection: noise
// that only ever adds, about 0.5 MiB on an idle machine and up to 4 MiB on
// a loaded one, where a collection takes long. So the test compares the
// smallest of the first few samples with the smallest of the last few
// (settled): a leak raises every sample after it, the noise not all of
// them. The receive queues are filled once before the traffic starts (see
// party.fill), so that a queue growing deeper during the run cannot raise
// the heap either.
const (
	noiseFloor    = 1 << 20 // bytes
	perPacketLeak = 1       // bytes
	perRekeyLeak  = 256     // bytes
)

// heapSample is the heap after a full collection, taken while the calls
// run, with how much work had been done by then.
type heapSample struct {
	at      time.Duration // since the traffic started
	live    uint64        // live heap, bytes
	inuse   uint64        // runtime.MemStats.HeapInuse, bytes
	packets uint64        // packets written by all parties so far
	rekeys  uint64        // Rekey calls by all parties so far
}

// readHeap collects garbage and returns the live heap it marked and
// HeapInuse.
func readHeap() (live, inuse uint64) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return s[0].Value.Uint64(), ms.HeapInuse
}

// settled returns the samples the test compares: of the first few and of
// the last few samples, the one with the smallest live heap.
func settled(samples []heapSample) (first, last heapSample) {
	k := max(1, min(3, len(samples)/3))
	least := func(s []heapSample) heapSample {
		m := s[0]
		for _, x := range s[1:] {
			if x.live < m.live {
				m = x
			}
		}
		return m
	}
	return least(samples[:k]), least(samples[len(samples)-k:])
}

// growth returns how much the live heap grew from first to last, or 0 if
// it shrank.
func growth(first, last heapSample) uint64 {
	return last.live - min(first.live, last.live)
}

// enoughWork returns an error if too little happened between first and
// last for a leak of perPacketLeak bytes a packet or perRekeyLeak bytes a
// rekey to exceed noiseFloor.
func enoughWork(first, last heapSample) error {
	p, r := last.packets-first.packets, last.rekeys-first.rekeys
	if p*perPacketLeak < noiseFloor || r*perRekeyLeak < noiseFloor {
		return fmt.Errorf("only %d packets and %d rekeys between the first and the last heap sample: "+
			"want %d and %d to see a leak of %d byte a packet or %d bytes a rekey; run longer",
			p, r, noiseFloor/perPacketLeak, noiseFloor/perRekeyLeak, perPacketLeak, perRekeyLeak)
	}
	return nil
}

// sensitivity describes the smallest leaks the run could see.
func sensitivity(first, last heapSample) string {
	p, r := last.packets-first.packets, last.rekeys-first.rekeys
	return fmt.Sprintf("%.2f bytes per packet (%d packets) or %.0f bytes per rekey (%d rekeys)",
		float64(noiseFloor)/float64(max(p, 1)), p, float64(noiseFloor)/float64(max(r, 1)), r)
}

func formatSamples(samples []heapSample) string {
	var b strings.Builder
	for _, s := range samples {
		fmt.Fprintf(&b, "\n  %6.1fs  live %8.3f MiB  HeapInuse %7.2f MiB  packets %9d  rekeys %6d",
			s.at.Seconds(), mib(s.live), mib(s.inuse), s.packets, s.rekeys)
	}
	return b.String()
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
