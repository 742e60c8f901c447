package e2ee

import (
	"crypto/subtle"
	"fmt"
	"sync"
	"time"

	"github.com/callseal/callseal/e2ee/internal/sfcore"
	"github.com/callseal/callseal/e2ee/sframe"
	"github.com/callseal/callseal/internal/alias"
	"github.com/callseal/callseal/internal/replay"
	"github.com/callseal/callseal/keyexchange"
)

// Session is the E2EE layer of one call: SFrame send keys for the media this
// party sends, and receive keys with replay windows for the media it
// receives, one chain of each per media kind (or per SSRC, Config.SendStreams),
// ratcheted from epoch to epoch.
//
// A Session is safe for concurrent use by several goroutines, including
// several goroutines sealing on one stream while another calls Rekey.
//
// Seal never waits for another Seal: each send key draws its CTR from an
// atomic counter, and takes its nonce and AAD space with TryLock, falling
// back to a pooled one if a concurrent Seal on the stream holds it; only
// the ratchet to a new epoch takes a per-stream mutex.
//
// Open reads the receive keys without locking and holds the mutex of the
// packet's key (one per stream and epoch) across the replay check,
// decryption and the update of the replay window, whose nonce and AAD space
// it also guards. So Opens on different streams run in parallel, Opens on
// one stream from several goroutines are safe but serialized, and each
// packet is accepted at most once. Opening the first packet of a new epoch
// also takes a per-stream mutex.
//
// The zero value is not usable: create sessions with NewSession or
// NewSessionFromSecrets.
type Session struct {
	suite        sframe.CipherSuite
	window       int
	overhead     int
	tagSize      int    // bytes, the suite's Nt
	rekeyAfter   uint64 // packets per send key; RekeyAfterPackets (tests lower it)
	graceTime    time.Duration
	gracePackets uint64
	clock        clock

	perSSRC bool
	send    [numKinds]*sendChain // by kind, unless perSSRC
	recv    [numKinds]*recvChain
	// With per-SSRC keys: one chain per announced stream.
	sendStreams []*sendChain
	recvStreams []*recvChain

	claimMu sync.Mutex // guards owner
	owner   any        // who carries the packets (Claim); nil until then
}

// NewSession creates the E2EE session for a completed handshake, keyed from
// the media secrets it takes from res (keyexchange.Result.TakeMediaSecrets,
// which erases the Result's copy). The peer's session, built from its own
// Result, opens what this one seals and vice versa. cfg is optional (at
// most one); without it, the zero Config's defaults apply.
//
// One Result keys one session: a second NewSession from the same Result
// (or any other session built on its media secrets, such as
// callseal.New) returns an error wrapping keyexchange.ErrSecretsTaken, as
// two sessions with the same keys would reuse SFrame nonces. To keep a
// call going on a new transport, keep the Session; anything else needs a
// new handshake. When policy turned E2EE off for the call the error wraps a
// *keyexchange.PolicyError (errors.As; errors.Is matches
// keyexchange.ErrE2EEDisabled, and keyexchange.ErrE2EERequired when the
// call was refused).
//
// Errors: ErrInvalidSecrets for a nil res; ErrInvalidConfig for an
// unusable cfg (checked before the secrets are taken, so res is then left
// as it was); the errors of TakeMediaSecrets, wrapped.
func NewSession(res *keyexchange.Result, cfg ...Config) (*Session, error) {
	if res == nil {
		return nil, fmt.Errorf("%w: nil keyexchange.Result", ErrInvalidSecrets)
	}
	c, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	send, recv, err := res.TakeMediaSecrets()
	defer clear(send[:])
	defer clear(recv[:])
	if err != nil {
		return nil, fmt.Errorf("e2ee: media secrets: %w", err)
	}
	return newSession(send[:], recv[:], c)
}

// NewSessionFromSecrets creates a session from a send and a receive media
// secret, for applications with their own key exchange. Each secret must be
// at least MinSecretSize (16) bytes of uniformly random key material, and they
// must differ (equal secrets would let a session open its own packets,
// so reflected packets would be accepted). The peer passes the same two
// secrets swapped. The secrets are not retained. cfg is optional (at most
// one), as for NewSession.
//
// Errors: ErrInvalidSecrets for secrets that are too short or equal;
// ErrInvalidConfig for an unusable cfg.
func NewSessionFromSecrets(send, recv []byte, cfg ...Config) (*Session, error) {
	c, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	return newSession(send, recv, c)
}

// newSession derives the key chains of a session from checked settings.
func newSession(send, recv []byte, cfg config) (*Session, error) {
	if len(send) < MinSecretSize || len(recv) < MinSecretSize {
		return nil, fmt.Errorf("%w: each must be at least %d bytes", ErrInvalidSecrets, MinSecretSize)
	}
	if subtle.ConstantTimeCompare(send, recv) == 1 {
		return nil, fmt.Errorf("%w: send and receive media secrets are equal", ErrInvalidSecrets)
	}
	s := &Session{
		suite: cfg.suite, window: cfg.window, rekeyAfter: RekeyAfterPackets,
		graceTime: cfg.graceTime, gracePackets: cfg.gracePackets, clock: cfg.clock,
		perSSRC: cfg.perSSRC,
	}
	sendStreams, recvStreams := cfg.sendStreams, cfg.recvStreams
	if !cfg.perSSRC {
		sendStreams = []RTPStream{{Kind: Audio}, {Kind: Video}, {Kind: ScreenShare}}
		recvStreams = sendStreams
	}
	for _, st := range sendStreams {
		base, err := streamBaseKey(s.suite, send, st.Kind, st.SSRC, s.perSSRC)
		if err != nil {
			return nil, err
		}
		sc, err := newSendChain(s.suite, st.Kind, st.SSRC, base)
		if err != nil {
			clear(base)
			return nil, err
		}
		if s.perSSRC {
			s.sendStreams = append(s.sendStreams, sc)
		} else {
			s.send[st.Kind] = sc
		}
	}
	for _, st := range recvStreams {
		base, err := streamBaseKey(s.suite, recv, st.Kind, st.SSRC, s.perSSRC)
		if err != nil {
			return nil, err
		}
		rc, err := s.newRecvChain(st.Kind, st.SSRC, base)
		if err != nil {
			clear(base)
			return nil, err
		}
		if s.perSSRC {
			s.recvStreams = append(s.recvStreams, rc)
		} else {
			s.recv[st.Kind] = rc
		}
	}
	s.tagSize = cfg.suite.TagSize()
	s.overhead = sframe.Header{KID: maxKID, CTR: s.rekeyAfter - 1}.Size() + s.tagSize
	return s, nil
}

func (s *Session) sendChains() []*sendChain {
	if s.perSSRC {
		return s.sendStreams
	}
	return s.send[:]
}

func (s *Session) recvChains() []*recvChain {
	if s.perSSRC {
		return s.recvStreams
	}
	return s.recv[:]
}

// CipherSuite returns the session's SFrame cipher suite.
func (s *Session) CipherSuite() sframe.CipherSuite { return s.suite }

// Overhead returns the maximum number of bytes Seal adds to an RTP packet:
// the SFrame header plus the tag. With the default suite it is 21 bytes: 1
// config byte, at most 1 KID byte (the KID is below 256, and below 8, so
// carried in the config byte, in epochs 0 and 1), at most 3 CTR bytes (the
// CTR stays below RekeyAfterPackets = 2^22) and the 16-byte tag. The KID and
// CTR take only as many bytes as their values need, so a key's first 8
// packets in epoch 0 grow by 17 bytes, the next 248 by 18, and so on. For
// the AES-CTR-HMAC suites the tag is 10, 8 or 4 bytes instead (15, 13 or 9
// bytes of overhead at most).
func (s *Session) Overhead() int { return s.overhead }

// Seal encrypts the payload of the marshalled RTP packet pkt under the
// current send key of kind (and, with per-SSRC keys, of the packet's SSRC) and
// appends the sealed packet to dst, according to RFC 9605, Section 4.4.3
// with the RTP mapping described in the package doc:
//
//	in:  fixed header ‖ CSRCs ‖ [extension] ‖ payload
//	out: fixed header ‖ CSRCs ‖ [extension] ‖ SFrame header ‖ ciphertext ‖ tag
//
// The RTP header bytes are copied unchanged; the fixed header and CSRC list
// are authenticated as SFrame metadata. At most Overhead() bytes are added.
// When the key's counter reaches MaxCounter, Seal first ratchets the stream
// to its next epoch.
//
// To seal in place, pass pkt[:0] as dst with Overhead() bytes of spare
// capacity; any other overlap of the output and pkt panics.
//
// Errors: ErrMalformed (not RTP version 2, truncated header or extension,
// padding bit set), ErrUnknownKey (kind is not Audio, Video or ScreenShare,
// or Config.SendStreams did not announce the packet's SSRC under kind),
// ErrKeyExhausted (the ratchet failed; not expected). On error pkt and dst
// are unchanged and no counter value is consumed.
func (s *Session) Seal(dst, pkt []byte, kind MediaKind) ([]byte, error) {
	if kind >= numKinds {
		return nil, errUnknownKind
	}
	// A header without CSRCs is located inline (see Open).
	layout := rtpLayout{metaEnd: rtpFixedHeaderSize, payloadOff: commonRTPPayload(pkt)}
	if layout.payloadOff == 0 {
		var err error
		if layout, err = parseRTP(pkt); err != nil {
			return nil, err
		}
	}
	sc := s.send[kind]
	if s.perSSRC {
		if sc = s.sendStream(kind, ssrcOf(pkt)); sc == nil {
			return nil, errUnknownSSRC
		}
	}
	sk := sc.cur.Load()
	if sk == nil {
		return nil, ErrClosed
	}
	ctr := sk.next.Add(1) - 1
	if ctr >= s.rekeyAfter {
		var err error
		if sk, ctr, err = s.sealRatchet(sc, sk); err != nil {
			return nil, err
		}
	}
	cn := sfcore.FieldSize(ctr)
	hlen := 1 + sk.kn + cn
	ret, out := alias.SliceForAppend(dst, len(pkt)+hlen+s.tagSize)
	inPlace := alias.AnyOverlap(out, pkt)
	if inPlace && &out[0] != &pkt[0] {
		panic("e2ee: invalid buffer overlap")
	}
	if layout.metaEnd != rtpFixedHeaderSize || hlen > sfcore.FastHeaderSize || !sk.mu.TryLock() {
		return s.sealSlow(ret, out, pkt, layout, sk, ctr, inPlace)
	}

	// The per-packet path, for an RTP header without CSRCs: sframe's
	// SealWith written out, as Open's is (e2ee/BENCHMARKS.md, "The
	// per-packet path"). The nonce and AAD are built before the output is
	// written, which in place is pkt.
	sk.parts.PutNonce(&sk.nonce, ctr)
	hdr := sfcore.EncodeHeader(sk.kid, ctr, sk.kn, cn)
	aad := sk.aad[:hlen+rtpFixedHeaderSize]
	*(*[sfcore.FastHeaderSize]byte)(aad) = hdr // bytes past hlen are overwritten next
	*(*[rtpFixedHeaderSize]byte)(aad[hlen:]) = [rtpFixedHeaderSize]byte(pkt)
	sfOut := out[layout.payloadOff:]
	payload := pkt[layout.payloadOff:]
	if inPlace {
		// Move the payload up past the SFrame header; seal it there.
		payload = sfOut[hlen : hlen+len(payload)]
		copy(payload, pkt[layout.payloadOff:])
	} else {
		sfcore.CopyRTPHeader(out, pkt[:layout.payloadOff])
	}
	copy(sfOut[:hlen], hdr[:hlen])
	sk.parts.AEAD.Seal(sfOut[hlen:hlen], sk.nonce[:], payload, aad)
	sk.mu.Unlock()
	return ret, nil
}

// sealSlow is Seal for a packet with CSRCs, or one whose stream's buffers
// are taken by a concurrent Seal (or, never with MaxCounter < 2^24, an
// SFrame header longer than sfcore.FastHeaderSize): through sframe.Key.SealWith, with the
// send key's scratch or a pooled one. out is ret's new part, ctr the
// packet's counter.
func (s *Session) sealSlow(ret, out, pkt []byte, layout rtpLayout, sk *sendKey, ctr uint64, inPlace bool) ([]byte, error) {
	if !inPlace {
		sfcore.CopyRTPHeader(out, pkt[:layout.payloadOff])
	}
	// The sframe output starts where the payload starts when in place.
	sfDst, meta, payload := ret[:len(ret)-len(out)+layout.payloadOff], pkt[:layout.metaEnd], pkt[layout.payloadOff:]
	if sk.mu.TryLock() {
		sk.key.SealWith(&sk.scratch, sfDst, ctr, meta, payload)
		sk.mu.Unlock()
	} else {
		sk.key.SealWith(nil, sfDst, ctr, meta, payload) // a pooled scratch
	}
	return ret, nil
}

// Open authenticates and decrypts a packet sealed by the peer's Seal and
// appends the opened RTP packet (header unchanged, payload restored) to dst,
// returning the media kind named by its KID. It implements RFC 9605,
// Section 4.4.4 with a replay check: the packet's counter is checked against
// its key's window before decryption (a replay costs no decryption), and
// recorded only after successful authentication, so a forged packet never
// moves the window.
//
// A KID naming an epoch up to MaxEpochAhead beyond the newest one received
// on the stream is followed by ratcheting forward (RFC 9605, Section 5.1);
// the receiver moves to that epoch only if the packet authenticates. Packets
// of superseded epochs open during the grace period (Config.EpochGraceTime), and
// fail with ErrUnknownKey after it.
//
// To open in place, pass pkt[:0] as dst; any other overlap of the output and
// pkt panics.
//
// Errors: ErrMalformed (bad RTP header, padding bit set, bad SFrame header,
// or shorter than the tag), ErrUnknownKey (the KID names no epoch and media
// kind with a receive key: erased, too far ahead, or never used; or
// Config.RecvStreams did not announce the SSRC), ErrReplay (counter already
// accepted, or older than the window), ErrAuth (authentication failed). On
// error the returned slice is nil and the session state is unchanged; dst's
// spare capacity, and pkt when opening in place, may have been overwritten.
func (s *Session) Open(dst, pkt []byte) ([]byte, MediaKind, error) {
	// The per-packet path, for the packets of almost every call: an RTP
	// header without CSRCs (so the SFrame metadata is the 12-byte fixed
	// header), an SFrame header of up to 8 bytes and a key in the ring,
	// opened in place or not. It is openKnown written out, with the AAD
	// built by fixed-size moves and sfcore.Parts.Open's AEAD call inline:
	// calls and branches here measured up to 0.08 of the e2ee/raw Open
	// ratio at 160 B (e2ee/BENCHMARKS.md, "The per-packet path"). Seal
	// writes SFrame headers of at most 5 bytes (a config byte, a one-byte
	// KID, a CTR below 2^24), so only forgeries have longer ones. Anything
	// else, and every error but a replay or a failed authentication, goes
	// to openSlow.
	off := commonRTPPayload(pkt)
	if off == 0 || len(pkt)-off < sfcore.FastHeaderSize+s.tagSize {
		return s.openSlow(dst, pkt)
	}
	sf := pkt[off:]
	h, hlen, err := sframe.ParseHeader(sf)
	kind := MediaKind(h.KID & kindMask)
	if err != nil || hlen > sfcore.FastHeaderSize || h.KID > maxKID || kind >= numKinds {
		return s.openSlow(dst, pkt)
	}
	rc := s.recv[kind]
	if s.perSSRC {
		if rc = s.recvStream(kind, ssrcOf(pkt)); rc == nil {
			return s.openSlow(dst, pkt)
		}
	}
	rk := rc.ring.Load().keys[h.KID>>kindBits]
	if rk == nil {
		return s.openSlow(dst, pkt) // a new epoch, an erased one, or closed
	}
	ret, out := alias.SliceForAppend(dst, len(pkt)-hlen-s.tagSize)
	inPlace := alias.AnyOverlap(out, pkt)
	if inPlace && &out[0] != &pkt[0] {
		panic("e2ee: invalid buffer overlap")
	}

	rk.mu.Lock()
	if v := rk.replay.Check(h.CTR); v != replay.Fresh {
		rk.mu.Unlock()
		return nil, 0, replayError(v) // a replay costs no decryption
	}
	rk.key.PutNonce(&rk.nonce, h.CTR)
	aad := rk.aad[:hlen+rtpFixedHeaderSize]
	*(*[sfcore.FastHeaderSize]byte)(aad) = [sfcore.FastHeaderSize]byte(sf) // bytes past hlen are overwritten next
	*(*[rtpFixedHeaderSize]byte)(aad[hlen:]) = [rtpFixedHeaderSize]byte(pkt)
	// In place, decrypt where the ciphertext lies; otherwise into the
	// output, after the RTP header.
	ct := sf[hlen:]
	if inPlace {
		_, err = rk.key.AEAD.Open(ct[:0], rk.nonce[:], ct, aad)
	} else {
		_, err = rk.key.AEAD.Open(ret[len(dst)+off:len(dst)+off], rk.nonce[:], ct, aad)
	}
	if err != nil {
		rk.mu.Unlock()
		return nil, 0, ErrAuth // the window is unchanged
	}
	erase := rk.acceptLocked(h.CTR)
	rk.mu.Unlock()
	if erase {
		s.eraseBefore(rc, rk.epoch)
	}
	if inPlace {
		copy(sf, ct[:len(ct)-s.tagSize]) // the plaintext, down over the SFrame header
	} else {
		sfcore.CopyRTPHeader(ret[len(dst):], pkt[:off])
	}
	return ret, kind, nil
}

// openSlow is Open for any packet: it parses and checks everything, returns
// Open's errors, and opens with the key in the ring (openKnown), in place or
// not, or with the key of a new epoch (openNewEpoch).
func (s *Session) openSlow(dst, pkt []byte) ([]byte, MediaKind, error) {
	layout, err := parseRTP(pkt)
	if err != nil {
		return nil, 0, err
	}
	// The SFrame header is parsed once, here: its KID picks the key, and
	// its CTR is checked for replay and makes the nonce.
	sf := pkt[layout.payloadOff:]
	h, hlen, err := sframe.ParseHeader(sf)
	if err != nil {
		return nil, 0, errSFrame
	}
	kind := MediaKind(h.KID & kindMask)
	if h.KID > maxKID || kind >= numKinds {
		return nil, 0, errUnknownKID
	}
	rc := s.recv[kind]
	if s.perSSRC {
		if rc = s.recvStream(kind, ssrcOf(pkt)); rc == nil {
			return nil, 0, errUnknownSSRC
		}
	}
	// The output: dst extended by the packet less its SFrame header and
	// tag, in place if it is pkt's own storage (dst is pkt[:0]).
	n := len(pkt) - hlen - s.tagSize
	if n < layout.payloadOff {
		return nil, 0, errSFrame // shorter than the tag
	}
	ret, out := alias.SliceForAppend(dst, n)
	inPlace := alias.AnyOverlap(out, pkt)
	if inPlace && &out[0] != &pkt[0] {
		panic("e2ee: invalid buffer overlap")
	}
	rk := rc.ring.Load().keys[h.KID>>kindBits]
	if rk == nil {
		return s.openNewEpoch(rc, dst, ret, inPlace, pkt, layout, h, hlen)
	}
	return s.openKnown(rc, rk, dst, ret, inPlace, pkt, layout, h, hlen)
}

// openKnown is Open with the key rk, found in the ring: the replay check,
// decryption and replay update under rk.mu.
func (s *Session) openKnown(rc *recvChain, rk *recvKey, dst, ret []byte, inPlace bool, pkt []byte, layout rtpLayout, h sframe.Header, hlen int) ([]byte, MediaKind, error) {
	rk.mu.Lock()
	if err := rk.decryptLocked(ret[len(dst)+layout.payloadOff:], pkt, layout, h, hlen); err != nil {
		rk.mu.Unlock()
		return nil, 0, err
	}
	erase := rk.acceptLocked(h.CTR)
	rk.mu.Unlock()
	if erase {
		s.eraseBefore(rc, rk.epoch)
	}
	if !inPlace {
		sfcore.CopyRTPHeader(ret[len(dst):], pkt[:layout.payloadOff])
	}
	return ret, rc.kind, nil
}

// decryptLocked checks the counter of pkt's SFrame header h (hlen bytes)
// against rk's replay window, then authenticates and decrypts pkt's
// payload into out (where the payload is to start in the output). The
// window is not changed: a replay is rejected before decryption, and
// acceptLocked records a counter only after authentication, so a forgery
// never moves the window. rk.mu must be held.
func (rk *recvKey) decryptLocked(out, pkt []byte, layout rtpLayout, h sframe.Header, hlen int) error {
	if err := replayError(rk.replay.Check(h.CTR)); err != nil {
		return err
	}
	if rk.key.Open(&rk.nonce, rk.aad[:], out, pkt[layout.payloadOff:], pkt[:layout.metaEnd], h.CTR, hlen) != nil {
		return ErrAuth
	}
	return nil
}

// acceptLocked records ctr, which decryptLocked has just authenticated, in
// rk's replay window, and reports whether the stream's older epochs are to
// be erased now that rk has accepted its grace quota of packets. rk.mu must
// be held.
func (rk *recvKey) acceptLocked(ctr uint64) (eraseOlder bool) {
	rk.replay.Accept(ctr)
	rk.accepted++
	return rk.accepted == rk.eraseOlderAfter
}

// openNewEpoch is Open's slow path for a KID without a key in the ring: an
// epoch ahead of the newest, if it is at most MaxEpochAhead ahead. Its key
// is derived (once) and used; the receiver moves to the epoch only if the
// packet authenticates.
func (s *Session) openNewEpoch(rc *recvChain, dst, ret []byte, inPlace bool, pkt []byte, layout rtpLayout, h sframe.Header, hlen int) ([]byte, MediaKind, error) {
	rc.mu.Lock()
	if rc.base == nil {
		rc.mu.Unlock()
		return nil, 0, ErrClosed
	}
	if rc.ring.Load().keys[h.KID>>kindBits] != nil {
		// Another goroutine moved to this epoch meanwhile: Open now
		// finds its key.
		rc.mu.Unlock()
		return s.Open(dst, pkt)
	}
	d := (h.KID>>kindBits - rc.epoch) & epochMask
	if d == 0 || d > MaxEpochAhead {
		rc.mu.Unlock()
		return nil, 0, errUnknownKID // erased, or too far ahead to derive
	}
	rk, err := s.aheadLocked(rc, int(d))
	if err != nil {
		rc.mu.Unlock()
		return nil, 0, err
	}
	// Lock order: rc.mu, then rk.mu. rk joins the ring in commitLocked;
	// Opens that find it there wait on rk.mu until this packet's counter
	// is recorded.
	rk.mu.Lock()
	if err := rk.decryptLocked(ret[len(dst)+layout.payloadOff:], pkt, layout, h, hlen); err != nil {
		rk.mu.Unlock()
		rc.mu.Unlock()
		return nil, 0, err // nothing committed: a forgery does not move the epoch
	}
	s.commitLocked(rc, int(d))
	erase := rk.acceptLocked(h.CTR)
	rk.mu.Unlock()
	rc.mu.Unlock()
	if erase {
		s.eraseBefore(rc, rk.epoch)
	}
	if !inPlace {
		sfcore.CopyRTPHeader(ret[len(dst):], pkt[:layout.payloadOff])
	}
	return ret, rc.kind, nil
}
