package main

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"strings"
	"testing"

	"github.com/callseal/callseal/bench/internal/perf"
)

// status is what a target came to in one run.
type status uint8

const (
	// met: within the limit. (The zero status is "not measured": the run
	// did not measure what the target needs.)
	met status = iota + 1
	// bounded: over the limit, and a library's cost measured in the same
	// run already is, so no change to callseal's own code can meet it.
	bounded
	// missed: over the limit, and callseal's own code is what is over.
	missed
)

// target is one performance target, checked on this run.
type target struct {
	What   string
	Value  string // measured
	Limit  string
	Status status
	By     string // the library that bounds the target, when Status is bounded
	Detail string
}

// Target limits.
const (
	// The full two-layer path (e2ee + srtp) against the floor of two AEAD
	// layers, two raw AES-128-GCM passes: at most 10 % over it for video
	// (1200 B), 15 % for audio (160 B).
	maxFullVsFloor1200 = 1.10
	maxFullVsFloor160  = 1.15
	// The full two-layer path against pion/srtp AEAD_AES_128_GCM alone:
	// adding end-to-end encryption at most a little over doubles the cost
	// of transport encryption.
	maxFullVsPion = 2.1
	// The e2ee layer against one raw AES-128-GCM pass, 1200 B.
	maxE2EEVsRaw1200 = 1.10
	// All-core / one-core throughput of the full path, on a 2-core machine.
	minScaling = 1.8
	// Heap one party holds per call, both layers, 3 streams each way.
	maxMemoryPerCall = 64 << 10 // bytes
)

// libCosts are the costs of the libraries callseal builds on, measured in
// the run itself, that bound some targets.
type libCosts struct {
	// CTRAllocs and CTRBytes are allocs and bytes per call of
	// crypto/cipher.NewCTR plus XORKeyStream over one CTRSize-byte payload,
	// the counter mode of the AES-CTR-HMAC suites; CTRMeasured reports
	// whether they were measured.
	CTRAllocs, CTRBytes int64
	CTRMeasured         bool
}

// ctrSize is the payload the crypto/cipher.NewCTR measure runs over, in bytes.
const ctrSize = 1200

// measureLibCosts measures what the libraries alone cost where a target
// depends on it: the allocations of a fresh crypto/cipher CTR stream per
// packet, as RFC 9605's AES-CTR-HMAC suites need one. It runs with the
// benchmark time that main has set.
func measureLibCosts() libCosts {
	block, err := aes.NewCipher(make([]byte, 16))
	if err != nil {
		return libCosts{}
	}
	iv := make([]byte, block.BlockSize())
	buf := make([]byte, ctrSize)
	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			iv[15]++
			cipher.NewCTR(block, iv).XORKeyStream(buf, buf)
		}
	})
	if res.N == 0 {
		return libCosts{}
	}
	return libCosts{CTRAllocs: res.AllocsPerOp(), CTRBytes: res.AllocedBytesPerOp(), CTRMeasured: true}
}

// side names the paths of one direction of the two-layer path.
type side struct {
	name, rawVerb, pionVerb string
	full, floor, raw        string // full path, 2 × raw GCM, 1 × raw GCM
	pion, srtp, e2ee        string // pion/srtp alone, package srtp, e2ee alone
}

var sides = []side{
	{"send", "seal", "encrypt", perf.IDFullSend, perf.IDRaw2Seal, perf.IDRawSeal, perf.IDPionEncrypt, perf.IDSRTPProtect, perf.IDE2EESeal},
	{"receive", "open", "decrypt", perf.IDFullReceive, perf.IDRaw2Open, perf.IDRawOpen, perf.IDPionDecrypt, perf.IDSRTPUnprotect, perf.IDE2EEOpen},
}

// split is the two-layer path of one side at one size, taken apart into
// what the run measured of its parts, in ns per packet.
type split struct {
	full, floor, raw, pion, srtp, e2ee float64
}

func (r *report) split(sd side, n int) (split, bool) {
	var s split
	ok := true
	get := func(id string) float64 {
		v, have := r.ns(id, n)
		ok = ok && have
		return v
	}
	s.full, s.floor, s.raw = get(sd.full), get(sd.floor), get(sd.raw)
	s.pion, s.srtp, s.e2ee = get(sd.pion), get(sd.srtp), get(sd.e2ee)
	return s, ok
}

// srtpLayer is the cheapest SRTP layer over pion/srtp the run measured:
// pion/srtp alone, or package srtp (pion/srtp with callseal's replay
// window, cheaper than pion's own on receive).
func (s split) srtpLayer() float64 { return min(s.pion, s.srtp) }

// least is the least the full path could cost with SRTP done by pion/srtp:
// the SRTP layer plus one raw AES-GCM pass for the e2ee layer, as if
// callseal's own code cost nothing beyond that pass.
func (s split) least() float64 { return s.srtpLayer() + s.raw }

// rest is what the full path costs beyond the SRTP layer and e2ee alone:
// the code joining the two layers and the effects of running them back to
// back (negative within noise).
func (s split) rest() float64 { return s.full - s.srtpLayer() - s.e2ee }

func (r *report) checkTargets() []target {
	var ts []target
	for _, c := range []struct {
		n     int
		limit float64
	}{{1200, maxFullVsFloor1200}, {160, maxFullVsFloor160}} {
		for _, sd := range sides {
			ts = append(ts, r.twoLayer(sd, sd.floor, "2 × raw GCM "+sd.rawVerb, c.n, c.limit))
		}
	}
	for _, n := range []int{160, 1200} {
		for _, sd := range sides {
			ts = append(ts, r.twoLayer(sd, sd.pion, "pion/srtp GCM "+sd.pionVerb, n, maxFullVsPion))
		}
	}
	for _, sd := range sides {
		ts = append(ts, r.ownRatio(fmt.Sprintf("e2ee %s / raw GCM %s, %d B", sd.rawVerb, sd.rawVerb, 1200),
			sd.e2ee, sd.raw, 1200, maxE2EEVsRaw1200))
	}
	ts = append(ts, r.allocTarget())

	sc := target{What: fmt.Sprintf("all-core / one-core throughput, full send + receive, %d B", perf.ScalingSize),
		Limit: fmt.Sprintf("≥ %.1f", minScaling)}
	if v, ok := r.scaling(); ok && r.env.GOMAXPROCS >= 2 {
		sc.Status = verdict(v >= minScaling)
		sc.Value = fmt.Sprintf("%.2f", v)
		sc.Detail = fmt.Sprintf("GOMAXPROCS=%d", r.env.GOMAXPROCS)
	} else if ok {
		sc.Detail = "needs GOMAXPROCS ≥ 2"
	}
	ts = append(ts, sc)

	mem := target{
		What:  "memory held per call (one party, both layers, 3 streams each way)",
		Limit: "≤ 64 KiB",
	}
	if r.mem.Calls > 0 {
		mem.Status = verdict(r.mem.Both <= maxMemoryPerCall)
		mem.Value = fmtKiB(r.mem.Both)
		mem.Detail = fmt.Sprintf("e2ee %s + srtp %s; mean over %d calls", fmtKiB(r.mem.E2EE), fmtKiB(r.mem.SRTP), r.mem.Calls)
	}
	ts = append(ts, mem)
	return ts
}

func verdict(ok bool) status {
	if ok {
		return met
	}
	return missed
}

// ownRatio is a target on callseal's own code alone: a miss is missed.
func (r *report) ownRatio(what, num, den string, n int, limit float64) target {
	t := target{What: what, Limit: fmt.Sprintf("≤ %.2f", limit)}
	a, ok1 := r.ns(num, n)
	b, ok2 := r.ns(den, n)
	if ok1 && ok2 {
		t.Status = verdict(a/b <= limit)
		t.Value = fmt.Sprintf("%.2f", a/b)
		t.Detail = fmt.Sprintf("%s / %s ns", fmtNs(a), fmtNs(b))
	}
	return t
}

// twoLayer is a target on the full path of one side at n bytes divided by
// the baseline den (the two-pass floor or pion/srtp alone). A miss is
// bounded by pion/srtp when the least the full path could cost with SRTP
// done by pion/srtp (split.least) is itself over the limit, and missed
// otherwise.
func (r *report) twoLayer(sd side, den, denName string, n int, limit float64) target {
	t := target{What: fmt.Sprintf("full %s / %s, %d B", sd.name, denName, n), Limit: fmt.Sprintf("≤ %.2f", limit)}
	full, ok1 := r.ns(sd.full, n)
	d, ok2 := r.ns(den, n)
	if !ok1 || !ok2 {
		return t
	}
	v := full / d
	t.Value = fmt.Sprintf("%.2f", v)
	t.Detail = fmt.Sprintf("%s / %s ns", fmtNs(full), fmtNs(d))
	if v <= limit {
		t.Status = met
		return t
	}
	s, ok := r.split(sd, n)
	if !ok {
		t.Status = missed
		t.Detail += "; pion/srtp, package srtp, e2ee or raw GCM not measured, so the bound is unknown"
		return t
	}
	if s.least()/d > limit {
		t.Status, t.By = bounded, "pion/srtp"
		t.Detail = fmt.Sprintf("least reachable %.2f: pion/srtp %s + one raw GCM %s %s ns; callseal's part %s ns (%s)",
			s.least()/d, fmtNs(s.srtpLayer()), sd.rawVerb, fmtNs(s.raw), fmtNs(s.full-s.srtpLayer()), t.Detail)
		return t
	}
	t.Status = missed
	t.Detail = fmt.Sprintf("least reachable %.2f; callseal's part %s ns = e2ee %s + rest %s (%s)",
		s.least()/d, fmtNs(s.full-s.srtpLayer()), fmtNs(s.e2ee), fmtSignedNs(s.rest()), t.Detail)
	return t
}

// isCTRSuite reports whether a path is e2ee with an AES-CTR-HMAC suite,
// whose counter mode is crypto/cipher.NewCTR per packet.
func isCTRSuite(p perf.Path) bool {
	return p.Group == "E2EE" && strings.Contains(p.Variant, "CTR_HMAC")
}

// allocTarget checks that callseal's per-packet paths allocate nothing. A
// path of an AES-CTR-HMAC suite allocating no more than crypto/cipher's
// NewCTR alone (measured in the same run) is bounded by crypto/cipher; any
// other allocation is missed.
func (r *report) allocTarget() target {
	t := target{What: "allocs/op on every callseal per-packet path", Limit: "0"}
	var worst int64
	var own, lib []string
	measured := 0
	for _, p := range r.paths {
		if p.Baseline {
			continue
		}
		pathWorst, sizes := r.allocs(p)
		measured += sizes
		worst = max(worst, pathWorst)
		switch {
		case pathWorst == 0:
		case isCTRSuite(p) && r.lib.CTRMeasured && pathWorst <= r.lib.CTRAllocs:
			lib = append(lib, fmt.Sprintf("%s (%d)", p.ID(), pathWorst))
		default:
			own = append(own, fmt.Sprintf("%s (%d)", p.ID(), pathWorst))
		}
	}
	if measured == 0 {
		return t
	}
	t.Value = fmt.Sprintf("max %d", worst)
	ctr := fmt.Sprintf("crypto/cipher.NewCTR + XORKeyStream alone: %d allocs/op, %d B/op", r.lib.CTRAllocs, r.lib.CTRBytes)
	var parts []string
	if len(own) > 0 {
		parts = append(parts, "callseal allocates: "+strings.Join(own, ", "))
	}
	if len(lib) > 0 {
		parts = append(parts, "AES-CTR-HMAC, no more than "+ctr+": "+strings.Join(lib, ", "))
	}
	switch {
	case len(own) > 0:
		t.Status = missed
	case len(lib) > 0:
		t.Status, t.By = bounded, "crypto/cipher"
	default:
		t.Status = met
		parts = append(parts, fmt.Sprintf("%d path × size benchmarks", measured))
	}
	t.Detail = strings.Join(parts, "; ")
	return t
}

func (t target) mark() string {
	switch t.Status {
	case met:
		return "met"
	case bounded:
		return "bounded by " + t.By
	case missed:
		return "**MISSED**"
	}
	return "not measured"
}

// missedTargets returns the targets that callseal's own code misses.
func (r *report) missedTargets() []string {
	var m []string
	for _, t := range r.targets {
		if t.Status == missed {
			m = append(m, t.What)
		}
	}
	return m
}
