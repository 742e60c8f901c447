package soak

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callseal/callseal"
	"github.com/callseal/callseal/e2ee"
)

// plan is the size of a soak run.
type plan struct {
	calls    int
	duration time.Duration // of the traffic
	every    time.Duration // between heap samples
	// speed multiplies mediaPlan's real-time frame rates. It is chosen so
	// that the run loads a 2-core machine without saturating it: a
	// saturated machine drops packets in the sockets and measures the
	// scheduler, not callseal. 200 calls in real time (42,000 packets a
	// second written, as many read) take about one core of two; the short
	// run's 20 calls go four times as fast.
	speed            float64
	rekeyLo, rekeyHi time.Duration // each Session rekeys after a uniform random pause in [lo, hi)
	// grace is how long receivers keep superseded epochs' keys
	// (e2ee.Config.EpochGraceTime): a rekey's memory is given back only that
	// long after it.
	grace time.Duration
	full  bool // CALLSEAL_SOAK asked for this run
	// leakPerPacket plants a leak for TestSoakFindsPlantedLeak: every
	// party keeps that many bytes for each packet it reads.
	leakPerPacket int
}

// warmup is how long the calls run before the first heap sample: until the
// heap of a leak-free run has stopped growing. Every rekey keeps the
// superseded keys for the grace time, so the number of keys held reaches its
// steady state once the grace time and one more rekey interval have passed;
// the receive queues and the runtime settle in the first second.
func (p plan) warmup() time.Duration { return p.grace + p.rekeyHi + time.Second }

// Loss up to maxLoss of the packets sent is loopback UDP dropping under
// load (socket buffers full, a receive queue full); more means a stalled
// receive path.
const maxLoss = 0.05

// minFull is the shortest full run: after its warm-up, 200 calls do enough
// work in it, with a margin, to see a leak of a byte a packet or of a
// quarter of a key a rekey (see enoughWork).
const minFull = 60 * time.Second

// planFor returns the plan for this run: a short one by default, so that
// go test ./... stays fast, and 200 calls for the duration CALLSEAL_SOAK
// names when it is set. The short run rekeys and forgets old keys five times
// faster, to pack many rekeys into a few seconds.
func planFor(t *testing.T) plan {
	env := os.Getenv("CALLSEAL_SOAK")
	if env == "" {
		return shortPlan()
	}
	p := plan{calls: 200, full: true, every: time.Second, speed: 1,
		rekeyLo: 2 * time.Second, rekeyHi: 4 * time.Second, grace: e2ee.DefaultGraceTime}
	d, err := time.ParseDuration(env)
	if err != nil || d < minFull {
		t.Fatalf("CALLSEAL_SOAK=%q: want a duration of at least %v, such as 60s", env, minFull)
	}
	p.duration = d
	return p
}

// shortPlan is the plan of the short run: 20 calls for 4 s.
func shortPlan() plan {
	p := plan{calls: 20, duration: 4 * time.Second, every: 100 * time.Millisecond, speed: 4,
		rekeyLo: 400 * time.Millisecond, rekeyHi: 800 * time.Millisecond, grace: e2ee.DefaultGraceTime / 5}
	if raceEnabled || testing.Short() {
		p.speed = 1 // the race detector makes every packet ~10 times dearer
	}
	return p
}

// TestSoak runs plan.calls concurrent calls, each two Sessions over
// connected UDP sockets on 127.0.0.1 keyed by a real handshake, for
// plan.duration. Each party sends audio, video, screen share and RTCP
// (mediaPlan), reads and checks every packet that arrives, and rekeys at
// jittered intervals. It fails on any corrupt, misdirected or duplicated
// packet, any packet a Session rejected (authentication, replay, unknown
// key), loss beyond maxLoss, rekeys the peer did not follow, live heap
// growth while the calls run (see noiseFloor), and any goroutine or heap
// left after Close.
func TestSoak(t *testing.T) {
	p := planFor(t)
	samples := runSoak(t, p)
	if err := leakError(samples); err != nil {
		t.Error(err)
	}
	if p.full {
		if err := enoughWork(samples[0], samples[len(samples)-1]); err != nil {
			t.Error(err)
		}
	}
}

// TestSoakFindsPlantedLeak runs the short soak with a leak planted in the
// test's own receivers: 256 bytes kept for every packet read (1 KiB under
// the race detector or -short, where the run sends a quarter as many), about
// 5 MiB over the sampled part of the run. The heap check must report it.
func TestSoakFindsPlantedLeak(t *testing.T) {
	p := shortPlan()
	p.leakPerPacket = int(1024 / p.speed)
	samples := runSoak(t, p)
	if err := leakError(samples); err == nil {
		t.Errorf("a leak of %d bytes per packet read was not found", p.leakPerPacket)
	} else {
		t.Logf("found, as it should: %v", err)
	}
}

// leakError returns an error if the live heap's trend over the samples
// (heapTrend) rose by noiseFloor or more.
func leakError(samples []heapSample) error {
	first, last := samples[0], samples[len(samples)-1]
	g := heapTrend(samples)
	if g < noiseFloor {
		return nil
	}
	return fmt.Errorf("the live heap's trend rose by %.0f bytes from %.1fs to %.1fs while the calls ran (%.2f bytes per packet, %.0f bytes per rekey): a leak",
		g, first.at.Seconds(), last.at.Seconds(), g/float64(max(1, last.packets-first.packets)), g/float64(max(1, last.rekeys-first.rekeys)))
}

// runSoak runs the calls of plan p and checks everything but the heap
// while they ran, which it returns as samples taken after the warm-up.
func runSoak(t *testing.T, p plan) []heapSample {
	begin := time.Now()
	seed := uint64(begin.UnixNano())
	t.Logf("plan: %d calls for %v (warm-up %v), speed %g, rekey every [%v, %v), epoch grace %v, seed %d",
		p.calls, p.duration, p.warmup(), p.speed, p.rekeyLo, p.rekeyHi, p.grace, seed)

	baseGoroutines := runtime.NumGoroutine()
	baseLive, _ := readHeap()
	setup := time.Now()
	f := &failures{t: t}
	calls := make([]*call, 0, p.calls)
	for i := range p.calls {
		c, err := newCall(i, p.grace)
		if err == nil {
			for _, pt := range c.parties {
				pt.leakPerPacket = p.leakPerPacket
			}
			calls = append(calls, c)
			err = c.fill(f)
		}
		if err != nil {
			for _, c := range calls {
				c.close(t)
			}
			t.Fatal(err)
		}
	}
	t.Logf("%d calls set up and their receive queues filled in %v", p.calls, time.Since(setup).Round(time.Millisecond))

	var readers, senders, rekeyers sync.WaitGroup
	stopSend, stopRekey := make(chan struct{}), make(chan struct{})
	for _, c := range calls {
		for i, pt := range c.parties {
			for st := range numStreams {
				interval := time.Duration(float64(mediaPlan[st].interval) / p.speed)
				senders.Go(func() { pt.send(f, streamID{c.id, i, st}, interval, stopSend) })
				readers.Go(func() { pt.read(f, streamID{c.id, 1 - i, st}) })
			}
			rng := rand.New(rand.NewPCG(seed, uint64(c.id<<1|i)))
			name := fmt.Sprintf("call %d party %d", c.id, i)
			rekeyers.Go(func() { pt.rekey(f, name, rng, p.rekeyLo, p.rekeyHi, stopRekey) })
		}
	}
	start := time.Now()
	samples, peakGoroutines := sampleWhileRunning(calls, start, p)
	elapsed := time.Since(start)

	// Stop rekeying first, and send a little longer, so that every stream
	// carries packets under its last epoch and the peers' rekey counts
	// must match.
	close(stopRekey)
	rekeyers.Wait()
	time.Sleep(time.Duration(3 * float64(mediaPlan[callseal.ScreenShare].interval) / p.speed))
	close(stopSend)
	senders.Wait()
	drain(calls)
	tot := check(t, f, calls)

	for _, c := range calls {
		c.close(t)
	}
	readers.Wait()
	calls = nil

	// No goroutine may outlive Close: not the Sessions' receive loops, not
	// anything e2ee or srtp started. (A grace timer of e2ee that fires
	// after Close runs its callback in a goroutine of its own for a moment.)
	leftover := waitGoroutines(baseGoroutines, 10*time.Second)
	// Nor may the Sessions' memory: once the last grace timers have fired,
	// nothing may reach it.
	slack := afterCloseSlack(peakGoroutines)
	afterLive, afterWait := waitHeap(baseLive+slack, p.grace+5*time.Second)

	first, last := samples[0], samples[len(samples)-1]
	t.Logf("%d calls, %v of traffic, %v in all", p.calls, elapsed.Round(time.Millisecond), time.Since(begin).Round(time.Millisecond))
	t.Logf("%s", tot)
	t.Logf("heap samples:%s", formatSamples(samples))
	t.Logf("live heap trend %+.0f bytes from %.1fs to %.1fs over %d samples (bound %d): the run sees a leak of %s",
		heapTrend(samples), first.at.Seconds(), last.at.Seconds(), len(samples), noiseFloor, sensitivity(first, last))
	t.Logf("live heap: %.3f MiB before the calls, %.3f MiB %v after Close", mib(baseLive), mib(afterLive), afterWait.Round(time.Millisecond))
	t.Logf("goroutines: %d before the calls, %d while they ran, %d after Close", baseGoroutines, peakGoroutines, leftover)

	if n := f.n.Load(); n > maxReported {
		t.Errorf("%d failures in all, %d not shown", n, n-maxReported)
	}
	if leftover > baseGoroutines {
		t.Errorf("%d goroutines left after Close, %d before the calls:\n%s", leftover, baseGoroutines, goroutineDump())
	}
	if afterLive > baseLive+slack {
		t.Errorf("live heap %.3f MiB %v after Close, %.3f MiB before the calls: Sessions are still reachable",
			mib(afterLive), afterWait.Round(time.Millisecond), mib(baseLive))
	}
	return samples
}

// afterCloseSlack returns how much more live heap than before the calls
// there may be once they are all closed, when at most goroutines ran at
// once: the runtime keeps the descriptor of every goroutine it ever ran for
// reuse (about 450 bytes each; 2.2 MiB in all after a full run), and a
// little for itself. A Session that something still reaches after Close
// keeps about 50 KiB (its e2ee keys and replay windows, its channels): a
// run whose Sessions all stayed reachable would be 20 MiB over.
func afterCloseSlack(goroutines int) uint64 {
	return 1<<20 + 512*uint64(goroutines)
}

// sampleWhileRunning samples the heap every p.every from the end of the
// warm-up to the end of the traffic, p.duration after start, and returns
// the samples and the most goroutines it saw. A sample that comes late, on
// a loaded machine, is taken at once and the next is p.every after it.
func sampleWhileRunning(calls []*call, start time.Time, p plan) (samples []heapSample, goroutines int) {
	progress := func(s *heapSample) {
		for _, c := range calls {
			for _, pt := range c.parties {
				for st := range numStreams {
					s.packets += pt.sent[st].Load()
				}
				s.rekeys += pt.rekeys.Load()
			}
		}
	}
	for at := p.warmup(); ; at = min(max(at, time.Since(start))+p.every, p.duration) {
		time.Sleep(time.Until(start.Add(at)))
		s := heapSample{at: time.Since(start)}
		progress(&s)
		s.live, s.inuse = readHeap()
		samples = append(samples, s)
		goroutines = max(goroutines, runtime.NumGoroutine())
		if at >= p.duration {
			return samples, goroutines
		}
	}
}

// waitHeap waits up to d for the live heap to fall to n, and returns the
// last it saw and how long it waited.
func waitHeap(n uint64, d time.Duration) (live uint64, waited time.Duration) {
	start := time.Now()
	for {
		live, _ = readHeap()
		if waited = time.Since(start); live <= n || waited > d {
			return live, waited
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// drain waits until the packets in flight have arrived and been read: until
// the parties' read counts stop changing.
func drain(calls []*call) {
	read := func() (n uint64) {
		for _, c := range calls {
			for _, pt := range c.parties {
				for st := range numStreams {
					n += pt.recv[st].Load()
				}
				n += pt.bad.Load()
			}
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for last := read(); time.Now().Before(deadline); {
		time.Sleep(300 * time.Millisecond)
		n := read()
		if n == last {
			return
		}
		last = n
	}
}

// totals are the counts of a run, over all calls.
type totals struct {
	sent, recv, lost, sendErrs, overflows [numStreams]uint64
	late, reorder                         [numStreams]uint64
	wireBytes                             uint64
	rekeys, rekeysSent, rekeysRecv        uint64
}

func (tot *totals) String() string {
	var b strings.Builder
	var sent, lost uint64
	for st := range numStreams {
		sent += tot.sent[st]
		lost += tot.lost[st]
		fmt.Fprintf(&b, "%-6s sent %9d  received %9d  lost %6d (%.3f%%; %d socket write errors, %d queue overflows)  reordered %d, late %d\n",
			mediaPlan[st].name, tot.sent[st], tot.recv[st], tot.lost[st], percent(tot.lost[st], tot.sent[st]),
			tot.sendErrs[st], tot.overflows[st], tot.reorder[st], tot.late[st])
	}
	fmt.Fprintf(&b, "all    sent %9d  lost %6d (%.3f%%), %.1f MiB on the wire\n", sent, lost, percent(lost, sent), mib(tot.wireBytes))
	fmt.Fprintf(&b, "rekeys: %d Rekey calls; epochs moved %d on the sending side, %d on the receiving side (3 media streams each)",
		tot.rekeys, tot.rekeysSent, tot.rekeysRecv)
	return b.String()
}

func percent(a, b uint64) float64 { return 100 * float64(a) / float64(max(b, 1)) }

// check compares every party's counts with its Sessions' Stats after the
// traffic has drained, and fails on any packet a Session rejected, on
// loss beyond maxLoss and on rekeys the peer did not follow.
func check(t *testing.T, f *failures, calls []*call) *totals {
	tot := new(totals)
	for _, c := range calls {
		for i, from := range c.parties {
			to := c.parties[1-i]
			fromSt, toSt := from.s.Stats(), to.s.Stats()
			if u := toSt.Unattributed; u != (callseal.StreamStats{}) {
				f.errorf("call %d party %d: unattributed packets: %+v", c.id, 1-i, u)
			}
			tot.rekeys += from.rekeys.Load()
			for st := range numStreams {
				id := streamID{c.id, i, st}
				out, in := fromSt.RTCP, toSt.RTCP
				if st != rtcpStream {
					out, in = fromSt.Stream(callseal.MediaKind(st)), toSt.Stream(callseal.MediaKind(st))
				}
				sent, recv := from.sent[st].Load(), to.recv[st].Load()
				tot.sent[st] += sent
				tot.recv[st] += recv
				tot.lost[st] += sent - min(recv, sent)
				tot.sendErrs[st] += from.sendErrs[st].Load()
				tot.overflows[st] += in.Overflows
				tot.late[st] += to.late[st].Load()
				tot.reorder[st] += to.reorder[st].Load()
				tot.wireBytes += out.Sent.WireBytes
				tot.rekeysSent += out.RekeysSent
				tot.rekeysRecv += in.RekeysReceived

				if out.Sent.Packets != sent {
					f.errorf("%v: Stats count %d packets sent, the sender wrote %d", id, out.Sent.Packets, sent)
				}
				if in.Received.Packets != recv {
					f.errorf("%v: Stats count %d packets received, the reader read %d good ones", id, in.Received.Packets, recv)
				}
				if in.AuthFailures()+in.Replays+in.Malformed != 0 {
					f.errorf("%v: the receiver rejected packets: %d transport auth failures, %d E2EE auth failures, %d replays, %d malformed or unknown key",
						id, in.TransportAuthFailures, in.E2EEAuthFailures, in.Replays, in.Malformed)
				}
				if st == rtcpStream {
					continue
				}
				// Rekey moves a stream only if it sent since its last epoch
				// change: at most once per call, and the peer follows every move.
				if n := from.rekeys.Load(); out.RekeysSent > n || (n > 0 && out.RekeysSent == 0) || in.RekeysReceived != out.RekeysSent {
					f.errorf("%v: %d Rekey calls, but the stream's epoch moved %d times sending and %d times receiving", id, n, out.RekeysSent, in.RekeysReceived)
				}
			}
		}
	}
	var sent, lost uint64
	for st := range numStreams {
		sent += tot.sent[st]
		lost += tot.lost[st]
	}
	if float64(lost) > maxLoss*float64(sent) {
		t.Errorf("lost %d of %d packets, more than %g%%", lost, sent, 100*maxLoss)
	}
	if sent == 0 || tot.rekeys == 0 {
		t.Errorf("nothing happened: %d packets sent, %d rekeys", sent, tot.rekeys)
	}
	return tot
}

// waitGoroutines waits up to d for the number of goroutines to fall to n,
// and returns the number it saw last.
func waitGoroutines(n int, d time.Duration) int {
	deadline := time.Now().Add(d)
	for {
		runtime.GC() // finalizers, for what would otherwise linger
		g := runtime.NumGoroutine()
		if g <= n || time.Now().After(deadline) {
			return g
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// goroutineDump returns the stacks of all goroutines, cut at 64 KiB.
func goroutineDump() string {
	buf := make([]byte, 64<<10)
	return string(buf[:runtime.Stack(buf, true)])
}
