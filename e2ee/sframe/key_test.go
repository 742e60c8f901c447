package sframe

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/callseal/callseal/e2ee/internal/sfcore"
)

// TestSFrameVectors checks NewKey, Seal, Open and Overhead against the
// vectors of RFC 9605, Appendix C.4 (the intermediate values, labels, nonce
// and AAD, are checked in package sfcore against the same file), and
// against those of suites 6-8 (test-vectors-aes256.json).
func TestSFrameVectors(t *testing.T) {
	vectors := append(loadVectors(t).SFrame, loadAES256Vectors(t)...)
	for _, tc := range vectors {
		t.Run(tc.CipherSuite.String(), func(t *testing.T) {
			if !tc.CipherSuite.Supported() {
				t.Fatalf("cipher suite %v not implemented", tc.CipherSuite)
			}
			key, salt, err := sfcore.DeriveKeySalt(uint16(tc.CipherSuite), tc.KID, tc.BaseKey)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(key, tc.SFrameKey) {
				t.Errorf("sframe_key = %x, want %x", key, tc.SFrameKey)
			}
			if !bytes.Equal(salt, tc.SFrameSalt) {
				t.Errorf("sframe_salt = %x, want %x", salt, tc.SFrameSalt)
			}

			k, err := NewKey(tc.CipherSuite, tc.KID, tc.BaseKey)
			if err != nil {
				t.Fatal(err)
			}
			ct := k.Seal(nil, tc.CTR, tc.Metadata, tc.PT)
			if !bytes.Equal(ct, tc.CT) {
				t.Errorf("Seal = %x, want %x", ct, tc.CT)
			}
			if got := k.Overhead(tc.CTR); got != len(tc.CT)-len(tc.PT) {
				t.Errorf("Overhead = %d, want %d", got, len(tc.CT)-len(tc.PT))
			}
			pt, h, err := k.Open(nil, tc.CT, tc.Metadata)
			if err != nil || !bytes.Equal(pt, tc.PT) || h != (Header{KID: tc.KID, CTR: tc.CTR}) {
				t.Errorf("Open = %x, %+v, %v; want %x", pt, h, err, tc.PT)
			}
		})
	}
}

func TestNewKeyUnsupportedSuite(t *testing.T) {
	for _, s := range []CipherSuite{0, 9, 0xffff} {
		if _, err := NewKey(s, 0, []byte("base key")); !errors.Is(err, ErrUnsupportedSuite) {
			t.Errorf("NewKey(%v): err = %v, want ErrUnsupportedSuite", s, err)
		}
		if s.Supported() || s.KeySize() != 0 || s.String() != fmt.Sprintf("CipherSuite(0x%04x)", uint16(s)) {
			t.Errorf("%v: Supported/KeySize/String wrong", s)
		}
	}
}

var allSuites = []CipherSuite{
	AES_128_CTR_HMAC_SHA256_80, AES_128_CTR_HMAC_SHA256_64, AES_128_CTR_HMAC_SHA256_32,
	AES_128_GCM_SHA256_128, AES_256_GCM_SHA512_128,
	AES_256_CTR_HMAC_SHA512_80, AES_256_CTR_HMAC_SHA512_64, AES_256_CTR_HMAC_SHA512_32,
}

func newTestKey(t testing.TB, s CipherSuite, kid uint64) *Key {
	t.Helper()
	k, err := NewKey(s, kid, []byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestKeyAEADBehaviour mirrors the checks crypto/internal/cryptotest runs on
// the standard library's AEADs.
func TestKeyAEADBehaviour(t *testing.T) {
	for _, suite := range allSuites {
		t.Run(suite.String(), func(t *testing.T) {
			k := newTestKey(t, suite, 0x1234)
			meta := []byte("rtp header")
			for _, n := range []int{0, 1, 15, 16, 17, 160, 1200} {
				pt := bytes.Repeat([]byte{0xab}, n)
				ptCopy := bytes.Clone(pt)
				metaCopy := bytes.Clone(meta)
				const ctr = 300

				// Appending to dst preserves the prefix; inputs unchanged.
				prefix := []byte("prefix")
				sealed := k.Seal(bytes.Clone(prefix), ctr, meta, pt)
				if !bytes.Equal(sealed[:len(prefix)], prefix) {
					t.Fatalf("Seal overwrote dst prefix")
				}
				if !bytes.Equal(pt, ptCopy) || !bytes.Equal(meta, metaCopy) {
					t.Fatalf("Seal modified its input")
				}
				ct := sealed[len(prefix):]
				if len(ct) != n+k.Overhead(ctr) {
					t.Fatalf("len = %d, want %d", len(ct), n+k.Overhead(ctr))
				}
				ctCopy := bytes.Clone(ct)
				opened, h, err := k.Open(bytes.Clone(prefix), ct, meta)
				if err != nil || !bytes.Equal(opened[len(prefix):], pt) || !bytes.Equal(opened[:len(prefix)], prefix) {
					t.Fatalf("Open = %x, %v", opened, err)
				}
				if h.KID != 0x1234 || h.CTR != ctr {
					t.Fatalf("header = %+v", h)
				}
				if !bytes.Equal(ct, ctCopy) {
					t.Fatalf("Open modified its input")
				}

				// Wrong metadata fails.
				if _, _, err := k.Open(nil, ct, []byte("rtp headeR")); !errors.Is(err, ErrAuth) {
					t.Fatalf("wrong metadata: err = %v", err)
				}
				// Truncation fails.
				for i := range len(ct) {
					if out, _, err := k.Open(nil, ct[:i], meta); err == nil || out != nil {
						t.Fatalf("truncated to %d: err = %v", i, err)
					}
				}
				// Any single flipped bit fails.
				for i := range ct {
					bad := bytes.Clone(ct)
					bad[i] ^= 0x01
					if _, _, err := k.Open(nil, bad, meta); err == nil {
						t.Fatalf("tampered byte %d accepted", i)
					}
				}
				// A different key (different KID) fails with ErrUnknownKey.
				other := newTestKey(t, suite, 0x1235)
				if _, _, err := other.Open(nil, ct, meta); !errors.Is(err, ErrUnknownKey) {
					t.Fatalf("other KID: err = %v", err)
				}
				// In place.
				buf := make([]byte, n, n+k.Overhead(ctr))
				copy(buf, pt)
				inPlace := k.Seal(buf[:0], ctr, meta, buf)
				if !bytes.Equal(inPlace, ct) || &inPlace[0] != &buf[:1][0] {
					t.Fatalf("in-place Seal differs or reallocated")
				}
				back, _, err := k.Open(inPlace[:0], inPlace, meta)
				if err != nil || !bytes.Equal(back, pt) {
					t.Fatalf("in-place Open = %x, %v", back, err)
				}
			}
		})
	}
}

func TestKeyDistinctCTRDistinctCiphertext(t *testing.T) {
	k := newTestKey(t, AES_128_GCM_SHA256_128, 3)
	a := k.Seal(nil, 1, nil, []byte("same"))
	b := k.Seal(nil, 2, nil, []byte("same"))
	if bytes.Equal(a[1:], b[1:]) {
		t.Fatal("different counters gave the same ciphertext")
	}
}

func TestKeyInexactOverlapPanics(t *testing.T) {
	k := newTestKey(t, AES_128_GCM_SHA256_128, 3)
	buf := make([]byte, 200)
	mustPanic(t, "Seal", func() { k.Seal(buf[:1], 0, nil, buf[:100]) })
	sealed := k.Seal(nil, 0, nil, make([]byte, 100))
	copy(buf, sealed)
	mustPanic(t, "Open", func() { k.Open(buf[:1], buf[:len(sealed)], nil) })
}

func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r == nil {
			t.Errorf("%s: no panic on inexact overlap", name)
		} else if s, _ := r.(string); s != "sframe: invalid buffer overlap" {
			t.Errorf("%s: panic %v", name, r)
		}
	}()
	f()
}

// FuzzOpen checks that arbitrary input never panics and never opens.
func FuzzOpen(f *testing.F) {
	k := newTestKey(f, AES_128_GCM_SHA256_128, 0x1234)
	f.Add(k.Seal(nil, 7, []byte("m"), []byte("hello")), []byte("m"))
	f.Add([]byte{0x00}, []byte(nil))
	f.Add([]byte{0xff}, []byte(nil))
	ctr := newTestKey(f, AES_128_CTR_HMAC_SHA256_32, 0x1234)
	f.Fuzz(func(t *testing.T, in, meta []byte) {
		for _, key := range []*Key{k, ctr} {
			out, h, err := key.Open(nil, in, meta)
			if err == nil {
				// Only a genuine ciphertext may open: re-sealing must
				// reproduce the input exactly.
				if again := key.Seal(nil, h.CTR, meta, out); !bytes.Equal(again, in) {
					t.Fatalf("opened a forgery: %x", in)
				}
			}
			if err != nil && out != nil {
				t.Fatal("non-nil output on error")
			}
		}
	})
}
