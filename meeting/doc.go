// Package meeting is the key protocol of callseal's end-to-end encrypted
// meetings: one leader (the organizer's client) and up to MaxParticipants
// participants behind any SFU, each with its own SFrame keys per media
// kind, derived from an epoch secret that only the participants hold.
// PROTOCOL.md, beside this file, is the byte-level specification: the
// model, every key message, the key schedule with its labels, the meeting
// code and its security argument, membership changes, error handling and
// test vectors.
//
// # Channels and the meeting code
//
// Every participant runs the callseal handshake (package keyexchange) with
// the leader only, and both derive a pairwise channel key from its Result
// (Result.Export). Key messages travel over these channels sealed with
// AES-256-GCM. The leader holds a per-meeting Ed25519 key; with its
// Welcome it sends each participant the public key and a signature over
// that participant's own handshake transcript hash. The meeting code
// (Leader.Code, Member.Code: 39 digits) is a 128-bit fingerprint of the
// key. A man in the middle between the leader and one participant cannot
// produce that signature over the participant's transcript and must
// substitute its own key, which changes that participant's code; finding a
// key with the same code is a second-preimage search on 128 bits.
//
// # Keys
//
// EpochKeys.SenderBaseKey derives the RFC 9605 base_key of each sender
// index and Kind (audio, video, screen share) from the epoch secret; KID
// and ParseKID implement the KID layout (epoch bits, sender index, kind;
// RFC 9605, Section 5.2). Leader.Current and Member.Current return the
// current epoch's keys, Previous the previous epoch's during its grace
// period (Config.Grace), after which they are erased. The media keys
// themselves live in each participant's e2ee.MeetingSession: EpochKeys is
// its e2ee.KeySource, and Leader.MediaEpoch and Member.MediaEpoch describe
// the current epoch (keys, own sender index, roster) for its SetEpoch.
//
// # Membership
//
//   - Join (Leader.Admit): the epoch secret is ratcheted forward; the
//     newcomer gets the ratcheted secret and the roster in its Welcome, and
//     one signed Join notice tells every other member to ratchet. A
//     newcomer cannot derive an earlier epoch's keys.
//   - Leave or removal (Leader.Remove): a fresh random secret is sealed to
//     each remaining member. The leaver never receives it.
//   - Leader change (Leader.HandOver, Member.TakeOver, Member.NewLeader):
//     a signed Handover notice names the new leader; every member runs a
//     new handshake with it and gets a Welcome with a new key (a new code)
//     and a new epoch with a fresh secret.
//   - A member that missed a key message learns it from the epoch number
//     (ErrEpoch) and asks the leader for its current state
//     (Member.ResyncRequest, Leader.Handle).
//
// # Errors and state
//
// Every bad key message — truncated, oversized, of another version,
// forged, replayed, out of order, for the wrong epoch, from an unknown
// participant — gets an error wrapping an exported sentinel (ErrMalformed,
// ErrVersion, ErrAuth, ErrReplay, ErrEpoch, ErrUnknownMember, ...) and
// leaves the Leader or Member unchanged. Leader, Member and EpochKeys are
// safe for concurrent use; their renderings (fmt, log/slog) never show a
// secret.
package meeting
