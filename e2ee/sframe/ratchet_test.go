package sframe

import (
	"bytes"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"path/filepath"
	"testing"
)

// ssrcVectorFile is draft-ietf-avtcore-rtp-sframe
// test-vectors/test-vectors-per-ssrc-key-derivation.json at commit 9542c43
// (testdata/SOURCES.md).
var ssrcVectorFile = filepath.Join("testdata", "draft-ietf-avtcore-rtp-sframe-per-ssrc-key-derivation.json")

type ssrcVectors struct {
	Cases []struct {
		CipherSuite CipherSuite `json:"cipher_suite"`
		BaseKey     hexBytes    `json:"base_key"`
		SSRCA       uint32      `json:"ssrc_a"`
		SSRCB       uint32      `json:"ssrc_b"`
		StreamKeyA  hexBytes    `json:"stream_key_a"`
		StreamKeyB  hexBytes    `json:"stream_key_b"`
	} `json:"sframe_per_ssrc_key_derivation"`
}

func TestDeriveSSRCKeyVectors(t *testing.T) {
	data := readTestdata(t, ssrcVectorFile)
	var v ssrcVectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) == 0 {
		t.Fatalf("%s: no vectors", ssrcVectorFile)
	}
	passed := 0
	for _, tc := range v.Cases {
		t.Run(tc.CipherSuite.String(), func(t *testing.T) {
			if !tc.CipherSuite.Supported() {
				t.Fatalf("cipher suite %v not implemented", tc.CipherSuite)
			}
			for _, c := range []struct {
				ssrc uint32
				want []byte
			}{{tc.SSRCA, tc.StreamKeyA}, {tc.SSRCB, tc.StreamKeyB}} {
				got, err := DeriveSSRCKey(tc.CipherSuite, tc.BaseKey, c.ssrc)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, c.want) {
					t.Errorf("SSRC %#x: key = %x, want %x", c.ssrc, got, c.want)
				}
			}
			passed++
		})
	}
	if passed != 8 {
		t.Errorf("%d suites checked, want all 8 (RFC 9605 and suites 6-8)", passed)
	}
}

// hkdfByHand is RFC 5869 written out with crypto/hmac, independent of
// crypto/hkdf, as a cross-check of Ratchet (RFC 9605 has no ratchet vectors).
func hkdfByHand(h func() hash.Hash, ikm, salt []byte, info string, n int) []byte {
	if len(salt) == 0 {
		salt = make([]byte, h().Size())
	}
	ext := hmac.New(h, salt)
	ext.Write(ikm)
	prk := ext.Sum(nil)
	var out, prev []byte
	for i := byte(1); len(out) < n; i++ {
		m := hmac.New(h, prk)
		m.Write(prev)
		m.Write([]byte(info))
		m.Write([]byte{i})
		prev = m.Sum(nil)
		out = append(out, prev...)
	}
	return out[:n]
}

func TestRatchet(t *testing.T) {
	for _, suite := range allSuites {
		t.Run(suite.String(), func(t *testing.T) {
			p, _ := suite.params()
			base := []byte("0123456789abcdef0123456789abcdef")
			orig := bytes.Clone(base)
			next, err := Ratchet(suite, base)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(base, orig) {
				t.Fatal("Ratchet modified its input")
			}
			if len(next) != suite.HashSize() {
				t.Fatalf("len = %d, want Nh = %d", len(next), suite.HashSize())
			}
			if want := hkdfByHand(p.Hash, base, nil, "SFrame 1.0 Ratchet", p.Nh); !bytes.Equal(next, want) {
				t.Fatalf("Ratchet = %x, want %x", next, want)
			}
			again, _ := Ratchet(suite, next)
			if bytes.Equal(again, next) {
				t.Fatal("second step repeated the first")
			}
			// Keys of successive epochs differ even under the same KID.
			k0, _ := NewKey(suite, 4, base)
			k1, _ := NewKey(suite, 4, next)
			ct := k0.Seal(nil, 1, nil, []byte("x"))
			if _, _, err := k1.Open(nil, ct, nil); !errors.Is(err, ErrAuth) {
				t.Fatalf("next epoch's key opened the previous one's ciphertext: %v", err)
			}
			// The per-SSRC derivation matches RFC 5869 too.
			ssrcKey, err := DeriveSSRCKey(suite, base, 0x01020304)
			if err != nil {
				t.Fatal(err)
			}
			if want := hkdfByHand(p.Hash, base, []byte{1, 2, 3, 4}, "SFrame 1.0 RTP Stream", p.Nh); !bytes.Equal(ssrcKey, want) {
				t.Fatalf("DeriveSSRCKey = %x, want %x", ssrcKey, want)
			}
		})
	}
	for _, f := range []func() ([]byte, error){
		func() ([]byte, error) { return Ratchet(0x0009, []byte("k")) },
		func() ([]byte, error) { return DeriveSSRCKey(0x0009, []byte("k"), 1) },
	} {
		if _, err := f(); !errors.Is(err, ErrUnsupportedSuite) {
			t.Errorf("unsupported suite: err = %v", err)
		}
	}
	if _, err := Ratchet(AES_128_GCM_SHA256_128, nil); err == nil {
		t.Error("empty base key accepted")
	}
	if _, err := DeriveSSRCKey(AES_128_GCM_SHA256_128, nil, 1); err == nil {
		t.Error("empty base key accepted")
	}
}

func ExampleRatchet() {
	base := []byte("0123456789abcdef") // from your key agreement, never a constant
	next, _ := Ratchet(AES_128_GCM_SHA256_128, base)
	clear(base) // erase the old base key: forward secrecy
	fmt.Println(len(next))
	// Output: 32
}
