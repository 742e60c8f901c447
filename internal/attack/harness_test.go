package attack

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/srtp"
)

// tally counts the attacks of one test and what became of them, and logs
// the counts when the test ends ("N attacks, 100% rejected"). Every attack
// must be rejected with an error the test names, except those the package
// documents as accepted by design (counted apart, never silently).
type tally struct {
	name     string
	attacks  int            // forged, truncated, swapped or replayed inputs delivered
	rejected int            // of which rejected with an expected error
	byDesign int            // of which accepted as documented (header extension bytes)
	late     int            // handshake messages accepted, then caught by the next check
	good     int            // genuine packets or handshakes that went through after attacks
	byErr    map[string]int // rejections per error
	fails    int
}

// maxFails stops a test after this many wrong outcomes, so that one
// systematic fault does not print thousands of lines.
const maxFails = 10

func newTally(t *testing.T, name string) *tally {
	c := &tally{name: name, byErr: map[string]int{}}
	t.Cleanup(func() { c.report(t) })
	return c
}

// reject records one attack whose result was err; it must match one of
// want (errors.Is).
func (c *tally) reject(t testing.TB, err error, want []error, format string, args ...any) {
	t.Helper()
	c.attacks++
	if err != nil && slices.ContainsFunc(want, func(w error) bool { return errors.Is(err, w) }) {
		c.rejected++
		c.byErr[errName(err)]++
		return
	}
	c.fail(t, "%s: got error %v, want %s", fmt.Sprintf(format, args...), err, errNames(want))
}

// acceptedByDesign records an attack that the layer documents as not
// protected and that was therefore accepted.
func (c *tally) acceptedByDesign() {
	c.attacks++
	c.byDesign++
}

// lateCaught records a handshake message that could not be checked on
// arrival, was accepted, and whose tampering the following message exposed
// with an expected error.
func (c *tally) lateCaught(err error) {
	c.attacks++
	c.rejected++
	c.late++
	c.byErr[errName(err)+" (next message)"]++
}

func (c *tally) ok() { c.good++ }

func (c *tally) fail(t testing.TB, format string, args ...any) {
	t.Helper()
	c.fails++
	t.Errorf(format, args...)
	if c.fails >= maxFails {
		t.Fatalf("%s: stopping after %d failures", c.name, c.fails)
	}
}

func (c *tally) report(t *testing.T) {
	names := make([]string, 0, len(c.byErr))
	for n := range c.byErr {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", n, c.byErr[n])
	}
	pct := 0.0
	if c.attacks > c.byDesign {
		pct = 100 * float64(c.rejected) / float64(c.attacks-c.byDesign)
	}
	t.Logf("%s: %d attacks, %d rejected (%.1f%%) [%s]; %d accepted by design; %d genuine after attacks",
		c.name, c.attacks, c.rejected, pct, b.String(), c.byDesign, c.good)
	if t.Failed() {
		return
	}
	if c.attacks == 0 || c.rejected == 0 || c.good == 0 {
		t.Errorf("%s: nothing exercised: %d attacks, %d rejected, %d genuine", c.name, c.attacks, c.rejected, c.good)
	}
	if c.rejected+c.byDesign != c.attacks {
		t.Errorf("%s: %d attacks, but %d rejected and %d accepted by design", c.name, c.attacks, c.rejected, c.byDesign)
	}
}

// sentinels names every typed error of the packages under attack, most
// specific first (ErrCallID also matches ErrIdentity).
var sentinels = []struct {
	err  error
	name string
}{
	{e2ee.ErrAuth, "e2ee.ErrAuth"},
	{e2ee.ErrReplay, "e2ee.ErrReplay"},
	{e2ee.ErrUnknownKey, "e2ee.ErrUnknownKey"},
	{e2ee.ErrMalformed, "e2ee.ErrMalformed"},
	{srtp.ErrAuth, "srtp.ErrAuth"},
	{srtp.ErrReplay, "srtp.ErrReplay"},
	{srtp.ErrMalformed, "srtp.ErrMalformed"},
	{keyexchange.ErrCallID, "keyexchange.ErrCallID"},
	{keyexchange.ErrIdentity, "keyexchange.ErrIdentity"},
	{keyexchange.ErrMalformed, "keyexchange.ErrMalformed"},
	{keyexchange.ErrVersion, "keyexchange.ErrVersion"},
	{keyexchange.ErrUnexpectedMessage, "keyexchange.ErrUnexpectedMessage"},
	{keyexchange.ErrCommitment, "keyexchange.ErrCommitment"},
	{keyexchange.ErrConfirm, "keyexchange.ErrConfirm"},
	{keyexchange.ErrLowOrderPoint, "keyexchange.ErrLowOrderPoint"},
	{keyexchange.ErrNoCommonSuite, "keyexchange.ErrNoCommonSuite"},
}

func errName(err error) string {
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	return fmt.Sprintf("untyped(%v)", err)
}

func errNames(errs []error) string {
	names := make([]string, len(errs))
	for i, e := range errs {
		names[i] = errName(e)
	}
	return "{" + strings.Join(names, ", ") + "}"
}

// one is a readability helper for a single expected error.
func one(err error) []error { return []error{err} }

// flipAt names the k-th bit flip of a message: byte k/8 with mask 1<<(k%8),
// so k runs over every bit of every byte; or, under the race detector (which
// slows the crypto tenfold), byte k with mask 1<<(k%8): one bit of every byte,
// rotating through the eight bit positions, so that every byte position and
// every bit position is still covered. Loop while the byte is inside the
// message; the message may be rebuilt (and change length) between flips.
func flipAt(k int) (byteIdx, mask int) {
	if raceEnabled {
		return k, 1 << (k % 8)
	}
	return k / 8, 1 << (k % 8)
}

// flipped returns a copy of b with b[i] ^= mask.
func flipped(b []byte, i, mask int) []byte {
	c := slices.Clone(b)
	c[i] ^= byte(mask)
	return c
}
