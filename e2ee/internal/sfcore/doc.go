// Package sfcore is the one implementation of SFrame (RFC 9605) in callseal:
// the cipher suites' parameters, key and salt derivation, the header codec,
// and sealing and opening under one key. Package sframe wraps it as its
// public API; package e2ee uses it directly for every RTP packet, with a
// Key and a Scratch stored beside each stream's counter or replay window.
//
// Each operation has one implementation: Key.Seal, Key.Open, Header.Put,
// ParseHeader. The one special case is PrepareRTP (rtp.go), with which
// e2ee opens the common RTP packet calling the AEAD itself.
//
// It is internal because a Key here offers what an SFrame user must not
// have: Seal under any counter with a Scratch of the caller's, and Open of
// a ciphertext whose header the caller has already parsed.
package sfcore
