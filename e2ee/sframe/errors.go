package sframe

import "errors"

var (
	// ErrAuth is returned by Key.Open when the ciphertext, tag, header or
	// metadata fails authentication. It carries no further detail on purpose.
	ErrAuth = errors.New("sframe: message authentication failed")

	// ErrMalformed is returned for an SFrame header or ciphertext that cannot
	// be parsed: truncated, non-minimally encoded, or shorter than the tag.
	ErrMalformed = errors.New("sframe: malformed SFrame ciphertext")

	// ErrUnknownKey is returned by Key.Open when the header's KID is not the
	// key's KID: decryption fails when no key is known for the KID
	// (RFC 9605, Section 4.4.4).
	ErrUnknownKey = errors.New("sframe: no key for KID")

	// ErrUnsupportedSuite is returned by NewKey for a cipher suite this
	// package does not implement; the returned error wraps it and names the
	// suite.
	ErrUnsupportedSuite = errors.New("sframe: unsupported cipher suite")
)
