package meeting

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/meeting/internal/wire"
)

// Pairwise channel (PROTOCOL.md, "Pairwise channel").
const (
	// ChannelKeySize is the size in bytes of a pairwise channel key
	// (AES-256-GCM).
	ChannelKeySize = 32 // bytes
	// labelChannel is the keyexchange exporter label of the channel key;
	// the meeting ID is the exporter context.
	labelChannel = "callseal meeting channel"

	nonceSize = 12 // bytes: AES-GCM nonce, direction (4) ‖ sequence number (8)

	dirLeaderToMember = 1
	dirMemberToLeader = 2
)

// channel seals key messages between the leader and one participant with
// the key exported from their handshake. The sequence numbers are per
// direction; the receiver accepts only numbers above the last accepted.
// Not safe for concurrent use; its owner's lock guards it.
type channel struct {
	aead    cipher.AEAD
	th      [keyexchange.TranscriptHashSize]byte
	localID string
	peerID  string
	sendSeq uint64 // last sequence number sent
	recvSeq uint64 // last sequence number accepted
}

// newChannel derives the channel key from a completed handshake:
//
//	key = res.Export("callseal meeting channel", meeting ID, 32)
//
// and keeps the transcript hash and both identities. The exported key is
// cleared once the AES key schedule is built (crypto/aes keeps its own
// expanded copy, which cannot be cleared).
func newChannel(res *keyexchange.Result, meetingID []byte) (*channel, error) {
	if res == nil {
		return nil, fmt.Errorf("%w: nil keyexchange.Result", ErrInvalidConfig)
	}
	key, err := res.Export(labelChannel, meetingID, ChannelKeySize)
	if err != nil {
		return nil, fmt.Errorf("%w: channel key: %w", ErrInvalidConfig, err)
	}
	defer clear(key)
	if res.LocalID() == res.PeerID() {
		return nil, fmt.Errorf("%w: the handshake's two identities are equal", ErrInvalidConfig)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("meeting: channel: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("meeting: channel: %w", err)
	}
	return &channel{aead: aead, th: res.TranscriptHash(), localID: res.LocalID(), peerID: res.PeerID()}, nil
}

func nonce(t wire.Type, seq uint64) [nonceSize]byte {
	var n [nonceSize]byte
	dir := uint32(dirMemberToLeader)
	if t.FromLeader() {
		dir = dirLeaderToMember
	}
	binary.BigEndian.PutUint32(n[:], dir)
	binary.BigEndian.PutUint64(n[4:], seq)
	return n
}

// seal returns the sealed record of body: header ‖ seq ‖ AES-256-GCM(body)
// with the header and seq as AAD and nonce = direction ‖ seq. It takes the
// next sequence number.
func (c *channel) seal(h wire.Header, body []byte) []byte {
	c.sendSeq++
	n := nonce(h.Type, c.sendSeq)
	var aad [wire.SealedHeaderSize]byte
	wire.AppendSealedHeader(aad[:0], h, c.sendSeq)
	out := append(make([]byte, 0, wire.SealedHeaderSize+len(body)+wire.TagSize), aad[:]...)
	return c.aead.Seal(out, n[:], body, aad[:])
}

// open authenticates a sealed record of a type the receiver accepts
// (fromLeader: the member's side) and returns it with its body. It does not
// change c: the caller calls accept once the body is applied. Errors:
// ErrMalformed, ErrVersion, ErrAuth (bad tag), ErrReplay (sequence number
// not above the last accepted).
func (c *channel) open(msg []byte, fromLeader bool) (wire.Sealed, []byte, error) {
	s, err := wire.ParseSealed(msg)
	if err != nil {
		return wire.Sealed{}, nil, err
	}
	if s.Type.FromLeader() != fromLeader {
		return wire.Sealed{}, nil, fmt.Errorf("%w: %v sent in the wrong direction", ErrMalformed, s.Type)
	}
	n := nonce(s.Type, s.Seq)
	body, err := c.aead.Open(nil, n[:], s.Ciphertext, msg[:wire.SealedHeaderSize])
	if err != nil {
		return wire.Sealed{}, nil, fmt.Errorf("%w: %v seq %d: bad tag", ErrAuth, s.Type, s.Seq)
	}
	if s.Seq <= c.recvSeq {
		clear(body)
		return wire.Sealed{}, nil, fmt.Errorf("%w: %v seq %d, last accepted %d", ErrReplay, s.Type, s.Seq, c.recvSeq)
	}
	return s, body, nil
}

// accept records that the record with sequence number seq was applied.
func (c *channel) accept(seq uint64) { c.recvSeq = seq }

// erase drops the channel's key (best-effort: crypto/aes keeps an expanded
// key the package cannot clear; dropping the reference lets it be
// collected) and marks the channel unusable.
func (c *channel) erase() {
	c.aead = nil
	clear(c.th[:])
}
