// Package wire encodes and decodes the callseal meeting key messages. The
// byte layout is specified in meeting/PROTOCOL.md ("Encoding"); this
// package is its reference implementation.
//
// Every record starts with
//
//	version (1 byte) ‖ type (1 byte) ‖ epoch (4 bytes, big-endian)
//
// A sealed record (Welcome, Rekey, Resync: pairwise channel) follows with a
// sequence number (8 bytes) and the AES-256-GCM ciphertext of its body; a
// notice (Join, Handover: broadcast) follows with a sender index, a
// length-prefixed participant ID and an Ed25519 signature.
//
// Parsing is strict and canonical: a record must be at most MaxMessageSize
// bytes, every field inside its limit, lists in ascending order without
// duplicates, and nothing after the last field. For every input a parser
// accepts, encoding the result reproduces the input byte for byte (the
// fuzz tests check this).
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Version is the only protocol version this package speaks.
const Version = 1

// Sizes and limits (PROTOCOL.md, "Limits").
const (
	HeaderSize       = 6                    // bytes: version, type, epoch
	SeqSize          = 8                    // bytes: channel sequence number, big-endian
	SealedHeaderSize = HeaderSize + SeqSize // bytes: the AAD of a sealed record
	TagSize          = 16                   // bytes: AES-GCM tag
	PublicKeySize    = 32                   // bytes: Ed25519 public key (RFC 8032, Section 5.1.5)
	SignatureSize    = 64                   // bytes: Ed25519 signature (RFC 8032, Section 5.1.6)
	SecretSize       = 32                   // bytes: epoch secret
	LengthSize       = 2                    // bytes: big-endian length of an ID
	MaxIDSize        = 256                  // bytes: a participant ID, as keyexchange.MaxIDSize
	MaxRoster        = 256                  // entries: an 8-bit sender index
	welcomeFixedSize = PublicKeySize + SignatureSize + 1 + 1 + SecretSize + LengthSize
	entryMaxSize     = 1 + LengthSize + MaxIDSize
	// MaxMessageSize bounds every record: room for the largest Welcome
	// (a full roster of MaxRoster entries with MaxIDSize-byte IDs,
	// 66466 bytes) with some slack.
	MaxMessageSize = 72 * 1024 // bytes
)

// Type is the record type byte.
type Type uint8

const (
	TypeWelcome  Type = 0x01 // sealed, leader → member: leader key, proof, epoch secret, roster
	TypeRekey    Type = 0x02 // sealed, leader → member: fresh epoch secret, removed indexes
	TypeResync   Type = 0x03 // sealed, member → leader: asks for a Welcome with the current state
	TypeJoin     Type = 0x11 // notice, leader → all: ratchet to the epoch, add a roster entry
	TypeHandover Type = 0x12 // notice, leader → all: the named participant becomes leader
)

func (t Type) String() string {
	switch t {
	case TypeWelcome:
		return "Welcome"
	case TypeRekey:
		return "Rekey"
	case TypeResync:
		return "Resync"
	case TypeJoin:
		return "Join"
	case TypeHandover:
		return "Handover"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Sealed reports whether records of type t travel sealed over a pairwise
// channel (as opposed to signed notices).
func (t Type) Sealed() bool { return t == TypeWelcome || t == TypeRekey || t == TypeResync }

// FromLeader reports whether records of type t are sent by the leader.
func (t Type) FromLeader() bool { return t != TypeResync }

// Errors. Package meeting re-exports them under the same names.
var (
	// ErrMalformed reports a record that does not follow the layout.
	ErrMalformed = errors.New("meeting: malformed key message")
	// ErrVersion reports a record of a version other than Version.
	ErrVersion = errors.New("meeting: unsupported protocol version")
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Header is the common start of every record.
type Header struct {
	Type  Type
	Epoch uint32
}

// PeekHeader checks the size limit, version and type of msg and returns its
// header, without parsing the rest.
func PeekHeader(msg []byte) (Header, error) {
	if len(msg) > MaxMessageSize {
		return Header{}, malformed("%d bytes exceeds the %d-byte limit", len(msg), MaxMessageSize)
	}
	if len(msg) < HeaderSize {
		return Header{}, malformed("truncated header")
	}
	if msg[0] != Version {
		return Header{}, fmt.Errorf("%w: %d", ErrVersion, msg[0])
	}
	h := Header{Type: Type(msg[1]), Epoch: binary.BigEndian.Uint32(msg[2:])}
	switch h.Type {
	case TypeWelcome, TypeRekey, TypeResync, TypeJoin, TypeHandover:
		return h, nil
	}
	return Header{}, malformed("unknown type %d", msg[1])
}

// AppendHeader appends the common header.
func AppendHeader(dst []byte, h Header) []byte {
	dst = append(dst, Version, byte(h.Type))
	return binary.BigEndian.AppendUint32(dst, h.Epoch)
}

// Sealed is a record sent over a pairwise channel.
type Sealed struct {
	Header
	Seq        uint64
	Ciphertext []byte // body ‖ tag; aliases the parsed record
}

// AppendSealedHeader appends the header and sequence number of a sealed
// record: the AAD under which its body is sealed.
func AppendSealedHeader(dst []byte, h Header, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(AppendHeader(dst, h), seq)
}

// ParseSealed parses a sealed record. AAD returns its first
// SealedHeaderSize bytes.
func ParseSealed(msg []byte) (Sealed, error) {
	h, err := PeekHeader(msg)
	if err != nil {
		return Sealed{}, err
	}
	if !h.Type.Sealed() {
		return Sealed{}, malformed("type %v is not a sealed record", h.Type)
	}
	if len(msg) < SealedHeaderSize+TagSize {
		return Sealed{}, malformed("truncated sealed record: %d bytes", len(msg))
	}
	return Sealed{
		Header:     h,
		Seq:        binary.BigEndian.Uint64(msg[HeaderSize:]),
		Ciphertext: msg[SealedHeaderSize:],
	}, nil
}

// Notice is a signed broadcast record.
type Notice struct {
	Header
	Index     uint8  // Join: the newcomer's index; Handover: the new leader's
	ID        string // that participant's ID, 1..MaxIDSize bytes
	Signature [SignatureSize]byte
}

// AppendBody appends the signed part of n: everything but the signature.
func (n *Notice) AppendBody(dst []byte) ([]byte, error) {
	if n.Type.Sealed() || (n.Type != TypeJoin && n.Type != TypeHandover) {
		return nil, malformed("type %v is not a notice", n.Type)
	}
	if err := checkID(n.ID); err != nil {
		return nil, err
	}
	dst = AppendHeader(dst, n.Header)
	dst = append(dst, n.Index)
	return appendID(dst, n.ID), nil
}

// Marshal returns the complete notice.
func (n *Notice) Marshal() ([]byte, error) {
	b, err := n.AppendBody(make([]byte, 0, HeaderSize+1+LengthSize+len(n.ID)+SignatureSize))
	if err != nil {
		return nil, err
	}
	return append(b, n.Signature[:]...), nil
}

// ParseNotice parses a notice and returns it with its signed body (which
// aliases msg).
func ParseNotice(msg []byte) (Notice, []byte, error) {
	h, err := PeekHeader(msg)
	if err != nil {
		return Notice{}, nil, err
	}
	if h.Type.Sealed() {
		return Notice{}, nil, malformed("type %v is not a notice", h.Type)
	}
	r := reader{b: msg[HeaderSize:]}
	n := Notice{Header: h, Index: r.byte()}
	n.ID = r.id()
	bodyLen := len(msg) - len(r.b)
	r.fixed(n.Signature[:])
	if err := r.finish(); err != nil {
		return Notice{}, nil, err
	}
	return n, msg[:bodyLen], nil
}

// Entry is one roster entry.
type Entry struct {
	Index uint8
	ID    string
}

// Welcome is the body of a Welcome record.
type Welcome struct {
	LeaderKey   [PublicKeySize]byte
	Proof       [SignatureSize]byte // the leader's signature over the receiver's transcript
	Index       uint8               // the receiver's sender index
	LeaderIndex uint8
	Secret      [SecretSize]byte // the epoch secret
	Roster      []Entry          // 1..MaxRoster, ascending index, distinct IDs
}

// Append appends the body of w.
func (w *Welcome) Append(dst []byte) ([]byte, error) {
	if err := checkRoster(w.Roster); err != nil {
		return nil, err
	}
	dst = append(dst, w.LeaderKey[:]...)
	dst = append(dst, w.Proof[:]...)
	dst = append(dst, w.Index, w.LeaderIndex)
	dst = append(dst, w.Secret[:]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(w.Roster)))
	for _, e := range w.Roster {
		dst = appendID(append(dst, e.Index), e.ID)
	}
	return dst, nil
}

// Size returns the body size of w in bytes.
func (w *Welcome) Size() int {
	n := welcomeFixedSize
	for _, e := range w.Roster {
		n += 1 + LengthSize + len(e.ID)
	}
	return n
}

// ParseWelcome parses the body of a Welcome record. The caller clears
// w.Secret when done.
func ParseWelcome(b []byte) (Welcome, error) {
	var w Welcome
	r := reader{b: b}
	r.fixed(w.LeaderKey[:])
	r.fixed(w.Proof[:])
	w.Index = r.byte()
	w.LeaderIndex = r.byte()
	r.fixed(w.Secret[:])
	n := int(r.uint16())
	if r.err == nil && (n < 1 || n > MaxRoster) {
		r.err = malformed("roster of %d entries, want 1..%d", n, MaxRoster)
	}
	if r.err == nil && len(r.b) < n*(1+LengthSize+1) {
		r.err = malformed("truncated roster")
	}
	if r.err == nil {
		w.Roster = make([]Entry, 0, n)
	}
	for i := 0; i < n && r.err == nil; i++ {
		e := Entry{Index: r.byte()}
		e.ID = r.id()
		w.Roster = append(w.Roster, e)
	}
	if err := r.finish(); err != nil {
		clear(w.Secret[:])
		return Welcome{}, err
	}
	if err := checkRoster(w.Roster); err != nil {
		clear(w.Secret[:])
		return Welcome{}, err
	}
	return w, nil
}

// Rekey is the body of a Rekey record.
type Rekey struct {
	Secret  [SecretSize]byte // the new epoch's secret
	Removed []uint8          // 1..MaxRoster-1 indexes, strictly ascending
}

// Append appends the body of k.
func (k *Rekey) Append(dst []byte) ([]byte, error) {
	if err := checkRemoved(k.Removed); err != nil {
		return nil, err
	}
	dst = append(dst, k.Secret[:]...)
	dst = append(dst, byte(len(k.Removed)))
	return append(dst, k.Removed...), nil
}

// ParseRekey parses the body of a Rekey record. The caller clears k.Secret
// when done.
func ParseRekey(b []byte) (Rekey, error) {
	var k Rekey
	r := reader{b: b}
	r.fixed(k.Secret[:])
	n := int(r.byte())
	if r.err == nil && len(r.b) != n {
		r.err = malformed("removed list of %d bytes, count %d", len(r.b), n)
	}
	if r.err == nil {
		k.Removed = append([]uint8(nil), r.b...)
		r.b = nil
	}
	if err := r.finish(); err != nil {
		clear(k.Secret[:])
		return Rekey{}, err
	}
	if err := checkRemoved(k.Removed); err != nil {
		clear(k.Secret[:])
		return Rekey{}, err
	}
	return k, nil
}

func checkID(id string) error {
	if len(id) < 1 || len(id) > MaxIDSize {
		return malformed("ID of %d bytes, want 1..%d", len(id), MaxIDSize)
	}
	return nil
}

func appendID(dst []byte, id string) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(id)))
	return append(dst, id...)
}

func checkRoster(roster []Entry) error {
	if len(roster) < 1 || len(roster) > MaxRoster {
		return malformed("roster of %d entries, want 1..%d", len(roster), MaxRoster)
	}
	seen := make(map[string]bool, len(roster))
	for i, e := range roster {
		if err := checkID(e.ID); err != nil {
			return err
		}
		if i > 0 && e.Index <= roster[i-1].Index {
			return malformed("roster indexes not strictly ascending at entry %d", i)
		}
		if seen[e.ID] {
			return malformed("roster lists an ID twice")
		}
		seen[e.ID] = true
	}
	return nil
}

func checkRemoved(removed []uint8) error {
	if len(removed) < 1 || len(removed) > MaxRoster-1 {
		return malformed("%d removed indexes, want 1..%d", len(removed), MaxRoster-1)
	}
	for i := 1; i < len(removed); i++ {
		if removed[i] <= removed[i-1] {
			return malformed("removed indexes not strictly ascending")
		}
	}
	return nil
}

// reader reads fixed fields, recording the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) need(n int, what string) bool {
	if r.err != nil {
		return false
	}
	if len(r.b) < n {
		r.err = malformed("truncated %s", what)
		return false
	}
	return true
}

func (r *reader) byte() uint8 {
	if !r.need(1, "byte field") {
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) uint16() uint16 {
	if !r.need(2, "length") {
		return 0
	}
	v := binary.BigEndian.Uint16(r.b)
	r.b = r.b[2:]
	return v
}

func (r *reader) fixed(dst []byte) {
	if !r.need(len(dst), "fixed-size field") {
		return
	}
	copy(dst, r.b)
	r.b = r.b[len(dst):]
}

func (r *reader) id() string {
	n := int(r.uint16())
	if r.err != nil {
		return ""
	}
	if n < 1 || n > MaxIDSize {
		r.err = malformed("ID of %d bytes, want 1..%d", n, MaxIDSize)
		return ""
	}
	if !r.need(n, "ID") {
		return ""
	}
	id := string(r.b[:n])
	r.b = r.b[n:]
	return id
}

func (r *reader) finish() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = malformed("%d bytes after the last field", len(r.b))
	}
	return r.err
}
