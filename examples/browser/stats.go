package main

import (
	"errors"
	"fmt"
	"sync"

	"github.com/callseal/callseal/e2ee"
)

// mediaStats counts the frames one party sealed and opened, by media kind
// (index e2ee.Audio, e2ee.Video).
type mediaStats struct {
	Sealed [2]int
	Opened [2]int
	Failed [2]int         // frames that did not open (or seal); never played
	Errors map[string]int // failures by e2ee sentinel
}

func (m mediaStats) String() string {
	return fmt.Sprintf("audio %d sealed, %d opened; video %d sealed, %d opened; %d failures %v",
		m.Sealed[e2ee.Audio], m.Opened[e2ee.Audio], m.Sealed[e2ee.Video], m.Opened[e2ee.Video],
		m.Failed[e2ee.Audio]+m.Failed[e2ee.Video], m.Errors)
}

// counter keeps a mediaStats for concurrent senders and receivers.
type counter struct {
	mu sync.Mutex
	m  mediaStats
}

func (c *counter) sealed(k e2ee.MediaKind) { c.add(&c.m.Sealed, k) }
func (c *counter) opened(k e2ee.MediaKind) { c.add(&c.m.Opened, k) }

func (c *counter) add(n *[2]int, k e2ee.MediaKind) {
	c.mu.Lock()
	n[k]++
	c.mu.Unlock()
}

// failed counts a frame that did not open or seal, by the sentinel of err.
func (c *counter) failed(k e2ee.MediaKind, err error) {
	name := "other"
	for _, s := range []struct {
		err  error
		name string
	}{
		{e2ee.ErrAuth, "ErrAuth"}, {e2ee.ErrReplay, "ErrReplay"}, {e2ee.ErrUnknownKey, "ErrUnknownKey"},
		{e2ee.ErrMalformed, "ErrMalformed"}, {e2ee.ErrUnsupportedCodec, "ErrUnsupportedCodec"},
		{e2ee.ErrClosed, "ErrClosed"}, {errWrongKind, "wrong kind"},
	} {
		if errors.Is(err, s.err) {
			name = s.name
			break
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m.Failed[k]++
	if c.m.Errors == nil {
		c.m.Errors = map[string]int{}
	}
	c.m.Errors[name]++
}

func (c *counter) snapshot() mediaStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.m
	m.Errors = make(map[string]int, len(c.m.Errors))
	for k, v := range c.m.Errors {
		m.Errors[k] = v
	}
	return m
}

// errWrongKind: a frame opened under the key of another media kind than
// its track's (the KID names the kind, authenticated).
var errWrongKind = errors.New("frame opened under another media kind's key")
