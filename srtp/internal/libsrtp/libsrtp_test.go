//go:build libsrtp && cgo

package libsrtp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/callseal/callseal/srtp"
)

// Interoperability of package srtp (pion/srtp/v3 underneath) with libsrtp 2,
// the reference implementation most SRTP endpoints run: every packet one
// protects, the other must unprotect to the same bytes, in both directions,
// for RTP and RTCP, across the 16-bit sequence number wrap (so both derive
// the same rollover counter, RFC 3711, Section 3.3.1), and both must refuse
// a tampered or replayed packet.

var profiles = []srtp.Profile{srtp.AES_CM_128_HMAC_SHA1_80, srtp.AEAD_AES_128_GCM, srtp.AEAD_AES_256_GCM}

func keys(p srtp.Profile, seed byte) srtp.Keys {
	k := srtp.Keys{MasterKey: make([]byte, p.KeySize()), MasterSalt: make([]byte, p.SaltSize())}
	for i := range k.MasterKey {
		k.MasterKey[i] = seed*31 + byte(i)*7
	}
	for i := range k.MasterSalt {
		k.MasterSalt[i] = seed ^ byte(0x5a+i*3)
	}
	return k
}

// rtpPacket is an RTP packet (RFC 3550, Section 5.1); with ext it has a CSRC
// and a one-byte header extension (RFC 8285).
func rtpPacket(ssrc uint32, seq uint16, n int, ext bool) []byte {
	var b []byte
	if ext {
		b = []byte{0x91, 96} // V=2, X=1, CC=1
	} else {
		b = []byte{0x80, 111}
	}
	b = binary.BigEndian.AppendUint16(b, seq)
	b = binary.BigEndian.AppendUint32(b, uint32(seq)*3000)
	b = binary.BigEndian.AppendUint32(b, ssrc)
	if ext {
		b = binary.BigEndian.AppendUint32(b, 0xc5c5c5c5)  // CSRC
		b = append(b, 0xbe, 0xde, 0, 1, 0x10, 0x7f, 0, 0) // audio level
	}
	for i := range n {
		b = append(b, byte(i)^byte(seq))
	}
	return b
}

// rtcpPacket is a compound RTCP packet: a sender report without report
// blocks and an SDES CNAME (RFC 3550, Sections 6.4.1 and 6.5).
func rtcpPacket(ssrc uint32, i int) []byte {
	b := []byte{0x80, 200, 0, 6}
	b = binary.BigEndian.AppendUint32(b, ssrc)
	b = binary.BigEndian.AppendUint64(b, uint64(i)<<32|0x1234) // NTP
	b = binary.BigEndian.AppendUint32(b, uint32(i)*960)        // RTP ts
	b = binary.BigEndian.AppendUint32(b, uint32(i))            // packets
	b = binary.BigEndian.AppendUint32(b, uint32(i)*100)        // octets
	// SDES, one chunk: SSRC, CNAME "callseal" (8), end, padding to 32 bits.
	b = append(b, 0x81, 202, 0, 4)
	b = binary.BigEndian.AppendUint32(b, ssrc)
	b = append(b, 1, 8)
	b = append(b, "callseal"...)
	b = append(b, 0, 0)
	return b
}

// pair returns our session and the two libsrtp contexts that face it:
// toLib unprotects what ours protects (our local keys), fromLib protects
// with our remote keys.
func pair(t *testing.T, p srtp.Profile) (ours *srtp.Session, toLib, fromLib *Context) {
	t.Helper()
	local, remote := keys(p, 1), keys(p, 2)
	ours, err := srtp.NewSession(p, local, remote)
	if err != nil {
		t.Fatal(err)
	}
	if toLib, err = NewContext(p, local, true, 1024); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(toLib.Close)
	if fromLib, err = NewContext(p, remote, false, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fromLib.Close)
	return ours, toLib, fromLib
}

// TestVersion checks that the linked library is libsrtp 2.x, the version
// whose API the cgo code is written against (srtp_protect with a length in
// and out, srtp_policy_t with window_size).
func TestVersion(t *testing.T) {
	v := Version()
	t.Log(v)
	if !strings.HasPrefix(v, "libsrtp2 2.") {
		t.Fatalf("linked %q, want libsrtp 2.x", v)
	}
}

// TestRTP sends a stream each way across the sequence number wrap: 0xff00
// to 0x0100 after the wrap, so the rollover counter goes from 0 to 1.
func TestRTP(t *testing.T) {
	for _, p := range profiles {
		t.Run(p.String(), func(t *testing.T) {
			ours, toLib, fromLib := pair(t, p)
			const ssrc = 0xdecafbad
			seq := uint16(0xff00)
			for i := range 0x200 {
				n := []int{0, 1, 160, 1200}[i%4]
				pkt := rtpPacket(ssrc, seq, n, i%3 == 0)

				// ours → libsrtp
				prot, err := ours.ProtectRTP(nil, pkt)
				if err != nil {
					t.Fatalf("seq %#04x: ours protect: %v", seq, err)
				}
				if len(prot) != len(pkt)+p.RTPOverhead() {
					t.Fatalf("seq %#04x: protected length %d, want %d", seq, len(prot), len(pkt)+p.RTPOverhead())
				}
				got, err := toLib.UnprotectRTP(prot)
				if err != nil {
					t.Fatalf("seq %#04x: libsrtp unprotect of ours: %v", seq, err)
				}
				if !bytes.Equal(got, pkt) {
					t.Fatalf("seq %#04x: libsrtp unprotected %x, want %x", seq, got, pkt)
				}

				// libsrtp → ours
				prot, err = fromLib.ProtectRTP(pkt)
				if err != nil {
					t.Fatalf("seq %#04x: libsrtp protect: %v", seq, err)
				}
				got, err = ours.UnprotectRTP(nil, prot)
				if err != nil {
					t.Fatalf("seq %#04x: ours unprotect of libsrtp: %v", seq, err)
				}
				if !bytes.Equal(got, pkt) {
					t.Fatalf("seq %#04x: ours unprotected %x, want %x", seq, got, pkt)
				}
				seq++
			}
		})
	}
}

// TestRTPSameBytes checks that both implementations produce byte-identical
// SRTP for the same packet and keys, which pins the key derivation, the
// IV/nonce construction, the rollover counter and the tag.
func TestRTPSameBytes(t *testing.T) {
	for _, p := range profiles {
		t.Run(p.String(), func(t *testing.T) {
			k := keys(p, 3)
			ours, err := srtp.NewSession(p, k, keys(p, 4))
			if err != nil {
				t.Fatal(err)
			}
			lib, err := NewContext(p, k, false, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer lib.Close()
			for seq := uint16(0xfffc); seq != 4; seq++ { // ROC 0 → 1
				pkt := rtpPacket(42, seq, 100, seq%2 == 0)
				a, err := ours.ProtectRTP(nil, pkt)
				if err != nil {
					t.Fatal(err)
				}
				b, err := lib.ProtectRTP(pkt)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a, b) {
					t.Fatalf("seq %#04x: ours %x\nlibsrtp %x", seq, a, b)
				}
			}
		})
	}
}

func TestRTCP(t *testing.T) {
	for _, p := range profiles {
		t.Run(p.String(), func(t *testing.T) {
			ours, toLib, fromLib := pair(t, p)
			for i := range 50 {
				pkt := rtcpPacket(0x11223344, i)

				prot, err := ours.ProtectRTCP(nil, pkt)
				if err != nil {
					t.Fatalf("%d: ours protect: %v", i, err)
				}
				if len(prot) != len(pkt)+p.RTCPOverhead() {
					t.Fatalf("%d: protected length %d, want %d", i, len(prot), len(pkt)+p.RTCPOverhead())
				}
				got, err := toLib.UnprotectRTCP(prot)
				if err != nil {
					t.Fatalf("%d: libsrtp unprotect of ours: %v", i, err)
				}
				if !bytes.Equal(got, pkt) {
					t.Fatalf("%d: libsrtp unprotected %x, want %x", i, got, pkt)
				}

				prot, err = fromLib.ProtectRTCP(pkt)
				if err != nil {
					t.Fatalf("%d: libsrtp protect: %v", i, err)
				}
				got, err = ours.UnprotectRTCP(nil, prot)
				if err != nil {
					t.Fatalf("%d: ours unprotect of libsrtp: %v", i, err)
				}
				if !bytes.Equal(got, pkt) {
					t.Fatalf("%d: ours unprotected %x, want %x", i, got, pkt)
				}
			}
		})
	}
}

// TestRejects: a flipped bit and a replay are refused by each side, with
// the matching error, for packets the other side protected.
func TestRejects(t *testing.T) {
	for _, p := range profiles {
		for _, rtcp := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/rtcp=%v", p, rtcp), func(t *testing.T) {
				ours, toLib, fromLib := pair(t, p)
				pkt := rtpPacket(7, 1000, 80, false)
				oursProt, oursUnprot := ours.ProtectRTP, ours.UnprotectRTP
				libProt, libUnprot := fromLib.ProtectRTP, toLib.UnprotectRTP
				if rtcp {
					pkt = rtcpPacket(7, 1)
					oursProt, oursUnprot = ours.ProtectRTCP, ours.UnprotectRTCP
					libProt, libUnprot = fromLib.ProtectRTCP, toLib.UnprotectRTCP
				}

				// ours → libsrtp
				prot, err := oursProt(nil, pkt)
				if err != nil {
					t.Fatal(err)
				}
				bad := bytes.Clone(prot)
				bad[len(bad)/2] ^= 1
				if _, err := libUnprot(bad); !errors.Is(err, ErrAuth) {
					t.Errorf("libsrtp, tampered: %v, want ErrAuth", err)
				}
				if _, err := libUnprot(prot); err != nil {
					t.Errorf("libsrtp, good packet after a bad one: %v", err)
				}
				if _, err := libUnprot(prot); !errors.Is(err, ErrReplay) {
					t.Errorf("libsrtp, replay: %v, want ErrReplay", err)
				}

				// libsrtp → ours
				prot, err = libProt(pkt)
				if err != nil {
					t.Fatal(err)
				}
				bad = bytes.Clone(prot)
				bad[len(bad)/2] ^= 1
				if _, err := oursUnprot(nil, bad); !errors.Is(err, srtp.ErrAuth) {
					t.Errorf("ours, tampered: %v, want srtp.ErrAuth", err)
				}
				if _, err := oursUnprot(nil, prot); err != nil {
					t.Errorf("ours, good packet after a bad one: %v", err)
				}
				if _, err := oursUnprot(nil, prot); !errors.Is(err, srtp.ErrReplay) {
					t.Errorf("ours, replay: %v, want srtp.ErrReplay", err)
				}
			})
		}
	}
}

// TestDTLSKeys: keys split by srtp.KeysFromDTLS on the client and the server
// interoperate with libsrtp keyed by the same RFC 5764, Section 4.2 layout.
func TestDTLSKeys(t *testing.T) {
	for _, p := range profiles {
		t.Run(p.String(), func(t *testing.T) {
			material := make([]byte, 2*(p.KeySize()+p.SaltSize()))
			for i := range material {
				material[i] = byte(i * 13)
			}
			ks, ss := p.KeySize(), p.SaltSize()
			clientWrite := srtp.Keys{MasterKey: material[:ks], MasterSalt: material[2*ks : 2*ks+ss]}
			local, remote, err := srtp.KeysFromDTLS(p, material, true)
			if err != nil {
				t.Fatal(err)
			}
			client, err := srtp.NewSession(p, local, remote)
			if err != nil {
				t.Fatal(err)
			}
			server, err := NewContext(p, clientWrite, true, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer server.Close()
			pkt := rtpPacket(1, 1, 50, false)
			prot, err := client.ProtectRTP(nil, pkt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := server.UnprotectRTP(prot)
			if err != nil || !bytes.Equal(got, pkt) {
				t.Fatalf("libsrtp server: %x, %v", got, err)
			}
		})
	}
}
