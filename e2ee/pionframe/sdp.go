package pionframe

import (
	"errors"
	"fmt"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Attribute is the name of the media-level SDP attribute by which an
// endpoint announces that it seals the section's media with callseal's
// SFrame layer, in the spirit of draft-ietf-avtcore-rtp-sframe's a=sframe:
// a=callseal-sframe:frame or a=callseal-sframe:packet.
const Attribute = "callseal-sframe"

// Mode is a value of Attribute: how the section's media is sealed.
type Mode string

const (
	// ModeNone: the section carries no Attribute (the peer cannot do
	// callseal E2EE, or does not offer it on this section).
	ModeNone Mode = ""
	// ModeFrame: SFrame per encoded frame (this package; browsers).
	ModeFrame Mode = "frame"
	// ModePacket: SFrame per RTP packet (package e2ee/pioninterceptor).
	ModePacket Mode = "packet"
)

// Announce returns desc with a=callseal-sframe:<mode> on each audio and
// video media section (replacing an Attribute already there). Send the
// result to the peer; it is a valid description for SetLocalDescription
// too. Errors: ErrInvalidSDP for a description that does not parse or a
// mode other than ModeFrame and ModePacket.
func Announce(desc webrtc.SessionDescription, mode Mode) (webrtc.SessionDescription, error) {
	if mode != ModeFrame && mode != ModePacket {
		return desc, fmt.Errorf("%w: mode %q", ErrInvalidSDP, mode)
	}
	parsed, err := desc.Unmarshal()
	if err != nil {
		return desc, fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	for _, m := range parsed.MediaDescriptions {
		if !isMedia(m) {
			continue
		}
		attrs := m.Attributes[:0]
		for _, a := range m.Attributes {
			if a.Key != Attribute {
				attrs = append(attrs, a)
			}
		}
		m.Attributes = append(attrs, sdp.NewAttribute(Attribute, string(mode)))
	}
	b, err := parsed.Marshal()
	if err != nil {
		return desc, fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	return webrtc.SessionDescription{Type: desc.Type, SDP: string(b)}, nil
}

// PeerModes returns the Mode the description announces on each audio and
// video media section, by the section's mid (ModeNone where it announces
// none, or a value this package does not know). Errors: ErrInvalidSDP.
func PeerModes(desc webrtc.SessionDescription) (map[string]Mode, error) {
	parsed, err := desc.Unmarshal()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSDP, err)
	}
	modes := map[string]Mode{}
	for _, m := range parsed.MediaDescriptions {
		if !isMedia(m) {
			continue
		}
		mid, _ := m.Attribute(sdp.AttrKeyMID)
		v, _ := m.Attribute(Attribute)
		switch Mode(v) {
		case ModeFrame, ModePacket:
			modes[mid] = Mode(v)
		default:
			modes[mid] = ModeNone
		}
	}
	return modes, nil
}

// Enforce checks the peer's description remote (after SetRemoteDescription)
// for want on the media section of each of pc's audio and video
// transceivers. It returns nil if every one announces want. Otherwise it
// returns an error wrapping ErrPeerNotCapable that names the sections, and
// when required (the call's policy requires E2EE, policy.Party.RequireE2EE)
// it first stops their transceivers, so that an answer created afterwards
// marks them inactive and nothing is sent or received on them. When not required,
// nothing is stopped: the app decides, by its policy, whether to run those
// sections without callseal E2EE (a Track never sends a frame in clear;
// media in clear would need ordinary tracks). Errors: ErrInvalidSDP; the
// errors of RTPTransceiver.Stop, joined.
func Enforce(pc *webrtc.PeerConnection, remote webrtc.SessionDescription, want Mode, required bool) error {
	modes, err := PeerModes(remote)
	if err != nil {
		return err
	}
	var missing []string
	var stopErrs []error
	for _, tr := range pc.GetTransceivers() {
		if tr.Kind() != webrtc.RTPCodecTypeAudio && tr.Kind() != webrtc.RTPCodecTypeVideo {
			continue
		}
		mid := tr.Mid()
		if modes[mid] == want {
			continue
		}
		missing = append(missing, mid)
		if required {
			stopErrs = append(stopErrs, tr.Stop())
		}
	}
	if len(missing) == 0 {
		return nil
	}
	err = fmt.Errorf("%w: mode %q missing on the media sections with mid %q", ErrPeerNotCapable, want, missing)
	return errors.Join(append([]error{err}, stopErrs...)...)
}

// isMedia reports whether m is an audio or video section.
func isMedia(m *sdp.MediaDescription) bool {
	return m.MediaName.Media == "audio" || m.MediaName.Media == "video"
}
