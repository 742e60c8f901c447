// Command bench measures callseal's per-packet cost against its baselines and
// writes a report: go run ./bench.
//
// It runs, with testing.Benchmark, the same benchmark bodies as
// go test -bench . ./bench (package bench/internal/perf): raw AES-128-GCM,
// pion/srtp alone, e2ee per SFrame suite, srtp per profile and the full
// two-layer send and receive paths at 64, 160, 1200 and 1400 payload bytes,
// plus the handshake per suite, multi-core scaling and the memory each call
// holds, and through the socket: CPU per packet end to end on loopback UDP
// (plain UDP, callseal reading one datagram per call, callseal reading in
// batches) and an SFU forwarding one speaker to 199 listeners, batched and
// with one system call per datagram; and the bytes on the wire per second of
// the embedded VP8 video with SFrame per packet and per frame. It prints a markdown report, checks the performance targets
// (targets.go) and writes BENCHMARKS.md and bench.png (the chart) to -out.
//
// Each target comes out met, bounded by a library (over the limit, but the
// library's own cost, measured in the same run, already is: pion/srtp for
// the two-layer ratios, crypto/cipher for the allocations of the
// AES-CTR-HMAC suites) or missed (callseal's own code is over the limit).
//
// Usage:
//
//	go run ./bench                # full run, about 5 minutes on 2 cores
//	go run ./bench -quick         # CI: short runs, about half a minute; indicative figures
//	go run ./bench -out docs      # regenerate docs/BENCHMARKS.md and docs/bench.png
//
// Exit status: 1 if a benchmark fails (for example a packet that does not
// open) or the report cannot be written; 2 if a target is missed, in a run
// without -quick (with -quick, whose short runs give indicative figures, a
// missed target is reported only, unless -strict is given); 0 otherwise.
// Targets met or bounded by a library never set the exit status.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callseal/callseal/bench/internal/perf"
)

// Defaults of a full and of a -quick run.
const (
	fullBenchtime  = 300 * time.Millisecond
	quickBenchtime = 50 * time.Millisecond
	fullCount      = 5
	quickCount     = 2
	fullCalls      = 2000
	quickCalls     = 200
)

type options struct {
	quick     bool
	out       string
	count     int
	benchtime time.Duration
	calls     int
	run       *regexp.Regexp
	strict    bool
	note      string
}

func main() {
	testing.Init()
	var o options
	var runExpr string
	flag.BoolVar(&o.quick, "quick", false, "short runs for CI (benchtime 50ms, count 2, 200 calls for the memory measure)")
	flag.StringVar(&o.out, "out", "", "directory to write BENCHMARKS.md and bench.png to (default: a new temporary directory)")
	flag.IntVar(&o.count, "count", 0, "runs of each benchmark, interleaved; the fastest is reported (default 5, 2 with -quick)")
	flag.DurationVar(&o.benchtime, "benchtime", 0, "measuring time of each run (default 300ms, 50ms with -quick)")
	flag.IntVar(&o.calls, "calls", 0, "calls to average the memory per call over (default 2000, 200 with -quick)")
	flag.StringVar(&runExpr, "run", "", "only run benchmarks whose name matches this regular expression (e.g. 'Full|RawGCMx2')")
	flag.BoolVar(&o.strict, "strict", false, "with -quick, exit with status 2 when a target is missed (a full run always does)")
	flag.StringVar(&o.note, "note", "", "a remark on the run's conditions to print in the report")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "bench: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	if runExpr != "" {
		re, err := regexp.Compile(runExpr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: -run: %v\n", err)
			os.Exit(2)
		}
		o.run = re
	}
	o.setDefaults()
	os.Exit(run(o, os.Stdout, os.Stderr))
}

func (o *options) setDefaults() {
	pick := func(v, full, quick int) int {
		switch {
		case v > 0:
			return v
		case o.quick:
			return quick
		}
		return full
	}
	o.count = pick(o.count, fullCount, quickCount)
	o.calls = pick(o.calls, fullCalls, quickCalls)
	if o.benchtime <= 0 {
		o.benchtime = fullBenchtime
		if o.quick {
			o.benchtime = quickBenchtime
		}
	}
}

// command is the command line that reproduces this run, for the report
// (without -note, which only annotates it).
func (o *options) command() string {
	args := []string{"go", "run", "./bench"}
	flag.Visit(func(f *flag.Flag) {
		switch {
		case f.Name == "note":
		case f.Value.String() == "true":
			args = append(args, "-"+f.Name)
		default:
			args = append(args, "-"+f.Name+" "+shellQuote(f.Value.String()))
		}
	})
	return strings.Join(args, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func run(o options, stdout, stderr io.Writer) int {
	env := readEnvironment()
	env.Command = o.command()
	env.Note = o.note
	env.Benchtime, env.Count, env.Quick = o.benchtime, o.count, o.quick
	if err := flag.Set("test.benchtime", o.benchtime.String()); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}

	fmt.Fprintf(stderr, "bench: measuring memory per call over %d calls\n", o.calls)
	mem, err := perf.MeasureMemory(o.calls)
	if err != nil {
		fmt.Fprintf(stderr, "bench: memory per call: %v\n", err)
		return 1
	}

	cases := allCases(o.run)
	res, err := runCases(cases, o.count, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	sock, err := measureSocket(o.run, o.quick, o.count, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	rep := newReport(env, res, mem, measureLibCosts())
	rep.sock = sock
	if rep.wire, err = measureWire(); err != nil {
		fmt.Fprintf(stderr, "bench: bytes on the wire: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "bench: measuring meeting membership changes\n")
	if rep.meeting, err = measureMeeting(o.quick); err != nil {
		fmt.Fprintf(stderr, "bench: meetings: %v\n", err)
		return 1
	}
	if rep.meetKey, err = measureMeetingKey(); err != nil {
		fmt.Fprintf(stderr, "bench: meeting key: %v\n", err)
		return 1
	}

	dir := o.out
	if dir == "" {
		if dir, err = os.MkdirTemp("", "callseal-bench-"); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	chartPath := filepath.Join(dir, chartFile)
	if err := writeChart(chartPath, rep); err != nil {
		fmt.Fprintf(stderr, "bench: chart: %v\n", err)
		return 1
	}
	md := rep.markdown()
	mdPath := filepath.Join(dir, "BENCHMARKS.md")
	if err := os.WriteFile(mdPath, []byte(md), 0o644); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	fmt.Fprint(stdout, md)
	fmt.Fprintf(stderr, "bench: wrote %s and %s\n", mdPath, chartPath)
	st := exitStatus(rep, o.quick, o.strict)
	if m := rep.missedTargets(); len(m) > 0 {
		if st == 0 {
			fmt.Fprintf(stderr, "bench: missed in this -quick run (indicative only; check with a full run): %s\n", strings.Join(m, "; "))
		} else {
			fmt.Fprintf(stderr, "bench: missed: %s\n", strings.Join(m, "; "))
		}
	}
	return st
}

// exitStatus is the status of a run whose benchmarks all ran: 2 if a
// target is missed, unless the run is quick and not strict; 0 otherwise.
// Targets bounded by a library never count.
func exitStatus(rep *report, quick, strict bool) int {
	if len(rep.missedTargets()) > 0 && (!quick || strict) {
		return 2
	}
	return 0
}
