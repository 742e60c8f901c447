package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/callseal/callseal/keyexchange"
)

// openStore opens the continuity store of side s in dir (-cache): its own
// file, as each app keeps its own on its own device.
func openStore(dir string, s side) (keyexchange.ContinuityStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("-cache: %w", err)
	}
	return keyexchange.NewFileStore(filepath.Join(dir, s.String()+".json")), nil
}

// continuityNote says, for one party, what key continuity found, in the
// words the app shows the user, and how many earlier attempts to set up a
// call with the peer failed (a man in the middle may abort the attempts
// whose check numbers would differ: keyexchange.Result.FailedAttempts).
func continuityNote(res *keyexchange.Result) string {
	note := continuityState(res)
	if n := res.FailedAttempts(); n > 0 {
		note += fmt.Sprintf("; %d earlier attempt(s) with this peer failed to set up: compare the check numbers carefully", n)
	}
	return note
}

func continuityState(res *keyexchange.Result) string {
	c := res.Continuity()
	switch {
	case c == keyexchange.ContinuityOff:
		return "off (no -cache)"
	case c.Break():
		why := map[keyexchange.Continuity]string{
			keyexchange.ContinuityPeerLost:  "the peer holds no secret from your last call",
			keyexchange.ContinuityLocalLost: "the peer holds a secret from a call this device has forgotten",
			keyexchange.ContinuityMismatch:  "the two sides hold different secrets",
		}[c]
		return fmt.Sprintf("continuity broken (%s): compare the check numbers again", why)
	case c == keyexchange.ContinuityKept && res.Verified():
		return "verified earlier: the keys continue a chain whose check numbers you compared"
	case c == keyexchange.ContinuityKept:
		return "keys continue from the last call, never verified: compare the check numbers"
	case c == keyexchange.ContinuityNew:
		return "first call with this peer: compare the check numbers"
	}
	return c.String()
}

// markVerified records in both parties' stores that the users compared the
// check numbers of this call (-verified), if they match. It returns what
// the report says about it.
func markVerified(c *call) (string, error) {
	if c.parties[alice].sas.check != c.parties[bob].sas.check {
		return "not marked verified (-verified): the check numbers differ", nil
	}
	var errs []error
	for _, p := range c.parties {
		if err := p.res.MarkVerified(); err != nil {
			errs = append(errs, fmt.Errorf("%v: %w", p.side, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return "", fmt.Errorf("-verified: %w", err)
	}
	return "marked verified (-verified): the next call with this -cache reports \"verified earlier\"", nil
}
