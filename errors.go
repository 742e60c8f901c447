package callseal

import (
	"errors"
	"fmt"
	"net"
)

// Errors of this package, for errors.Is. Every error New and a Session's
// methods return wraps one of them, or an error of the layer that failed
// (keyexchange, e2ee, srtp sentinels, or the Transport's own error), as
// each function documents.
var (
	// ErrClosed is returned by a Session's methods after Close. It also
	// matches net.ErrClosed.
	ErrClosed = fmt.Errorf("callseal: session closed: %w", net.ErrClosed)

	// ErrE2EEOff is returned by Rekey when policy turned end-to-end
	// encryption off for the call: there are no E2EE keys to replace.
	ErrE2EEOff = errors.New("callseal: end-to-end encryption is off for this call")

	// ErrNoClassifier is returned (wrapped, with the reason E2EE is off) by
	// New when the call runs without E2EE and Config.Classify is nil:
	// received packets could not be sorted into streams. Set
	// Config.Classify in every Config for a call that may run without E2EE.
	ErrNoClassifier = errors.New("callseal: Config.Classify is required when the call runs without end-to-end encryption, and it is nil")

	// ErrInvalidConfig is returned (wrapped) by New for arguments it
	// cannot use: a nil Result or Transport, a negative QueueLength, or a
	// KeySource with bad DTLS keying material (also matching
	// srtp.ErrInvalidKeys) or an unsupported profile (also matching
	// srtp.ErrUnsupportedProfile); and by SetTransport for a nil Transport.
	ErrInvalidConfig = errors.New("callseal: invalid config")

	// ErrKeySourceUsed is returned by New for a KeySource from DTLSKeys or
	// HopKeys that already keyed a Session: two sessions with the same
	// keys would reuse keystream.
	ErrKeySourceUsed = errors.New("callseal: KeySource already used by another Session")

	// ErrTransportAuth is returned (wrapped) by ReadRTP and ReadRTCP when
	// TransportAuthFailureLimit received packets have failed transport
	// SRTP authentication and none has passed it since New: the parties
	// (or a party and its relay) use different SRTP profiles or keys, for
	// example DirectKeys with different profiles, or HopKeys that do not
	// match the relay's. Each stream's reads, and RTCP's, return it once.
	ErrTransportAuth = errors.New("callseal: every packet failed transport SRTP authentication: the peer's SRTP profile or keys differ")
)
