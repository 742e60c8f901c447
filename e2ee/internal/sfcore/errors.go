package sfcore

import "errors"

// The errors of package sframe, defined here so that both packages return
// the same values; package sframe exports them.
var (
	// ErrAuth: the ciphertext, tag, header or metadata failed
	// authentication (RFC 9605, Section 4.4.4).
	ErrAuth = errors.New("sframe: message authentication failed")
	// ErrMalformed: an SFrame header or ciphertext that cannot be parsed:
	// truncated, non-minimally encoded, or shorter than the tag.
	ErrMalformed = errors.New("sframe: malformed SFrame ciphertext")
	// ErrUnknownKey: the header's KID is not the key's.
	ErrUnknownKey = errors.New("sframe: no key for KID")
	// ErrUnsupportedSuite: a cipher suite this package does not implement.
	ErrUnsupportedSuite = errors.New("sframe: unsupported cipher suite")
	// ErrEmptyBaseKey: a base key of zero bytes.
	ErrEmptyBaseKey = errors.New("sframe: empty base key")
)
