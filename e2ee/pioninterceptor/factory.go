package pioninterceptor

import (
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/callseal/callseal/e2ee"
)

// DefaultScreenSharePrefix is the track ID prefix that RegisterSender maps to
// e2ee.ScreenShare unless Config.ScreenSharePrefix says otherwise.
const DefaultScreenSharePrefix = "screen"

// Factory is a pion interceptor.Factory whose interceptors seal and open the
// RTP media of a call with one e2ee.Session, set with SetSession.
//
// A Factory is safe for concurrent use. The zero value is ready to use, with
// the zero Config and no session (media is dropped until SetSession).
type Factory struct {
	session atomic.Pointer[e2ee.Session]

	cfg Config
	err error // a NewFactory misuse, reported by NewInterceptor and SetSession

	// kinds maps an SSRC to the media kind SetStreamKind chose for it;
	// copy-on-write, so the send path reads it without locking.
	kindsMu sync.Mutex
	kinds   atomic.Pointer[map[uint32]e2ee.MediaKind]

	stats counters
}

var (
	_ interceptor.Factory     = (*Factory)(nil)
	_ interceptor.Interceptor = (*e2eeInterceptor)(nil)
)

// NewFactory returns a Factory without a session. cfg is optional (at most
// one); without it, the zero Config's defaults apply. NewFactory cannot
// fail: given more than one Config, it returns a Factory whose
// NewInterceptor and SetSession return an error wrapping ErrInvalidConfig,
// so pion's building of the PeerConnection fails.
func NewFactory(cfg ...Config) *Factory {
	f := new(Factory)
	switch len(cfg) {
	case 0:
	case 1:
		f.cfg = cfg[0]
	default:
		f.err = fmt.Errorf("%w: %d Configs given to NewFactory, at most one is allowed", ErrInvalidConfig, len(cfg))
	}
	return f
}

// NewInterceptor implements interceptor.Factory. pion calls it once per
// PeerConnection; every interceptor uses the Factory's session and Config.
// It returns an error wrapping ErrInvalidConfig for a Factory that
// NewFactory was given more than one Config.
func (f *Factory) NewInterceptor(_ string) (interceptor.Interceptor, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &e2eeInterceptor{f: f}, nil
}

// SetSession sets the session that keys all of the Factory's interceptors,
// from the next packet on. A nil session makes them drop media again.
// Typically it is called once, when the handshake completes.
//
// The Factory claims s (e2ee.Session.Claim): one session keys one call, so
// a session already set on another Factory, or used by a callseal.Session,
// is refused with an error wrapping e2ee.ErrSessionInUse, and the Factory
// keeps its current session. Setting the Factory's own session again is
// allowed, as is replacing it with a new session after a new handshake;
// a replaced session stays claimed by this Factory.
//
// An ICE restart needs nothing here: pion keeps the PeerConnection, its
// interceptors and so this Factory's session, whose send counters and
// replay windows carry on over the new candidate pair. A new
// PeerConnection is a new call: run a new handshake and use a new Factory.
func (f *Factory) SetSession(s *e2ee.Session) error {
	if f.err != nil {
		return fmt.Errorf("pioninterceptor: SetSession: %w", f.err)
	}
	if s != nil {
		if err := s.Claim(f); err != nil {
			return fmt.Errorf("pioninterceptor: SetSession: %w", err)
		}
	}
	f.session.Store(s)
	return nil
}

// Session returns the current session, or nil.
func (f *Factory) Session() *e2ee.Session { return f.session.Load() }

// SetStreamKind chooses the media kind of the local stream with the given
// SSRC, overriding Config.KindFunc and the codec rule. It takes effect from the
// next packet; call it before media flows, for example right after
// PeerConnection.AddTrack with the SSRC from RTPSender.GetParameters.
func (f *Factory) SetStreamKind(ssrc uint32, kind e2ee.MediaKind) {
	f.kindsMu.Lock()
	defer f.kindsMu.Unlock()
	var next map[uint32]e2ee.MediaKind
	if cur := f.kinds.Load(); cur != nil {
		next = maps.Clone(*cur)
	} else {
		next = make(map[uint32]e2ee.MediaKind, 1)
	}
	next[ssrc] = kind
	f.kinds.Store(&next)
}

// RegisterSender chooses the media kind of the sender's track by its ID and
// kind: ScreenShare if the track ID starts with the screen-share prefix
// (Config.ScreenSharePrefix, default "screen"), otherwise Audio or Video as the
// track says. It records it with SetStreamKind for each of the sender's
// encodings and returns it. Call it right after PeerConnection.AddTrack (or
// RTPSender.ReplaceTrack), before media flows. A sender without a track is
// left alone and reported as Video.
func (f *Factory) RegisterSender(s *webrtc.RTPSender) e2ee.MediaKind {
	track := s.Track()
	if track == nil {
		return e2ee.Video
	}
	kind := e2ee.Video
	switch {
	case f.isScreenShare(track.ID()):
		kind = e2ee.ScreenShare
	case track.Kind() == webrtc.RTPCodecTypeAudio:
		kind = e2ee.Audio
	}
	for _, enc := range s.GetParameters().Encodings {
		f.SetStreamKind(uint32(enc.SSRC), kind)
	}
	return kind
}

func (f *Factory) isScreenShare(trackID string) bool {
	if f.cfg.NoScreenShareRule {
		return false
	}
	prefix := f.cfg.ScreenSharePrefix
	if prefix == "" {
		prefix = DefaultScreenSharePrefix
	}
	return strings.HasPrefix(trackID, prefix)
}

// sendKind is the media kind of a local stream's packet: an SSRC registered
// with SetStreamKind, else def, which bind computed from Config.KindFunc and
// the codec.
func (f *Factory) sendKind(ssrc uint32, def e2ee.MediaKind) e2ee.MediaKind {
	if m := f.kinds.Load(); m != nil {
		if k, ok := (*m)[ssrc]; ok {
			return k
		}
	}
	return def
}

// defaultKind applies Config.KindFunc, then the codec rule.
func (f *Factory) defaultKind(info *interceptor.StreamInfo) e2ee.MediaKind {
	if f.cfg.KindFunc != nil {
		if k, ok := f.cfg.KindFunc(info); ok {
			return k
		}
	}
	if strings.HasPrefix(strings.ToLower(info.MimeType), "audio/") {
		return e2ee.Audio
	}
	return e2ee.Video
}

// Stats returns the Factory's packet counters, summed over its interceptors.
func (f *Factory) Stats() Stats { return f.stats.snapshot() }
