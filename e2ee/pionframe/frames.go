package pionframe

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/pion/webrtc/v4"

	"github.com/callseal/callseal/e2ee"
)

// Frames carries one call's e2ee.Session to its sealed tracks and opened
// readers, and counts what they do. The zero value is not usable: create
// it with New. It is safe for concurrent use.
type Frames struct {
	sess atomic.Pointer[e2ee.Session]
	c    counters
}

// New returns a Frames without a session: its tracks and readers drop every
// frame until SetSession.
func New() *Frames { return &Frames{} }

// SetSession gives the tracks and readers their session (e2ee.NewSession
// after the handshake), or replaces it. It claims the session
// (e2ee.Session.Claim) and returns an error wrapping e2ee.ErrSessionInUse
// if another owner has; a nil session is refused the same way.
func (f *Frames) SetSession(s *e2ee.Session) error {
	if s == nil {
		return fmt.Errorf("%w: nil session", e2ee.ErrSessionInUse)
	}
	if err := s.Claim(f); err != nil {
		return fmt.Errorf("pionframe: %w", err)
	}
	f.sess.Store(s)
	return nil
}

// Stats returns a snapshot of the counters.
func (f *Frames) Stats() Stats { return f.c.snapshot() }

// String shows the session's redacted form, never a key.
func (f *Frames) String() string {
	if s := f.sess.Load(); s != nil {
		return "pionframe.Frames{" + s.String() + "}"
	}
	return "pionframe.Frames{no session}"
}

// frameCodec maps a MIME type to its frame mode rule (case-insensitive, as
// MIME types are): Opus and VP8, else ErrUnsupportedCodec.
func frameCodec(mimeType string) (e2ee.FrameCodec, error) {
	switch {
	case strings.EqualFold(mimeType, webrtc.MimeTypeOpus):
		return e2ee.CodecOpus, nil
	case strings.EqualFold(mimeType, webrtc.MimeTypeVP8):
		return e2ee.CodecVP8, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrUnsupportedCodec, mimeType)
}
