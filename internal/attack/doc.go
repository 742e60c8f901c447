// Package attack is callseal's attack harness: tests, and only tests, that
// attack every input an attacker controls — sealed media packets of both
// layers and every handshake message — and check that each attack is
// rejected with the right typed error and that genuine traffic still goes
// through afterwards. It uses the public API of packages e2ee, srtp and
// keyexchange only (TestRedaction that of every package), and the root callseal.Session for the policy downgrade
// (downgrade_test.go: a man in the middle who claims compliance recording
// to each party). SECURITY.md at the repository root names the claims these
// tests back.
//
// # What is attacked
//
// Media, for every SFrame cipher suite (all five of RFC 9605, Section 8.1)
// and every SRTP profile (AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM,
// AEAD_AES_256_GCM), on three streams whose packets have the layouts of a
// real call (audio with a one-byte header extension, video, screen share
// with a CSRC), on each layer alone and on both composed (e2ee-sealed, then
// SRTP-protected, through a relay):
//
//   - bit flips: every bit of every byte of a packet (under the race
//     detector one bit of every byte, rotating through the bit positions),
//     each on a fresh packet delivered before its genuine copy;
//   - truncation at every length from 0 to one byte short, and one byte
//     too many;
//   - stream swap: a packet made to pass for another stream's — its SSRC and
//     payload type rewritten (what receivers and SFUs demultiplex by), its
//     SFrame KID's kind bits rewritten (what the e2ee layer selects keys
//     by), or its payload moved under another stream's RTP header;
//   - direction swap (reflection): a party's packets sent back to it;
//   - cross-call: packets of one call delivered into another call between
//     the same parties, with the same SSRCs, and into a call of another
//     suite;
//   - replay: accepted packets again, at once, reordered, and after more
//     than a replay window; packets of a superseded epoch after Rekey,
//     during and after the grace period (ended by packet count and by
//     time), and after 70 rekeys, past the wrap of the KID's epoch bits.
//
// Two attackers are modelled on the composed path: a network attacker
// without keys, whom transport SRTP stops, and the relay, which terminates
// SRTP and so can make the receiver's transport accept anything; the e2ee
// layer must stop it.
//
// Handshake, for both suites (X25519_SHA256 bare; X25519_MLKEM768_SHA256 with
// both suites offered, two retained-secret IDs per side and a managed
// policy, so that every field is present): every bit of every message,
// every truncation, extension and an oversized message; every message of
// an earlier handshake of the same call delivered to both parties at every
// stage (which also delivers every message type out of order); each
// party's own messages reflected to it; every message of another call; a
// third party's messages.
//
// Meeting key messages (meeting_test.go, TestMeetingKeyMessages): every
// message a member receives — a newcomer's Welcome, a resync Welcome, a
// Join notice, a Rekey, a Handover notice — and the Resync request the
// leader receives get every bit flip (header: ErrVersion, ErrMalformed;
// sealed records: ErrAuth; notices: ErrMalformed or ErrAuth), every
// truncation and a byte appended, then the genuine message, which must
// apply, and its replay (ErrReplay). Besides: another meeting's messages
// with the same IDs (ErrAuth), a Join notice ahead of the Rekey before it
// (ErrEpoch), an earlier epoch's notice (ErrReplay), a member's request
// presented as another's (ErrAuth) or a stranger's (ErrUnknownMember). The
// Leader's and every Member's state (epoch, roster, code, keys) must be
// unchanged by every rejected message.
//
// # Redaction
//
// TestRedaction builds a value of every exported type that holds key
// material, through the public API of all of callseal's packages and
// holding known secrets, prints it with every fmt verb, logs it with
// slog's text and JSON handlers and encodes it with encoding/json, alone
// and as a field of an app's struct, and fails on any secret byte (hex,
// raw, quoted, base64, decimal byte lists or big-endian words) and on
// anything else shaped like key material.
//
// # Expected errors
//
// The expected error of each attack is computed, not guessed: the tests
// carry small models of the receivers (e2eeRx for e2ee.Session.Open, srtpRx
// for srtp.Session.UnprotectRTP/UnprotectRTCP, ruleFor and hsExpect for
// keyexchange.Handshake.Handle) that apply the checks the packages document,
// in their order, to the forged input. In short:
//
//	e2ee  RTP header not v2 / padding / cut short          ErrMalformed
//	      SFrame header cut short or not minimal           ErrMalformed
//	      KID names no key (kind 3, erased or far epoch)   ErrUnknownKey
//	      less than the tag left                           ErrMalformed
//	      anything authenticated changed                   ErrAuth (1)
//	      genuine packet again, or behind the window       ErrReplay
//	      header extension bytes changed                   opens (2)
//	srtp  RTP/RTCP header unparsable, or no room for tag   ErrMalformed
//	      index accepted already or behind the window      ErrReplay (3)
//	      anything else changed                            ErrAuth
//	handshake  see ruleFor and hsExpect: ErrVersion, ErrMalformed,
//	      ErrCallID, ErrIdentity, ErrNoCommonSuite, ErrUnexpectedMessage,
//	      ErrCommitment, ErrConfirm, each where PROTOCOL.md says.
//
// (1) Or ErrReplay where the forgery's CTR was already accepted under the key
// its KID names: a receiver may check the window before authenticating (as
// SRTP does), provided it records only authenticated counters. Both reject.
// (2) By design (RFC 9605, Section 9.4; e2ee/doc.go): relays rewrite
// extensions, so they are not authenticated. These are counted apart, as
// "accepted by design", never as rejections. (3) Checked before
// authentication by pion/srtp (RFC 3711, Section 3.3.2), so a forgery that
// reuses an index is ErrReplay.
//
// Handshake values that cannot be checked on arrival (in the Commit: the
// commitment, another valid offer, policy, retained ID or ML-KEM key; in the
// Response: policy, retained IDs, pub_R, ciphertext, nonce_R; an earlier
// handshake's Commit or Response) may be accepted; the next message then
// fails (ErrCommitment or ErrConfirm) and no party completes. The tests count
// these as rejected "(next message)".
//
// # Good traffic after each attack
//
// Every forged media packet is followed by its genuine copy and the
// stream's next packet, which must open (or unprotect) to the original
// bytes. A rejected handshake message must leave the receiver's state as it
// was, and the genuine handshake is completed with equal check numbers,
// transcript hashes, media secrets and continuity after every 32 rejected
// messages and at the end of each series.
//
// # Counts
//
// Each test logs, per suite or profile, "N attacks, M rejected (100.0%)
// [per error]; K accepted by design; G genuine after attacks", and fails if
// any of N, M, G is zero or if an attack was neither rejected as expected
// nor accepted by design. Run with -v to see them.
package attack
