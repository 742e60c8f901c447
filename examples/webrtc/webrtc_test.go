package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRun places the example's call: two pion PeerConnections on loopback,
// the handshake over a data channel, both media directions through the
// E2EE interceptor with simulated loss (NACK/RTX) and a rekey halfway.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("places a real 5-second call; skipped in -short mode")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, &out, config{speed: 2, dropEvery: 25, rekey: true, timeout: time.Minute})
	t.Log("\n" + out.String())
	require.NoError(t, err)

	checks := regexp.MustCompile(`(?m)^(alice|bob) +check number: ([0-9 ]+)$`).FindAllStringSubmatch(out.String(), -1)
	require.Len(t, checks, 2)
	require.Equal(t, checks[0][2], checks[1][2])
	require.Regexp(t, `^\d{4} \d{4} \d{4} \d{4} \d{4}$`, checks[0][2])

	require.Contains(t, out.String(), "audio=audio, camera=video, screen=screenshare")
	require.Contains(t, out.String(), "alice rekeyed her E2EE session")
	require.Contains(t, out.String(), "bob received from alice: audio 263/263, camera 75/75, screen 25/25 frames byte-identical")
	require.Contains(t, out.String(), "alice received from bob: audio 263/263, camera 75/75, screen 25/25 frames byte-identical")
	// The simulated loss was repaired by RTX retransmissions of sealed
	// payloads, which the interceptor opened.
	rtx := regexp.MustCompile(`\((\d+) RTX retransmissions\)`).FindAllStringSubmatch(out.String(), -1)
	require.Len(t, rtx, 2)
	for _, m := range rtx {
		n, _ := strconv.Atoi(m[1])
		require.Positive(t, n)
	}
	require.Contains(t, out.String(), "OK: every frame arrived byte-identical in both directions")
}
