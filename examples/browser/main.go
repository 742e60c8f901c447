// Command browser runs an end-to-end encrypted call between a web page and
// a Go peer, through a forwarder in the middle:
//
//	page (camera, microphone) ⇄ forwarder (pion, two PeerConnections) ⇄ Go peer (pion)
//
// The page runs callseal's own Go code compiled to WebAssembly (package
// browser) in a worker: the callseal handshake, over a WebRTC data channel,
// and SFrame frame mode in an RTCRtpScriptTransform on each sender and
// receiver, set before the offer, so that no frame leaves the page unsealed.
// The Go peer runs the same handshake and sends the embedded media
// (examples/loopback/media: Opus speech and VP8 video) sealed frame by
// frame, and opens what the page sends. The forwarder terminates
// DTLS-SRTP on both legs and passes the RTP packets and data channel
// messages on, as an SFU does, without reading a payload. Both sides show
// the check number: the page in its document, the Go peer on standard
// output; the page reports its number to the server, which compares them.
//
//	go run ./examples/browser [-addr 127.0.0.1:8080] [-suites hybrid|x25519] [-initiator browser|go] [-mitm]
//
// With -mitm the forwarder is a man in the middle: it runs a handshake with
// each side and re-seals every frame, so the call works, but the check
// numbers differ; the program says so and exits with status 3.
//
// It builds the WebAssembly module with the go command when it starts
// (Go's build cache makes that quick after the first run), serves the page
// on http://ADDR (a secure context, which WebRTC needs, only on 127.0.0.1
// or localhost), prints the URL and serves calls until interrupted; every
// page load is a new call. Only Opus and VP8 are offered: frame mode knows
// which bytes of those two codecs packetizers read (e2ee.FrameCodec).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/callseal/callseal/browser"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to serve the page on (port 0: any free port)")
	suites := flag.String("suites", "hybrid", "key exchange suites: hybrid (X25519+ML-KEM-768, then X25519) or x25519")
	initiator := flag.String("initiator", "browser", "which side sends the handshake's Commit: browser or go")
	mitm := flag.Bool("mitm", false, "make the forwarder a man in the middle (two handshakes, re-sealing): the check numbers differ, exit status 3")
	flag.Parse()

	cfg, err := newCallConfig(*suites, *initiator)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		flag.Usage()
		os.Exit(2)
	}
	cfg.mitm = *mitm
	media, err := clips()
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	log.SetFlags(0)
	start := time.Now()
	assets, err := browser.Build(ctx)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("built the WebAssembly module (%d bytes) in %v", len(assets.Wasm), time.Since(start).Round(time.Millisecond))

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	exit := make(chan int, 1)
	s := newServer(assets, cfg, media, hooks{
		report: func(r callResult) {
			if r.err != nil {
				fmt.Printf("call %s: %v\n", r.callID, r.err)
			}
			if r.checkNumber != "" {
				fmt.Printf("call %s: handshake done, suite %s\ncheck number: %s\n", r.callID, r.suite, r.checkNumber)
			}
			if r.err == nil {
				go printMedia(ctx, r)
			}
		},
		compared: func(callID, page, goPeer string) {
			if page == goPeer {
				fmt.Printf("call %s: the page shows the same check number: nobody is in the middle\n", callID)
				return
			}
			fmt.Printf("call %s: CHECK NUMBERS DIFFER (page %s, Go %s): someone is in the middle; hang up\n", callID, page, goPeer)
			select {
			case exit <- exitMITM:
			default:
			}
		},
	})
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	code := make(chan int, 1)
	go func() {
		c := 0
		select {
		case <-ctx.Done():
		case c = <-exit:
		}
		s.close()
		srv.Close()
		code <- c
	}()
	fmt.Printf("open http://%s/ in a browser, allow the camera and microphone (Ctrl-C ends)\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
	os.Exit(<-code)
}

// exitMITM is the exit status when the check numbers differed.
const exitMITM = 3

// printMedia prints the Go peer's frame counts every few seconds while
// the call lasts.
func printMedia(ctx context.Context, r callResult) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.peer.stop:
			fmt.Printf("call %s ended: %v\n", r.callID, r.peer.stats.snapshot(r.peer.frames))
			return
		case <-tick.C:
			fmt.Printf("call %s: %v\n", r.callID, r.peer.stats.snapshot(r.peer.frames))
		}
	}
}
