package pioninterceptor

import (
	"github.com/pion/interceptor"

	"github.com/callseal/callseal/e2ee"
)

// An Option configures NewFactory.
type Option func(*Factory)

// KindFunc chooses the media kind of a local stream from pion's StreamInfo
// (MimeType, SSRC, PayloadType, ...); ok false leaves the choice to the codec
// rule. It runs once per stream, when pion binds it.
type KindFunc func(info *interceptor.StreamInfo) (kind e2ee.MediaKind, ok bool)

// WithKindFunc sets the function that chooses the media kind of a local
// stream, consulted after SetStreamKind and before the codec rule (an
// "audio/" MIME type is Audio, anything else Video).
func WithKindFunc(fn KindFunc) Option {
	return func(f *Factory) { f.kindFunc = fn }
}

// WithScreenSharePrefix sets the track ID prefix that RegisterSender maps to
// e2ee.ScreenShare (default DefaultScreenSharePrefix, "screen"); "" turns the
// rule off.
func WithScreenSharePrefix(prefix string) Option {
	return func(f *Factory) { f.screenPrefix = &prefix }
}
