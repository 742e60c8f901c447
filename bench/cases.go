package main

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callseal/callseal/bench/internal/perf"
)

// benchCase is one benchmark the command runs.
type benchCase struct {
	name string // as go test names it, e.g. E2EE/AES_128_GCM_SHA256_128/Seal/1200B
	fn   func(*testing.B)
	path *perf.Path // per-packet path, or nil
	size int        // payload bytes, for per-packet paths
}

// Names of the non-per-packet cases, as go test names them.
const (
	nameOneCore  = "Scaling/OneCore"
	nameAllCores = "Scaling/AllCores"
	handshakePfx = "Handshake/"
)

func allCases(filter *regexp.Regexp) []benchCase {
	var cs []benchCase
	paths := perf.Paths()
	for _, n := range perf.Sizes {
		for i := range paths {
			p := &paths[i]
			cs = append(cs, benchCase{name: p.Group + "/" + p.Sub(n), fn: p.Bench(n), path: p, size: n})
		}
	}
	for _, s := range perf.HandshakeSuites {
		if perf.HandshakeSupported(s) == nil {
			cs = append(cs, benchCase{name: handshakePfx + s.String(), fn: perf.Handshake(s)})
		}
	}
	cs = append(cs,
		benchCase{name: nameOneCore, fn: perf.RoundTrip(perf.ScalingSize)},
		benchCase{name: nameAllCores, fn: perf.RoundTripParallel(perf.ScalingSize)},
	)
	if filter == nil {
		return cs
	}
	var kept []benchCase
	for _, c := range cs {
		if filter.MatchString(c.name) {
			kept = append(kept, c)
		}
	}
	return kept
}

// result is the outcome of one case over all its runs.
type result struct {
	benchCase
	ns     float64 // fastest run's ns/op
	allocs int64   // largest allocs/op of any run
	bytes  int64   // largest B/op of any run
	runs   []float64
}

// runCases runs every case count times, round-robin, so that interference
// from other processes spreads over all cases instead of hitting a few, and
// keeps the fastest run of each: the cost with the least interference.
func runCases(cases []benchCase, count int, progress io.Writer) (map[string]*result, error) {
	res := make(map[string]*result, len(cases))
	total := len(cases) * count
	done := 0
	start := time.Now()
	for round := range count {
		for _, c := range cases {
			r := testing.Benchmark(c.fn)
			done++
			if r.N == 0 {
				return nil, fmt.Errorf("benchmark %s failed; run go test -run XXX -bench '%s$' ./bench to see why",
					c.name, benchRegexp(c.name))
			}
			ns := float64(r.T.Nanoseconds()) / float64(r.N)
			cur := res[c.name]
			if cur == nil {
				cur = &result{benchCase: c, ns: ns}
				res[c.name] = cur
			}
			cur.runs = append(cur.runs, ns)
			cur.ns = min(cur.ns, ns)
			cur.allocs = max(cur.allocs, r.AllocsPerOp())
			cur.bytes = max(cur.bytes, r.AllocedBytesPerOp())
			fmt.Fprintf(progress, "[%d/%d %s] round %d %-60s %10.1f ns/op %3d allocs/op\n",
				done, total, time.Since(start).Round(time.Second), round+1, c.name, ns, r.AllocsPerOp())
		}
	}
	return res, nil
}

// benchRegexp turns a case name into a go test -bench pattern
// (each slash-separated element anchored).
func benchRegexp(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}
