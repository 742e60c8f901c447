//go:build js && wasm

package main

import (
	"errors"
	"syscall/js"

	"github.com/callseal/callseal/browser/internal/bridge"
	"github.com/callseal/callseal/e2ee"
)

// session is one e2ee.Session in frame mode as the page sees it, with the
// buffers its calls reuse (frames are copied in from JavaScript, sealed or
// opened into out, and copied out to a new Uint8Array).
type session struct {
	s       *e2ee.Session
	in, out []byte
}

// sessions are the open media sessions (methods set in init, as close
// refers to sessions).
var sessions = objects[*session]{
	closed: func() error { return errors.Join(e2ee.ErrClosed, errors.New("media session closed")) },
}

func init() {
	sessions.methods = map[string]func(*session, []js.Value) any{
		"sealFrame": (*session).sealFrame,
		"openFrame": (*session).openFrame,
		"close":     (*session).close,
	}
}

// mediaSession implements handshake.mediaSession(): the E2EE session of
// the call, keyed from the Result's media secrets, which it takes (one
// session per handshake: a second call throws ErrSecretsTaken).
func (h *handshake) mediaSession([]js.Value) any {
	if h.res == nil {
		return jsError(errNotDone)
	}
	s, err := e2ee.NewSession(h.res)
	if err != nil {
		return jsError(err)
	}
	return sessions.wrap(&session{s: s})
}

// sealFrame implements session.sealFrame(kind, codec, frame): the sealed
// frame, a new Uint8Array.
func (s *session) sealFrame(args []js.Value) any {
	if len(args) != 3 || args[0].Type() != js.TypeString || args[1].Type() != js.TypeString {
		return jsError(errors.Join(bridge.ErrInvalidOption, errors.New("sealFrame takes a kind, a codec and a Uint8Array")))
	}
	kind, err := bridge.ParseKind(args[0].String())
	if err != nil {
		return jsError(err)
	}
	codec, err := bridge.ParseCodec(args[1].String())
	if err != nil {
		return jsError(err)
	}
	if s.in, err = frameFromJS(s.in, args[2]); err != nil {
		return jsError(err)
	}
	if s.out, err = s.s.SealFrame(s.out[:0], s.in, kind, codec); err != nil {
		return jsError(err)
	}
	return bytesToJS(s.out)
}

// openFrame implements session.openFrame(codec, frame): {kind, frame},
// the media kind the frame's key belongs to and the opened frame, a new
// Uint8Array.
func (s *session) openFrame(args []js.Value) any {
	if len(args) != 2 || args[0].Type() != js.TypeString {
		return jsError(errors.Join(bridge.ErrInvalidOption, errors.New("openFrame takes a codec and a Uint8Array")))
	}
	codec, err := bridge.ParseCodec(args[0].String())
	if err != nil {
		return jsError(err)
	}
	if s.in, err = frameFromJS(s.in, args[1]); err != nil {
		return jsError(err)
	}
	var kind e2ee.MediaKind
	if s.out, kind, err = s.s.OpenFrame(s.out[:0], s.in, codec); err != nil {
		return jsError(err)
	}
	return map[string]any{"kind": kind.String(), "frame": bytesToJS(s.out)}
}

// close erases the session's keys and forgets it; any method called
// afterwards, close included, throws ErrClosed.
func (s *session) close([]js.Value) any {
	s.s.Close()
	clear(s.out) // the last opened frame
	sessions.forget(s)
	return nil
}

// frameFromJS copies a Uint8Array of at most bridge.MaxFrameSize bytes (a
// longer one is refused before copying) into buf, grown as needed.
func frameFromJS(buf []byte, v js.Value) ([]byte, error) {
	if !v.InstanceOf(js.Global().Get("Uint8Array")) {
		return buf, errors.Join(bridge.ErrInvalidOption, errors.New("want a Uint8Array"))
	}
	n := v.Get("length").Int()
	if n > bridge.MaxFrameSize {
		return buf, errors.Join(e2ee.ErrMalformed, errors.New("frame longer than bridge.MaxFrameSize"))
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	js.CopyBytesToGo(buf, v)
	return buf, nil
}
