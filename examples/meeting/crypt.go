package main

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/sframe"
	"github.com/callseal/callseal/internal/rtpheader"
	"github.com/callseal/callseal/meeting"
)

// suite is the SFrame cipher suite of the meeting's media.
const suite = sframe.AES_128_GCM_SHA256_128

// errNoKey: a packet whose KID names no epoch this participant holds.
var errNoKey = errors.New("no key for the packet's KID")

// A mediaCrypt is one participant's inner layer: SFrame over RTP (RFC
// 9605) with the meeting's per-sender keys. It seals its own media under
// KID(epoch, its index, kind) and opens every other sender's by the KID
// the packet carries, from the epochs it holds (receive keys are
// installed before any sender switches to a new epoch, so no packet of a
// membership change is lost).
//
// The RTP fixed header is authenticated as SFrame metadata; header
// extensions (the audio level the SFU reads) stay in the clear and are not
// authenticated, as in package e2ee.
type mediaCrypt struct {
	mu     sync.Mutex
	index  uint8
	epochs map[uint32]*heldEpoch  // held for receiving
	send   *meeting.EpochKeys     // the epoch its own media uses
	keys   map[uint64]*sframe.Key // by KID, derived on first use
	ctr    [3]uint64              // per kind, reset by each new send epoch
}

// epochGrace is how long the media layer keeps the keys of an epoch the
// meeting no longer holds, for packets still in flight.
const epochGrace = time.Second

// heldEpoch is an epoch's keys and, once the meeting dropped it, when the
// media layer drops it too.
type heldEpoch struct {
	keys  *meeting.EpochKeys
	until time.Time // zero while the meeting holds it
}

func newMediaCrypt() *mediaCrypt {
	return &mediaCrypt{epochs: map[uint32]*heldEpoch{}, keys: map[uint64]*sframe.Key{}}
}

// install adds an epoch's keys for receiving beside the previous ones the
// meeting still holds (cur and prev of Member/Leader); the keys of older
// epochs go epochGrace later.
func (c *mediaCrypt) install(cur, prev *meeting.EpochKeys) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	for e, h := range c.epochs {
		switch {
		case e == cur.Epoch() || prev != nil && e == prev.Epoch():
		case h.until.IsZero():
			h.until = now.Add(epochGrace)
		case now.After(h.until):
			delete(c.epochs, e)
			for kid := range c.keys {
				if bits, _, _, _ := meeting.ParseKID(kid); uint32(bits) == e&(1<<meeting.EpochBits-1) {
					delete(c.keys, kid)
				}
			}
		}
	}
	for _, k := range []*meeting.EpochKeys{cur, prev} {
		if k != nil {
			c.epochs[k.Epoch()] = &heldEpoch{keys: k}
		}
	}
}

// sendWith switches its own media to epoch keys k (already installed) as
// sender index.
func (c *mediaCrypt) sendWith(k *meeting.EpochKeys, index uint8) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.send != k || c.index != index {
		c.send, c.index, c.ctr = k, index, [3]uint64{}
	}
}

// pause stops sealing until the next sendWith: seal returns errNoKey.
func (c *mediaCrypt) pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.send = nil
}

func (c *mediaCrypt) key(epochKeys *meeting.EpochKeys, index uint8, kind meeting.Kind) (*sframe.Key, error) {
	kid := epochKeys.KID(index, kind)
	if k := c.keys[kid]; k != nil {
		return k, nil
	}
	base, err := epochKeys.SenderBaseKey(index, kind)
	if err != nil {
		return nil, err
	}
	defer clear(base)
	k, err := sframe.NewKey(suite, kid, base)
	if err != nil {
		return nil, err
	}
	c.keys[kid] = k
	return k, nil
}

// seal encrypts the payload of RTP packet pkt (no CSRCs) as kind and
// returns the sealed packet and the epoch it was sealed in.
func (c *mediaCrypt) seal(dst, pkt []byte, kind e2ee.MediaKind) ([]byte, uint32, error) {
	off := rtpheader.CommonPayloadOffset(pkt)
	if off == 0 {
		return nil, 0, fmt.Errorf("seal: not a plain RTP packet")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.send == nil {
		return nil, 0, errNoKey
	}
	k, err := c.key(c.send, c.index, meeting.Kind(kind))
	if err != nil {
		return nil, 0, err
	}
	ctr := c.ctr[kind]
	c.ctr[kind]++
	dst = append(dst, pkt[:off]...)
	return k.Seal(dst, ctr, pkt[:rtpheader.FixedHeaderSize], pkt[off:]), c.send.Epoch(), nil
}

// open authenticates and decrypts a packet sealed by another participant
// and returns it with the sender index and kind its KID names.
func (c *mediaCrypt) open(dst, pkt []byte) ([]byte, uint8, e2ee.MediaKind, error) {
	off := rtpheader.CommonPayloadOffset(pkt)
	if off == 0 {
		return nil, 0, 0, fmt.Errorf("open: not a plain RTP packet")
	}
	h, _, err := sframe.ParseHeader(pkt[off:])
	if err != nil {
		return nil, 0, 0, err
	}
	bits, index, kind, err := meeting.ParseKID(h.KID)
	if err != nil {
		return nil, 0, 0, err
	}
	c.mu.Lock()
	var k *sframe.Key
	now := time.Now()
	for _, h := range c.epochs {
		if h.keys.Matches(bits) && (h.until.IsZero() || now.Before(h.until)) {
			k, err = c.key(h.keys, index, kind)
			break
		}
	}
	c.mu.Unlock()
	if k == nil && err == nil {
		err = errNoKey
	}
	if err != nil {
		return nil, 0, 0, err
	}
	dst = append(dst, pkt[:off]...)
	out, _, err := k.Open(dst, pkt[off:], pkt[:rtpheader.FixedHeaderSize])
	return out, index, e2ee.MediaKind(kind), err
}
