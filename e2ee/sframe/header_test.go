package sframe

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"testing"
)

func TestHeaderVectors(t *testing.T) {
	v := loadVectors(t)
	for _, tc := range v.Header {
		h := Header{KID: tc.KID, CTR: tc.CTR}
		name := fmt.Sprintf("kid=%#x/ctr=%#x", tc.KID, tc.CTR)

		if got := h.AppendTo(nil); !bytes.Equal(got, tc.Encoded) {
			t.Errorf("%s: AppendTo = %x, want %x", name, got, tc.Encoded)
		}
		if got := h.Size(); got != len(tc.Encoded) {
			t.Errorf("%s: Size = %d, want %d", name, got, len(tc.Encoded))
		}
		// Parse with trailing bytes: they must not be consumed.
		in := append(append([]byte(nil), tc.Encoded...), 0xff, 0xee)
		got, n, err := ParseHeader(in)
		if err != nil || got != h || n != len(tc.Encoded) {
			t.Errorf("%s: ParseHeader = %+v, %d, %v; want %+v, %d, nil", name, got, n, err, h, len(tc.Encoded))
		}
		for i := range len(tc.Encoded) {
			if _, _, err := ParseHeader(tc.Encoded[:i]); !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: ParseHeader of %d-byte prefix: err = %v, want ErrMalformed", name, i, err)
			}
		}
	}
}

func TestHeaderAppendPreservesPrefix(t *testing.T) {
	dst := []byte("prefix")
	out := Header{KID: 0x1234, CTR: 9}.AppendTo(dst)
	if !bytes.Equal(out[:6], []byte("prefix")) || !bytes.Equal(out[6:], []byte{0x98, 0x12, 0x34, 0x09}) {
		// config: X=1, K=1 (2 bytes), Y=1, C=0 (1 byte)
		t.Fatalf("AppendTo = %x", out)
	}
}

func TestParseHeaderRejectsNonMinimal(t *testing.T) {
	for _, in := range [][]byte{
		{0x80, 0x05},                   // KID 5 in extended form
		{0x08, 0x07},                   // CTR 7 in extended form
		{0x90, 0x00, 0x42},             // KID with a leading zero byte
		{0x09, 0x00, 0x42},             // CTR with a leading zero byte
		{0xf0, 0, 0, 0, 0, 0, 0, 0, 8}, // 8-byte KID 8
	} {
		if _, _, err := ParseHeader(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseHeader(%x): err = %v, want ErrMalformed", in, err)
		}
	}
}

func TestHeaderMaxSize(t *testing.T) {
	h := Header{KID: math.MaxUint64, CTR: math.MaxUint64}
	b := h.AppendTo(nil)
	if len(b) != MaxHeaderSize || h.Size() != MaxHeaderSize {
		t.Fatalf("len = %d, Size = %d, want %d", len(b), h.Size(), MaxHeaderSize)
	}
	if got, n, err := ParseHeader(b); err != nil || got != h || n != MaxHeaderSize {
		t.Fatalf("ParseHeader = %+v, %d, %v", got, n, err)
	}
}

// FuzzParseHeader checks that every header that parses is re-encoded to
// exactly the bytes it was parsed from (one encoding per header), and that no
// strict prefix of it parses.
func FuzzParseHeader(f *testing.F) {
	for _, tc := range loadVectors(f).Header {
		f.Add([]byte(tc.Encoded))
	}
	f.Add([]byte{0x00})
	f.Add([]byte{0xff, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := ParseHeader(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("unexpected error type: %v", err)
			}
			return
		}
		if n < 1 || n > len(b) || n > MaxHeaderSize || n != h.Size() {
			t.Fatalf("n = %d, Size = %d, len(b) = %d", n, h.Size(), len(b))
		}
		if enc := h.AppendTo(nil); !bytes.Equal(enc, b[:n]) {
			t.Fatalf("re-encoding %+v = %x, parsed from %x", h, enc, b[:n])
		}
		for i := range n {
			if _, _, err := ParseHeader(b[:i]); err == nil {
				t.Fatalf("strict prefix %x of %x parsed", b[:i], b[:n])
			}
		}
	})
}
