package keyexchange

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"

	"github.com/callseal/callseal/keyexchange/internal/wire"
)

// Key continuity after ZRTP (RFC 6189, Section 4.9): a secret retained from
// the last completed handshake with a peer is mixed into the next one, so a
// man in the middle who was absent once cannot step in later unnoticed, and
// a check number the users compared once needs no new comparison while the
// chain of retained secrets is unbroken.

// ContinuityStore keeps one ContinuityRecord per peer identity
// (Config.PeerID). The handshake calls Load when it draws its key share
// (Start for the initiator, the Commit for the responder) and Save twice:
// when it commits to the attempt (the same record with FailedAttempts
// counted up) and once the handshake completed (the new retained secret,
// FailedAttempts zero). The app calls Result.MarkVerified after the users
// compared the check number. Implementations must keep every field of the
// record, and must be safe for concurrent use if several handshakes share
// one store; FileStore is.
type ContinuityStore interface {
	// Load returns the record for peerID; ok is false when there is none.
	Load(peerID string) (rec ContinuityRecord, ok bool, err error)
	// Save replaces the record for peerID.
	Save(peerID string, rec ContinuityRecord) error
}

// ContinuityRecord is what a ContinuityStore keeps for one peer.
//
// A record may exist before any handshake with the peer completed: it then
// holds only FailedAttempts, and its Secret is all zero. An all-zero Secret
// means "no retained secret" (a derived secret is zero with probability
// 2^-256): such a record offers no retained secret, exactly like no record,
// so it causes no continuity break.
type ContinuityRecord struct {
	// Secret is the retained secret of the last completed handshake with
	// the peer (ZRTP's rs1), 32 bytes; all zero when there is none.
	Secret [SecretSize]byte
	// Previous, when HasPrevious, is the secret used in that handshake
	// (ZRTP's rs2). It is still offered, so continuity survives a
	// handshake that completed on one side only (the final Confirm lost).
	Previous    [SecretSize]byte
	HasPrevious bool
	// Verified reports that the users compared the check number of a call
	// in this unbroken chain (set by Result.MarkVerified).
	Verified bool
	// FailedAttempts counts the handshakes with the peer that this party
	// committed to but that did not complete, since the last one that
	// completed (or since the record was created). The handshake counts an
	// attempt when it commits to it — the initiator in Handshake.Start,
	// the responder when it accepts the peer's Commit (a repeated Commit
	// is answered without counting again) — and a completed handshake
	// saves zero. An attempt that fails, is abandoned, or never gets an
	// answer thus stays counted; messages rejected before the commitment
	// (a Commit for another identity, with no common suite) are not
	// attempts. The count saturates at the largest uint32.
	//
	// A man in the middle learns both check numbers before either party
	// completes and can abort every attempt in which they differ, so
	// failed attempts are the trace its retries leave (SECURITY.md, "The
	// check number"); Result.FailedAttempts and the function
	// FailedAttempts report the count to the app.
	FailedAttempts uint32
}

// hasSecret reports whether r holds a retained secret (a non-zero Secret).
func (r *ContinuityRecord) hasSecret() bool {
	var zero [SecretSize]byte
	return subtle.ConstantTimeCompare(r.Secret[:], zero[:]) != 1
}

// FailedAttempts returns the number of handshakes with peerID that this
// party committed to since the last one that completed and that did not
// complete (ContinuityRecord.FailedAttempts; 0 when store holds no record
// for peerID), so an app can warn before or without a handshake, e.g.
// when it shows the contact. Several failures in a row are how a man in
// the middle who aborts the calls whose check numbers would differ shows
// itself; they are also what a bad network or calls hung up while ringing
// leave behind, so warn after a few, not after one.
//
// Without a ContinuityStore there is no counter: FailedAttempts returns an
// error wrapping ErrContinuity for a nil store, and one wrapping
// ErrContinuity and the store's error when Load fails. It is as safe for
// concurrent use as store.
func FailedAttempts(store ContinuityStore, peerID string) (uint32, error) {
	if store == nil {
		return 0, fmt.Errorf("%w: no ContinuityStore configured", ErrContinuity)
	}
	rec, ok, err := store.Load(peerID)
	if err != nil {
		return 0, fmt.Errorf("%w: load: %w", ErrContinuity, err)
	}
	defer rec.wipe()
	if !ok {
		return 0, nil
	}
	return rec.FailedAttempts, nil
}

// wipe clears the secrets of r (best-effort).
func (r *ContinuityRecord) wipe() {
	clear(r.Secret[:])
	clear(r.Previous[:])
}

// Continuity is what a completed handshake found about retained secrets,
// from this party's point of view (Result.Continuity).
type Continuity uint8

const (
	// ContinuityOff: this party has no ContinuityStore.
	ContinuityOff Continuity = iota + 1
	// ContinuityNew: neither party held a retained secret for the other —
	// their first call, as far as either remembers. Not a break, but nothing
	// was verified before: the users should compare the check number.
	ContinuityNew
	// ContinuityKept: both held the same retained secret and it was mixed
	// into the keys. Result.Verified carries the earlier comparison.
	ContinuityKept
	// ContinuityPeerLost: this party held a secret, the peer offered none:
	// the peer lost or reset its cache, or answers from a different device
	// or installation — or a man in the middle answers. A break.
	ContinuityPeerLost
	// ContinuityLocalLost: the peer offered a secret this party does not
	// hold (its own cache was lost or reset). A break.
	ContinuityLocalLost
	// ContinuityMismatch: both held secrets but none matched: one side
	// changed (another device, a restore from backup) or a man in the
	// middle took part in this call or an earlier one. A break.
	ContinuityMismatch
)

// Break reports whether c is a continuity break, about which the app should
// warn the user and ask for a new comparison of the check number.
func (c Continuity) Break() bool {
	return c == ContinuityPeerLost || c == ContinuityLocalLost || c == ContinuityMismatch
}

func (c Continuity) String() string {
	switch c {
	case ContinuityOff:
		return "off"
	case ContinuityNew:
		return "new"
	case ContinuityKept:
		return "kept"
	case ContinuityPeerLost:
		return "break: peer has no retained secret"
	case ContinuityLocalLost:
		return "break: no local retained secret"
	case ContinuityMismatch:
		return "break: retained secrets differ"
	}
	return fmt.Sprintf("Continuity(%d)", uint8(c))
}

// retainedID returns the ID of retained secret rs that the party in role
// sends in this call: HMAC-SHA256(rs, label ‖ call ID) truncated to 8
// bytes, as ZRTP's rs1IDi/rs1IDr (RFC 6189, Section 4.3.1) but bound to the
// call ID so that IDs do not link a peer's calls to each other. The label
// differs per role, so an ID reflected back to its sender matches nothing.
func retainedID(rs *[SecretSize]byte, role Role, callID []byte) [wire.RetainedIDSize]byte {
	label := labelRetainedIDInitiator
	if role == Responder {
		label = labelRetainedIDResponder
	}
	m := hmac.New(sha256.New, rs[:])
	m.Write([]byte(label))
	m.Write(callID)
	var sum [sha256.Size]byte
	m.Sum(sum[:0])
	return [wire.RetainedIDSize]byte(sum[:wire.RetainedIDSize])
}

// continuity is one handshake's view of its retained secrets.
type continuity struct {
	store    ContinuityStore
	peerID   string
	own      [][SecretSize]byte // current, then previous, as loaded
	verified bool               // the loaded record's flag
	match    int                // index into own of the shared secret, or -1
	status   Continuity
	loaded   ContinuityRecord // the record as loaded (zero if none), to count the attempt
	failed   uint32           // the loaded record's FailedAttempts
}

// loadContinuity reads the record for peerID from store (nil: continuity off).
func loadContinuity(store ContinuityStore, peerID string) (*continuity, error) {
	c := &continuity{store: store, peerID: peerID, match: -1, status: ContinuityOff}
	if store == nil {
		return c, nil
	}
	rec, ok, err := store.Load(peerID)
	if err != nil {
		return nil, fmt.Errorf("%w: load: %w", ErrContinuity, err)
	}
	if !ok {
		rec.wipe()
		return c, nil
	}
	c.loaded = rec
	c.failed = rec.FailedAttempts
	if rec.hasSecret() { // a record without a secret offers none
		c.own = append(c.own, rec.Secret)
		if rec.HasPrevious && !hmac.Equal(rec.Previous[:], rec.Secret[:]) {
			c.own = append(c.own, rec.Previous)
		}
		c.verified = rec.Verified
	}
	return c, nil
}

// countAttempt saves the loaded record (or a new one without a secret)
// with FailedAttempts counted up, when this party commits to the attempt;
// a completed handshake saves zero again (next). Continuity off: nothing.
// Errors wrap ErrContinuity.
func (c *continuity) countAttempt() error {
	if c.store == nil {
		return nil
	}
	defer c.loaded.wipe() // not needed any more, either way
	if c.loaded.FailedAttempts < ^uint32(0) {
		c.loaded.FailedAttempts++
	}
	if err := c.store.Save(c.peerID, c.loaded); err != nil {
		return fmt.Errorf("%w: save: %w", ErrContinuity, err)
	}
	return nil
}

// failedBefore returns the number of failed attempts loaded at the start of
// this handshake (0 for a nil c or continuity off).
func (c *continuity) failedBefore() uint32 {
	if c == nil {
		return 0
	}
	return c.failed
}

// ids returns the IDs this party sends, in the order current, previous.
func (c *continuity) ids(role Role, callID []byte) [][wire.RetainedIDSize]byte {
	var out [][wire.RetainedIDSize]byte
	for i := range c.own {
		out = append(out, retainedID(&c.own[i], role, callID))
	}
	return out
}

// match finds the shared retained secret, given the IDs the peer (in
// peerRole) sent. Both parties must pick the same secret: it is the first,
// in the initiator's order (current, previous), that both hold. The
// responder walks the initiator's IDs in order; the initiator walks its
// own secrets in order; with no ID collisions both find the same one.
func (c *continuity) findMatch(peerRole Role, peerIDs [][wire.RetainedIDSize]byte, callID []byte) {
	c.match = -1
	if c.store == nil {
		c.status = ContinuityOff
		return
	}
	eq := func(a, b [wire.RetainedIDSize]byte) bool { return subtle.ConstantTimeCompare(a[:], b[:]) == 1 }
	switch peerRole {
	case Initiator: // this party is the responder
	outer:
		for _, id := range peerIDs {
			for k := range c.own {
				if eq(id, retainedID(&c.own[k], Initiator, callID)) {
					c.match = k
					break outer
				}
			}
		}
	case Responder: // this party is the initiator
	outer2:
		for k := range c.own {
			want := retainedID(&c.own[k], Responder, callID)
			for _, id := range peerIDs {
				if eq(id, want) {
					c.match = k
					break outer2
				}
			}
		}
	}
	switch {
	case c.match >= 0:
		c.status = ContinuityKept
	case len(c.own) == 0 && len(peerIDs) == 0:
		c.status = ContinuityNew
	case len(peerIDs) == 0:
		c.status = ContinuityPeerLost
	case len(c.own) == 0:
		c.status = ContinuityLocalLost
	default:
		c.status = ContinuityMismatch
	}
}

// secret returns the shared retained secret, or nil.
func (c *continuity) secret() []byte {
	if c.match < 0 {
		return nil
	}
	return c.own[c.match][:]
}

// next returns the record to save after a completed handshake: the new
// retained secret, the secret used in this call (or, after a break, the
// previous current one) as Previous, the Verified flag carried over only
// when the chain held, and FailedAttempts zero.
func (c *continuity) next(retained *[SecretSize]byte) ContinuityRecord {
	rec := ContinuityRecord{Secret: *retained}
	switch {
	case c.match >= 0:
		rec.Previous, rec.HasPrevious = c.own[c.match], true
		rec.Verified = c.verified
	case len(c.own) > 0:
		rec.Previous, rec.HasPrevious = c.own[0], true
	}
	return rec
}

// wipe clears the loaded secrets (best-effort).
func (c *continuity) wipe() {
	if c == nil {
		return
	}
	for i := range c.own {
		clear(c.own[i][:])
	}
	c.own = nil
	c.loaded.wipe()
}
