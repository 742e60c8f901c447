// Package wire encodes and decodes the four callseal handshake messages
// (Commit, Response, Reveal, Confirm). The byte layout is specified in
// keyexchange/PROTOCOL.md; this package is its reference implementation.
//
// Every message is
//
//	version (1 byte) ‖ type (1 byte) ‖ call ID field ‖ field ‖ field ‖ ...
//
// and every field is a 2-byte big-endian length followed by that many bytes.
// The call ID comes first in every message so that an app can route a
// message to its call (PeekCallID) before parsing the rest.
//
// Parsing is strict: a message must be at most MaxMessageSize bytes, carry
// exactly the fields of its type in order, with every length inside its
// limit and every fixed-size value at exactly its size, and nothing after
// the last field. The encoding is therefore canonical: for every message a
// parser accepts, marshalling the result reproduces the input byte for byte
// (the fuzz tests check this), which lets the handshake hash messages "as
// sent" and compare retransmissions byte-wise.
package wire

import (
	"bytes"
	"crypto/mlkem"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/callseal/callseal/policy"
)

// Version is the only protocol version this package speaks.
const Version = 1

// Protocol limits (tuning constants chosen by callseal, not by an RFC).
const (
	// MaxMessageSize bounds every handshake message. It leaves room for the
	// hybrid suite's ML-KEM-768 encapsulation key (1184 bytes, FIPS 203)
	// with the largest identities.
	MaxMessageSize = 4096 // bytes
	// MaxCallIDSize bounds the call ID; it must be at least 1 byte.
	MaxCallIDSize = 64 // bytes
	// MaxIDSize bounds an identity; it must be at least 1 byte.
	MaxIDSize = 256 // bytes
	// MaxSuites bounds the number of suites a Commit may offer.
	MaxSuites = 16
	// MaxRetainedIDs bounds the retained-secret IDs a party sends: one for
	// its current retained secret and one for the previous (PROTOCOL.md,
	// "Key continuity").
	MaxRetainedIDs = 2
)

// Sizes fixed by the primitives.
const (
	HeaderSize        = 2                             // bytes: version, type
	LengthSize        = 2                             // bytes: big-endian field length
	SuiteSize         = 2                             // bytes: big-endian suite code point
	PolicySize        = 1                             // bytes: encoded policy.Party
	PublicKeySize     = 32                            // bytes: X25519 u-coordinate (RFC 7748, Section 5)
	NonceSize         = 32                            // bytes
	CommitmentSize    = 32                            // bytes: SHA-256
	MACSize           = 32                            // bytes: HMAC-SHA256
	RetainedIDSize    = 8                             // bytes: truncated HMAC-SHA256, as ZRTP's rs1ID (RFC 6189, Section 4.3.1)
	KEMKeySize        = mlkem.EncapsulationKeySize768 // bytes: 1184, FIPS 203 Table 3
	KEMCiphertextSize = mlkem.CiphertextSize768       // bytes: 1088, FIPS 203 Table 3
)

// SuiteHybrid is the code point of X25519_MLKEM768_SHA256, the one suite
// whose messages carry ML-KEM fields: a Commit carries an encapsulation key
// exactly when it offers this suite, a Response a ciphertext exactly when
// it chose it.
const SuiteHybrid = 0x0002

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

// PeekCallID checks what PeekType checks and returns the message's type and
// its call ID, the first field of every message, without parsing the rest.
// The call ID aliases msg.
func PeekCallID(msg []byte) (Type, []byte, error) {
	t, err := PeekType(msg)
	if err != nil {
		return 0, nil, err
	}
	d := &decoder{b: msg[HeaderSize:]}
	id := d.field("call ID", 1, MaxCallIDSize)
	if d.err != nil {
		return 0, nil, d.err
	}
	return t, id, nil
}

// Commit is message 1.
type Commit struct {
	CallID      []byte
	Suites      []uint16 // offered suites, initiator's preference order, no duplicates
	InitiatorID string   // the sender
	ResponderID string   // the intended receiver
	Policy      policy.Party
	RetainedIDs [][RetainedIDSize]byte // 0..MaxRetainedIDs, distinct
	KEMKey      []byte                 // ML-KEM-768 encapsulation key iff SuiteHybrid is offered, else empty
	Commitment  [CommitmentSize]byte
}

// Response is message 2.
type Response struct {
	CallID        []byte
	Suite         uint16 // the suite the responder chose
	ResponderID   string // the sender
	InitiatorID   string // the intended receiver
	Policy        policy.Party
	RetainedIDs   [][RetainedIDSize]byte // 0..MaxRetainedIDs, distinct
	PublicKey     [PublicKeySize]byte
	KEMCiphertext []byte // ML-KEM-768 ciphertext iff Suite is SuiteHybrid, else empty
	Nonce         [NonceSize]byte
}

// Reveal is message 3.
type Reveal struct {
	CallID    []byte
	PublicKey [PublicKeySize]byte
	Nonce     [NonceSize]byte
	Confirm   [MACSize]byte
}

// Confirm is message 4.
type Confirm struct {
	CallID  []byte
	Confirm [MACSize]byte
}

// encoder appends fields, recording the first limit violation.
type encoder struct {
	b   []byte
	err error
}

func newEncoder(t Type, callID []byte) *encoder {
	e := &encoder{b: append(make([]byte, 0, 256), Version, byte(t))}
	e.field("call ID", callID, 1, MaxCallIDSize)
	return e
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

// either appends a field that is empty or exactly n bytes, as present says.
func (e *encoder) either(name string, v []byte, present bool, n int) {
	if present {
		e.field(name, v, n, n)
	} else {
		e.field(name, v, 0, 0)
	}
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

// newDecoder checks the header of msg and reads its call ID.
func newDecoder(msg []byte, want Type) (*decoder, []byte, error) {
	t, err := PeekType(msg)
	if err != nil {
		return nil, nil, err
	}
	if t != want {
		return nil, nil, malformed("type %v, want %v", t, want)
	}
	d := &decoder{b: msg[HeaderSize:]}
	return d, d.field("call ID", 1, MaxCallIDSize), nil
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

// either reads a field that must be empty or exactly n bytes, as present says.
func (d *decoder) either(name string, present bool, n int) []byte {
	if present {
		return d.field(name, n, n)
	}
	d.field(name, 0, 0)
	return nil
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
	pol, err := EncodePolicy(c.Policy)
	if err != nil {
		return nil, err
	}
	ids, err := encodeRetainedIDs(c.RetainedIDs)
	if err != nil {
		return nil, err
	}
	suites := make([]byte, 0, SuiteSize*len(c.Suites))
	for _, s := range c.Suites {
		suites = binary.BigEndian.AppendUint16(suites, s)
	}
	e := newEncoder(TypeCommit, c.CallID)
	e.field("suites", suites, SuiteSize, SuiteSize*MaxSuites)
	e.field("initiator ID", []byte(c.InitiatorID), 1, MaxIDSize)
	e.field("responder ID", []byte(c.ResponderID), 1, MaxIDSize)
	e.field("policy", []byte{pol}, PolicySize, PolicySize)
	e.field("retained IDs", ids, 0, RetainedIDSize*MaxRetainedIDs)
	e.either("ML-KEM encapsulation key", c.KEMKey, offersHybrid(c.Suites), KEMKeySize)
	e.field("commitment", c.Commitment[:], CommitmentSize, CommitmentSize)
	return e.finish()
}

// ParseCommit decodes message 1. The returned CallID and KEMKey alias msg.
func ParseCommit(msg []byte) (*Commit, error) {
	d, callID, err := newDecoder(msg, TypeCommit)
	if err != nil {
		return nil, err
	}
	c := &Commit{CallID: callID}
	suites := d.field("suites", SuiteSize, SuiteSize*MaxSuites)
	if d.err == nil && len(suites)%SuiteSize != 0 {
		return nil, malformed("suites: odd length %d", len(suites))
	}
	for i := 0; i < len(suites); i += SuiteSize {
		c.Suites = append(c.Suites, binary.BigEndian.Uint16(suites[i:]))
	}
	c.InitiatorID = string(d.field("initiator ID", 1, MaxIDSize))
	c.ResponderID = string(d.field("responder ID", 1, MaxIDSize))
	c.Policy, c.RetainedIDs = d.policyAndIDs()
	c.KEMKey = d.either("ML-KEM encapsulation key", offersHybrid(c.Suites), KEMKeySize)
	d.fixed("commitment", c.Commitment[:])
	if err := d.finish(); err != nil {
		return nil, err
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

func offersHybrid(suites []uint16) bool {
	for _, s := range suites {
		if s == SuiteHybrid {
			return true
		}
	}
	return false
}

// policyAndIDs reads the policy field and the retained-IDs field.
func (d *decoder) policyAndIDs() (policy.Party, [][RetainedIDSize]byte) {
	pol := d.field("policy", PolicySize, PolicySize)
	ids := d.field("retained IDs", 0, RetainedIDSize*MaxRetainedIDs)
	if d.err != nil {
		return policy.Party{}, nil
	}
	p, err := DecodePolicy(pol[0])
	if err != nil {
		d.err = err
		return policy.Party{}, nil
	}
	list, err := decodeRetainedIDs(ids)
	if err != nil {
		d.err = err
		return policy.Party{}, nil
	}
	return p, list
}

func encodeRetainedIDs(ids [][RetainedIDSize]byte) ([]byte, error) {
	if err := checkRetainedIDs(ids); err != nil {
		return nil, err
	}
	out := make([]byte, 0, RetainedIDSize*len(ids))
	for _, id := range ids {
		out = append(out, id[:]...)
	}
	return out, nil
}

func decodeRetainedIDs(b []byte) ([][RetainedIDSize]byte, error) {
	if len(b)%RetainedIDSize != 0 {
		return nil, malformed("retained IDs: length %d is not a multiple of %d", len(b), RetainedIDSize)
	}
	var ids [][RetainedIDSize]byte
	for i := 0; i < len(b); i += RetainedIDSize {
		ids = append(ids, [RetainedIDSize]byte(b[i:i+RetainedIDSize]))
	}
	return ids, checkRetainedIDs(ids)
}

func checkRetainedIDs(ids [][RetainedIDSize]byte) error {
	if len(ids) > MaxRetainedIDs {
		return malformed("retained IDs: %d, want at most %d", len(ids), MaxRetainedIDs)
	}
	for i := range ids {
		for j := range i {
			if bytes.Equal(ids[i][:], ids[j][:]) {
				return malformed("retained IDs: the same ID twice")
			}
		}
	}
	return nil
}

// Policy byte layout (PROTOCOL.md, "Policy state"):
//
//	bits 0–1  admin setting: 0 Unmanaged, 1 Disabled, 2 DisabledUserOverride (3 invalid)
//	bit  2    user switch on
//	bit  3    compliance recording
//	bit  4    client unsupported
//	bit  5    requires E2EE
//	bits 6–7  zero
const (
	policyAdminMask         = 0x03
	policyUserEnabled       = 0x04
	policyCompliance        = 0x08
	policyClientUnsupported = 0x10
	policyRequireE2EE       = 0x20
	policyReserved          = 0xc0
)

// EncodePolicy returns the one-byte encoding of p. It fails for an admin
// setting this version does not know.
func EncodePolicy(p policy.Party) (byte, error) {
	var b byte
	switch p.Admin {
	case policy.Unmanaged:
		b = 0
	case policy.Disabled:
		b = 1
	case policy.DisabledUserOverride:
		b = 2
	default:
		return 0, malformed("policy: unknown admin setting %v", p.Admin)
	}
	if p.UserEnabled {
		b |= policyUserEnabled
	}
	if p.ComplianceRecording {
		b |= policyCompliance
	}
	if p.ClientUnsupported {
		b |= policyClientUnsupported
	}
	if p.RequireE2EE {
		b |= policyRequireE2EE
	}
	return b, nil
}

// DecodePolicy parses the one-byte encoding of a policy.Party strictly.
func DecodePolicy(b byte) (policy.Party, error) {
	if b&policyReserved != 0 {
		return policy.Party{}, malformed("policy: reserved bits set in 0x%02x", b)
	}
	var p policy.Party
	switch b & policyAdminMask {
	case 0:
		p.Admin = policy.Unmanaged
	case 1:
		p.Admin = policy.Disabled
	case 2:
		p.Admin = policy.DisabledUserOverride
	default:
		return policy.Party{}, malformed("policy: unknown admin setting 3")
	}
	p.UserEnabled = b&policyUserEnabled != 0
	p.ComplianceRecording = b&policyCompliance != 0
	p.ClientUnsupported = b&policyClientUnsupported != 0
	p.RequireE2EE = b&policyRequireE2EE != 0
	return p, nil
}

// Marshal encodes r, checking every limit.
func (r *Response) Marshal() ([]byte, error) {
	pol, err := EncodePolicy(r.Policy)
	if err != nil {
		return nil, err
	}
	ids, err := encodeRetainedIDs(r.RetainedIDs)
	if err != nil {
		return nil, err
	}
	e := newEncoder(TypeResponse, r.CallID)
	e.field("suite", binary.BigEndian.AppendUint16(nil, r.Suite), SuiteSize, SuiteSize)
	e.field("responder ID", []byte(r.ResponderID), 1, MaxIDSize)
	e.field("initiator ID", []byte(r.InitiatorID), 1, MaxIDSize)
	e.field("policy", []byte{pol}, PolicySize, PolicySize)
	e.field("retained IDs", ids, 0, RetainedIDSize*MaxRetainedIDs)
	e.field("public key", r.PublicKey[:], PublicKeySize, PublicKeySize)
	e.either("ML-KEM ciphertext", r.KEMCiphertext, r.Suite == SuiteHybrid, KEMCiphertextSize)
	e.field("nonce", r.Nonce[:], NonceSize, NonceSize)
	return e.finish()
}

// ParseResponse decodes message 2. The returned CallID and KEMCiphertext
// alias msg.
func ParseResponse(msg []byte) (*Response, error) {
	d, callID, err := newDecoder(msg, TypeResponse)
	if err != nil {
		return nil, err
	}
	r := &Response{CallID: callID}
	var suite [SuiteSize]byte
	d.fixed("suite", suite[:])
	r.Suite = binary.BigEndian.Uint16(suite[:])
	r.ResponderID = string(d.field("responder ID", 1, MaxIDSize))
	r.InitiatorID = string(d.field("initiator ID", 1, MaxIDSize))
	r.Policy, r.RetainedIDs = d.policyAndIDs()
	d.fixed("public key", r.PublicKey[:])
	r.KEMCiphertext = d.either("ML-KEM ciphertext", r.Suite == SuiteHybrid, KEMCiphertextSize)
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
// header, the call ID, the public key and the nonce fields, i.e. the
// marshalled message without its final Confirm field. It is what the
// transcript hash covers, since the Confirm MAC is computed over the
// transcript.
func (r *Reveal) TranscriptPart() ([]byte, error) {
	e := newEncoder(TypeReveal, r.CallID)
	e.field("public key", r.PublicKey[:], PublicKeySize, PublicKeySize)
	e.field("nonce", r.Nonce[:], NonceSize, NonceSize)
	return e.finish()
}

// Marshal encodes r: TranscriptPart followed by the Confirm field.
func (r *Reveal) Marshal() ([]byte, error) {
	b, err := r.TranscriptPart()
	if err != nil {
		return nil, err
	}
	b = binary.BigEndian.AppendUint16(b, MACSize)
	return append(b, r.Confirm[:]...), nil
}

// ParseReveal decodes message 3. The returned CallID aliases msg.
func ParseReveal(msg []byte) (*Reveal, error) {
	d, callID, err := newDecoder(msg, TypeReveal)
	if err != nil {
		return nil, err
	}
	r := &Reveal{CallID: callID}
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
	e := newEncoder(TypeConfirm, c.CallID)
	e.field("confirm", c.Confirm[:], MACSize, MACSize)
	return e.finish()
}

// ParseConfirm decodes message 4. The returned CallID aliases msg.
func ParseConfirm(msg []byte) (*Confirm, error) {
	d, callID, err := newDecoder(msg, TypeConfirm)
	if err != nil {
		return nil, err
	}
	c := &Confirm{CallID: callID}
	d.fixed("confirm", c.Confirm[:])
	if err := d.finish(); err != nil {
		return nil, err
	}
	return c, nil
}
