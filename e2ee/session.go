package e2ee

import (
	"crypto/subtle"
	"fmt"
	"sync"
	"time"

	"github.com/callseal/callseal/e2ee/internal/sfcore"
	"github.com/callseal/callseal/e2ee/sframe"
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
	layout, err := packetLayout(pkt)
	if err != nil {
		return nil, err
	}
	sc := s.send[kind]
	if s.perSSRC {
		if sc = s.sendStream(kind, ssrcOf(pkt)); sc == nil {
			return nil, errUnknownSSRC
		}
	}
	return s.sealOn(sc, dst, pkt, layout)
}

// sealOn seals pkt under the current key of sc and appends the result to
// dst: pkt[:layout.payloadOff] is copied unchanged, pkt[:layout.metaEnd] is
// the SFrame metadata, and pkt[layout.payloadOff:] is encrypted. It is the
// one sealing path of Seal (RTP packets) and SealFrame (encoded frames),
// with their contract on dst, in place sealing and errors.
func (s *Session) sealOn(sc *sendChain, dst, pkt []byte, layout rtpLayout) ([]byte, error) {
	var err error
	sk := sc.cur.Load()
	if sk == nil {
		return nil, ErrClosed
	}
	ctr := sk.next.Add(1) - 1
	if ctr >= s.rekeyAfter {
		if sk, ctr, err = s.sealRatchet(sc, sk); err != nil {
			return nil, err
		}
	}
	return sealPacket(sk, ctr, dst, pkt, layout), nil
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
	layout, h, hlen, err := parseSealed(pkt)
	if err != nil {
		return nil, 0, err
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
	ret, err := s.openOn(rc, dst, pkt, layout, h, hlen)
	if err != nil {
		return nil, 0, err
	}
	return ret, kind, nil
}

// openOn opens pkt, whose SFrame header h of hlen bytes starts at
// layout.payloadOff and whose KID names a key of rc, and appends the result
// to dst: pkt[:layout.payloadOff] is copied unchanged, pkt[:layout.metaEnd]
// is the SFrame metadata. It is the one opening path of Open (RTP packets)
// and OpenFrame (encoded frames), with their contract on dst, in place
// opening and errors.
func (s *Session) openOn(rc *recvChain, dst, pkt []byte, layout rtpLayout, h sfcore.Header, hlen int) ([]byte, error) {
	ret, out, inPlace, err := openOutput(dst, pkt, layout, hlen, s.tagSize)
	if err != nil {
		return nil, err
	}
	// The key: in the ring, or of an epoch ahead (then rc.mu is held
	// until the packet is committed or rejected).
	var ahead int
	rk := rc.ring.Load().keys[h.KID>>kindBits]
	if rk == nil {
		if rk, ahead, err = s.lockAhead(rc, h.KID); err != nil {
			return nil, err
		}
	}
	// The replay check, decryption and replay update under rk.mu. A replay
	// costs no decryption, and a counter is recorded only after
	// authentication, so a forgery never moves the window.
	rk.mu.Lock()
	err = rk.openLocked(out, pkt, layout, h.CTR, hlen, inPlace)
	var erase bool
	if err == nil {
		if ahead > 0 {
			s.commitLocked(rc, ahead)
		}
		erase = rk.acceptLocked(h.CTR)
	}
	rk.mu.Unlock()
	if ahead > 0 {
		rc.mu.Unlock()
	}
	if err != nil {
		return nil, err // nothing recorded or committed
	}
	if erase {
		s.eraseBefore(rc, rk.epoch)
	}
	return ret, nil
}

// acceptLocked records ctr, which Open has just authenticated, in
// rk's replay window, and reports whether the stream's older epochs are to
// be erased now that rk has accepted its grace quota of packets. rk.mu must
// be held.
func (rk *recvKey) acceptLocked(ctr uint64) (eraseOlder bool) {
	rk.replay.Accept(ctr)
	rk.accepted++
	return rk.accepted == rk.eraseOlderAfter
}

// lockAhead is Open's step for a KID without a key in the ring: an epoch
// ahead of the newest, if it is at most MaxEpochAhead ahead (RFC 9605,
// Section 5.1). It derives the epoch's key (once) and returns it with the
// number of epochs ahead, holding rc.mu: Open commits the epoch
// (commitLocked) only if the packet authenticates, then releases rc.mu.
// Lock order: rc.mu, then the key's mu; the key joins the ring on commit,
// and Opens that find it there wait on its mu until this packet's counter
// is recorded. If another goroutine moved to the epoch meanwhile, it
// returns the key with ahead = 0 and rc.mu released.
func (s *Session) lockAhead(rc *recvChain, kid uint64) (rk *recvKey, ahead int, err error) {
	rc.mu.Lock()
	if rc.base == nil {
		rc.mu.Unlock()
		return nil, 0, ErrClosed
	}
	if rk := rc.ring.Load().keys[kid>>kindBits]; rk != nil {
		rc.mu.Unlock()
		return rk, 0, nil
	}
	d := (kid>>kindBits - rc.epoch) & epochMask
	if d == 0 || d > MaxEpochAhead {
		rc.mu.Unlock()
		return nil, 0, errUnknownKID // erased, or too far ahead to derive
	}
	if rk, err = s.aheadLocked(rc, int(d)); err != nil {
		rc.mu.Unlock()
		return nil, 0, err
	}
	return rk, int(d), nil
}
