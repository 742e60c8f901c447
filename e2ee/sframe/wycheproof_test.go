package sframe

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"path/filepath"
	"testing"
)

// wycheproofAESGCM is Wycheproof's aes_gcm_test.json (schema
// aead_test_schema_v1; testdata/wycheproof/SOURCES.md).
var wycheproofAESGCM = filepath.Join("testdata", "wycheproof", "aes_gcm_test.json")

// TestAESGCMWycheproof runs the Wycheproof AES-GCM vectors with SFrame's
// AES-GCM parameters (a 12-byte nonce, a 16-byte tag, a 16- or 32-byte key:
// suites AES_128_GCM_SHA256_128 and AES_256_GCM_SHA512_128) through
// crypto/cipher, built as NewKey builds it. Valid vectors must seal to the
// expected ciphertext and tag and open; invalid ones must not open.
func TestAESGCMWycheproof(t *testing.T) {
	var file struct {
		Algorithm  string `json:"algorithm"`
		TestGroups []struct {
			KeySize, IVSize, TagSize int // bits
			Tests                    []struct {
				TcID                       int
				Comment, Result            string
				Key, IV, AAD, Msg, CT, Tag hexBytes
			}
		}
	}
	if err := json.Unmarshal(readTestdata(t, wycheproofAESGCM), &file); err != nil {
		t.Fatal(err)
	}
	if file.Algorithm != "AES-GCM" {
		t.Fatalf("algorithm = %q, want AES-GCM", file.Algorithm)
	}
	valid, invalid := 0, 0
	for _, g := range file.TestGroups {
		if g.IVSize != 8*MaxSaltSize || g.TagSize != 8*MaxTagSize || (g.KeySize != 128 && g.KeySize != 256) {
			continue
		}
		for _, tc := range g.Tests {
			block, err := aes.NewCipher(tc.Key)
			if err != nil {
				t.Fatalf("tcId %d: %v", tc.TcID, err)
			}
			aead, err := cipher.NewGCM(block)
			if err != nil {
				t.Fatalf("tcId %d: %v", tc.TcID, err)
			}
			sealed := append(bytes.Clone(tc.CT), tc.Tag...)
			pt, err := aead.Open(nil, tc.IV, sealed, tc.AAD)
			switch tc.Result {
			case "valid":
				valid++
				if err != nil || !bytes.Equal(pt, tc.Msg) {
					t.Errorf("tcId %d (%s): Open = %x, %v; want %x", tc.TcID, tc.Comment, pt, err, tc.Msg)
				}
				if got := aead.Seal(nil, tc.IV, tc.Msg, tc.AAD); !bytes.Equal(got, sealed) {
					t.Errorf("tcId %d (%s): Seal = %x, want %x", tc.TcID, tc.Comment, got, sealed)
				}
			case "invalid":
				invalid++
				if err == nil {
					t.Errorf("tcId %d (%s): invalid vector opened", tc.TcID, tc.Comment)
				}
			default:
				t.Fatalf("tcId %d: unexpected result %q", tc.TcID, tc.Result)
			}
		}
	}
	if valid == 0 || invalid == 0 {
		t.Fatalf("%d valid and %d invalid vectors checked, want some of each", valid, invalid)
	}
	t.Logf("%d valid, %d invalid vectors", valid, invalid)
}
