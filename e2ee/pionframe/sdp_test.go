package pionframe

import (
	"errors"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee"
)

// offerOf returns a complete offer of an endpoint with an audio and a video
// track and a data channel.
func offerOf(t *testing.T, ep *endpoint) webrtc.SessionDescription {
	_, err := ep.pc.CreateDataChannel("callseal", nil)
	require.NoError(t, err)
	offer, err := ep.pc.CreateOffer(nil)
	require.NoError(t, err)
	return localDescription(t, ep.pc, offer)
}

func TestAnnouncePeerModes(t *testing.T) {
	offer := offerOf(t, newEndpoint(t, secretA, secretB))
	modes, err := PeerModes(offer)
	require.NoError(t, err)
	require.Equal(t, map[string]Mode{"0": ModeNone, "1": ModeNone}, modes, "audio and video, not the data channel")
	for _, mode := range []Mode{ModeFrame, ModePacket} {
		a, err := Announce(offer, mode)
		require.NoError(t, err)
		require.Equal(t, 2, strings.Count(a.SDP, "a="+Attribute+":"+string(mode)+"\r\n"))
		again, err := Announce(a, ModeFrame) // replaces, does not add
		require.NoError(t, err)
		require.Equal(t, 2, strings.Count(again.SDP, "a="+Attribute+":"))
		modes, err = PeerModes(a)
		require.NoError(t, err)
		require.Equal(t, map[string]Mode{"0": mode, "1": mode}, modes)
	}
	_, err = Announce(offer, "other")
	require.ErrorIs(t, err, ErrInvalidSDP)
	_, err = PeerModes(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: "garbage"})
	require.ErrorIs(t, err, ErrInvalidSDP)
}

// TestEnforceRefuses: a peer that does not announce frame mode (an offer
// without the attribute, or announcing per-packet mode) makes Enforce fail
// closed when E2EE is required: the transceivers are stopped, the answer
// makes the media sections inactive, and the sealed tracks send nothing.
func TestEnforceRefuses(t *testing.T) {
	for _, announce := range []Mode{ModeNone, ModePacket} {
		alice, bob := newEndpoint(t, secretA, secretB), newEndpoint(t, secretB, secretA)
		offer := offerOf(t, alice)
		if announce != ModeNone {
			var err error
			offer, err = Announce(offer, announce)
			require.NoError(t, err)
		}
		require.NoError(t, bob.pc.SetRemoteDescription(offer))
		err := Enforce(bob.pc, offer, ModeFrame, true)
		require.ErrorIs(t, err, ErrPeerNotCapable, "peer announces %q", announce)
		for _, tr := range bob.pc.GetTransceivers() {
			require.Equal(t, webrtc.RTPTransceiverDirectionInactive, tr.Direction(), "mid %s", tr.Mid())
		}
		answer, err := bob.pc.CreateAnswer(nil)
		require.NoError(t, err)
		parsed, err := answer.Unmarshal()
		require.NoError(t, err)
		for _, m := range parsed.MediaDescriptions {
			if isMedia(m) {
				_, inactive := m.Attribute("inactive")
				require.True(t, inactive || m.MediaName.Port.Value == 0, "media section %s neither inactive nor rejected", m.MediaName.Media)
			}
		}
	}
}

// TestEnforceNotRequired: without the requirement nothing is stopped, and
// the error still says the peer cannot.
func TestEnforceNotRequired(t *testing.T) {
	alice, bob := newEndpoint(t, secretA, secretB), newEndpoint(t, secretB, secretA)
	offer := offerOf(t, alice)
	require.NoError(t, bob.pc.SetRemoteDescription(offer))
	require.ErrorIs(t, Enforce(bob.pc, offer, ModeFrame, false), ErrPeerNotCapable)
	for _, tr := range bob.pc.GetTransceivers() {
		require.NotEqual(t, webrtc.RTPTransceiverDirectionInactive, tr.Direction())
	}
	a, err := Announce(offer, ModeFrame)
	require.NoError(t, err)
	require.NoError(t, Enforce(bob.pc, a, ModeFrame, true))
}

func TestTrackErrors(t *testing.T) {
	fr := New()
	_, err := fr.NewTrack(e2ee.Video, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264}, "v", "s")
	require.ErrorIs(t, err, ErrUnsupportedCodec)
	tr, err := fr.NewTrack(e2ee.Video, vp8Cap, "v", "s")
	require.NoError(t, err)
	require.Equal(t, webrtc.RTPCodecTypeVideo, tr.Kind())
	require.Equal(t, e2ee.Video, tr.MediaKind())

	// No session: dropped, counted, no error.
	require.NoError(t, tr.WriteSample(media.Sample{Data: testFrame(e2ee.CodecVP8, 0)}))
	require.Equal(t, Stats{NoSession: 1}, fr.Stats())
	require.Contains(t, fr.String(), "no session")

	sess, err := e2ee.NewSessionFromSecrets(secretA, secretB)
	require.NoError(t, err)
	require.ErrorIs(t, fr.SetSession(nil), e2ee.ErrSessionInUse)
	require.NoError(t, fr.SetSession(sess))
	require.ErrorIs(t, New().SetSession(sess), e2ee.ErrSessionInUse)
	require.NotContains(t, fr.String(), "a1a1")

	// A VP8 frame shorter than its header is refused, typed.
	err = tr.WriteSample(media.Sample{Data: []byte{0x00, 0x01}})
	require.ErrorIs(t, err, e2ee.ErrMalformed)
	require.NoError(t, tr.WriteSample(media.Sample{Data: testFrame(e2ee.CodecVP8, 1)})) // not bound: pion drops it
	require.Equal(t, Stats{NoSession: 1, SealFailed: 1, Sealed: 1}, fr.Stats())
	require.True(t, errors.Is(err, e2ee.ErrMalformed))
}
