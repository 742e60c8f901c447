package sfcore

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var suites = []uint16{
	SuiteAES128CTRHMACSHA256_80, SuiteAES128CTRHMACSHA256_64, SuiteAES128CTRHMACSHA256_32,
	SuiteAES128GCMSHA256_128, SuiteAES256GCMSHA512_128,
	SuiteAES256CTRHMACSHA512_80, SuiteAES256CTRHMACSHA512_64, SuiteAES256CTRHMACSHA512_32,
}

// rfc9605Vectors is the part of RFC 9605, Appendix C (package sframe's
// testdata, where the rest is checked) that concerns this package's
// internals: the derivation labels, nonce and AAD, and the AES-CTR-HMAC AEAD.
type rfc9605Vectors struct {
	AESCTRHMAC []struct {
		CipherSuite             uint16 `json:"cipher_suite"`
		Key, Nonce, AAD, PT, CT string
	} `json:"aes_ctr_hmac"`
	SFrame []struct {
		CipherSuite                  uint16 `json:"cipher_suite"`
		KID, CTR                     uint64
		BaseKey                      string `json:"base_key"`
		SFrameKeyLabel               string `json:"sframe_key_label"`
		SFrameSaltLabel              string `json:"sframe_salt_label"`
		Metadata, Nonce, AAD, PT, CT string
	} `json:"sframe"`
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func loadVectors(t *testing.T) *rfc9605Vectors {
	data, err := os.ReadFile(filepath.Join("..", "..", "sframe", "testdata", "rfc9605-test-vectors.json"))
	require.NoError(t, err)
	var v rfc9605Vectors
	require.NoError(t, json.Unmarshal(data, &v))
	require.NotEmpty(t, v.SFrame)
	require.NotEmpty(t, v.AESCTRHMAC)
	// The vectors of suites 6-8 (test-vectors-aes256.json) have the
	// fields of the "sframe" ones.
	data, err = os.ReadFile(filepath.Join("..", "..", "sframe", "testdata", "post-rfc-aes256-ctr-hmac-sframe-vectors.json"))
	require.NoError(t, err)
	var aes256 struct {
		SFrame json.RawMessage `json:"sframe_aes_256_ctr_hmac"`
	}
	require.NoError(t, json.Unmarshal(data, &aes256))
	var more rfc9605Vectors
	require.NoError(t, json.Unmarshal([]byte(`{"sframe":`+string(aes256.SFrame)+`}`), &more))
	require.Len(t, more.SFrame, 3, "suites 6-8")
	v.SFrame = append(v.SFrame, more.SFrame...)
	return &v
}

// seal returns Seal's output in a new buffer.
func seal(k *Key, s *Scratch, ctr uint64, meta, pt []byte) []byte {
	out := make([]byte, k.Overhead(ctr)+len(pt))
	k.Seal(s, out, ctr, meta, pt)
	return out
}

// TestVectors checks the derivation labels, and the nonce and AAD Seal
// builds, against RFC 9605, Appendix C.4, and the AES-CTR-HMAC AEAD against
// Appendix C.3.
func TestVectors(t *testing.T) {
	v := loadVectors(t)
	for _, tc := range v.SFrame {
		name := fmt.Sprintf("0x%04x", tc.CipherSuite)
		require.Equal(t, unhex(t, tc.SFrameKeyLabel), []byte(derivationLabel(labelKey, tc.KID, tc.CipherSuite)), name)
		require.Equal(t, unhex(t, tc.SFrameSaltLabel), []byte(derivationLabel(labelSalt, tc.KID, tc.CipherSuite)), name)
		k, err := NewKey(tc.CipherSuite, tc.KID, unhex(t, tc.BaseKey))
		require.NoError(t, err, name)
		var s Scratch
		meta := unhex(t, tc.Metadata)
		require.Equal(t, unhex(t, tc.CT), seal(&k, &s, tc.CTR, meta, unhex(t, tc.PT)), name)
		require.Equal(t, unhex(t, tc.Nonce), s.nonce[:], name)
		aad := unhex(t, tc.AAD)
		require.Equal(t, aad, s.aad[:len(aad)], name)
	}
	for _, tc := range v.AESCTRHMAC {
		p, ok := SuiteParams(tc.CipherSuite)
		require.True(t, ok && !p.GCM, "0x%04x", tc.CipherSuite)
		a, err := newCTRHMAC(unhex(t, tc.Key), p.Nka, p.Nt, p.Hash)
		require.NoError(t, err)
		nonce, aad, pt, ct := unhex(t, tc.Nonce), unhex(t, tc.AAD), unhex(t, tc.PT), unhex(t, tc.CT)
		require.Equal(t, ct, a.Seal(nil, nonce, pt, aad))
		got, err := a.Open(nil, nonce, ct, aad)
		require.NoError(t, err)
		require.Equal(t, pt, got)
	}
}

// TestSealOpen opens what Seal made, into a separate buffer and in place,
// for every suite, KID and CTR field size and metadata length (empty, a
// 12-byte RTP header, one with 15 CSRCs, and beyond the inline AAD space),
// and rejects a copy with any byte flipped, a wrong CTR and wrong metadata.
func TestSealOpen(t *testing.T) {
	var s Scratch
	for _, suite := range suites {
		for _, kid := range []uint64{3, 300} {
			k, err := NewKey(suite, kid, []byte("base key"))
			require.NoError(t, err)
			for _, ctr := range []uint64{0, 7, 8, 1 << 20, 1<<64 - 1} {
				for _, metaLen := range []int{0, 12, 72, 200} {
					name := fmt.Sprintf("0x%04x/kid=%d/ctr=%d/meta=%d", suite, kid, ctr, metaLen)
					meta := bytes.Repeat([]byte{0x5a}, metaLen)
					pt := []byte("a frame of media")
					sf := seal(&k, &s, ctr, meta, pt)
					require.Len(t, sf, len(pt)+k.Overhead(ctr), name)
					h, _, err := ParseHeader(sf)
					require.NoError(t, err, name)
					require.Equal(t, Header{KID: kid, CTR: ctr}, h, name)

					buf := append(make([]byte, 0, len(sf)), pt...)
					k.Seal(&s, buf[:len(sf)], ctr, meta, buf)
					require.Equal(t, sf, buf[:len(sf)], "%s: in place", name)

					out := make([]byte, len(pt))
					require.NoError(t, k.Open(&s, out, sf, meta, ctr), name)
					require.Equal(t, pt, out, name)
					buf = bytes.Clone(sf)
					require.NoError(t, k.Open(&s, buf[:len(pt)], buf, meta, ctr), name)
					require.Equal(t, pt, buf[:len(pt)], name)

					require.ErrorIs(t, k.Open(&s, out[1:], sf, meta, ctr), ErrMalformed, name)
					for i := range sf {
						bad := bytes.Clone(sf)
						bad[i] ^= 0x01
						require.ErrorIs(t, k.Open(&s, out, bad, meta, ctr), ErrAuth, "%s: byte %d", name, i)
					}
					require.ErrorIs(t, k.Open(&s, out, sf, meta, ctr^1), ErrAuth, "%s: wrong CTR", name)
					if metaLen > 0 {
						require.ErrorIs(t, k.Open(&s, out, sf, meta[1:], ctr), ErrAuth, "%s: wrong metadata", name)
					}
				}
			}
		}
	}
}

func TestNewKeyErrors(t *testing.T) {
	_, err := NewKey(0x0009, 1, []byte("k"))
	require.ErrorIs(t, err, ErrUnsupportedSuite)
	_, err = NewKey(SuiteAES128GCMSHA256_128, 1, nil)
	require.ErrorIs(t, err, ErrEmptyBaseKey)
}

// TestHeaderPut checks Put against ParseHeader for every KID and CTR field
// size, at the edges of each size, into a buffer of the header's size (byte
// by byte) and into a longer one (one 8-byte store for up to 8 bytes).
func TestHeaderPut(t *testing.T) {
	values := func(size int) []uint64 {
		switch size {
		case 0:
			return []uint64{0, 1, 7}
		case 1:
			return []uint64{8, 255}
		case 8:
			return []uint64{1 << 56, 1<<64 - 1}
		}
		return []uint64{1 << (8 * (size - 1)), 1<<(8*size) - 1}
	}
	var b [MaxHeaderSize]byte
	for kn := range 9 {
		for cn := range 9 {
			for _, kid := range values(kn) {
				for _, ctr := range values(cn) {
					h := Header{KID: kid, CTR: ctr}
					require.Equal(t, 1+kn+cn, h.Size())
					for _, room := range []int{1 + kn + cn, len(b)} {
						clear(b[:])
						h.Put(b[:room], kn, cn)
						got, n, err := ParseHeader(b[:1+kn+cn])
						require.NoError(t, err, "kid %d ctr %d", kid, ctr)
						require.Equal(t, 1+kn+cn, n)
						require.Equal(t, h, got)
						require.Equal(t, make([]byte, len(b)-n), b[n:], "bytes after the header")
					}
				}
			}
		}
	}
}

// TestParseHeaderShortAndLong parses every header of TestHeaderPut followed
// by 0 to 8 more bytes: readUint loads a field in one word when 8 bytes
// follow it, and byte by byte otherwise; both must give the same header.
func TestParseHeaderShortAndLong(t *testing.T) {
	for _, kid := range []uint64{0, 7, 8, 255, 256, 1 << 40, 1<<64 - 1} {
		for _, ctr := range []uint64{0, 5, 9, 1 << 16, 1<<56 - 1, 1 << 63} {
			h := Header{KID: kid, CTR: ctr}
			b := make([]byte, h.Size()+8)
			for i := range b {
				b[i] = 0xff
			}
			h.Put(b, FieldSize(kid), FieldSize(ctr))
			for extra := range 9 {
				got, n, err := ParseHeader(b[:h.Size()+extra])
				require.NoError(t, err)
				require.Equal(t, h.Size(), n)
				require.Equal(t, h, got)
			}
		}
	}
}
