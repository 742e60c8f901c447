package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/callseal/callseal/browser"
)

// Timeouts are generous: on a loaded 2-core machine Chromium takes several
// seconds to start and a call's setup several more.
const (
	buildTimeout = 5 * time.Minute  // the first build of the module compiles the standard library for js/wasm
	callTimeout  = 90 * time.Second // page load, ICE, DTLS, SCTP and the handshake
)

var checkNumberRE = regexp.MustCompile(`^\d{4} \d{4} \d{4} \d{4} \d{4}$`)

// chromiumPath returns the Chromium binary, or skips the test where there
// is none (CI installs Debian's chromium, so it never skips there).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "/usr/lib/chromium/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("Chromium not found: install it (Debian: apt-get install -y chromium) to run the browser tests")
	return ""
}

var (
	buildOnce sync.Once
	assets    *browser.Assets
	buildErr  error
)

func buildAssets(t *testing.T) *browser.Assets {
	t.Helper()
	buildOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		assets, buildErr = browser.Build(ctx)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return assets
}

// newChromium starts headless Chromium with a fake camera and microphone
// and returns a context for new tabs.
func newChromium(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if _, err := chromedp.Run(bctx, chromedp.Navigate("about:blank")); err != nil { // starts the browser
		t.Fatalf("starting Chromium: %v", err)
	}
	return bctx
}

// pageState is what the page shows.
type pageState struct {
	State       string `json:"state"`
	Status      string `json:"status"`
	CheckNumber string `json:"checkNumber"`
	Suite       string `json:"suite"`
	Role        string `json:"role"`
}

const readPage = `({
	state: document.body.dataset.state,
	status: document.getElementById("status").textContent,
	checkNumber: document.getElementById("check-number").textContent,
	suite: document.getElementById("suite").textContent,
	role: document.getElementById("role").textContent,
})`

// A run is one call between a page in Chromium and the example's server.
type run struct {
	srv     *server
	tab     context.Context
	page    pageState
	goPeer  callResult
	compare chan [2]string // the page's and the Go peer's check numbers, once both are known
}

// runCall serves the example with cfg and h (report and compared are set
// here), opens the page in a new tab and waits until the page finished its
// handshake and the Go peer reported.
func runCall(t *testing.T, bctx context.Context, cfg callConfig, h hooks) *run {
	t.Helper()
	media, err := clips()
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan callResult, 1)
	r := &run{compare: make(chan [2]string, 1)}
	h.report = func(res callResult) { results <- res }
	h.compared = func(_, page, goPeer string) { r.compare <- [2]string{page, goPeer} }
	r.srv = newServer(buildAssets(t), cfg, media, h)
	t.Cleanup(r.srv.close)
	r.tab, r.page = openPage(t, bctx, r.srv)
	if r.page.State != "done" {
		t.Fatalf("page: %+v", r.page)
	}
	select {
	case r.goPeer = <-results:
	case <-r.tab.Done():
		t.Fatalf("the Go peer reported nothing: %v", r.tab.Err())
	}
	return r
}

// openPage serves h, opens its page in a new tab of bctx, waits until the
// page is done or failed and returns the tab (with callTimeout) and what
// the page shows.
func openPage(t *testing.T, bctx context.Context, h http.Handler) (context.Context, pageState) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tab, cancel := chromedp.NewContext(bctx)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(tab, callTimeout)
	t.Cleanup(cancelTimeout)
	if _, err := chromedp.Run(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`["done", "failed"].includes(document.body.dataset.state)`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(callTimeout))); err != nil {
		st, _ := chromedp.Run(ctx, chromedp.Evaluate[pageState](readPage))
		t.Fatalf("page did not finish: %v; page: %+v", err, st)
	}
	page, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](readPage))
	if err != nil {
		t.Fatal(err)
	}
	return ctx, page
}

// pageStats is what the page's callStats() returns.
type pageStats struct {
	Worker map[string]map[string]struct { // by side ("send", "receive") and kind
		Frames, Passed, Dropped int
		Failed                  map[string]int
	} `json:"worker"`
	Inbound map[string]struct {
		PacketsReceived, FramesDecoded, KeyFramesDecoded int
		TotalSamplesReceived, ConcealedSamples           int
	} `json:"inbound"`
	Outbound map[string]struct {
		PacketsSent, FramesEncoded int
	} `json:"outbound"`
	VideoFrames int `json:"videoFrames"`
}

func (r *run) pageStats(t *testing.T) pageStats {
	t.Helper()
	st, err := chromedp.Run(r.tab, chromedp.Evaluate[pageStats](`callStats()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestBrowserHandshake runs the callseal handshake between headless
// Chromium (callseal's WebAssembly module) and the Go peer over a WebRTC
// data channel, for each suite and each initiator, and checks that the
// page shows the Go peer's check number.
func TestBrowserHandshake(t *testing.T) {
	bctx := newChromium(t)
	for _, tc := range []struct {
		name, suites, initiator string
		wantSuite               string
	}{
		{"hybrid/browser-initiates", "hybrid", "browser", "X25519_MLKEM768_SHA256"},
		{"x25519/browser-initiates", "x25519", "browser", "X25519_SHA256"},
		{"hybrid/go-initiates", "hybrid", "go", "X25519_MLKEM768_SHA256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := newCallConfig(tc.suites, tc.initiator)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r := runCall(t, bctx, cfg, hooks{})
			page, gop := r.page, r.goPeer
			if gop.err != nil {
				t.Fatalf("Go peer: %v", gop.err)
			}
			if !checkNumberRE.MatchString(page.CheckNumber) {
				t.Errorf("page check number %q is not 20 digits in groups of 4", page.CheckNumber)
			}
			if page.CheckNumber != gop.checkNumber {
				t.Errorf("check numbers differ: page %q, Go %q", page.CheckNumber, gop.checkNumber)
			}
			if page.Suite != tc.wantSuite || gop.suite != tc.wantSuite {
				t.Errorf("suite: page %q, Go %q, want %q", page.Suite, gop.suite, tc.wantSuite)
			}
			if _, wantRole := cfg.roles(); page.Role != wantRole.String() {
				t.Errorf("page role %q, want %q", page.Role, wantRole)
			}
			t.Logf("check number %s (%s) in %v", page.CheckNumber, page.Suite, time.Since(start).Round(time.Millisecond))
		})
	}
}

// apiChecks exercises the module's JavaScript API in the page: two
// handshakes in the page for each suite, the renderings, a frame sealed by
// one side's media session and opened by the other's, and the error codes
// of bad options, bad messages, bad frames and closed objects.
const apiChecks = `(async () => {
	const cs = await callseal.load("/callseal/callseal.wasm");
	const code = (f) => { try { f(); return "no error"; } catch (e) { return e.name + ":" + e.code; } };
	const out = {suites: cs.suites, runs: []};
	for (const suite of cs.suites) {
		const opts = {callID: "api-" + suite, suites: [suite]};
		const i = cs.newHandshake({...opts, role: "initiator", localID: "a", peerID: "b"});
		const r = cs.newHandshake({...opts, role: "responder", localID: "b", peerID: "a"});
		const early = code(() => i.checkNumber());
		let msg = i.start();
		for (let n = 0; msg !== null && n < 8; n++) {
			msg = (n % 2 === 0 ? r : i).handle(msg);
		}
		out.runs.push({suite, early, done: i.done() && r.done(),
			suites: [i.suite(), r.suite()],
			check: [i.checkNumber(), r.checkNumber()],
			digits: [i.digits(6), r.digits(6)],
			emoji: [i.emoji().map((e) => e.emoji).join(""), r.emoji().map((e) => e.emoji).join("")],
			base32: [i.base32(), r.base32()], words: [i.words(), r.words()]});
		const [si, sr] = [i.mediaSession(), r.mediaSession()];
		const frame = new Uint8Array([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 1, 2, 3, 4, 5, 6]); // a VP8 key frame
		const sealed = si.sealFrame("video", "vp8", frame);
		const bad = sealed.slice();
		bad[bad.length - 1] ^= 1;
		const tampered = code(() => sr.openFrame("vp8", bad)); // before the genuine frame: not a replay
		const opened = sr.openFrame("vp8", sealed);
		out.frames = {sealedLen: sealed.length, clearHeader: sealed.slice(0, 10).join() === frame.slice(0, 10).join(),
			kind: opened.kind, same: opened.frame.join() === frame.join(),
			tampered, replayed: code(() => sr.openFrame("vp8", sealed)),
			badCodec: code(() => si.sealFrame("video", "h264", frame)), badKind: code(() => si.sealFrame("data", "vp8", frame)),
			empty: code(() => si.sealFrame("audio", "opus", new Uint8Array(0))),
			again: code(() => i.mediaSession())};
		si.close();
		out.frames.closed = code(() => si.sealFrame("audio", "opus", frame));
		sr.close();
		i.close();
		out.closed = code(() => i.checkNumber());
		out.closedTwice = code(() => i.close());
		r.close();
	}
	out.badRole = code(() => cs.newHandshake({role: "boss", callID: "c", localID: "a", peerID: "b"}));
	out.badSuite = code(() => cs.newHandshake({role: "initiator", callID: "c", localID: "a", peerID: "b", suites: ["P256"]}));
	out.noCallID = code(() => cs.newHandshake({role: "initiator", localID: "a", peerID: "b"}));
	const r = cs.newHandshake({role: "responder", callID: "c", localID: "b", peerID: "a"});
	out.garbage = code(() => r.handle(new Uint8Array([1, 2, 3])));
	out.notBytes = code(() => r.handle("hello"));
	out.startResponder = code(() => r.start());
	out.huge = code(() => r.handle(new Uint8Array(1 << 20)));
	r.close();
	return out;
})()`

type apiResult struct {
	Suites []string `json:"suites"`
	Runs   []struct {
		Suite  string    `json:"suite"`
		Early  string    `json:"early"`
		Done   bool      `json:"done"`
		Suites [2]string `json:"suites"`
		Check  [2]string `json:"check"`
		Digits [2]string `json:"digits"`
		Emoji  [2]string `json:"emoji"`
		Base32 [2]string `json:"base32"`
		Words  [2]string `json:"words"`
	} `json:"runs"`
	Frames struct {
		SealedLen                                                         int
		ClearHeader, Same                                                 bool
		Kind, Tampered, Replayed, BadCodec, BadKind, Empty, Again, Closed string
	}
	Closed, ClosedTwice, BadRole, BadSuite, NoCallID, Garbage, NotBytes, StartResponder, Huge string
}

// TestBrowserAPI runs apiChecks in Chromium.
func TestBrowserAPI(t *testing.T) {
	bctx := newChromium(t)
	s := newServer(buildAssets(t), callConfig{}, [2]*clip{}, hooks{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	tab, cancel := chromedp.NewContext(bctx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(tab, callTimeout)
	defer cancelTimeout()
	// A page that loads the glue without starting a call.
	if _, err := chromedp.Run(ctx, chromedp.Navigate(srv.URL+"/callseal/"+browser.GlueFile)); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[apiResult](`(async () => {
		for (const src of ["wasm_exec.js", "callseal.js"]) {
			const s = document.createElement("script");
			s.src = "/callseal/" + src;
			await new Promise((ok, fail) => { s.onload = ok; s.onerror = fail; document.head.append(s); });
		}
		return await `+apiChecks+`;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("page API: %+v", got)
	if len(got.Runs) != 2 || got.Suites[0] != "X25519_MLKEM768_SHA256" || got.Suites[1] != "X25519_SHA256" {
		t.Fatalf("suites %v, %d runs", got.Suites, len(got.Runs))
	}
	for _, run := range got.Runs {
		if !run.Done || run.Suites != [2]string{run.Suite, run.Suite} {
			t.Errorf("%s: done %v, suites %v", run.Suite, run.Done, run.Suites)
		}
		if run.Early != "CallsealError:ErrNotDone" {
			t.Errorf("%s: checkNumber before done: %s", run.Suite, run.Early)
		}
		for name, pair := range map[string][2]string{"check": run.Check, "digits": run.Digits, "emoji": run.Emoji, "base32": run.Base32, "words": run.Words} {
			if pair[0] == "" || pair[0] != pair[1] {
				t.Errorf("%s: %s renderings %q", run.Suite, name, pair)
			}
		}
		if !checkNumberRE.MatchString(run.Check[0]) || len(run.Digits[0]) != 6 {
			t.Errorf("%s: check number %q, digits %q", run.Suite, run.Check[0], run.Digits[0])
		}
	}
	f := got.Frames
	if !f.ClearHeader || !f.Same || f.Kind != "video" || f.SealedLen <= 16 {
		t.Errorf("frame round trip: %+v", f)
	}
	for name, c := range map[string][2]string{
		"tampered frame":  {f.Tampered, "CallsealError:ErrAuth"},
		"replayed frame":  {f.Replayed, "CallsealError:ErrReplay"},
		"bad codec":       {f.BadCodec, "CallsealError:ErrInvalidOption"},
		"bad kind":        {f.BadKind, "CallsealError:ErrInvalidOption"},
		"empty frame":     {f.Empty, "CallsealError:ErrMalformed"},
		"second session":  {f.Again, "CallsealError:ErrSecretsTaken"},
		"closed session":  {f.Closed, "CallsealError:ErrClosed"},
		"closed":          {got.Closed, "CallsealError:ErrWiped"},
		"closed twice":    {got.ClosedTwice, "CallsealError:ErrWiped"},
		"bad role":        {got.BadRole, "CallsealError:ErrInvalidOption"},
		"bad suite":       {got.BadSuite, "CallsealError:ErrInvalidOption"},
		"no call ID":      {got.NoCallID, "CallsealError:ErrInvalidConfig"},
		"garbage":         {got.Garbage, "CallsealError:ErrMalformed"},
		"not bytes":       {got.NotBytes, "CallsealError:ErrInvalidOption"},
		"responder start": {got.StartResponder, "CallsealError:ErrWrongState"},
		"huge message":    {got.Huge, "CallsealError:ErrMalformed"},
	} {
		if c[0] != c[1] {
			t.Errorf("%s: %s, want %s", name, c[0], c[1])
		}
	}
}
