package sfcore_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/callseal/callseal/e2ee/internal/sfcore"
	"github.com/callseal/callseal/e2ee/sframe"
	"github.com/stretchr/testify/require"
)

var suites = []sframe.CipherSuite{
	sframe.AES_128_CTR_HMAC_SHA256_80, sframe.AES_128_CTR_HMAC_SHA256_64,
	sframe.AES_128_CTR_HMAC_SHA256_32, sframe.AES_128_GCM_SHA256_128, sframe.AES_256_GCM_SHA512_128,
}

// TestOpenMatchesSFrame opens, through the Parts of a key, what the key's
// own Seal made: separately and in place, for every suite, header size and
// metadata length (empty, a 12-byte RTP header, one with 15 CSRCs), and
// rejects a copy with any byte flipped.
func TestOpenMatchesSFrame(t *testing.T) {
	var aadBuf [sframe.MaxHeaderSize + 72]byte
	var nonce [sfcore.NonceSize]byte
	for _, suite := range suites {
		for _, kid := range []uint64{3, 300} {
			k, err := sframe.NewKey(suite, kid, []byte("base key"))
			require.NoError(t, err)
			p := sfcore.Of(k)
			for _, ctr := range []uint64{0, 7, 8, 1 << 20, 1<<64 - 1} {
				for _, metaLen := range []int{0, 12, 72} {
					name := fmt.Sprintf("%v/kid=%d/ctr=%d/meta=%d", suite, kid, ctr, metaLen)
					meta := bytes.Repeat([]byte{0x5a}, metaLen)
					pt := []byte("a frame of media")
					sf := k.Seal(nil, ctr, meta, pt)
					_, hlen, err := sframe.ParseHeader(sf)
					require.NoError(t, err, name)

					out := make([]byte, len(pt))
					require.NoError(t, p.Open(&nonce, aadBuf[:], out, sf, meta, ctr, hlen), name)
					require.Equal(t, pt, out, name)

					buf := bytes.Clone(sf)
					require.NoError(t, p.Open(&nonce, aadBuf[:], buf[:len(pt)], buf, meta, ctr, hlen), name)
					require.Equal(t, pt, buf[:len(pt)], name)

					for i := range sf {
						bad := bytes.Clone(sf)
						bad[i] ^= 0x01
						require.Error(t, p.Open(&nonce, aadBuf[:], out, bad, meta, ctr, hlen), "%s: byte %d", name, i)
					}
					require.Error(t, p.Open(&nonce, aadBuf[:], out, sf, meta, ctr+1, hlen), "%s: wrong CTR", name)
					if metaLen > 0 {
						require.Error(t, p.Open(&nonce, aadBuf[:], out, sf, meta[1:], ctr, hlen), "%s: wrong metadata", name)
					}
				}
			}
		}
	}
}

// TestCopies checks the fixed-size moves against copy for every length
// around their fast paths.
func TestCopies(t *testing.T) {
	src := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	for n := range 20 {
		for extra := range 3 {
			dst := make([]byte, n+extra)
			want := make([]byte, n+extra)
			sfcore.CopyRTPHeader(dst, src[:n])
			copy(want, src[:n])
			require.Equal(t, want, dst, "CopyRTPHeader n=%d dst=%d", n, n+extra)
		}
	}
	for hlen := 1; hlen <= sframe.MaxHeaderSize; hlen++ {
		for srcLen := hlen; srcLen <= hlen+10; srcLen++ {
			for dstLen := hlen; dstLen <= hlen+10; dstLen++ {
				dst := bytes.Repeat([]byte{'.'}, dstLen)
				sfcore.CopySFrameHeader(dst, src[:srcLen], hlen)
				require.Equal(t, src[:hlen], dst[:hlen], "hlen=%d src=%d dst=%d", hlen, srcLen, dstLen)
			}
		}
	}
}

func TestNewPartsSalt(t *testing.T) {
	salt := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	p := sfcore.NewParts(nil, salt)
	var nonce [sfcore.NonceSize]byte
	p.PutNonce(&nonce, 0)
	require.Equal(t, salt, nonce[:])
	p.PutNonce(&nonce, 0x0102)
	require.Equal(t, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ^ 0x01, 11 ^ 0x02}, nonce[:])
}

// Example opens an SFrame ciphertext through the Parts of the key that
// sealed it, into a buffer of the caller's, as package e2ee does for every
// received RTP packet.
func Example() {
	k, err := sframe.NewKey(sframe.AES_128_GCM_SHA256_128, 1, []byte("base key"))
	if err != nil {
		panic(err)
	}
	meta := []byte("rtp header..") // 12 bytes of metadata
	sf := k.Seal(nil, 42, meta, []byte("hello"))
	h, hlen, err := sframe.ParseHeader(sf)
	if err != nil {
		panic(err)
	}

	p := sfcore.Of(k)
	var nonce [sfcore.NonceSize]byte
	aad := make([]byte, sframe.MaxHeaderSize+len(meta))
	out := make([]byte, len(sf)-hlen-16) // 16-byte tag
	if err := p.Open(&nonce, aad, out, sf, meta, h.CTR, hlen); err != nil {
		panic(err)
	}
	fmt.Printf("%s (KID %d, CTR %d, %d-byte header)\n", out, h.KID, h.CTR, hlen)
	// Output: hello (KID 1, CTR 42, 2-byte header)
}

// TestEncodeHeader checks EncodeHeader against sframe.ParseHeader's
// byte-at-a-time parse for every KID and CTR field size that fits, at the
// edges of each size and at random values.
func TestEncodeHeader(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	values := func(size int) []uint64 {
		if size == 0 {
			return []uint64{0, 1, 7}
		}
		lo, hi := uint64(1)<<(8*(size-1)), uint64(1)<<(8*size)-1
		if size == 1 {
			lo = 8
		}
		if size == 8 {
			hi = 1<<64 - 1
		}
		return []uint64{lo, hi, lo + rng.Uint64N(hi-lo)}
	}
	for kn := 0; kn <= 7; kn++ {
		for cn := 0; 1+kn+cn <= sfcore.FastHeaderSize; cn++ {
			for _, kid := range values(kn) {
				for _, ctr := range values(cn) {
					require.Equal(t, kn, sfcore.FieldSize(kid))
					require.Equal(t, cn, sfcore.FieldSize(ctr))
					enc := sfcore.EncodeHeader(kid, ctr, kn, cn)
					n := 1 + kn + cn
					h, hlen, err := sframe.ParseHeader(enc[:n])
					require.NoError(t, err, "kid %d ctr %d", kid, ctr)
					require.Equal(t, n, hlen)
					require.Equal(t, sframe.Header{KID: kid, CTR: ctr}, h)
					require.Equal(t, make([]byte, sfcore.FastHeaderSize-n), enc[n:], "bytes after the header")
				}
			}
		}
	}
}
