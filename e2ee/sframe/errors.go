package sframe

import "github.com/callseal/callseal/e2ee/internal/sfcore"

var (
	// ErrAuth is returned by Key.Open when the ciphertext, tag, header or
	// metadata fails authentication. It carries no further detail on purpose.
	ErrAuth = sfcore.ErrAuth

	// ErrMalformed is returned for an SFrame header or ciphertext that cannot
	// be parsed: truncated, non-minimally encoded, or shorter than the tag.
	ErrMalformed = sfcore.ErrMalformed

	// ErrUnknownKey is returned by Key.Open when the header's KID is not the
	// key's KID: decryption fails when no key is known for the KID
	// (RFC 9605, Section 4.4.4).
	ErrUnknownKey = sfcore.ErrUnknownKey

	// ErrUnsupportedSuite is returned by NewKey, Ratchet and DeriveSSRCKey
	// for a cipher suite this package does not implement; the returned
	// error wraps it and names the suite.
	ErrUnsupportedSuite = sfcore.ErrUnsupportedSuite

	// ErrEmptyBaseKey is returned by NewKey, Ratchet and DeriveSSRCKey for a
	// base key of zero bytes.
	ErrEmptyBaseKey = sfcore.ErrEmptyBaseKey
)
