package main

import (
	"fmt"
	"sync"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/pionframe"
)

// mediaStats counts the frames one party sealed and opened, by media kind
// (index e2ee.Audio, e2ee.Video), with pionframe's counters of the frames
// it dropped.
type mediaStats struct {
	Sealed    [2]int
	Opened    [2]int
	WrongKind int // frames opened under another kind's key than their track's; dropped
	Frames    pionframe.Stats
}

// failures is the number of frames that did not seal or open.
func (m mediaStats) failures() uint64 {
	return m.Frames.Rejected + m.Frames.Replayed + m.Frames.SealFailed + uint64(m.WrongKind)
}

func (m mediaStats) String() string {
	return fmt.Sprintf("audio %d sealed, %d opened; video %d sealed, %d opened; %d failures",
		m.Sealed[e2ee.Audio], m.Opened[e2ee.Audio], m.Sealed[e2ee.Video], m.Opened[e2ee.Video], m.failures())
}

// counter keeps a mediaStats for concurrent senders and receivers.
type counter struct {
	mu sync.Mutex
	m  mediaStats
}

func (c *counter) sealed(k e2ee.MediaKind) { c.add(&c.m.Sealed[k]) }
func (c *counter) opened(k e2ee.MediaKind) { c.add(&c.m.Opened[k]) }
func (c *counter) wrongKind()              { c.add(&c.m.WrongKind) }

func (c *counter) add(n *int) {
	c.mu.Lock()
	*n++
	c.mu.Unlock()
}

// snapshot returns the counts, with fr's.
func (c *counter) snapshot(fr *pionframe.Frames) mediaStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.m
	m.Frames = fr.Stats()
	return m
}
