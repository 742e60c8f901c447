package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
)

// The signaling channel: each party holds one TCP connection to the relay,
// as an app holds a WebSocket to its calling server. Frames are
//
//	type (1 byte) ‖ length (4 bytes, big endian) ‖ body
//
// The relay forwards handshake and bye frames to the other party unchanged;
// it sees every byte of them, as a calling server would.
type frameType byte

const (
	frameJoin      frameType = 'J' // party → relay: joinMsg (who I am, where my media socket is)
	frameHandshake frameType = 'H' // a keyexchange message, opaque to the relay
	frameBye       frameType = 'B' // end of media: byeMsg, the sender's counts (as RTCP SR + BYE would give)
)

const maxFrameSize = 64 << 10 // bytes; handshake messages are far smaller

func (t frameType) String() string {
	switch t {
	case frameJoin:
		return "join"
	case frameHandshake:
		return "handshake"
	case frameBye:
		return "bye"
	}
	return fmt.Sprintf("frame(%#x)", byte(t))
}

// joinMsg introduces a party to the relay. In a real deployment the media
// address would come from ICE candidates in the SDP.
type joinMsg struct {
	Name      string `json:"name"`
	MediaAddr string `json:"media_addr"`
}

// byeMsg ends a party's media: for each stream it sent, how many RTP packets
// and frames. The receiver waits for that many packets (or a short grace
// period, if some are lost) before it ends the call.
type byeMsg struct {
	Streams []byeStream `json:"streams"`
}

type byeStream struct {
	SSRC    uint32 `json:"ssrc"`
	Packets int    `json:"packets"`
}

// frameInfo names a frame for the log: a handshake message by its type
// byte, which the public wire format puts in the clear (keyexchange,
// PROTOCOL.md, "Encoding").
func frameInfo(t frameType, body []byte) string {
	if t != frameHandshake {
		return t.String()
	}
	if len(body) >= 2 {
		switch body[1] {
		case 0x01:
			return "handshake 1 Commit"
		case 0x02:
			return "handshake 2 Response"
		case 0x03:
			return "handshake 3 Reveal+Confirm"
		case 0x04:
			return "handshake 4 Confirm"
		}
	}
	return "handshake (unknown type)"
}

func writeFrame(w io.Writer, t frameType, body []byte) error {
	if len(body) > maxFrameSize {
		return fmt.Errorf("signaling: %v frame of %d bytes exceeds %d", t, len(body), maxFrameSize)
	}
	buf := make([]byte, 5, 5+len(body))
	buf[0] = byte(t)
	binary.BigEndian.PutUint32(buf[1:], uint32(len(body)))
	_, err := w.Write(append(buf, body...))
	return err
}

func readFrame(r io.Reader) (frameType, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > maxFrameSize {
		return 0, nil, fmt.Errorf("signaling: frame of %d bytes exceeds %d", n, maxFrameSize)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, err
	}
	return frameType(hdr[0]), body, nil
}

func writeJSON(w io.Writer, t frameType, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeFrame(w, t, body)
}
