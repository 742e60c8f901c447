package sframe

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// vectorFile holds RFC 9605 Appendix C, as published in sframe-wg/sframe
// test-vectors/test-vectors.json at commit 025d568 (testdata/SOURCES.md).
var vectorFile = filepath.Join("testdata", "rfc9605-test-vectors.json")

type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	*h = v
	return err
}

type rfc9605Vectors struct {
	Header []struct {
		KID     uint64   `json:"kid"`
		CTR     uint64   `json:"ctr"`
		Encoded hexBytes `json:"encoded"`
	} `json:"header"`
	AESCTRHMAC []struct {
		CipherSuite CipherSuite `json:"cipher_suite"`
		Key         hexBytes    `json:"key"`
		EncKey      hexBytes    `json:"enc_key"`
		AuthKey     hexBytes    `json:"auth_key"`
		Nonce       hexBytes    `json:"nonce"`
		AAD         hexBytes    `json:"aad"`
		PT          hexBytes    `json:"pt"`
		CT          hexBytes    `json:"ct"`
	} `json:"aes_ctr_hmac"`
	SFrame []sframeVector `json:"sframe"`
}

// sframeVector is one key derivation and encryption case: RFC 9605,
// Appendix C.4, and the same fields in test-vectors-aes256.json.
type sframeVector struct {
	CipherSuite     CipherSuite `json:"cipher_suite"`
	KID             uint64      `json:"kid"`
	CTR             uint64      `json:"ctr"`
	BaseKey         hexBytes    `json:"base_key"`
	SFrameKeyLabel  hexBytes    `json:"sframe_key_label"`
	SFrameSaltLabel hexBytes    `json:"sframe_salt_label"`
	SFrameSecret    hexBytes    `json:"sframe_secret"`
	SFrameKey       hexBytes    `json:"sframe_key"`
	SFrameSalt      hexBytes    `json:"sframe_salt"`
	Metadata        hexBytes    `json:"metadata"`
	Nonce           hexBytes    `json:"nonce"`
	AAD             hexBytes    `json:"aad"`
	PT              hexBytes    `json:"pt"`
	CT              hexBytes    `json:"ct"`
}

// aes256VectorFile holds the vectors of suites 6-8, sframe-wg/sframe
// test-vectors/test-vectors-aes256.json at commit c66e9a2
// (testdata/SOURCES.md).
var aes256VectorFile = filepath.Join("testdata", "post-rfc-aes256-ctr-hmac-sframe-vectors.json")

func loadAES256Vectors(tb testing.TB) []sframeVector {
	tb.Helper()
	var v struct {
		SFrame []sframeVector `json:"sframe_aes_256_ctr_hmac"`
	}
	if err := json.Unmarshal(readTestdata(tb, aes256VectorFile), &v); err != nil {
		tb.Fatalf("parsing %s: %v", aes256VectorFile, err)
	}
	if len(v.SFrame) != 3 {
		tb.Fatalf("%s: %d vectors, want 3", aes256VectorFile, len(v.SFrame))
	}
	return v.SFrame
}

// readTestdata returns the contents of a file under the package's testdata
// folder. A missing file fails the test: the vectors are part of the
// repository.
func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		tb.Fatalf("test vectors: %v", err)
	}
	return data
}

func loadVectors(tb testing.TB) *rfc9605Vectors {
	tb.Helper()
	data := readTestdata(tb, vectorFile)
	var v rfc9605Vectors
	if err := json.Unmarshal(data, &v); err != nil {
		tb.Fatalf("parsing %s: %v", vectorFile, err)
	}
	if len(v.Header) == 0 || len(v.SFrame) == 0 {
		tb.Fatalf("%s: no vectors", vectorFile)
	}
	return &v
}
