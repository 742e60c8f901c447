package pioninterceptor_test

import (
	"fmt"

	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/callseal/callseal/e2ee/pioninterceptor"
)

// Register the Factory after pion's default interceptors, tell it which
// track is a screen share, and give it the session once the callseal
// handshake is done.
func Example() {
	f := pioninterceptor.NewFactory()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		panic(err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		panic(err)
	}
	ir.Add(f) // last: seals before NACK buffering, opens just before the app
	api := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		panic(err)
	}
	defer pc.Close()

	for _, t := range []struct{ id, mime string }{
		{"mic", webrtc.MimeTypeOpus}, {"camera", webrtc.MimeTypeVP8}, {"screen-1", webrtc.MimeTypeVP8},
	} {
		track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: t.mime}, t.id, "alice")
		if err != nil {
			panic(err)
		}
		sender, err := pc.AddTrack(track)
		if err != nil {
			panic(err)
		}
		fmt.Println(t.id, "is sealed under the", f.RegisterSender(sender), "key")
	}

	// Media is dropped until the handshake (over a data channel or the
	// app's signaling) is done:
	//
	//	sess, err := e2ee.NewSession(result)
	//	if err := f.SetSession(sess); err != nil { ... }
	fmt.Println("keyed:", f.Session() != nil)
	// Output:
	// mic is sealed under the audio key
	// camera is sealed under the video key
	// screen-1 is sealed under the screenshare key
	// keyed: false
}
