package attack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
	"github.com/callseal/callseal/srtp"
	"github.com/callseal/callseal/verify"
)

// The policy downgrade: a man in the middle on the signaling path runs his
// own handshake with each party, posing as the other with the identities
// each expects, and claims in each that the other side is under compliance
// recording. Nothing is tampered with inside a handshake, so the Confirm
// MACs pass; both handshakes complete with E2EE off for a plausible reason,
// and the calls run on transport SRTP, which the attacker's relay
// terminates. Two defences are tested:
//
//   - the check number: every Session shows it, E2EE on or off and with
//     relay hop keys, and the attacker's two handshakes give different
//     numbers (verify.Equal false);
//   - policy.Party.RequireE2EE: a party that requires E2EE gets a refused
//     decision (*keyexchange.PolicyError matching ErrE2EERequired) and
//     callseal.New will not start the call, so no media flows at all.

// downgrade is the outcome of the attack on one call: each honest party's
// Result and error from Handshake.Result, and the attacker's Result of its
// handshake with each.
type downgrade struct {
	res, mitm [2]*keyexchange.Result
	err       [2]error
}

const (
	alice = 0
	bob   = 1
)

// claimedCompliance is the policy state the attacker claims in each
// handshake: the other side is under compliance recording.
var claimedCompliance = policy.Party{ComplianceRecording: true}

// runDowngrade runs the two handshakes of the attack between alice (policy
// pa, initiator) and bob (pb, responder).
func runDowngrade(t *testing.T, pa, pb policy.Party) downgrade {
	t.Helper()
	callID := []byte("call-downgrade")
	cfg := func(role keyexchange.Role, local, peer string, p policy.Party) *keyexchange.Handshake {
		h, err := keyexchange.New(keyexchange.Config{Role: role, CallID: callID, LocalID: local, PeerID: peer, Policy: p})
		require.NoError(t, err)
		return h
	}
	honest := [2]*keyexchange.Handshake{
		cfg(keyexchange.Initiator, "alice", "bob", pa),
		cfg(keyexchange.Responder, "bob", "alice", pb),
	}
	mitm := [2]*keyexchange.Handshake{
		cfg(keyexchange.Responder, "bob", "alice", claimedCompliance), // towards alice, as bob
		cfg(keyexchange.Initiator, "alice", "bob", claimedCompliance), // towards bob, as alice
	}
	run := func(i, r *keyexchange.Handshake) {
		msg, err := i.Start()
		require.NoError(t, err)
		for turn := 0; msg != nil; turn++ {
			require.Less(t, turn, 4)
			next := r
			if turn%2 == 1 {
				next = i
			}
			msg, err = next.Handle(msg)
			require.NoError(t, err, "every check of the handshake passes")
		}
		require.True(t, i.Done())
		require.True(t, r.Done())
	}
	run(honest[alice], mitm[alice])
	run(mitm[bob], honest[bob])

	var d downgrade
	for s := range 2 {
		d.res[s], d.err[s] = honest[s].Result()
		require.NotNil(t, d.res[s], "the Result comes with the policy error")
		var err error
		d.mitm[s], err = mitm[s].Result()
		require.ErrorIs(t, err, keyexchange.ErrE2EEDisabled)
	}
	return d
}

// TestDowngradeByClaimedCompliance runs the attack against parties that
// allow E2EE, without and with RequireE2EE.
func TestDowngradeByClaimedCompliance(t *testing.T) {
	t.Run("transport-only", func(t *testing.T) {
		d := runDowngrade(t, policy.Party{}, policy.Party{})
		for s := range 2 {
			var pe *keyexchange.PolicyError
			require.ErrorAs(t, d.err[s], &pe)
			assert.False(t, pe.Decision.Refused)
			assert.NotErrorIs(t, d.err[s], keyexchange.ErrE2EERequired)
			assert.Equal(t, policy.ReasonComplianceRecording, pe.Decision.Reason, "the forged reason")
		}

		// The attacker holds the transport keys of both hops, as a relay
		// that terminates SRTP does; the parties use callseal.HopKeys.
		r := newHopRelay(t)
		sess := [2]*callseal.Session{}
		for s := range 2 {
			var err error
			sess[s], err = callseal.New(d.res[s], callseal.Config{
				Transport: r.ends[s], SRTP: r.partyKeys(s),
				Classify: func(uint32, uint8) (callseal.MediaKind, bool) { return callseal.Audio, true },
			})
			require.NoError(t, err, "without RequireE2EE the downgraded call runs")
			defer sess[s].Close()
			on, why := sess[s].E2EE()
			assert.False(t, on)
			assert.Equal(t, policy.ReasonComplianceRecording, why)
		}

		// The defence: both users see a check number, and they differ.
		a, b := sess[alice].CheckNumber(), sess[bob].CheckNumber()
		require.NotEmpty(t, a, "alice's check number, E2EE off with hop keys")
		require.NotEmpty(t, b, "bob's check number, E2EE off with hop keys")
		assert.False(t, verify.Equal(a, b), "the attacker's two handshakes give different check numbers")
		assert.Equal(t, verify.CheckNumber(d.mitm[alice]), a, "alice's number is that of her handshake with the attacker")
		assert.Equal(t, verify.CheckNumber(d.mitm[bob]), b)

		// What the attack gains if nobody compares: the relay reads the media.
		payload := []byte("alice's voice, in the clear for the relay")
		require.NoError(t, sess[alice].Stream(callseal.Audio).WriteRTP(rtpPacket(1, payload)))
		got, err := readTimeout(sess[bob].Stream(callseal.Audio))
		require.NoError(t, err)
		assert.True(t, bytes.HasSuffix(got, payload), "bob receives the packet")
		assert.Equal(t, [][]byte{payload}, r.payloads(), "the relay read the payload")
	})

	t.Run("require-e2ee", func(t *testing.T) {
		d := runDowngrade(t, policy.Party{RequireE2EE: true}, policy.Party{RequireE2EE: true})
		r := newHopRelay(t)
		for s := range 2 {
			var pe *keyexchange.PolicyError
			require.ErrorAs(t, d.err[s], &pe)
			assert.True(t, pe.Decision.Refused, "side %d", s)
			assert.False(t, pe.Decision.E2EE)
			assert.Equal(t, policy.ReasonComplianceRecording, pe.Decision.Reason)
			assert.ErrorIs(t, d.err[s], keyexchange.ErrE2EERequired)
			assert.ErrorIs(t, d.err[s], keyexchange.ErrE2EEDisabled)

			sess, err := callseal.New(d.res[s], callseal.Config{
				Transport: r.ends[s], SRTP: r.partyKeys(s),
				Classify: func(uint32, uint8) (callseal.MediaKind, bool) { return callseal.Audio, true },
			})
			require.Error(t, err, "callseal.New refuses a refused call")
			assert.Nil(t, sess)
			var npe *keyexchange.PolicyError
			require.ErrorAs(t, err, &npe)
			assert.True(t, npe.Decision.Refused)
			assert.ErrorIs(t, err, keyexchange.ErrE2EERequired)
		}
		// Even the refusal can be checked: the numbers differ.
		assert.False(t, verify.Equal(verify.CheckNumber(d.res[alice]), verify.CheckNumber(d.res[bob])))
		assert.Empty(t, r.payloads(), "no media flowed")
	})
}

// hopRelay is the attacker's media relay: it terminates transport SRTP on
// both hops, records every RTP payload it reads and forwards the packet.
type hopRelay struct {
	ends [2]*memTransport
	keys [2][2]srtp.Keys  // per side: the party's send and receive keys
	srtp [2]*srtp.Session // per side: the relay's end of that hop

	mu   sync.Mutex
	seen [][]byte
}

func newHopRelay(t *testing.T) *hopRelay {
	p := srtp.DefaultProfile
	r := &hopRelay{}
	for s := range 2 {
		for dir := range 2 {
			r.keys[s][dir] = srtp.Keys{
				MasterKey:  bytes.Repeat([]byte{byte(0x10*s + dir + 1)}, p.KeySize()),
				MasterSalt: bytes.Repeat([]byte{byte(0x10*s + dir + 5)}, p.SaltSize()),
			}
		}
		var err error
		r.srtp[s], err = srtp.NewSession(p, r.keys[s][1], r.keys[s][0])
		require.NoError(t, err)
		r.ends[s] = &memTransport{in: make(chan []byte, 16), done: make(chan struct{})}
	}
	for s := range 2 {
		from, to := s, 1-s
		r.ends[s].write = func(pkt []byte) {
			plain, err := r.srtp[from].UnprotectRTP(nil, pkt)
			if err != nil {
				return // RTCP or garbage: not this test's concern
			}
			if len(plain) > 12 {
				r.mu.Lock()
				r.seen = append(r.seen, bytes.Clone(plain[12:]))
				r.mu.Unlock()
			}
			out, err := r.srtp[to].ProtectRTP(nil, plain)
			if err == nil {
				r.ends[to].deliver(out)
			}
		}
	}
	return r
}

// partyKeys is the KeySource of side s for its hop to the relay.
func (r *hopRelay) partyKeys(s int) callseal.KeySource {
	return callseal.HopKeys(srtp.DefaultProfile, r.keys[s][0], r.keys[s][1])
}

func (r *hopRelay) payloads() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen
}

// memTransport is a callseal.Transport whose writes go to the relay.
type memTransport struct {
	in    chan []byte
	write func([]byte)
	once  sync.Once
	done  chan struct{}
}

func (m *memTransport) deliver(pkt []byte) {
	select {
	case m.in <- pkt:
	case <-m.done:
	default: // full: dropped, as UDP would
	}
}

func (m *memTransport) Read(p []byte) (int, error) {
	select {
	case pkt := <-m.in:
		return copy(p, pkt), nil
	case <-m.done:
		return 0, errors.New("memTransport closed")
	}
}

func (m *memTransport) Write(p []byte) (int, error) {
	m.write(bytes.Clone(p))
	return len(p), nil
}

func (m *memTransport) Close() error {
	m.once.Do(func() { close(m.done) })
	return nil
}

// rtpPacket is a minimal RTP packet (RFC 3550, Section 5.1): version 2,
// payload type 111, the given sequence number, SSRC 0x11223344.
func rtpPacket(seq uint16, payload []byte) []byte {
	pkt := make([]byte, 12, 12+len(payload))
	pkt[0], pkt[1] = 0x80, 111
	binary.BigEndian.PutUint16(pkt[2:], seq)
	binary.BigEndian.PutUint32(pkt[4:], 960*uint32(seq))
	binary.BigEndian.PutUint32(pkt[8:], 0x11223344)
	return append(pkt, payload...)
}

func readTimeout(st *callseal.Stream) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b, err := st.ReadRTP(nil)
		ch <- result{b, err}
	}()
	select {
	case r := <-ch:
		return r.b, r.err
	case <-time.After(5 * time.Second):
		return nil, errors.New("no packet within 5 s")
	}
}
