package e2ee

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee/sframe"
)

var updateVectors = flag.Bool("update", false, "rewrite testdata/frame-vectors.json from the current code")

// frameVectorFile holds one sealed frame per codec rule: an Opus frame
// (nothing in clear), a VP8 key frame (10 bytes in clear) and a VP8 delta
// frame (3 bytes in clear), sealed in this order by a fresh session made
// with NewSessionFromSecrets(send_secret, recv_secret) and the default
// suite, so the Opus frame has the audio KID and CTR 0, and the VP8 frames
// the video KID and CTR 0 and 1.
var frameVectorFile = filepath.Join("testdata", "frame-vectors.json")

type frameVectors struct {
	Comment     string             `json:"comment"`
	CipherSuite sframe.CipherSuite `json:"cipher_suite"`
	SendSecret  string             `json:"send_secret"`
	RecvSecret  string             `json:"recv_secret"`
	Frames      []frameVector      `json:"frames"`
}

type frameVector struct {
	Name       string    `json:"name"`
	Codec      string    `json:"codec"`
	Kind       MediaKind `json:"kind"`
	ClearBytes int       `json:"clear_bytes"`
	KID        uint64    `json:"kid"`
	CTR        uint64    `json:"ctr"`
	Frame      string    `json:"frame"`
	Sealed     string    `json:"sealed"`
}

var vectorCodecs = map[string]FrameCodec{"none": CodecNone, "opus": CodecOpus, "vp8": CodecVP8}

// vectorFrames are the frames of the vector file: an Opus frame with TOC
// byte 0x78 (config 15: hybrid fullband 20 ms, mono, one frame; RFC 6716,
// Section 3.1), a VP8 key frame (frame tag with P = 0, start code 9d 01 2a,
// 320x240; RFC 6386, Section 9.1) and a VP8 delta frame tag (P = 1).
func vectorFrames() []frameVector {
	return []frameVector{
		{Name: "opus", Codec: "opus", Kind: Audio, Frame: "78" + hex.EncodeToString([]byte("an Opus frame, 20 ms"))},
		{Name: "vp8-key", Codec: "vp8", Kind: Video, Frame: "5003009d012a4001f000" + hex.EncodeToString([]byte("VP8 key frame partitions"))},
		{Name: "vp8-delta", Codec: "vp8", Kind: Video, Frame: "d10100" + hex.EncodeToString([]byte("VP8 delta frame"))},
	}
}

// TestFrameVectors seals the vector frames with a fresh session and checks
// the sealed bytes, and opens each sealed frame with the peer's session.
func TestFrameVectors(t *testing.T) {
	send, recv := secretA, secretB
	alice, err := NewSessionFromSecrets(send, recv)
	require.NoError(t, err)
	bob, err := NewSessionFromSecrets(recv, send)
	require.NoError(t, err)
	var v frameVectors
	if *updateVectors {
		v = frameVectors{
			Comment:     "callseal e2ee frame mode: [clear codec header] || SFrame header || ciphertext || tag; AAD = SFrame header || clear codec header. Sealed in order by e2ee.NewSessionFromSecrets(send_secret, recv_secret).",
			CipherSuite: DefaultCipherSuite, SendSecret: hex.EncodeToString(send), RecvSecret: hex.EncodeToString(recv),
			Frames: vectorFrames(),
		}
	} else {
		data, err := os.ReadFile(frameVectorFile)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(data, &v))
		require.Len(t, v.Frames, 3)
		require.Equal(t, DefaultCipherSuite, v.CipherSuite)
		require.Equal(t, hex.EncodeToString(send), v.SendSecret)
		require.Equal(t, hex.EncodeToString(recv), v.RecvSecret)
	}
	for i := range v.Frames {
		tc := &v.Frames[i]
		codec, ok := vectorCodecs[tc.Codec]
		require.True(t, ok, tc.Name)
		frame, err := hex.DecodeString(tc.Frame)
		require.NoError(t, err)
		sealed, err := alice.SealFrame(nil, frame, tc.Kind, codec)
		require.NoError(t, err, tc.Name)
		n, err := codec.clearHeaderSize(frame)
		require.NoError(t, err)
		h, _, err := sframe.ParseHeader(sealed[n:])
		require.NoError(t, err)
		if *updateVectors {
			tc.Sealed, tc.ClearBytes, tc.KID, tc.CTR = hex.EncodeToString(sealed), n, h.KID, h.CTR
			continue
		}
		require.Equal(t, tc.Sealed, hex.EncodeToString(sealed), tc.Name)
		require.Equal(t, tc.ClearBytes, n, tc.Name)
		require.Equal(t, sframe.Header{KID: tc.KID, CTR: tc.CTR}, h, tc.Name)
		got, kind, err := bob.OpenFrame(nil, sealed, codec)
		require.NoError(t, err, tc.Name)
		require.Equal(t, tc.Kind, kind)
		require.Equal(t, frame, got)
	}
	if *updateVectors {
		data, err := json.MarshalIndent(v, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(frameVectorFile, append(data, '\n'), 0o644))
	}
}
