package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/callseal/callseal/bench/internal/perf"
)

// report is one run's results, ready to be rendered.
type report struct {
	env     environment
	res     map[string]*result
	mem     perf.Memory
	lib     libCosts
	paths   []perf.Path
	targets []target
	sock    *socketResults // nil when not measured
	wire    *wireResults   // nil when not measured
	meeting []meetingResult
	meetKey []meetingKeyResult
}

func newReport(env environment, res map[string]*result, mem perf.Memory, lib libCosts) *report {
	r := &report{env: env, res: res, mem: mem, lib: lib, paths: perf.Paths()}
	r.targets = r.checkTargets()
	return r
}

// get returns the result of path id at payload size n.
func (r *report) get(id string, n int) (*result, bool) {
	res, ok := r.res[fmt.Sprintf("%s/%dB", id, n)]
	return res, ok
}

// ns returns the per-packet cost of path id at payload size n.
func (r *report) ns(id string, n int) (float64, bool) {
	res, ok := r.get(id, n)
	if !ok {
		return 0, false
	}
	return res.ns, true
}

// scaling returns all-core throughput / one-core throughput.
func (r *report) scaling() (float64, bool) {
	one, ok1 := r.res[nameOneCore]
	all, ok2 := r.res[nameAllCores]
	if !ok1 || !ok2 {
		return 0, false
	}
	return one.ns / all.ns, true
}

func fmtNs(ns float64) string {
	if ns < 100 {
		return fmt.Sprintf("%.1f", ns)
	}
	return fmt.Sprintf("%.0f", ns)
}

// fmtSignedNs is fmtNs with an explicit sign.
func fmtSignedNs(ns float64) string {
	if ns < 0 {
		return "−" + fmtNs(-ns)
	}
	return "+" + fmtNs(ns)
}

func fmtKiB(b float64) string { return fmt.Sprintf("%.1f KiB", b/1024) }

// fmtRate renders a count per second with a k/M suffix.
func fmtRate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2f M", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1f k", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func gbits(n int, ns float64) float64 { return float64(n) * 8 / ns }

// baselines returns, for a path, the paths it is compared with in the
// tables: the floor of the same amount of AEAD work and, for srtp and the
// full path, pion/srtp alone.
func baselines(p perf.Path) []string {
	send := p.Op == perf.Send
	pick := func(s, r string) string {
		if send {
			return s
		}
		return r
	}
	switch p.Group {
	case "RawGCMx2", "Pion", "E2EE":
		return []string{pick(perf.IDRawSeal, perf.IDRawOpen)}
	case "SRTP":
		return []string{"Pion/" + p.Variant + "/" + pick("Encrypt", "Decrypt")}
	case "Full":
		return []string{pick(perf.IDRaw2Seal, perf.IDRaw2Open), pick(perf.IDPionEncrypt, perf.IDPionDecrypt)}
	}
	return nil
}

// shortName names a baseline in the ratio column.
func shortName(id string) string {
	switch id {
	case perf.IDRawSeal, perf.IDRawOpen:
		return "raw GCM"
	case perf.IDRaw2Seal, perf.IDRaw2Open:
		return "2×raw GCM"
	}
	parts := strings.Split(id, "/")
	if parts[0] == "Pion" {
		return "pion " + parts[1]
	}
	return id
}

func (r *report) markdown() string {
	var w strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&w, format, a...) }
	e := r.env

	p("# callseal benchmarks\n\n")
	p("What one RTP packet costs in callseal's two layers — the end-to-end SFrame layer (`e2ee`) and\n")
	p("transport SRTP (`srtp`, over pion/srtp) — against the floor of the same AEAD work done by\n")
	p("`crypto/cipher` alone and against pion/srtp alone, with allocations, throughput, how many calls a\n")
	p("core carries, multi-core scaling, handshake cost and the memory a call holds.\n\n")

	p("Reproduce (from the repository root; a full run takes about 5 minutes on 2 cores, `-quick` about\n")
	p("half a minute). Run it on an otherwise idle machine: other processes on the same cores inflate\n")
	p("some numbers more than others and so distort the ratios.\n\n")
	p("```sh\n%s\n```\n\n", e.Command)
	p("The same benchmark bodies run under `go test -run XXX -bench . ./bench` (package\n")
	p("`bench/internal/perf`); sub-benchmarks are named like the rows below, for example\n")
	p("`go test -run XXX -bench 'Full|RawGCMx2' ./bench`.\n\n")

	p("## Machine\n\n")
	p("| | |\n|---|---|\n")
	p("| CPU | %s (%d cores; %s) |\n", e.CPU, e.Cores, orDash(e.AESNI))
	p("| Go | %s %s/%s, GOMAXPROCS=%d |\n", e.GoVersion, e.OS, e.Arch, e.GOMAXPROCS)
	if e.Deps != "" {
		p("| modules | %s |\n", e.Deps)
	}
	p("| run | %s, each benchmark %d × %v, fastest run reported |\n", e.Date.Format("2006-01-02 15:04 MST"), e.Count, e.Benchtime)
	if e.Load != "" {
		p("| load average before the run | %s |\n", e.Load)
	}
	if e.Note != "" {
		p("| conditions | %s |\n", e.Note)
	}
	p("\n")

	r.targetsSection(p)
	r.costSplit(p)
	r.allocNote(p)

	p("## Cost per packet\n\n")
	p("![cost per packet vs payload size](%s)\n\n", chartFile)
	p("ns/packet is CPU time on one core for one packet of the given RTP payload (12-byte RTP header,\n")
	p("no extensions); Gbit/s counts payload bits. The last column divides a path's ns/packet by its\n")
	p("baselines' from the same run.\n\n")
	for _, n := range perf.Sizes {
		if !r.haveSize(n) {
			continue
		}
		p("### %d B payload (%s)\n\n", n, sizeName(n))
		p("| path | ns/packet | Gbit/s | packets/s per core | allocs/op | B/op | vs baseline |\n")
		p("|---|---:|---:|---:|---:|---:|---|\n")
		for _, path := range r.paths {
			res, ok := r.get(path.ID(), n)
			if !ok {
				continue
			}
			var rel []string
			for _, base := range baselines(path) {
				if b, ok := r.ns(base, n); ok {
					rel = append(rel, fmt.Sprintf("%.2f× %s", res.ns/b, shortName(base)))
				}
			}
			label := path.Label
			if !path.Baseline {
				label = "**" + label + "**"
			}
			p("| %s | %s | %.2f | %s | %d | %d | %s |\n", label, fmtNs(res.ns), gbits(n, res.ns),
				fmtRate(1e9/res.ns), res.allocs, res.bytes, orDash(strings.Join(rel, ", ")))
		}
		p("\n")
	}

	r.capacity(p)
	r.socketSection(p)
	if r.wire != nil {
		r.wire.wireSection(p)
	}
	meetingSection(p, r.meeting)
	meetingKeySection(p, r.meetKey)
	r.scalingSection(p)
	r.handshakeSection(p)
	r.memorySection(p)
	r.method(p)
	return w.String()
}

// allocs returns the largest allocs/op of path p over the payload sizes
// measured, and how many sizes were measured.
func (r *report) allocs(p perf.Path) (worst int64, measured int) {
	for _, n := range perf.Sizes {
		if res, ok := r.get(p.ID(), n); ok {
			measured++
			worst = max(worst, res.allocs)
		}
	}
	return worst, measured
}

// targetsSection renders the targets with the legend of their result words.
func (r *report) targetsSection(p func(string, ...any)) {
	p("## Targets\n\n")
	p("Ratios from this one run. The floor of two AEAD layers is two raw AES-128-GCM passes over the\n")
	p("same bytes: the inner one over the payload, the outer one over the inner ciphertext and tag.\n")
	p("The result column says:\n\n")
	p("- **met**: within the limit.\n")
	p("- **bounded by pion/srtp**: over the limit, and it would be even if callseal's own code cost\n")
	p("  nothing beyond the one AES-GCM pass of its e2ee layer. The SRTP layer (the cheaper of pion/srtp\n")
	p("  alone and package srtp, which is pion/srtp with callseal's replay window) plus one raw AES-GCM\n")
	p("  pass, both measured in this run, already exceed the limit: the detail gives that least\n")
	p("  reachable ratio, its parts and callseal's part of the full path.\n")
	p("- **bounded by crypto/cipher**: the only allocations are those of the AES-CTR-HMAC suites, and\n")
	p("  none of them allocates more per packet than `crypto/cipher.NewCTR` alone, measured in this run.\n")
	p("- **MISSED**: over the limit, and the libraries leave room to meet it: callseal's own code is over\n")
	p("  (a regression, or a target its code does not reach). A run without `-quick` then exits with\n")
	p("  status 2.\n")
	p("- not measured: this run did not measure what the target needs (see `-run`).\n\n")
	if r.env.Quick {
		p("This is a `-quick` run (each benchmark %d × %v): its figures are indicative only, on short\n", r.env.Count, r.env.Benchtime)
		p("runs, and a MISSED target does not set its exit status. Check one with a full run on an idle\n")
		p("machine.\n\n")
	}
	p("| target | measured | limit | result | detail |\n|---|---:|---:|---|---|\n")
	for _, t := range r.targets {
		p("| %s | %s | %s | %s | %s |\n", t.What, orDash(t.Value), t.Limit, t.mark(), orDash(t.Detail))
	}
	p("\n")
}

// costSplit takes the full path apart: how much of the two-pass floor the
// SRTP layer alone, the e2ee layer alone and the rest take, and the least
// reachable ratio that decides between bounded and missed.
func (r *report) costSplit(p func(string, ...any)) {
	var rows []string
	for _, n := range []int{160, 1200} {
		limit := maxFullVsFloor1200
		if n == 160 {
			limit = maxFullVsFloor160
		}
		for _, sd := range sides {
			s, ok := r.split(sd, n)
			if !ok {
				return
			}
			f := func(v float64) string { return fmt.Sprintf("%.2f", v/s.floor) }
			rest := fmt.Sprintf("%+.2f", s.rest()/s.floor)
			rows = append(rows, fmt.Sprintf("| %s, %d B | %s | %s | %s | %s | %s | %s | ≤ %.2f |",
				sd.name, n, f(s.pion), f(s.srtp), f(s.e2ee), rest, f(s.full), f(s.least()), limit))
		}
	}
	p("Where the two-layer cost goes, as fractions of the same run's floor (one raw AES-GCM pass is\n")
	p("about 0.50). The full path is the SRTP layer's work plus the e2ee layer's; \"rest\" is the full path\n")
	p("minus the cheaper SRTP layer and e2ee alone (the code joining them and the effect of running them\n")
	p("back to back). \"Least reachable\" is the cheaper SRTP layer plus one raw AES-GCM pass: a floor\n")
	p("target whose least reachable ratio is over its limit is bounded by pion/srtp.\n\n")
	p("| path | pion/srtp alone | package srtp | e2ee | rest | full | least reachable | limit |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range rows {
		p("%s\n", row)
	}
	p("\npion/srtp's share above 0.50 is its per-packet work around the AEAD (RTP header parsing,\n")
	p("per-SSRC map lookup, ROC estimate, IV derivation, and for decryption the replay check).\n\n")
}

// allocNote gives the measured reason for the AES-CTR-HMAC suites'
// allocations, when they allocate.
func (r *report) allocNote(p func(string, ...any)) {
	var ctr int64
	for _, path := range r.paths {
		if isCTRSuite(path) {
			worst, _ := r.allocs(path)
			ctr = max(ctr, worst)
		}
	}
	if ctr == 0 {
		return
	}
	p("Allocations of the AES-CTR-HMAC suites: RFC 9605's counter mode starts each packet at a new IV,\n")
	p("and a `crypto/cipher` CTR stream cannot be restarted at a new IV, so these suites create one\n")
	p("`cipher.NewCTR` stream per packet (it holds a copy of the AES key schedule).\n")
	if r.lib.CTRMeasured {
		p("In this run `cipher.NewCTR` + `XORKeyStream` over %d B alone measured %d allocs/op, %d B/op;\n", ctrSize, r.lib.CTRAllocs, r.lib.CTRBytes)
		p("the AES-CTR-HMAC paths measured at most %d allocs/op.\n", ctr)
	} else {
		p("`cipher.NewCTR` alone was not measured in this run.\n")
	}
	p("Counter mode written over `cipher.Block` one block at a time would not allocate, but measured\n")
	p("about five times slower at 1200 B (e2ee/BENCHMARKS.md), and it is cipher-mode code this project\n")
	p("does not write. The AES-GCM suites, the default among them, allocate nothing.\n\n")
}

func (r *report) haveSize(n int) bool {
	for _, path := range r.paths {
		if _, ok := r.get(path.ID(), n); ok {
			return true
		}
	}
	return false
}

func sizeName(n int) string {
	switch n {
	case 160:
		return "audio"
	case 1200:
		return "video"
	case 1400:
		return "screen share"
	}
	return "small"
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func (r *report) capacity(p func(string, ...any)) {
	type layers struct {
		name         string
		send, recv   string
		projectCores bool
	}
	rows := []layers{
		{"**both layers (full send + receive)**", perf.IDFullSend, perf.IDFullReceive, true},
		{"e2ee only (" + perf.DefaultSuite.String() + ")", perf.IDE2EESeal, perf.IDE2EEOpen, false},
		{"srtp only (" + perf.DefaultProfile.String() + ")", perf.IDSRTPProtect, perf.IDSRTPUnprotect, false},
		{"pion/srtp alone (" + perf.DefaultProfile.String() + ")", perf.IDPionEncrypt, perf.IDPionDecrypt, false},
	}
	p("## Calls per core\n\n")
	p("Each party of the model 1:1 call sends these three streams and receives the same from its peer:\n\n")
	p("| stream | bitrate | payload | packets/s |\n|---|---:|---:|---:|\n")
	for _, s := range perf.CallStreams {
		p("| %s | %s bit/s | %d B | %.0f |\n", s.Name, fmtRate(s.Bitrate), s.Payload, s.PacketsPerSecond())
	}
	p("\nOne second of a call costs Σ packets/s × (send + receive ns/packet at the stream's size) on one\n")
	p("party; a core has 10⁹ ns per second. Packet I/O, codecs and the network stack are not counted:\n")
	p("this is the crypto budget only.\n\n")
	p("| layers | CPU per call | concurrent calls per core |\n|---|---:|---:|\n")
	scale, haveScale := r.scaling()
	var full float64
	for _, l := range rows {
		ok := true
		cost := func(id string) func(int) float64 {
			return func(n int) float64 {
				v, have := r.ns(id, n)
				ok = ok && have
				return v
			}
		}
		calls := perf.CallsPerCore(cost(l.send), cost(l.recv))
		if !ok || math.IsInf(calls, 0) {
			continue
		}
		if l.projectCores {
			full = calls
		}
		p("| %s | %.2f ms/s (%.3f%% of a core) | %.0f |\n", l.name, 1e3/calls, 100/calls, calls)
	}
	if full > 0 && haveScale {
		p("\nWith the measured multi-core speed-up of %.2f on %d cores, this machine's crypto carries about\n", scale, r.env.GOMAXPROCS)
		p("%.0f concurrent calls on both layers.\n", full*scale)
	}
	p("\n")
}

func (r *report) scalingSection(p func(string, ...any)) {
	one, ok1 := r.res[nameOneCore]
	all, ok2 := r.res[nameAllCores]
	if !ok1 || !ok2 {
		return
	}
	p("## Multi-core scaling\n\n")
	p("One operation = a full send and a full receive of one %d B packet (e2ee Seal, srtp ProtectRTP,\n", perf.ScalingSize)
	p("srtp UnprotectRTP, e2ee Open). One core: one goroutine and one call. All cores: `b.RunParallel`,\n")
	p("one goroutine per GOMAXPROCS, each with its own call.\n\n")
	p("| | ns/round trip (wall) | round trips/s | allocs/op | speed-up |\n|---|---:|---:|---:|---:|\n")
	p("| one core | %s | %s | %d | 1.00 |\n", fmtNs(one.ns), fmtRate(1e9/one.ns), one.allocs)
	p("| all %d cores | %s | %s | %d | %.2f |\n\n", r.env.GOMAXPROCS, fmtNs(all.ns), fmtRate(1e9/all.ns), all.allocs, one.ns/all.ns)
}

func (r *report) handshakeSection(p func(string, ...any)) {
	p("## Handshake\n\n")
	p("One complete handshake, both parties' work (New, Commit, Response, Reveal, Confirm, Result),\n")
	p("messages handed over in memory.\n\n")
	p("| suite | µs/handshake | handshakes/s per core | allocs/op | B/op |\n|---|---:|---:|---:|---:|\n")
	for _, s := range perf.HandshakeSuites {
		res, ok := r.res[handshakePfx+s.String()]
		if !ok {
			if err := perf.HandshakeSupported(s); err != nil {
				p("| %s | not supported by keyexchange.New yet | | | |\n", s)
			}
			continue
		}
		p("| %s | %.1f | %s | %d | %d |\n", s, res.ns/1e3, fmtRate(1e9/res.ns), res.allocs, res.bytes)
	}
	p("\n")
}

func (r *report) memorySection(p func(string, ...any)) {
	m := r.mem
	if m.Calls == 0 {
		return
	}
	p("## Memory per call\n\n")
	p("Live heap held by one party per call, after audio, video and screen share were each sent and received\n")
	p("once in both directions, so every per-stream state exists (e2ee send and receive keys with their\n")
	p("1024-packet replay windows, pion's per-SSRC contexts with theirs). Measured as the growth of\n")
	p("`runtime.MemStats.HeapAlloc` after a full GC over %d calls, divided by %d. Packet buffers belong to\n", m.Calls, m.Calls)
	p("the application and are not counted.\n\n")
	p("| layers | per call |\n|---|---:|\n")
	p("| **both layers** | %s |\n| e2ee only | %s |\n| srtp only | %s |\n\n", fmtKiB(m.Both), fmtKiB(m.E2EE), fmtKiB(m.SRTP))
}

func (r *report) method(p func(string, ...any)) {
	p("## How it is measured\n\n")
	p("- Packets are marshalled once with pion/rtp, outside the timed loops. Send paths re-send the same\n")
	p("  packet with a new RTP sequence number (the e2ee counter advances by itself) into a reused buffer.\n")
	p("- Receive paths cannot re-open one packet: both layers' replay windows reject it. They cycle\n")
	p("  through a ring of distinct protected packets (256 to 1024 of them, at most 384 KiB, so the ring\n")
	p("  stays in cache), and when the ring is used up the sender protects the next packets of the stream\n")
	p("  into the same buffers, with the timer stopped. The receiver lives as long as the benchmark, as in a\n")
	p("  call, and nothing is allocated, so no garbage collection runs during the timed packets (replacing\n")
	p("  the receiver at each turn of the ring, as an earlier version did, made garbage that the collector\n")
	p("  then cleared concurrently with the receive paths, but not with the baselines). Before measuring, a\n")
	p("  first ring is opened and compared with what was sent; in the timed loop every error fails the\n")
	p("  benchmark.\n")
	p("- Full send = `e2ee.Session.Seal` into a buffer, then `srtp.Session.ProtectRTP` in place. Full\n")
	p("  receive = `srtp.Session.UnprotectRTP` into a buffer, then `e2ee.Session.Open` in place. Default\n")
	p("  suite %s and profile %s.\n", perf.DefaultSuite, perf.DefaultProfile)
	p("- Raw AES-128-GCM is `crypto/cipher` with a 13-byte AAD (RTP header + SFrame config byte) and a\n")
	p("  nonce that changes per packet. The two-layer floor seals the payload, then seals the result in\n")
	p("  place under a second key with a 12-byte AAD; it opens in the reverse order. The raw open\n")
	p("  benchmarks cycle through a ring of distinct ciphertexts of the same size as the receive paths'\n")
	p("  rings, so that both read their input from the same cache level.\n")
	p("- pion/srtp alone is `Context.EncryptRTP` / `DecryptRTP` with a reused `rtp.Header` and buffer,\n")
	p("  pion's own replay protection on (`SRTPReplayProtection(1024)`) for decryption: the protection a\n")
	p("  pion user gets. Package srtp has the same 1024-packet window, but its own O(1) detector\n")
	p("  (internal/replay, through `SRTPReplayDetectorFactory`) instead of pion's, which shifts its whole\n")
	p("  bitmap on every packet.\n")
	p("- Each benchmark runs `-count` times, round-robin over all benchmarks so that interference from\n")
	p("  other processes spreads over all of them; the fastest run is reported and allocs/op is the\n")
	p("  largest of any run. Ratios are only meaningful between numbers of the same run.\n")
}
