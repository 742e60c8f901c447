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
	paths   []perf.Path
	targets []target
}

func newReport(env environment, res map[string]*result, mem perf.Memory) *report {
	r := &report{env: env, res: res, mem: mem, paths: perf.Paths()}
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

	p("## Targets\n\n")
	p("Ratios from this one run. The floor of two AEAD layers is two raw AES-128-GCM passes\n")
	p("over the same bytes: the inner one over the payload, the outer one over the inner ciphertext and tag.\n\n")
	p("| target | measured | limit | result | detail |\n|---|---:|---:|---|---|\n")
	for _, t := range r.targets {
		p("| %s | %s | %s | %s | %s |\n", t.What, orDash(t.Value), t.Limit, t.mark(), t.Detail)
	}
	p("\n")
	r.floorBudget(p)
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
	r.scalingSection(p)
	r.handshakeSection(p)
	r.memorySection(p)
	r.method(p)
	return w.String()
}

// floorBudget says how much of the two-pass floor the SRTP layer alone and
// the e2ee layer alone already take: their sum bounds what the full path can
// reach while SRTP is done by pion/srtp. The SRTP share is the cheaper of
// pion/srtp alone and package srtp (pion/srtp with callseal's replay window,
// which is cheaper than pion's own on receive).
func (r *report) floorBudget(p func(string, ...any)) {
	type side struct{ name, pion, srtp, e2ee, floor string }
	sides := []side{
		{"send", perf.IDPionEncrypt, perf.IDSRTPProtect, perf.IDE2EESeal, perf.IDRaw2Seal},
		{"receive", perf.IDPionDecrypt, perf.IDSRTPUnprotect, perf.IDE2EEOpen, perf.IDRaw2Open},
	}
	var rows []string
	for _, n := range []int{160, 1200} {
		limit := maxFullVsFloor1200
		if n == 160 {
			limit = maxFullVsFloor160
		}
		for _, sd := range sides {
			pion, ok1 := r.ns(sd.pion, n)
			srtp, ok2 := r.ns(sd.srtp, n)
			e2ee, ok3 := r.ns(sd.e2ee, n)
			floor, ok4 := r.ns(sd.floor, n)
			if !ok1 || !ok2 || !ok3 || !ok4 {
				return
			}
			sum := (min(pion, srtp) + e2ee) / floor
			verdict := "within the limit"
			if sum > limit {
				verdict = "**over the limit before any glue**"
			}
			rows = append(rows, fmt.Sprintf("| %s, %d B | %.2f | %.2f | %.2f | %.2f | ≤ %.2f | %s |",
				sd.name, n, pion/floor, srtp/floor, e2ee/floor, sum, limit, verdict))
		}
	}
	p("Why the floor targets fail: the full path is the SRTP layer's work plus the e2ee layer's, and\n")
	p("each alone already takes this much of the two-pass floor (fractions of the same run's floor;\n")
	p("the sum takes the cheaper of pion/srtp alone and package srtp, which is pion/srtp with\n")
	p("callseal's replay window instead of pion's):\n\n")
	p("| path | pion/srtp alone | package srtp | e2ee | sum | target | |\n|---|---:|---:|---:|---:|---:|---|\n")
	for _, row := range rows {
		p("%s\n", row)
	}
	p("\nEach layer alone would be 0.50 if it cost exactly one raw AES-GCM pass. pion/srtp's share above\n")
	p("that is its per-packet work around the AEAD (RTP header parsing, per-SSRC map lookup, ROC\n")
	p("estimate, IV derivation, and for decryption the replay check). Where the sum is over the\n")
	p("limit, no glue code in callseal can bring the full path to the target while SRTP is done by\n")
	p("pion/srtp.\n\n")
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

// allocNote explains the allocation target's failure when the only
// allocating paths are e2ee with an AES-CTR-HMAC suite, whose one allocation
// per packet is crypto/cipher's; any other allocating path gets no excuse.
func (r *report) allocNote(p func(string, ...any)) {
	ctr := 0
	for _, path := range r.paths {
		if worst, _ := r.allocs(path); path.Baseline || worst == 0 {
			continue
		}
		if path.Group != "E2EE" || !strings.Contains(path.Variant, "CTR_HMAC") {
			return
		}
		ctr++
	}
	if ctr == 0 {
		return
	}
	p("Why the allocation target fails: only the three AES-CTR-HMAC suites of RFC 9605 allocate, one\n")
	p("`crypto/cipher.NewCTR` stream (512 B, a copy of the AES key schedule) per packet. Their counter\n")
	p("mode starts each packet at a new IV, and the standard library cannot restart a stream\n")
	p("(golang/go#39365; unchanged in Go 1.27). The alternative, counter mode of our own over\n")
	p("`cipher.Block`, measured five times slower and is cipher code this project does not write. The\n")
	p("AES-GCM suites, the default among them, allocate nothing.\n\n")
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
