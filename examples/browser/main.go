// Command browser runs a callseal call between a web page and a Go peer:
// the page runs callseal's own Go code compiled to WebAssembly (package
// browser), the Go peer is a pion/webrtc PeerConnection, and the callseal
// handshake runs over a WebRTC data channel between them. Both show the
// check number: the page in its document, the Go peer on standard output.
//
//	go run ./examples/browser [-addr 127.0.0.1:8080] [-suites hybrid|x25519] [-initiator browser|go]
//
// It builds the WebAssembly module with the go command when it starts
// (Go's build cache makes that quick after the first run), serves the page
// on http://ADDR (a secure context, which WebRTC needs, only on 127.0.0.1
// or localhost), prints the URL and serves calls until interrupted; every
// page load is a new call.
//
// Media is not sent yet: no track is added on either side, and none will be
// until the media is sealed end to end (SFrame frame mode), so no clear
// media ever flows.
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
	flag.Parse()

	cfg, err := newCallConfig(*suites, *initiator)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		flag.Usage()
		os.Exit(2)
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
	s := newServer(assets, cfg, func(r callResult) {
		if r.err != nil {
			fmt.Printf("call %s: %v\n", r.callID, r.err)
			return
		}
		fmt.Printf("call %s: handshake done, suite %s\ncheck number: %s\n", r.callID, r.suite, r.checkNumber)
	})
	defer s.close()
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Printf("open http://%s/ in a browser (Ctrl-C ends)\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
