package pionframe_test

import (
	"fmt"

	"github.com/pion/webrtc/v4"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/pionframe"
)

// Example makes a sealed VP8 track and announces frame mode in a
// description, as a pion peer of a browser does.
func Example() {
	fr := pionframe.New()
	track, err := fr.NewTrack(e2ee.Video, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "camera", "callseal")
	if err != nil {
		panic(err)
	}
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		panic(err)
	}
	defer pc.Close()
	if _, err := pc.AddTrack(track); err != nil {
		panic(err)
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		panic(err)
	}
	offer, err = pionframe.Announce(offer, pionframe.ModeFrame)
	if err != nil {
		panic(err)
	}
	modes, err := pionframe.PeerModes(offer)
	if err != nil {
		panic(err)
	}
	fmt.Println(modes, fr)
	// Output: map[0:frame] pionframe.Frames{no session}
}
