package sframe

import (
	"bytes"
	"errors"
	"testing"
)

// TestKeyScratch checks that SealWith and OpenParsed with a caller's
// Scratch, reused across calls and metadata sizes (inline and beyond the
// inline AAD capacity), give exactly what Seal and Open give.
func TestKeyScratch(t *testing.T) {
	for _, suite := range allSuites {
		t.Run(suite.String(), func(t *testing.T) {
			k := newTestKey(t, suite, 0x1234)
			var s Scratch
			for i, mlen := range []int{0, 12, 72, scratchAADSize, 300, 12} {
				meta := bytes.Repeat([]byte{byte(mlen)}, mlen)
				pt := bytes.Repeat([]byte{0xab}, 100+i)
				ctr := uint64(1) << (4 * i)
				want := k.Seal(nil, ctr, meta, pt)
				got := k.SealWith(&s, nil, ctr, meta, pt)
				if !bytes.Equal(got, want) {
					t.Fatalf("metadata %d B: SealWith differs from Seal", mlen)
				}
				h, hlen, err := ParseHeader(got)
				if err != nil {
					t.Fatal(err)
				}
				opened, err := k.OpenParsed(&s, []byte("prefix"), got, meta, h, hlen)
				if err != nil || !bytes.Equal(opened, append([]byte("prefix"), pt...)) {
					t.Fatalf("metadata %d B: OpenParsed = %x, %v", mlen, opened, err)
				}
				// In place.
				buf := bytes.Clone(got)
				back, err := k.OpenParsed(&s, buf[:0], buf, meta, h, hlen)
				if err != nil || !bytes.Equal(back, pt) {
					t.Fatalf("metadata %d B: in-place OpenParsed = %x, %v", mlen, back, err)
				}
				// A header that is not the packet's does not open.
				if _, err := k.OpenParsed(&s, nil, got, meta, Header{KID: h.KID, CTR: h.CTR + 1}, hlen); !errors.Is(err, ErrAuth) {
					t.Fatalf("wrong CTR: err = %v", err)
				}
				if _, err := k.OpenParsed(&s, nil, got, meta, Header{KID: h.KID + 1, CTR: h.CTR}, hlen); !errors.Is(err, ErrUnknownKey) {
					t.Fatalf("wrong KID: err = %v", err)
				}
				for _, bad := range []int{0, hlen - 1, hlen + 1, len(got)} {
					if out, err := k.OpenParsed(&s, nil, got, meta, h, bad); err == nil || out != nil {
						t.Fatalf("hlen %d for %d: err = %v", bad, hlen, err)
					}
				}
			}
		})
	}
}

// TestKeyOpenTo checks OpenTo's buffer rules: the plaintext lands in out,
// separate or in place (out starting at the SFrame ciphertext), a wrong out
// length is ErrMalformed, a wrong KID ErrUnknownKey and a tampered byte
// ErrAuth, for every suite.
func TestKeyOpenTo(t *testing.T) {
	for _, suite := range allSuites {
		t.Run(suite.String(), func(t *testing.T) {
			k := newTestKey(t, suite, 0x12)
			var s Scratch
			meta := []byte("rtp header..")
			pt := bytes.Repeat([]byte{0x5a}, 160)
			sealed := k.Seal(nil, 300, meta, pt)
			h, hlen, err := ParseHeader(sealed)
			if err != nil {
				t.Fatal(err)
			}
			n := len(sealed) - hlen - (k.Overhead(300) - hlen)
			if n != len(pt) {
				t.Fatalf("plaintext size %d, want %d", n, len(pt))
			}

			out := make([]byte, n)
			if err := k.OpenTo(&s, out, sealed, meta, h, hlen); err != nil || !bytes.Equal(out, pt) {
				t.Fatalf("OpenTo = %v, plaintext equal: %v", err, bytes.Equal(out, pt))
			}

			buf := bytes.Clone(sealed)
			if err := k.OpenTo(&s, buf[:n], buf, meta, h, hlen); err != nil || !bytes.Equal(buf[:n], pt) {
				t.Fatalf("in-place OpenTo = %v, plaintext equal: %v", err, bytes.Equal(buf[:n], pt))
			}

			for _, bad := range []int{n - 1, n + 1, 0} {
				if err := k.OpenTo(&s, make([]byte, bad), sealed, meta, h, hlen); !errors.Is(err, ErrMalformed) {
					t.Errorf("out of %d bytes for %d: err = %v, want ErrMalformed", bad, n, err)
				}
			}
			if err := k.OpenTo(&s, out, sealed, meta, Header{KID: h.KID + 1, CTR: h.CTR}, hlen); !errors.Is(err, ErrUnknownKey) {
				t.Errorf("wrong KID: err = %v, want ErrUnknownKey", err)
			}
			for i := range sealed {
				bad := bytes.Clone(sealed)
				bad[i] ^= 0x01
				bh, bhlen, err := ParseHeader(bad)
				if err != nil || bh.KID != h.KID {
					continue // a header byte: no longer this key's packet
				}
				if err := k.OpenTo(&s, make([]byte, len(bad)-bhlen-(len(sealed)-hlen-n)), bad, meta, bh, bhlen); !errors.Is(err, ErrAuth) && !errors.Is(err, ErrMalformed) {
					t.Fatalf("byte %d flipped: err = %v, want ErrAuth", i, err)
				}
			}
		})
	}
}
