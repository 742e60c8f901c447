package perf

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/sframe"
	"github.com/callseal/callseal/srtp"
	"github.com/pion/rtp"
	pionsrtp "github.com/pion/srtp/v3"
)

// Op is the side of the wire a per-packet path works on.
type Op uint8

const (
	Send    Op = iota // seal / protect / encrypt
	Receive           // open / unprotect / decrypt
)

func (o Op) String() string {
	if o == Send {
		return "send"
	}
	return "receive"
}

// A Path is one per-packet operation, measured at every payload size.
type Path struct {
	// Group is the Go benchmark the path belongs to (BenchmarkE2EE, ...).
	Group string
	// Variant is the cipher suite or SRTP profile, or "" when there is one.
	Variant string
	// Verb is the operation: Seal, Open, Protect, Unprotect, Encrypt,
	// Decrypt, Send, Receive.
	Verb string
	Op   Op
	// Label names the path in tables and on the chart.
	Label string
	// Baseline reports a path that is not callseal's own code (raw AES-GCM,
	// pion/srtp alone): the yardsticks. The allocation target applies to the
	// other paths.
	Baseline bool

	bench func(b *testing.B, size int)
}

// ID is the path's benchmark name without the size: Group[/Variant]/Verb.
func (p Path) ID() string {
	if p.Variant == "" {
		return p.Group + "/" + p.Verb
	}
	return p.Group + "/" + p.Variant + "/" + p.Verb
}

// Sub is the path's sub-benchmark name inside its Group: [Variant/]Verb/<size>B.
func (p Path) Sub(size int) string {
	if p.Variant == "" {
		return fmt.Sprintf("%s/%dB", p.Verb, size)
	}
	return fmt.Sprintf("%s/%s/%dB", p.Variant, p.Verb, size)
}

// Bench returns the benchmark of the path at one payload size in bytes.
// It reports allocations, and bytes/s of RTP payload.
func (p Path) Bench(size int) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size))
		p.bench(b, size)
	}
}

// Suites are the SFrame cipher suites e2ee is measured with, default first.
var Suites = []sframe.CipherSuite{
	sframe.AES_128_GCM_SHA256_128,
	sframe.AES_256_GCM_SHA512_128,
	sframe.AES_128_CTR_HMAC_SHA256_80,
	sframe.AES_128_CTR_HMAC_SHA256_64,
	sframe.AES_128_CTR_HMAC_SHA256_32,
}

// Profiles are the SRTP profiles srtp and pion/srtp are measured with,
// default first.
var Profiles = []srtp.Profile{srtp.AEAD_AES_128_GCM, srtp.AEAD_AES_256_GCM, srtp.AES_CM_128_HMAC_SHA1_80}

// Defaults: the configuration the full two-layer path uses.
const (
	DefaultSuite   = e2ee.DefaultCipherSuite
	DefaultProfile = srtp.DefaultProfile
)

// Path IDs the report and the targets refer to.
var (
	IDRawSeal       = "RawGCM/Seal"
	IDRawOpen       = "RawGCM/Open"
	IDRaw2Seal      = "RawGCMx2/Seal"
	IDRaw2Open      = "RawGCMx2/Open"
	IDE2EESeal      = "E2EE/" + DefaultSuite.String() + "/Seal"
	IDE2EEOpen      = "E2EE/" + DefaultSuite.String() + "/Open"
	IDSRTPProtect   = "SRTP/" + DefaultProfile.String() + "/Protect"
	IDSRTPUnprotect = "SRTP/" + DefaultProfile.String() + "/Unprotect"
	IDPionEncrypt   = "Pion/" + DefaultProfile.String() + "/Encrypt"
	IDPionDecrypt   = "Pion/" + DefaultProfile.String() + "/Decrypt"
	IDFullSend      = "Full/Send"
	IDFullReceive   = "Full/Receive"
)

// Paths returns every per-packet path, in the order the report lists them.
func Paths() []Path {
	ps := []Path{
		{Group: "RawGCM", Verb: "Seal", Op: Send, Label: "raw AES-128-GCM seal", Baseline: true, bench: rawSeal},
		{Group: "RawGCM", Verb: "Open", Op: Receive, Label: "raw AES-128-GCM open", Baseline: true, bench: rawOpen},
		{Group: "RawGCMx2", Verb: "Seal", Op: Send, Label: "2 × raw AES-128-GCM seal (floor)", Baseline: true, bench: raw2Seal},
		{Group: "RawGCMx2", Verb: "Open", Op: Receive, Label: "2 × raw AES-128-GCM open (floor)", Baseline: true, bench: raw2Open},
	}
	for _, p := range Profiles {
		ps = append(ps,
			Path{Group: "Pion", Variant: p.String(), Verb: "Encrypt", Op: Send, Label: "pion/srtp encrypt " + p.String(), Baseline: true,
				bench: func(b *testing.B, n int) { pionEncrypt(b, p, n) }},
			Path{Group: "Pion", Variant: p.String(), Verb: "Decrypt", Op: Receive, Label: "pion/srtp decrypt " + p.String(), Baseline: true,
				bench: func(b *testing.B, n int) { pionDecrypt(b, p, n) }},
		)
	}
	for _, s := range Suites {
		ps = append(ps,
			Path{Group: "E2EE", Variant: s.String(), Verb: "Seal", Op: Send, Label: "e2ee seal " + s.String(),
				bench: func(b *testing.B, n int) { e2eeSeal(b, s, n) }},
			Path{Group: "E2EE", Variant: s.String(), Verb: "Open", Op: Receive, Label: "e2ee open " + s.String(),
				bench: func(b *testing.B, n int) { e2eeOpen(b, s, n) }},
		)
	}
	for _, p := range Profiles {
		ps = append(ps,
			Path{Group: "SRTP", Variant: p.String(), Verb: "Protect", Op: Send, Label: "srtp protect " + p.String(),
				bench: func(b *testing.B, n int) { srtpProtect(b, p, n) }},
			Path{Group: "SRTP", Variant: p.String(), Verb: "Unprotect", Op: Receive, Label: "srtp unprotect " + p.String(),
				bench: func(b *testing.B, n int) { srtpUnprotect(b, p, n) }},
		)
	}
	ps = append(ps,
		Path{Group: "Full", Verb: "Send", Op: Send, Label: "full send: e2ee seal + srtp protect", bench: fullSend},
		Path{Group: "Full", Verb: "Receive", Op: Receive, Label: "full receive: srtp unprotect + e2ee open", bench: fullReceive},
	)
	return ps
}

// ---- raw AES-128-GCM: the floor ----

// newGCM returns AES-128-GCM under a fixed key.
func newGCM(b *testing.B, keyByte byte) cipher.AEAD {
	block, err := aes.NewCipher(bytes.Repeat([]byte{keyByte}, 16))
	if err != nil {
		b.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	return aead
}

// AAD sizes of the floor passes: the inner layer authenticates the RTP
// header and the 1-byte SFrame header, the outer one the RTP header.
const (
	innerAAD = RTPHeaderSize + 1 // bytes
	outerAAD = RTPHeaderSize     // bytes
)

// rawSeal is one AES-128-GCM seal of the payload: the least any AEAD layer
// can cost. The nonce changes with every packet, as any real sealer's does.
func rawSeal(b *testing.B, n int) {
	aead := newGCM(b, 1)
	nonce := make([]byte, aead.NonceSize())
	aad := make([]byte, innerAAD)
	pt := make([]byte, n)
	out := make([]byte, 0, n+aead.Overhead())
	var ctr uint64
	for b.Loop() {
		ctr++
		binary.BigEndian.PutUint64(nonce[4:], ctr)
		out = aead.Seal(out[:0], nonce, pt, aad)
	}
}

// rawOpen is one AES-128-GCM open of a payload-sized ciphertext. Like the
// receive paths, it cycles through a ring of distinct ciphertexts of the
// same length as theirs, so that both read their input from the same level
// of the cache.
func rawOpen(b *testing.B, n int) {
	aead := newGCM(b, 1)
	aad := make([]byte, innerAAD)
	cts, nonces := rawRing(n, func(nonce, pt []byte) []byte { return aead.Seal(nil, nonce, pt, aad) })
	out := make([]byte, 0, n)
	i := 0
	for b.Loop() {
		if _, err := aead.Open(out[:0], nonces[i], cts[i], aad); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(cts) {
			i = 0
		}
	}
}

// rawRing seals ringLen distinct payloads of n bytes, each under its own
// nonce, the way the receive benchmarks' rings are filled.
func rawRing(n int, seal func(nonce, pt []byte) []byte) (cts, nonces [][]byte) {
	cnt := ringLen(RTPHeaderSize + n + 2*16)
	cts, nonces = make([][]byte, cnt), make([][]byte, cnt)
	pt := make([]byte, n)
	for i := range cts {
		nonces[i] = make([]byte, 12)
		binary.BigEndian.PutUint64(nonces[i][4:], uint64(i))
		pt[0] = byte(i)
		cts[i] = seal(nonces[i], pt)
	}
	return cts, nonces
}

// raw2Seal is the physical floor of two AEAD layers: an inner AES-128-GCM
// seal of the payload, then an outer one, in place, of the inner ciphertext
// and tag, under another key.
func raw2Seal(b *testing.B, n int) {
	inner, outer := newGCM(b, 1), newGCM(b, 2)
	nonce := make([]byte, inner.NonceSize())
	aadIn, aadOut := make([]byte, innerAAD), make([]byte, outerAAD)
	pt := make([]byte, n)
	out := make([]byte, 0, n+2*inner.Overhead())
	var ctr uint64
	for b.Loop() {
		ctr++
		binary.BigEndian.PutUint64(nonce[4:], ctr)
		c1 := inner.Seal(out[:0], nonce, pt, aadIn)
		out = outer.Seal(c1[:0], nonce, c1, aadOut)
	}
}

// raw2Open undoes raw2Seal: outer open, then inner open in place, over a
// ring of distinct packets like rawOpen.
func raw2Open(b *testing.B, n int) {
	inner, outer := newGCM(b, 1), newGCM(b, 2)
	aadIn, aadOut := make([]byte, innerAAD), make([]byte, outerAAD)
	cts, nonces := rawRing(n, func(nonce, pt []byte) []byte {
		return outer.Seal(nil, nonce, inner.Seal(nil, nonce, pt, aadIn), aadOut)
	})
	out := make([]byte, 0, n+2*inner.Overhead())
	i := 0
	for b.Loop() {
		p2, err := outer.Open(out[:0], nonces[i], cts[i], aadOut)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := inner.Open(p2[:0], nonces[i], p2, aadIn); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(cts) {
			i = 0
		}
	}
}

// ---- pion/srtp alone: the transport baseline ----

// pionEncrypt is pion/srtp's EncryptRTP used the cheapest way: a reused
// rtp.Header and output buffer.
func pionEncrypt(b *testing.B, p srtp.Profile, n int) {
	k := srtpKeys(p, 1)
	ctx, err := pionsrtp.CreateContext(k.MasterKey, k.MasterSalt, pionsrtp.ProtectionProfile(p))
	if err != nil {
		b.Fatal(err)
	}
	pkt := rtpPacket(KindFor(n), n, 0)
	buf := make([]byte, len(pkt)+p.RTPOverhead())
	var hdr rtp.Header
	if _, err := ctx.EncryptRTP(buf, pkt, &hdr); err != nil { // creates the SSRC's state
		b.Fatal(err)
	}
	var seq uint16
	for b.Loop() {
		seq++
		setSeq(pkt, seq)
		if _, err := ctx.EncryptRTP(buf, pkt, &hdr); err != nil {
			b.Fatal(err)
		}
	}
}

// pionDecrypt is pion/srtp's DecryptRTP with replay protection on (a
// 1024-packet window, as package srtp configures it).
func pionDecrypt(b *testing.B, p srtp.Profile, n int) {
	k := srtpKeys(p, 1)
	pp := pionsrtp.ProtectionProfile(p)
	enc, err := pionsrtp.CreateContext(k.MasterKey, k.MasterSalt, pp)
	if err != nil {
		b.Fatal(err)
	}
	plain := rtpPacket(KindFor(n), n, 0)
	var ehdr, dhdr rtp.Header
	dec, err := pionsrtp.CreateContext(k.MasterKey, k.MasterSalt, pp, pionsrtp.SRTPReplayProtection(1024))
	if err != nil {
		b.Fatal(err)
	}
	out := make([]byte, len(plain)+p.RTPOverhead())
	r := newRing(b, ringLen(len(out)), len(out),
		func(seq int, dst []byte) ([]byte, []byte, error) {
			setSeq(plain, uint16(seq))
			ct, err := enc.EncryptRTP(dst, plain, &ehdr)
			return ct, plain, err
		},
		func(pkt []byte) ([]byte, error) { return dec.DecryptRTP(out, pkt, &dhdr) })
	for b.Loop() {
		if _, err := dec.DecryptRTP(out, r.next(b), &dhdr); err != nil {
			b.Fatal(err)
		}
	}
}

// ---- e2ee: the inner layer ----

// e2eeSeal seals into a reused buffer, leaving the RTP packet as it was.
func e2eeSeal(b *testing.B, s sframe.CipherSuite, n int) {
	alice, err := e2eeAlice(s)
	if err != nil {
		b.Fatal(err)
	}
	kind := KindFor(n)
	pkt := rtpPacket(kind, n, 0)
	out := make([]byte, 0, len(pkt)+alice.Overhead())
	for b.Loop() {
		if _, err := alice.Seal(out[:0], pkt, kind); err != nil {
			b.Fatal(err)
		}
	}
}

// e2eeOpen opens distinct sealed packets (increasing CTR) into a reused
// buffer.
func e2eeOpen(b *testing.B, s sframe.CipherSuite, n int) {
	alice, err := e2eeAlice(s)
	if err != nil {
		b.Fatal(err)
	}
	kind := KindFor(n)
	plain := rtpPacket(kind, n, 0)
	out := make([]byte, 0, len(plain)+alice.Overhead())
	bob, err := e2eeBob(s)
	if err != nil {
		b.Fatal(err)
	}
	r := newRing(b, ringLen(len(plain)+alice.Overhead()), len(plain)+alice.Overhead(),
		func(seq int, dst []byte) ([]byte, []byte, error) {
			setSeq(plain, uint16(seq))
			ct, err := alice.Seal(dst, plain, kind)
			return ct, plain, err
		},
		func(pkt []byte) ([]byte, error) { pt, _, err := bob.Open(out[:0], pkt); return pt, err })
	for b.Loop() {
		if _, _, err := bob.Open(out[:0], r.next(b)); err != nil {
			b.Fatal(err)
		}
	}
}

// ---- srtp: the transport layer ----

// srtpProtect protects packets with increasing sequence numbers into a
// reused buffer.
func srtpProtect(b *testing.B, p srtp.Profile, n int) {
	alice, err := srtpAlice(p)
	if err != nil {
		b.Fatal(err)
	}
	pkt := rtpPacket(KindFor(n), n, 0)
	out := make([]byte, 0, len(pkt)+p.RTPOverhead())
	if _, err := alice.ProtectRTP(out[:0], pkt); err != nil { // creates the SSRC's state
		b.Fatal(err)
	}
	var seq uint16
	for b.Loop() {
		seq++
		setSeq(pkt, seq)
		if _, err := alice.ProtectRTP(out[:0], pkt); err != nil {
			b.Fatal(err)
		}
	}
}

// srtpUnprotect unprotects distinct packets into a reused buffer.
func srtpUnprotect(b *testing.B, p srtp.Profile, n int) {
	alice, err := srtpAlice(p)
	if err != nil {
		b.Fatal(err)
	}
	plain := rtpPacket(KindFor(n), n, 0)
	out := make([]byte, 0, len(plain)+p.RTPOverhead())
	bob, err := srtpBob(p)
	if err != nil {
		b.Fatal(err)
	}
	r := newRing(b, ringLen(cap(out)), cap(out),
		func(seq int, dst []byte) ([]byte, []byte, error) {
			setSeq(plain, uint16(seq))
			ct, err := alice.ProtectRTP(dst, plain)
			return ct, plain, err
		},
		func(pkt []byte) ([]byte, error) { return bob.UnprotectRTP(out[:0], pkt) })
	for b.Loop() {
		if _, err := bob.UnprotectRTP(out[:0], r.next(b)); err != nil {
			b.Fatal(err)
		}
	}
}

// ---- the full two-layer path ----

// fullSend is what a sender does with each RTP packet: e2ee Seal into a
// reused buffer, then srtp ProtectRTP in place.
func fullSend(b *testing.B, n int) {
	e, err := e2eeAlice(DefaultSuite)
	if err != nil {
		b.Fatal(err)
	}
	s, err := srtpAlice(DefaultProfile)
	if err != nil {
		b.Fatal(err)
	}
	kind := KindFor(n)
	pkt := rtpPacket(kind, n, 0)
	buf := make([]byte, 0, len(pkt)+e.Overhead()+DefaultProfile.RTPOverhead())
	if _, err := s.ProtectRTP(buf[:0], pkt); err != nil { // creates the SSRC's state
		b.Fatal(err)
	}
	var seq uint16
	for b.Loop() {
		seq++
		setSeq(pkt, seq)
		sealed, err := e.Seal(buf[:0], pkt, kind)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.ProtectRTP(sealed[:0], sealed); err != nil {
			b.Fatal(err)
		}
	}
}

// fullReceive is what a receiver does with each packet from the network:
// srtp UnprotectRTP into a reused buffer, then e2ee Open in place.
func fullReceive(b *testing.B, n int) {
	ae, err := e2eeAlice(DefaultSuite)
	if err != nil {
		b.Fatal(err)
	}
	as, err := srtpAlice(DefaultProfile)
	if err != nil {
		b.Fatal(err)
	}
	kind := KindFor(n)
	plain := rtpPacket(kind, n, 0)
	buf := make([]byte, 0, len(plain)+ae.Overhead()+DefaultProfile.RTPOverhead())
	be, err := e2eeBob(DefaultSuite)
	if err != nil {
		b.Fatal(err)
	}
	bs, err := srtpBob(DefaultProfile)
	if err != nil {
		b.Fatal(err)
	}
	receive := func(pkt []byte) ([]byte, error) {
		rtpPkt, err := bs.UnprotectRTP(buf[:0], pkt)
		if err != nil {
			return nil, err
		}
		out, _, err := be.Open(rtpPkt[:0], rtpPkt)
		return out, err
	}
	r := newRing(b, ringLen(cap(buf)), cap(buf),
		func(seq int, dst []byte) ([]byte, []byte, error) {
			setSeq(plain, uint16(seq))
			sealed, err := ae.Seal(dst, plain, kind)
			if err != nil {
				return nil, nil, err
			}
			ct, err := as.ProtectRTP(sealed[:0], sealed)
			return ct, plain, err
		},
		receive)
	for b.Loop() {
		pkt := r.next(b)
		rtpPkt, err := bs.UnprotectRTP(buf[:0], pkt)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := be.Open(rtpPkt[:0], rtpPkt); err != nil {
			b.Fatal(err)
		}
	}
}
