package meeting

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/callseal/callseal/meeting/internal/wire"
)

// Key sizes.
const (
	// EpochSecretSize is the size in bytes of an epoch secret.
	EpochSecretSize = wire.SecretSize // bytes
	// BaseKeySize is the size in bytes of a sender's SFrame base key
	// (RFC 9605, Section 4.4.2: base_key, from which the SFrame layer
	// derives the sframe_key and sframe_salt of the KID).
	BaseKeySize = 32 // bytes
)

// Key schedule labels (PROTOCOL.md, "Key schedule"). They are part of the
// protocol: never change them.
const (
	labelJoinRatchet = "callseal meeting join"
	labelSenderKey   = "callseal meeting sender"
)

// EpochKeys is one epoch's secret and the per-sender keys derived from it.
// The Leader and Member hand them out (Current, Previous) and erase them
// when the epoch is superseded and its grace period is over, or on Close;
// afterwards SenderBaseKey returns ErrErased.
//
// An EpochKeys is safe for concurrent use by several goroutines (the media
// goroutine derives keys while the signaling goroutine moves the meeting
// to a new epoch).
type EpochKeys struct {
	epoch uint32

	mu     sync.Mutex
	secret [EpochSecretSize]byte
	erased bool
}

// newEpochKeys takes a copy of secret; the caller clears its own.
func newEpochKeys(epoch uint32, secret *[EpochSecretSize]byte) *EpochKeys {
	return &EpochKeys{epoch: epoch, secret: *secret}
}

// Epoch returns the epoch number.
func (k *EpochKeys) Epoch() uint32 { return k.epoch }

// Matches reports whether the epoch bits of a KID (ParseKID) name this
// epoch.
func (k *EpochKeys) Matches(epochBits uint8) bool { return k.epoch&epochMask == uint32(epochBits) }

// KID returns KID(k.Epoch(), index, kind).
func (k *EpochKeys) KID(index uint8, kind Kind) uint64 { return KID(k.epoch, index, kind) }

// SenderBaseKey returns the SFrame base key (BaseKeySize = 32 bytes) of the
// sender with the given index for media of the given kind in this epoch:
//
//	base_key = HKDF-Expand(epoch secret, "callseal meeting sender" ‖ epoch (4) ‖ index (1) ‖ kind (1), 32)
//
// with SHA-256 (RFC 5869, Section 2.3). The sender seals with it under
// KID(epoch, index, kind), every other participant opens with it; the
// SFrame layer derives the key and salt (RFC 9605, Section 4.4.2). The
// caller owns the returned slice and should clear it once keyed. Every
// participant holding the epoch derives the same bytes. Errors:
// ErrInvalidConfig for an invalid kind, ErrErased once the epoch's keys
// were erased.
func (k *EpochKeys) SenderBaseKey(index uint8, kind Kind) ([]byte, error) {
	if kind >= numKinds {
		return nil, fmt.Errorf("%w: kind %v", ErrInvalidConfig, kind)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.erased {
		return nil, fmt.Errorf("%w: epoch %d", ErrErased, k.epoch)
	}
	return hkdf.Expand(sha256.New, k.secret[:], senderInfo(k.epoch, index, kind), BaseKeySize)
}

func senderInfo(epoch uint32, index uint8, kind Kind) string {
	b := append([]byte(labelSenderKey), 0, 0, 0, 0, index, byte(kind))
	binary.BigEndian.PutUint32(b[len(labelSenderKey):], epoch)
	return string(b)
}

// ratchet returns the keys of epoch k.epoch+1 for a join:
//
//	secret[e+1] = HKDF-Expand(secret[e], "callseal meeting join" ‖ e+1 (4), 32)
//
// HKDF-Expand is one-way, so holding secret[e+1] gives nothing about
// secret[e] (PROTOCOL.md, "Join").
func (k *EpochKeys) ratchet() (*EpochKeys, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.erased {
		return nil, fmt.Errorf("%w: epoch %d", ErrErased, k.epoch)
	}
	next := k.epoch + 1
	info := binary.BigEndian.AppendUint32([]byte(labelJoinRatchet), next)
	s, err := hkdf.Expand(sha256.New, k.secret[:], string(info), EpochSecretSize)
	if err != nil {
		return nil, fmt.Errorf("meeting: ratchet: %w", err)
	}
	defer clear(s)
	return newEpochKeys(next, (*[EpochSecretSize]byte)(s)), nil
}

// copySecret copies the secret into dst (for a Welcome or Rekey body).
func (k *EpochKeys) copySecret(dst *[EpochSecretSize]byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.erased {
		return fmt.Errorf("%w: epoch %d", ErrErased, k.epoch)
	}
	*dst = k.secret
	return nil
}

// sameSecret reports whether k and o hold the same secret (tests and
// idempotent resync).
func (k *EpochKeys) sameSecret(o *EpochKeys) bool {
	var a, b [EpochSecretSize]byte
	defer clear(a[:])
	defer clear(b[:])
	if k.copySecret(&a) != nil || o.copySecret(&b) != nil {
		return false
	}
	return a == b
}

// erase clears the secret (best-effort: Go may have copied it).
func (k *EpochKeys) erase() {
	if k == nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	clear(k.secret[:])
	k.erased = true
}
