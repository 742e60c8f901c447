package main

import (
	"fmt"
	"strings"

	"github.com/callseal/callseal/bench/internal/perf"
)

// target is one performance target, checked on this run.
type target struct {
	What   string
	Value  string // measured
	Limit  string
	Pass   bool
	Known  bool // false when the run did not measure what the target needs
	Detail string
}

// Target limits.
const (
	maxFullVsFloor1200 = 1.10 // full path / 2 × raw GCM at 1200 B
	maxFullVsFloor160  = 1.15 // full path / 2 × raw GCM at 160 B
	maxFullVsPion      = 2.1  // full path / pion/srtp AEAD_AES_128_GCM alone
	maxE2EEVsRaw1200   = 1.10 // e2ee / raw GCM at 1200 B
	minScaling         = 1.8  // all cores / one core (on a 2-core machine)
	maxMemoryPerCall   = 64 << 10
)

func (r *report) checkTargets() []target {
	var ts []target
	ratio := func(what, num, den string, size int, limit float64) {
		t := target{What: fmt.Sprintf(what, size), Limit: fmt.Sprintf("≤ %.2f", limit)}
		a, ok1 := r.ns(num, size)
		b, ok2 := r.ns(den, size)
		if ok1 && ok2 {
			v := a / b
			t.Known, t.Pass = true, v <= limit
			t.Value = fmt.Sprintf("%.2f", v)
			t.Detail = fmt.Sprintf("%s / %s ns", fmtNs(a), fmtNs(b))
		}
		ts = append(ts, t)
	}
	ratio("full send / 2 × raw GCM seal, %d B", perf.IDFullSend, perf.IDRaw2Seal, 1200, maxFullVsFloor1200)
	ratio("full receive / 2 × raw GCM open, %d B", perf.IDFullReceive, perf.IDRaw2Open, 1200, maxFullVsFloor1200)
	ratio("full send / 2 × raw GCM seal, %d B", perf.IDFullSend, perf.IDRaw2Seal, 160, maxFullVsFloor160)
	ratio("full receive / 2 × raw GCM open, %d B", perf.IDFullReceive, perf.IDRaw2Open, 160, maxFullVsFloor160)
	for _, n := range []int{160, 1200} {
		ratio("full send / pion/srtp GCM encrypt, %d B", perf.IDFullSend, perf.IDPionEncrypt, n, maxFullVsPion)
		ratio("full receive / pion/srtp GCM decrypt, %d B", perf.IDFullReceive, perf.IDPionDecrypt, n, maxFullVsPion)
	}
	ratio("e2ee seal / raw GCM seal, %d B", perf.IDE2EESeal, perf.IDRawSeal, 1200, maxE2EEVsRaw1200)
	ratio("e2ee open / raw GCM open, %d B", perf.IDE2EEOpen, perf.IDRawOpen, 1200, maxE2EEVsRaw1200)

	// Allocations on callseal's own per-packet paths.
	alloc := target{What: "allocs/op on every callseal per-packet path", Limit: "0"}
	var worst int64
	var offenders []string
	measured := 0
	for _, p := range r.paths {
		if p.Baseline {
			continue
		}
		pathWorst, sizes := r.allocs(p)
		measured += sizes
		if pathWorst > 0 {
			offenders = append(offenders, fmt.Sprintf("%s (%d)", p.ID(), pathWorst))
		}
		worst = max(worst, pathWorst)
	}
	if measured > 0 {
		alloc.Known, alloc.Pass = true, worst == 0
		alloc.Value = fmt.Sprintf("max %d", worst)
		if len(offenders) > 0 {
			alloc.Detail = "allocating: " + strings.Join(offenders, ", ")
		} else {
			alloc.Detail = fmt.Sprintf("%d path × size benchmarks", measured)
		}
	}
	ts = append(ts, alloc)

	sc := target{What: fmt.Sprintf("all-core / one-core throughput, full send + receive, %d B", perf.ScalingSize),
		Limit: fmt.Sprintf("≥ %.1f", minScaling)}
	if v, ok := r.scaling(); ok {
		sc.Known, sc.Pass = true, v >= minScaling
		sc.Value = fmt.Sprintf("%.2f", v)
		sc.Detail = fmt.Sprintf("GOMAXPROCS=%d", r.env.GOMAXPROCS)
		if r.env.GOMAXPROCS < 2 {
			sc.Known, sc.Detail = false, "needs GOMAXPROCS ≥ 2"
		}
	}
	ts = append(ts, sc)

	ts = append(ts, target{
		What:   "memory held per call (one party, both layers, 3 streams each way)",
		Value:  fmtKiB(r.mem.Both),
		Limit:  "≤ 64 KiB",
		Known:  r.mem.Calls > 0,
		Pass:   r.mem.Both <= maxMemoryPerCall,
		Detail: fmt.Sprintf("e2ee %s + srtp %s; mean over %d calls", fmtKiB(r.mem.E2EE), fmtKiB(r.mem.SRTP), r.mem.Calls),
	})
	return ts
}

func (t target) mark() string {
	switch {
	case !t.Known:
		return "not measured"
	case t.Pass:
		return "PASS"
	}
	return "**FAIL**"
}

func (r *report) allTargetsPass() bool {
	for _, t := range r.targets {
		if t.Known && !t.Pass {
			return false
		}
	}
	return true
}
