package pioninterceptor

import (
	"errors"

	"github.com/pion/interceptor"

	"github.com/callseal/callseal/e2ee"
)

// ErrInvalidConfig is returned, wrapped, by NewInterceptor and SetSession
// of a Factory that NewFactory was given more than one Config: pion then
// fails to build the PeerConnection's interceptors with it.
var ErrInvalidConfig = errors.New("pioninterceptor: invalid config")

// Config configures NewFactory. The zero Config is the default: the
// screen-share rule with DefaultScreenSharePrefix, no KindFunc. A Config is
// a plain value, copied by NewFactory.
type Config struct {
	// KindFunc chooses the media kind of a local stream, consulted after
	// SetStreamKind and before the codec rule (an "audio/" MIME type is
	// Audio, anything else Video); nil leaves the choice to the codec rule.
	KindFunc KindFunc

	// ScreenSharePrefix is the track ID prefix that RegisterSender maps to
	// e2ee.ScreenShare; "" means DefaultScreenSharePrefix ("screen").
	ScreenSharePrefix string

	// NoScreenShareRule turns the track ID rule of RegisterSender off:
	// no track is ScreenShare by its ID, and ScreenSharePrefix is unused.
	NoScreenShareRule bool
}

// KindFunc chooses the media kind of a local stream from pion's StreamInfo
// (MimeType, SSRC, PayloadType, ...); ok false leaves the choice to the codec
// rule. It runs once per stream, when pion binds it.
type KindFunc func(info *interceptor.StreamInfo) (kind e2ee.MediaKind, ok bool)
