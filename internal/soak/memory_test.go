package soak

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"
)

// The heap must stay flat while the calls run: the live heap's trend over
// the samples taken after the warm-up (heapTrend) may rise by less than
// noiseFloor from the first sample to the last.
//
// A leak is memory kept for each packet or each rekey, so it grows with the
// work done between the first and the last sample: P packets written (each
// also read, unprotected and opened by the peer) and R rekeys (each
// replacing the send keys of the three media streams, and the peer deriving
// three receive keys). A leak of b bytes per packet raises the trend by
// b·P, one of c bytes per rekey by c·R. The full run must therefore do
// enough work, P ≥ noiseFloor/perPacketLeak and R ≥ noiseFloor/perRekeyLeak,
// that a leak of a single byte per packet, or of perRekeyLeak bytes per
// rekey, exceeds the bound (enoughWork checks it). Real leaks are larger
// still: Go rounds every allocation up to at least 8 bytes, and anything
// that keeps an epoch's key keeps an AES key schedule (176 bytes and more)
// with it. The short run does less work and sees only larger leaks; it logs
// which.
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
// a loaded one, where a collection takes long, and that differs from one
// sample to the next. Comparing two samples, or the smallest of a few at
// each end, therefore sees a swing of that noise as growth now and then.
// heapTrend instead looks at every sample: the smallest of each window of
// trendWindow consecutive samples (the noise only adds, so the minimum is
// closest to the live objects), and the median of the slopes between all
// pairs of those minima (the Theil–Sen estimator, which a few high minima
// cannot move). A leak raises every sample after it, so it moves every
// minimum and the median slope; noise without a trend leaves the median
// slope near zero. The receive queues are filled once before the traffic
// starts (see party.fill), so that a queue growing deeper during the run
// cannot raise the heap either.
const (
	noiseFloor    = 1 << 20 // bytes
	perPacketLeak = 1       // bytes
	perRekeyLeak  = 256     // bytes
	trendWindow   = 3       // samples
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

// heapTrend returns how much the live heap rose, in bytes, from the first
// to the last sample according to the trend of the samples (negative if it
// fell): the Theil–Sen slope through the minima of consecutive windows of
// trendWindow samples, times the time between the first and the last
// sample. With fewer than two windows it compares the first and the last
// sample.
func heapTrend(samples []heapSample) float64 {
	if len(samples) < 2 {
		return 0
	}
	var minima []heapSample
	for i := 0; i+trendWindow <= len(samples); i += trendWindow {
		m := samples[i]
		for _, x := range samples[i+1 : i+trendWindow] {
			if x.live < m.live {
				m = x
			}
		}
		minima = append(minima, m)
	}
	first, last := samples[0], samples[len(samples)-1]
	if len(minima) < 2 {
		minima = []heapSample{first, last}
	}
	var slopes []float64 // bytes per second
	for i, a := range minima {
		for _, b := range minima[i+1:] {
			if dt := (b.at - a.at).Seconds(); dt > 0 {
				slopes = append(slopes, (float64(b.live)-float64(a.live))/dt)
			}
		}
	}
	if len(slopes) == 0 {
		return 0
	}
	slices.Sort(slopes)
	median := slopes[len(slopes)/2]
	if len(slopes)%2 == 0 {
		median = (median + slopes[len(slopes)/2-1]) / 2
	}
	return median * (last.at - first.at).Seconds()
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

// TestHeapTrend checks heapTrend on the samples of a full run (one a second
// for 50 s after the warm-up, 40,000 packets a second) made up with the
// noise the live heap shows on a loaded machine: each sample raised by an
// exponentially distributed amount with a mean of 1.2 MiB. Without a leak,
// no series may reach noiseFloor; with a leak of one byte per packet (2 MB
// over the run), every series must.
func TestHeapTrend(t *testing.T) {
	const (
		n         = 51              // samples
		perSecond = 40_000          // packets
		base      = 126 << 20       // bytes
		noise     = 1.2 * (1 << 20) // bytes, mean
	)
	series := func(seed uint64, leakPerPacket float64) []heapSample {
		rng := rand.New(rand.NewPCG(seed, 0))
		s := make([]heapSample, n)
		for i := range s {
			packets := uint64(i * perSecond)
			s[i] = heapSample{
				at:      time.Duration(10+i) * time.Second,
				packets: packets,
				live:    uint64(base + leakPerPacket*float64(packets) + rng.ExpFloat64()*noise),
			}
		}
		return s
	}
	for seed := range uint64(200) {
		if g := heapTrend(series(seed, 0)); g >= noiseFloor {
			t.Errorf("seed %d, no leak: trend %+.0f bytes, want < %d", seed, g, noiseFloor)
		}
		if g := heapTrend(series(seed, perPacketLeak)); g < noiseFloor {
			t.Errorf("seed %d, a leak of %d byte a packet: trend %+.0f bytes, want ≥ %d", seed, perPacketLeak, g, noiseFloor)
		}
	}
	// The samples of a run that failed the check this replaced (the
	// smallest of the first three against the smallest of the last three):
	// the first three with no noise, the last three with 1.5 MiB and more,
	// none of it a trend.
	s := series(1, 0)
	for i := range 3 {
		s[i].live = base
		s[len(s)-1-i].live = base + 1536<<10 + uint64(i)<<20
	}
	if g := heapTrend(s); g >= noiseFloor {
		t.Errorf("noise high at the end only: trend %+.0f bytes, want < %d", g, noiseFloor)
	}
}
