package main

import (
	"errors"
	"sync"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/sframe"
)

// suite is the SFrame cipher suite of the meeting's media.
const suite = sframe.AES_128_GCM_SHA256_128

// errNoKey: sealing while the participant is out of the meeting.
var errNoKey = errors.New("not sending")

// A mediaCrypt is one participant's inner layer: an e2ee.MeetingSession,
// which seals its own media under KID(epoch, its index, kind) and opens
// every other sender's by the KID the packet carries (SFrame over RTP, RFC
// 9605, with a replay window per sender key). Beside it, the epoch its
// own media uses, for the report, and a pause between leaderships.
type mediaCrypt struct {
	s *e2ee.MeetingSession

	mu        sync.Mutex // guards the fields below; held across Seal
	installed uint32     // the newest epoch installed
	epoch     uint32     // the epoch Seal uses
	sending   bool
}

func newMediaCrypt() *mediaCrypt {
	s, err := e2ee.NewMeetingSession(e2ee.Config{CipherSuite: suite})
	if err != nil {
		panic(err) // a constant Config
	}
	return &mediaCrypt{s: s}
}

// install adds an epoch for receiving; the previous one opens for
// the grace period (e2ee.DefaultGraceTime). An epoch not newer than the newest installed (the
// attacker's victim's fake meeting may restart its numbering) is left out.
func (c *mediaCrypt) install(e e2ee.MeetingEpoch) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.s.SetEpoch(e); err != nil {
		return err
	}
	c.installed = e.Keys.Epoch()
	return nil
}

// sendWith switches its own media to the newest epoch installed.
func (c *mediaCrypt) sendWith() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.s.SwitchSend(); err != nil {
		return err
	}
	c.epoch, c.sending = c.installed, true
	return nil
}

// pause stops sealing until the next sendWith: seal returns errNoKey.
func (c *mediaCrypt) pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sending = false
}

// seal encrypts the payload of RTP packet pkt as kind and returns the
// sealed packet and the epoch it was sealed in.
func (c *mediaCrypt) seal(dst, pkt []byte, kind e2ee.MediaKind) ([]byte, uint32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.sending {
		return nil, 0, errNoKey
	}
	out, err := c.s.Seal(dst, pkt, kind)
	return out, c.epoch, err
}

// open authenticates and decrypts a packet sealed by another participant
// and returns it with the sender index and kind its KID names.
func (c *mediaCrypt) open(dst, pkt []byte) ([]byte, uint8, e2ee.MediaKind, error) {
	return c.s.Open(dst, pkt)
}
