package pionframe

import "errors"

// Sentinel errors, usable with errors.Is. Errors of the e2ee layer
// (e2ee.ErrSessionInUse, e2ee.ErrMalformed, ...) are passed on wrapped.
var (
	// ErrUnsupportedCodec is returned by NewTrack and NewReader for a
	// codec frame mode has no rule for (anything but Opus and VP8).
	ErrUnsupportedCodec = errors.New("pionframe: codec not supported in frame mode")

	// ErrPeerNotCapable is returned by Enforce when the peer's session
	// description does not announce the wanted callseal E2EE mode on an
	// audio or video section.
	ErrPeerNotCapable = errors.New("pionframe: peer does not announce callseal E2EE")

	// ErrInvalidSDP is returned by Announce, PeerModes and Enforce for a
	// session description they cannot parse.
	ErrInvalidSDP = errors.New("pionframe: invalid session description")
)
