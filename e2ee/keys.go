package e2ee

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/callseal/callseal/e2ee/sframe"
)

// Key naming and limits.
const (
	// kindBits is the number of low KID bits that carry the media kind:
	// KID = epoch<<kindBits | kind.
	kindBits = 2
	kindMask = 1<<kindBits - 1

	// BaseKeySize is the size in bytes of each per-direction, per-kind
	// SFrame base key derived from a media secret.
	BaseKeySize = 32 // bytes

	// MinSecretSize is the smallest media secret NewSessionFromSecrets
	// accepts, in bytes.
	MinSecretSize = 16 // bytes

	// MaxCounter is the last SFrame CTR a send key uses; Seal then returns
	// ErrKeyExhausted. RFC 9605, Section 9.1 requires each (base key, KID,
	// CTR) combination to be used for exactly one encryption; an atomic
	// 64-bit counter that stops here can never wrap (2^63 further calls
	// would be needed).
	MaxCounter = math.MaxInt64
)

// labelBaseKey prefixes the media kind's label in the base key derivation.
const labelBaseKey = "callseal e2ee base key "

// kid returns the SFrame KID of kind in epoch.
func kid(epoch uint64, kind MediaKind) uint64 { return epoch<<kindBits | uint64(kind) }

// deriveBaseKey derives the epoch-0 SFrame base key of one media kind from a
// direction's media secret:
//
//	base_key = HKDF-Expand(HKDF-Extract("", secret), "callseal e2ee base key " ‖ kind, 32)
//
// with SHA-256, kind one of "audio", "video", "screenshare". Distinct labels
// give each kind an independent key with exactly one sender.
func deriveBaseKey(secret []byte, kind MediaKind) ([]byte, error) {
	return hkdf.Key(sha256.New, secret, nil, labelBaseKey+kindLabels[kind], BaseKeySize)
}

// sendKey is one send key and its counter.
type sendKey struct {
	next atomic.Uint64 // next CTR to use
	key  *sframe.Key
}

// sendEpoch is the set of send keys in use; replaced as a whole on rekey.
type sendEpoch struct {
	epoch uint64
	keys  [numKinds]*sendKey
}

// recvKey is one receive key with its replay window. mu guards replay only;
// key is immutable.
type recvKey struct {
	key    *sframe.Key
	kind   MediaKind
	mu     sync.Mutex
	replay replayWindow
}

// recvKeyring maps KIDs to receive keys. It is immutable once published;
// a rekey publishes a new ring (copy on write), so Open reads it lock-free.
type recvKeyring struct {
	byKID map[uint64]*recvKey
}

func newEpochKeys(suite sframe.CipherSuite, window int, epoch uint64, send, recv []byte) (*sendEpoch, *recvKeyring, error) {
	se := &sendEpoch{epoch: epoch}
	rr := &recvKeyring{byKID: make(map[uint64]*recvKey, numKinds)}
	for kind := range MediaKind(numKinds) {
		k, err := newSFrameKey(suite, kid(epoch, kind), send, kind)
		if err != nil {
			return nil, nil, err
		}
		se.keys[kind] = &sendKey{key: k}

		k, err = newSFrameKey(suite, kid(epoch, kind), recv, kind)
		if err != nil {
			return nil, nil, err
		}
		rr.byKID[k.KID()] = &recvKey{key: k, kind: kind, replay: newReplayWindow(window)}
	}
	return se, rr, nil
}

func newSFrameKey(suite sframe.CipherSuite, kid uint64, secret []byte, kind MediaKind) (*sframe.Key, error) {
	base, err := deriveBaseKey(secret, kind)
	if err != nil {
		return nil, fmt.Errorf("e2ee: base key: %w", err)
	}
	defer clear(base) // best-effort; Go may have copied it
	k, err := sframe.NewKey(suite, kid, base)
	if err != nil {
		return nil, fmt.Errorf("e2ee: %w", err)
	}
	return k, nil
}
