package e2ee

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/callseal/callseal/e2ee/internal/alias"
	"github.com/callseal/callseal/e2ee/sframe"
	"github.com/callseal/callseal/keyexchange"
)

// Session is the E2EE layer of one call: SFrame send keys for the media this
// party sends, and receive keys with replay windows for the media it
// receives, one of each per media kind.
//
// A Session is safe for concurrent use by several goroutines. Seal is
// lock-free (each send key draws its CTR from an atomic counter). Open holds
// a per-receive-key mutex only to check and to update the replay window;
// decryption runs outside it, so packets of one stream may be opened in
// parallel and each is still accepted at most once.
//
// The zero value is not usable: create sessions with NewSession or
// NewSessionFromSecrets.
type Session struct {
	suite    sframe.CipherSuite
	window   int
	overhead int
	send     atomic.Pointer[sendEpoch]
	recv     atomic.Pointer[recvKeyring]
}

// NewSession creates the E2EE session for a completed handshake, keyed from
// res.MediaSecrets(). The peer's session, built from its own Result, opens
// what this one seals and vice versa.
func NewSession(res *keyexchange.Result, opts ...Option) (*Session, error) {
	if res == nil {
		return nil, errors.New("e2ee: nil handshake result")
	}
	send, recv := res.MediaSecrets()
	defer clear(send[:])
	defer clear(recv[:])
	return NewSessionFromSecrets(send[:], recv[:], opts...)
}

// NewSessionFromSecrets creates a session from a send and a receive media
// secret, for applications with their own key exchange. Each secret must be
// at least MinSecretSize (16) bytes of uniformly random key material, and they
// must differ (equal secrets would let a session open its own packets,
// so reflected packets would be accepted). The peer passes the same two
// secrets swapped. The secrets are not retained.
func NewSessionFromSecrets(send, recv []byte, opts ...Option) (*Session, error) {
	cfg := config{suite: DefaultCipherSuite, window: DefaultReplayWindow}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.err != nil {
		return nil, cfg.err
	}
	if len(send) < MinSecretSize || len(recv) < MinSecretSize {
		return nil, fmt.Errorf("e2ee: media secrets must be at least %d bytes", MinSecretSize)
	}
	if subtle.ConstantTimeCompare(send, recv) == 1 {
		return nil, errors.New("e2ee: send and receive media secrets are equal")
	}
	se, rr, err := newEpochKeys(cfg.suite, cfg.window, 0, send, recv)
	if err != nil {
		return nil, err
	}
	s := &Session{suite: cfg.suite, window: cfg.window}
	s.send.Store(se)
	s.recv.Store(rr)
	s.overhead = sframe.Header{KID: kid(se.epoch, numKinds-1), CTR: MaxCounter}.Size() + cfg.suite.TagSize()
	return s, nil
}

// CipherSuite returns the session's SFrame cipher suite.
func (s *Session) CipherSuite() sframe.CipherSuite { return s.suite }

// Overhead returns the maximum number of bytes Seal adds to an RTP packet:
// the SFrame header plus the tag. With the default suite and epoch 0 it is
// 25 bytes: 1 config byte (KID 0-2 is carried in it), up to 8 CTR bytes
// and a 16-byte tag. The CTR takes only as many bytes as its value needs, so
// a key's first 8 packets grow by 17 bytes, the next 248 by 18, and so on.
// For the AES-CTR-HMAC suites the tag is 10, 8 or 4 bytes instead.
func (s *Session) Overhead() int { return s.overhead }

// Seal encrypts the payload of the marshalled RTP packet pkt under the send
// key of kind and appends the sealed packet to dst, according to RFC 9605,
// Section 4.4.3 with the RTP mapping described in the package doc:
//
//	in:  fixed header ‖ CSRCs ‖ [extension] ‖ payload
//	out: fixed header ‖ CSRCs ‖ [extension] ‖ SFrame header ‖ ciphertext ‖ tag
//
// The RTP header bytes are copied unchanged; the fixed header and CSRC list
// are authenticated as SFrame metadata. At most Overhead() bytes are added.
//
// To seal in place, pass pkt[:0] as dst with Overhead() bytes of spare
// capacity; any other overlap of the output and pkt panics.
//
// Errors: ErrMalformed (not RTP version 2, truncated header or extension,
// padding bit set), ErrUnknownKey (kind is not Audio, Video or ScreenShare),
// ErrKeyExhausted (the key's counters are used up). On error pkt and dst are
// unchanged and no counter value is consumed, except for ErrKeyExhausted.
func (s *Session) Seal(dst, pkt []byte, kind MediaKind) ([]byte, error) {
	if kind >= numKinds {
		return nil, errUnknownKind
	}
	layout, err := parseRTP(pkt)
	if err != nil {
		return nil, err
	}
	sk := s.send.Load().keys[kind]
	ctr := sk.next.Add(1) - 1
	if ctr > MaxCounter {
		return nil, ErrKeyExhausted
	}
	ret, out := alias.SliceForAppend(dst, len(pkt)+sk.key.Overhead(ctr))
	if alias.InexactOverlap(out, pkt) {
		panic("e2ee: invalid buffer overlap")
	}
	hdr := out[:layout.payloadOff]
	copy(hdr, pkt[:layout.payloadOff]) // a no-op when sealing in place
	// The sframe output starts where the payload starts when in place.
	sk.key.Seal(ret[:len(dst)+layout.payloadOff], ctr, pkt[:layout.metaEnd], pkt[layout.payloadOff:])
	return ret, nil
}

// Open authenticates and decrypts a packet sealed by the peer's Seal and
// appends the opened RTP packet (header unchanged, payload restored) to dst,
// returning the media kind named by its KID. It implements RFC 9605,
// Section 4.4.4 with a replay check: the packet's counter is checked against
// its key's window before decryption, and recorded only after successful
// authentication, so a forged packet never moves the window.
//
// To open in place, pass pkt[:0] as dst; any other overlap of the output and
// pkt panics.
//
// Errors: ErrMalformed (bad RTP header, padding bit set, bad SFrame header,
// or shorter than the tag), ErrUnknownKey (the KID names no receive key),
// ErrReplay (counter already accepted, or older than the window), ErrAuth
// (authentication failed). On error the returned slice is nil and the
// session state is unchanged; dst's spare capacity, and pkt when opening in
// place, may have been overwritten.
func (s *Session) Open(dst, pkt []byte) ([]byte, MediaKind, error) {
	layout, err := parseRTP(pkt)
	if err != nil {
		return nil, 0, err
	}
	payload := pkt[layout.payloadOff:]
	h, _, err := sframe.ParseHeader(payload)
	if err != nil {
		return nil, 0, errSFrame
	}
	rk := s.recv.Load().byKID[h.KID]
	if rk == nil {
		return nil, 0, errUnknownKID
	}
	rk.mu.Lock()
	err = rk.replay.check(h.CTR)
	rk.mu.Unlock()
	if err != nil {
		return nil, 0, err
	}

	ret, out := alias.SliceForAppend(dst, len(pkt))
	if alias.InexactOverlap(out, pkt) {
		panic("e2ee: invalid buffer overlap")
	}
	copy(out, pkt[:layout.payloadOff]) // a no-op when opening in place
	ret, _, err = rk.key.Open(ret[:len(dst)+layout.payloadOff], payload, pkt[:layout.metaEnd])
	if err != nil {
		if errors.Is(err, sframe.ErrAuth) {
			return nil, 0, ErrAuth
		}
		return nil, 0, errSFrame
	}

	// Another goroutine may have accepted the same counter meanwhile.
	rk.mu.Lock()
	defer rk.mu.Unlock()
	if err := rk.replay.check(h.CTR); err != nil {
		return nil, 0, err
	}
	rk.replay.accept(h.CTR)
	return ret, rk.kind, nil
}
