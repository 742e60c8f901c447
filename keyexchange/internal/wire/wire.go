// Package wire encodes and decodes the four callseal handshake messages
// (Commit, Response, Reveal, Confirm). The byte layout is specified in
// keyexchange/PROTOCOL.md; this package is its reference implementation.
//
// Every message is
//
//	version (1 byte) ‖ type (1 byte) ‖ field ‖ field ‖ ...
//
// and every field is a 2-byte big-endian length followed by that many bytes.
// Parsing is strict: a message must be at most MaxMessageSize bytes, carry
// exactly the fields of its type in order, with every length inside its
// limit and every fixed-size value at exactly its size, and nothing after
// the last field. The encoding is therefore canonical: for every message a
// parser accepts, marshalling the result reproduces the input byte for byte
// (the fuzz tests check this), which lets the handshake hash messages "as
// sent" and compare retransmissions byte-wise.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Version is the only protocol version this package speaks.
const Version = 1

// Protocol limits (tuning constants chosen by callseal, not by an RFC).
const (
	// MaxMessageSize bounds every handshake message. It leaves room for the
	// hybrid suite's ML-KEM-768 encapsulation key (1184 bytes, FIPS 203).
	MaxMessageSize = 4096 // bytes
	// MaxCallIDSize bounds the call ID; it must be at least 1 byte.
	MaxCallIDSize = 64 // bytes
	// MaxIDSize bounds an identity; it must be at least 1 byte.
	MaxIDSize = 256 // bytes
	// MaxSuites bounds the number of suites a Commit may offer.
	MaxSuites = 16
)

// Sizes fixed by the primitives.
const (
	HeaderSize     = 2  // bytes: version, type
	LengthSize     = 2  // bytes: big-endian field length
	SuiteSize      = 2  // bytes: big-endian suite code point
	PublicKeySize  = 32 // bytes: X25519 u-coordinate (RFC 7748, Section 5)
	NonceSize      = 32 // bytes
	CommitmentSize = 32 // bytes: SHA-256
	MACSize        = 32 // bytes: HMAC-SHA256
)

// Type is the message type byte.
type Type uint8

const (
	TypeCommit   Type = 1 // message 1, initiator → responder
	TypeResponse Type = 2 // message 2, responder → initiator
	TypeReveal   Type = 3 // message 3, initiator → responder
	TypeConfirm  Type = 4 // message 4, responder → initiator
)

func (t Type) String() string {
	switch t {
	case TypeCommit:
		return "Commit"
	case TypeResponse:
		return "Response"
	case TypeReveal:
		return "Reveal"
	case TypeConfirm:
		return "Confirm"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Errors. The keyexchange package re-exports them under the same names.
var (
	// ErrMalformed reports a message that does not follow the layout.
	ErrMalformed = errors.New("keyexchange: malformed message")
	// ErrVersion reports a message of a version other than Version.
	ErrVersion = errors.New("keyexchange: unsupported protocol version")
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// PeekType checks the size limit, the version and the type byte of msg and
// returns its type, without parsing the fields.
func PeekType(msg []byte) (Type, error) {
	if len(msg) > MaxMessageSize {
		return 0, malformed("%d bytes exceeds the %d-byte limit", len(msg), MaxMessageSize)
	}
	if len(msg) < HeaderSize {
		return 0, malformed("truncated header")
	}
	if msg[0] != Version {
		return 0, fmt.Errorf("%w: %d", ErrVersion, msg[0])
	}
	t := Type(msg[1])
	switch t {
	case TypeCommit, TypeResponse, TypeReveal, TypeConfirm:
		return t, nil
	}
	return 0, malformed("unknown message type %d", msg[1])
}

// Commit is message 1.
type Commit struct {
	Suites      []uint16 // offered suites, initiator's preference order, no duplicates
	CallID      []byte
	InitiatorID string // the sender
	ResponderID string // the intended receiver
	Commitment  [CommitmentSize]byte
}

// Response is message 2.
type Response struct {
	Suite       uint16 // the suite the responder chose
	CallID      []byte
	ResponderID string // the sender
	InitiatorID string // the intended receiver
	PublicKey   [PublicKeySize]byte
	Nonce       [NonceSize]byte
}

// Reveal is message 3.
type Reveal struct {
	PublicKey [PublicKeySize]byte
	Nonce     [NonceSize]byte
	Confirm   [MACSize]byte
}

// Confirm is message 4.
type Confirm struct {
	Confirm [MACSize]byte
}

// encoder appends fields, recording the first limit violation.
type encoder struct {
	b   []byte
	err error
}

func newEncoder(t Type) *encoder {
	return &encoder{b: append(make([]byte, 0, 256), Version, byte(t))}
}

func (e *encoder) field(name string, v []byte, minLen, maxLen int) {
	if e.err != nil {
		return
	}
	if len(v) < minLen || len(v) > maxLen {
		e.err = malformed("%s: length %d outside %d..%d", name, len(v), minLen, maxLen)
		return
	}
	e.b = binary.BigEndian.AppendUint16(e.b, uint16(len(v)))
	e.b = append(e.b, v...)
}

func (e *encoder) finish() ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	if len(e.b) > MaxMessageSize {
		return nil, malformed("%d bytes exceeds the %d-byte limit", len(e.b), MaxMessageSize)
	}
	return e.b, nil
}

// decoder reads fields from a message whose header has been checked.
type decoder struct {
	b   []byte
	err error
}

func newDecoder(msg []byte, want Type) (*decoder, error) {
	t, err := PeekType(msg)
	if err != nil {
		return nil, err
	}
	if t != want {
		return nil, malformed("type %v, want %v", t, want)
	}
	return &decoder{b: msg[HeaderSize:]}, nil
}

// field returns the next field, which must be minLen..maxLen bytes. The
// returned slice aliases the message.
func (d *decoder) field(name string, minLen, maxLen int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < LengthSize {
		d.err = malformed("%s: truncated length", name)
		return nil
	}
	n := int(binary.BigEndian.Uint16(d.b))
	d.b = d.b[LengthSize:]
	if n < minLen || n > maxLen {
		d.err = malformed("%s: length %d outside %d..%d", name, n, minLen, maxLen)
		return nil
	}
	if len(d.b) < n {
		d.err = malformed("%s: truncated", name)
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) fixed(name string, dst []byte) {
	if v := d.field(name, len(dst), len(dst)); v != nil {
		copy(dst, v)
	}
}

func (d *decoder) finish() error {
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return malformed("%d trailing bytes", len(d.b))
	}
	return nil
}

// Marshal encodes c, checking every limit.
func (c *Commit) Marshal() ([]byte, error) {
	if err := checkSuites(c.Suites); err != nil {
		return nil, err
	}
	suites := make([]byte, 0, SuiteSize*len(c.Suites))
	for _, s := range c.Suites {
		suites = binary.BigEndian.AppendUint16(suites, s)
	}
	e := newEncoder(TypeCommit)
	e.field("suites", suites, SuiteSize, SuiteSize*MaxSuites)
	e.field("call ID", c.CallID, 1, MaxCallIDSize)
	e.field("initiator ID", []byte(c.InitiatorID), 1, MaxIDSize)
	e.field("responder ID", []byte(c.ResponderID), 1, MaxIDSize)
	e.field("commitment", c.Commitment[:], CommitmentSize, CommitmentSize)
	return e.finish()
}

// ParseCommit decodes message 1. The returned CallID aliases msg.
func ParseCommit(msg []byte) (*Commit, error) {
	d, err := newDecoder(msg, TypeCommit)
	if err != nil {
		return nil, err
	}
	c := new(Commit)
	suites := d.field("suites", SuiteSize, SuiteSize*MaxSuites)
	c.CallID = d.field("call ID", 1, MaxCallIDSize)
	c.InitiatorID = string(d.field("initiator ID", 1, MaxIDSize))
	c.ResponderID = string(d.field("responder ID", 1, MaxIDSize))
	d.fixed("commitment", c.Commitment[:])
	if err := d.finish(); err != nil {
		return nil, err
	}
	if len(suites)%SuiteSize != 0 {
		return nil, malformed("suites: odd length %d", len(suites))
	}
	for i := 0; i < len(suites); i += SuiteSize {
		c.Suites = append(c.Suites, binary.BigEndian.Uint16(suites[i:]))
	}
	if err := checkSuites(c.Suites); err != nil {
		return nil, err
	}
	return c, nil
}

func checkSuites(suites []uint16) error {
	if len(suites) < 1 || len(suites) > MaxSuites {
		return malformed("suites: %d offered, want 1..%d", len(suites), MaxSuites)
	}
	for i, s := range suites {
		for _, t := range suites[:i] {
			if s == t {
				return malformed("suites: 0x%04x offered twice", s)
			}
		}
	}
	return nil
}

// Marshal encodes r, checking every limit.
func (r *Response) Marshal() ([]byte, error) {
	e := newEncoder(TypeResponse)
	e.field("suite", binary.BigEndian.AppendUint16(nil, r.Suite), SuiteSize, SuiteSize)
	e.field("call ID", r.CallID, 1, MaxCallIDSize)
	e.field("responder ID", []byte(r.ResponderID), 1, MaxIDSize)
	e.field("initiator ID", []byte(r.InitiatorID), 1, MaxIDSize)
	e.field("public key", r.PublicKey[:], PublicKeySize, PublicKeySize)
	e.field("nonce", r.Nonce[:], NonceSize, NonceSize)
	return e.finish()
}

// ParseResponse decodes message 2. The returned CallID aliases msg.
func ParseResponse(msg []byte) (*Response, error) {
	d, err := newDecoder(msg, TypeResponse)
	if err != nil {
		return nil, err
	}
	r := new(Response)
	var suite [SuiteSize]byte
	d.fixed("suite", suite[:])
	r.Suite = binary.BigEndian.Uint16(suite[:])
	r.CallID = d.field("call ID", 1, MaxCallIDSize)
	r.ResponderID = string(d.field("responder ID", 1, MaxIDSize))
	r.InitiatorID = string(d.field("initiator ID", 1, MaxIDSize))
	d.fixed("public key", r.PublicKey[:])
	d.fixed("nonce", r.Nonce[:])
	if err := d.finish(); err != nil {
		return nil, err
	}
	return r, nil
}

// RevealConfirmFieldSize is the size of the Reveal's last field (length and
// MAC): a Reveal's transcript part is the message without it.
const RevealConfirmFieldSize = LengthSize + MACSize // bytes

// TranscriptPart returns the reveal part of message 3 as it is sent: the
// header, the public key field and the nonce field, i.e. the marshalled
// message without its final Confirm field. It is what the transcript hash
// covers, since the Confirm MAC is computed over the transcript.
func (r *Reveal) TranscriptPart() []byte {
	e := newEncoder(TypeReveal)
	e.field("public key", r.PublicKey[:], PublicKeySize, PublicKeySize)
	e.field("nonce", r.Nonce[:], NonceSize, NonceSize)
	return e.b
}

// Marshal encodes r: TranscriptPart followed by the Confirm field.
func (r *Reveal) Marshal() ([]byte, error) {
	b := r.TranscriptPart()
	b = binary.BigEndian.AppendUint16(b, MACSize)
	return append(b, r.Confirm[:]...), nil
}

// ParseReveal decodes message 3.
func ParseReveal(msg []byte) (*Reveal, error) {
	d, err := newDecoder(msg, TypeReveal)
	if err != nil {
		return nil, err
	}
	r := new(Reveal)
	d.fixed("public key", r.PublicKey[:])
	d.fixed("nonce", r.Nonce[:])
	d.fixed("confirm", r.Confirm[:])
	if err := d.finish(); err != nil {
		return nil, err
	}
	return r, nil
}

// Marshal encodes c.
func (c *Confirm) Marshal() ([]byte, error) {
	e := newEncoder(TypeConfirm)
	e.field("confirm", c.Confirm[:], MACSize, MACSize)
	return e.finish()
}

// ParseConfirm decodes message 4.
func ParseConfirm(msg []byte) (*Confirm, error) {
	d, err := newDecoder(msg, TypeConfirm)
	if err != nil {
		return nil, err
	}
	c := new(Confirm)
	d.fixed("confirm", c.Confirm[:])
	if err := d.finish(); err != nil {
		return nil, err
	}
	return c, nil
}
