package e2ee

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/e2ee/internal/sfcore"
)

// testSource is a KeySource over a fixed secret, counting derivations.
type testSource struct {
	epoch   uint32
	secret  []byte
	derived atomic.Int32
	fail    bool
	erased  atomic.Bool
}

func (s *testSource) Epoch() uint32 { return s.epoch }

func (s *testSource) Erase() { s.erased.Store(true) }

func (s *testSource) BaseKey(index uint8, kind MediaKind) ([]byte, error) {
	if s.fail || s.erased.Load() {
		return nil, errors.New("erased")
	}
	s.derived.Add(1)
	return hkdf.Key(sha256.New, s.secret, nil, string([]byte{byte(s.epoch), index, byte(kind)}), 32)
}

func newSource(epoch uint32, secret byte) *testSource {
	return &testSource{epoch: epoch, secret: bytes.Repeat([]byte{secret}, 32)}
}

// newMeeting returns one MeetingSession per sender index in senders, each
// in src's epoch and sending.
func newMeeting(t testing.TB, src KeySource, senders []uint8, cfg ...Config) []*MeetingSession {
	t.Helper()
	var out []*MeetingSession
	for _, i := range senders {
		m, err := NewMeetingSession(cfg...)
		require.NoError(t, err)
		require.NoError(t, m.SetEpoch(MeetingEpoch{Keys: src, Index: i, Senders: senders}))
		require.NoError(t, m.SwitchSend())
		out = append(out, m)
	}
	return out
}

// advance installs src everywhere, then switches every sender to it.
func advance(t testing.TB, ms []*MeetingSession, src KeySource, senders []uint8) {
	t.Helper()
	for i, m := range ms {
		require.NoError(t, m.SetEpoch(MeetingEpoch{Keys: src, Index: senders[i], Senders: senders}))
	}
	for _, m := range ms {
		require.NoError(t, m.SwitchSend())
	}
}

func TestMeetingRoundTrip(t *testing.T) {
	senders := []uint8{0, 5, 200}
	ms := newMeeting(t, newSource(3, 0x11), senders)
	for from, tx := range ms {
		for kind := range MediaKind(numKinds) {
			pkt := makeRTP(t, payloadOf(160+int(kind)), pktOpts{seq: uint16(kind)})
			sealed, err := tx.Seal(nil, pkt, kind)
			require.NoError(t, err)
			require.LessOrEqual(t, len(sealed)-len(pkt), tx.Overhead())
			for to, rx := range ms {
				opened, index, got, err := rx.Open(nil, sealed)
				if to == from {
					require.ErrorIs(t, err, ErrUnknownKey, "a sender opens its own packet")
					continue
				}
				require.NoError(t, err)
				require.Equal(t, pkt, opened)
				require.Equal(t, senders[from], index)
				require.Equal(t, kind, got)
				// In place too, after the replay check.
				_, _, _, err = rx.Open(sealed[:0], bytes.Clone(sealed))
				require.ErrorIs(t, err, ErrReplay)
			}
		}
	}
}

func TestMeetingKIDLayout(t *testing.T) {
	ms := newMeeting(t, newSource(0x23, 1), []uint8{0, 0x9a})
	sealed, err := ms[1].Seal(nil, makeRTP(t, payloadOf(10), pktOpts{}), ScreenShare)
	require.NoError(t, err)
	_, h, _, err := parseSealed(sealed)
	require.NoError(t, err)
	require.Equal(t, uint64(2<<12|0x9a<<4|0x3), h.KID)
}

func TestMeetingEpochGrace(t *testing.T) {
	clk := &fakeClock{}
	senders := []uint8{0, 1}
	first := newSource(1, 1)
	ms := newMeeting(t, first, senders, Config{clock: clk, EpochGraceTime: time.Second})
	pkt := makeRTP(t, payloadOf(100), pktOpts{})
	old1, err := ms[0].Seal(nil, pkt, Audio)
	require.NoError(t, err)
	old2, err := ms[0].Seal(nil, pkt, Audio)
	require.NoError(t, err)

	advance(t, ms, newSource(2, 2), senders)
	cur, err := ms[0].Seal(nil, pkt, Audio)
	require.NoError(t, err)
	for _, p := range [][]byte{cur, old1} {
		_, _, _, err := ms[1].Open(nil, p)
		require.NoError(t, err, "the new epoch and, in grace, the old one open")
	}
	clk.Advance(time.Second)
	require.True(t, first.erased.Load(), "the superseded epoch's key source is erased")
	_, _, _, err = ms[1].Open(nil, old2)
	require.ErrorIs(t, err, ErrUnknownKey, "an epoch past its grace period")
	cur2, err := ms[0].Seal(nil, pkt, Audio)
	require.NoError(t, err)
	_, _, _, err = ms[1].Open(nil, cur2)
	require.NoError(t, err, "the current epoch outlives the grace period")
	late, err := ms[0].Seal(nil, pkt, Audio)
	require.NoError(t, err)

	// Sixteen epochs on, the KID's epoch bits repeat: the old epoch with
	// those bits is gone at once, and its packets fail to authenticate
	// under the new key rather than opening.
	for e := uint32(3); e <= 18; e++ {
		advance(t, ms, newSource(e, byte(e)), senders)
	}
	_, _, _, err = ms[1].Open(nil, late)
	require.ErrorIs(t, err, ErrAuth)
}

func TestMeetingForgedKID(t *testing.T) {
	src := newSource(4, 4)
	ms := newMeeting(t, src, []uint8{0, 1})
	// A participant outside the roster (index 7) seals with the epoch's
	// keys; a KID past the layout and one naming kind 3 are made by hand.
	intruder := newMeeting(t, src, []uint8{7})[0]
	pkt := makeRTP(t, payloadOf(100), pktOpts{})
	forged, err := intruder.Seal(nil, pkt, Video)
	require.NoError(t, err)
	before := src.derived.Load()
	for range 3 {
		_, _, _, err = ms[1].Open(nil, forged)
		require.ErrorIs(t, err, ErrUnknownKey)
	}
	require.Equal(t, before, src.derived.Load(), "a KID of an unknown sender costs no derivation")

	good, err := ms[0].Seal(nil, pkt, Video)
	require.NoError(t, err)
	for _, kid := range []uint64{meetingKIDLimit, 3<<meetingKindShift | 0<<MeetingEpochBits | 4} {
		bad := withKID(t, good, kid)
		_, _, _, err = ms[1].Open(nil, bad)
		require.ErrorIs(t, err, ErrUnknownKey, "KID %#x", kid)
	}
	bad := bytes.Clone(good)
	bad[len(bad)-1] ^= 1
	_, _, _, err = ms[1].Open(nil, bad)
	require.ErrorIs(t, err, ErrAuth)
	_, _, _, err = ms[1].Open(nil, good[:14])
	require.ErrorIs(t, err, ErrMalformed)
	_, _, _, err = ms[1].Open(nil, good)
	require.NoError(t, err, "rejections left the key usable")
}

// withKID re-encodes the SFrame header of a sealed packet (no CSRCs or
// extension) with another KID.
func withKID(t testing.TB, sealed []byte, kid uint64) []byte {
	t.Helper()
	_, h, hlen, err := parseSealed(sealed)
	require.NoError(t, err)
	h.KID = kid
	hdr := make([]byte, h.Size())
	h.Put(hdr, sfcore.FieldSize(h.KID), sfcore.FieldSize(h.CTR))
	out := append(bytes.Clone(sealed[:rtpFixedHeaderSize]), hdr...)
	return append(out, sealed[rtpFixedHeaderSize+hlen:]...)
}

func TestMeetingLifecycle(t *testing.T) {
	m, err := NewMeetingSession()
	require.NoError(t, err)
	pkt := makeRTP(t, payloadOf(10), pktOpts{})
	_, err = m.Seal(nil, pkt, Audio)
	require.ErrorIs(t, err, ErrNotSending)
	require.ErrorIs(t, m.SwitchSend(), ErrNotSending)
	require.ErrorIs(t, m.SetEpoch(MeetingEpoch{}), ErrInvalidSecrets)
	require.NoError(t, m.SetEpoch(MeetingEpoch{Keys: newSource(5, 1), Senders: []uint8{0}}))
	require.ErrorIs(t, m.SetEpoch(MeetingEpoch{Keys: newSource(5, 2)}), ErrStaleEpoch)
	require.ErrorIs(t, m.SetEpoch(MeetingEpoch{Keys: newSource(4, 2)}), ErrStaleEpoch)
	_, err = m.Seal(nil, pkt, 3)
	require.ErrorIs(t, err, ErrUnknownKey)

	failing := newSource(6, 1)
	failing.fail = true
	require.NoError(t, m.SetEpoch(MeetingEpoch{Keys: failing}))
	require.ErrorIs(t, m.SwitchSend(), ErrInvalidSecrets)

	require.NoError(t, m.Close())
	require.NoError(t, m.Close())
	_, err = m.Seal(nil, pkt, Audio)
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, m.SwitchSend(), ErrClosed)
	require.ErrorIs(t, m.SetEpoch(MeetingEpoch{Keys: newSource(9, 1)}), ErrClosed)

	for _, cfg := range []Config{{EpochGracePackets: 1}, {SendStreams: []RTPStream{{SSRC: 1}}}, {ReplayWindow: -1}} {
		_, err := NewMeetingSession(cfg)
		require.ErrorIs(t, err, ErrInvalidConfig)
	}
}
