package meeting

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"strings"

	"github.com/callseal/callseal/keyexchange"
)

// Meeting code sizes (PROTOCOL.md, "Meeting code").
const (
	// FingerprintSize is the size in bytes of the leader key fingerprint
	// that the meeting code renders: 128 bits.
	FingerprintSize = 16 // bytes
	// CodeDigits is the number of decimal digits of the meeting code:
	// 10^39 > 2^128, so every fingerprint fits, as in Zoom's meeting
	// leader security code.
	CodeDigits = 39
	// codeGroup is the number of digits per space-separated group.
	codeGroup = 3
)

// Labels of the leader's signatures and the code (PROTOCOL.md). Part of the
// protocol: never change them.
const (
	labelCode   = "callseal meeting code"
	labelProof  = "callseal meeting leader proof"
	labelNotice = "callseal meeting notice"
)

// fingerprint returns the 128-bit fingerprint of the leader's key:
//
//	SHA-256("callseal meeting code" ‖ len(meeting ID) (2) ‖ meeting ID ‖ leader public key (32))[:16]
func fingerprint(meetingID []byte, leaderKey ed25519.PublicKey) [FingerprintSize]byte {
	h := sha256.New()
	h.Write([]byte(labelCode))
	h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(meetingID))))
	h.Write(meetingID)
	h.Write(leaderKey)
	var fp [FingerprintSize]byte
	copy(fp[:], h.Sum(nil))
	return fp
}

// renderCode renders a fingerprint as CodeDigits decimal digits (the
// fingerprint read as a big-endian integer, zero-padded) in groups of three
// separated by spaces: "012 345 … 678".
func renderCode(fp [FingerprintSize]byte) string {
	digits := new(big.Int).SetBytes(fp[:]).Text(10)
	digits = strings.Repeat("0", CodeDigits-len(digits)) + digits
	var b strings.Builder
	for i := 0; i < CodeDigits; i += codeGroup {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(digits[i : i+codeGroup])
	}
	return b.String()
}

// meetingCode returns the meeting code of a leader key.
func meetingCode(meetingID []byte, leaderKey ed25519.PublicKey) string {
	return renderCode(fingerprint(meetingID, leaderKey))
}

// proofMessage is what the leader signs for a participant over its
// pairwise channel:
//
//	"callseal meeting leader proof" ‖ len(meeting ID) (2) ‖ meeting ID ‖ TH (32) ‖ len(ID) (2) ‖ participant ID
//
// with TH the transcript hash of the participant's handshake with the
// leader (keyexchange.Result.TranscriptHash), which the participant takes
// from its own Result.
func proofMessage(meetingID []byte, th [keyexchange.TranscriptHashSize]byte, participantID string) []byte {
	b := make([]byte, 0, len(labelProof)+2+len(meetingID)+len(th)+2+len(participantID))
	b = append(b, labelProof...)
	b = appendField(b, meetingID)
	b = append(b, th[:]...)
	return appendField(b, []byte(participantID))
}

// noticeMessage is what the leader signs for a notice:
//
//	"callseal meeting notice" ‖ len(meeting ID) (2) ‖ meeting ID ‖ notice body
func noticeMessage(meetingID, body []byte) []byte {
	b := make([]byte, 0, len(labelNotice)+2+len(meetingID)+len(body))
	b = append(b, labelNotice...)
	b = appendField(b, meetingID)
	return append(b, body...)
}

func appendField(dst, v []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(v)))
	return append(dst, v...)
}
