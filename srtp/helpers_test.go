package srtp

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

var allProfiles = []Profile{AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM, AEAD_AES_256_GCM}

// testKeys returns deterministic keys for p; seed tells directions apart.
func testKeys(p Profile, seed byte) Keys {
	k := Keys{MasterKey: make([]byte, p.KeySize()), MasterSalt: make([]byte, p.SaltSize())}
	for i := range k.MasterKey {
		k.MasterKey[i] = seed + byte(i)
	}
	for i := range k.MasterSalt {
		k.MasterSalt[i] = seed ^ byte(0xa0+i)
	}
	return k
}

// testPair returns Alice's and Bob's sessions: Alice's local keys are Bob's
// remote keys and vice versa.
func testPair(t testing.TB, p Profile) (alice, bob *Session) {
	t.Helper()
	a2b, b2a := testKeys(p, 1), testKeys(p, 2)
	alice, err := NewSession(p, a2b, b2a)
	require.NoError(t, err)
	bob, err = NewSession(p, b2a, a2b)
	require.NoError(t, err)
	return alice, bob
}

// rtpPacket builds an RTP packet (RFC 3550, Section 5.1) with a fixed
// 12-byte header and a payload of n bytes.
func rtpPacket(ssrc uint32, seq uint16, n int) []byte {
	p := make([]byte, 12+n)
	p[0] = 0x80 // V=2
	p[1] = 111  // PT
	binary.BigEndian.PutUint16(p[2:], seq)
	binary.BigEndian.PutUint32(p[4:], uint32(seq)*960)
	binary.BigEndian.PutUint32(p[8:], ssrc)
	for i := range n {
		p[12+i] = byte(i*7 + int(seq))
	}
	return p
}

// rtpPacketExt builds an RTP packet with two CSRCs and a one-byte header
// extension (RFC 8285), so the header is 12+8+8 bytes.
func rtpPacketExt(ssrc uint32, seq uint16, n int) []byte {
	var b bytes.Buffer
	h := rtpPacket(ssrc, seq, 0)
	h[0] |= 0x10 | 2 // X=1, CC=2
	b.Write(h)
	b.Write([]byte{0, 0, 0, 1, 0, 0, 0, 2})             // CSRCs
	b.Write([]byte{0xbe, 0xde, 0, 1, 0x10, 0x7f, 0, 0}) // ext: id 1, len 1 (audio level), padding
	for i := range n {
		b.WriteByte(byte(i))
	}
	return b.Bytes()
}

// rtcpPacket builds an RTCP receiver report (RFC 3550, Section 6.4.2) with
// one report block: 8 + 24 = 32 bytes.
func rtcpPacket(ssrc uint32) []byte {
	p := make([]byte, 32)
	p[0] = 0x81 // V=2, RC=1
	p[1] = 201  // RR
	binary.BigEndian.PutUint16(p[2:], 7)
	binary.BigEndian.PutUint32(p[4:], ssrc)
	binary.BigEndian.PutUint32(p[8:], 0x11223344) // reportee SSRC
	for i := 12; i < 32; i++ {
		p[i] = byte(i)
	}
	return p
}
