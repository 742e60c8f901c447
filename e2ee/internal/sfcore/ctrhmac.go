package sfcore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"hash"
	"sync"

	"github.com/callseal/callseal/internal/alias"
)

// ctrHMAC is the AES-CTR + HMAC AEAD of RFC 9605, Section 4.5.1, used by
// suites 0x0001-0x0003 (AES-128, HMAC-SHA256) and 0x0006-0x0008 (AES-256,
// HMAC-SHA512, draft-barnes-sframe-iana-256). It satisfies cipher.AEAD with a 12-byte nonce and an
// Nt-byte tag, and is safe for concurrent use (HMAC states are pooled).
//
// Unlike the AES-GCM suites, each Seal and Open allocates one AES-CTR stream.
type ctrHMAC struct {
	block cipher.Block
	nt    int
	macs  sync.Pool // of *macState, each keyed with auth_key
}

var _ cipher.AEAD = (*ctrHMAC)(nil)

// macState is a keyed HMAC and the scratch space to feed it and to start
// AES-CTR without allocating: slices passed through the hash.Hash and
// cipher.Block interfaces escape, so stack arrays would be heap-allocated
// on every call.
type macState struct {
	mac  hash.Hash
	lens [24]byte
	sum  [MaxHashSize]byte
	iv   [aes.BlockSize]byte
}

var errCTRHMACOpen = errors.New("sframe: AES-CTR-HMAC authentication failed")

// newCTRHMAC splits sframe_key into enc_key (the first nka bytes: 16 for
// AES-128, 32 for AES-256) and auth_key (the rest), per derive_subkeys in
// RFC 9605, Section 4.5.1.
func newCTRHMAC(key []byte, nka, nt int, h func() hash.Hash) (*ctrHMAC, error) {
	block, err := aes.NewCipher(key[:nka])
	if err != nil {
		return nil, err
	}
	authKey := append([]byte(nil), key[nka:]...)
	c := &ctrHMAC{block: block, nt: nt}
	c.macs.New = func() any { return &macState{mac: hmac.New(h, authKey)} }
	return c, nil
}

func (c *ctrHMAC) NonceSize() int { return NonceSize }
func (c *ctrHMAC) Overhead() int  { return c.nt }

// tag writes compute_tag(auth_key, nonce, aad, ct) of RFC 9605,
// Section 4.5.1 into dst[:Nt]:
//
//	auth_data = aad_len(8) ‖ ct_len(8) ‖ tag_len(8) ‖ nonce ‖ aad ‖ ct
//	tag = truncate(HMAC(auth_key, auth_data), Nt)
func (c *ctrHMAC) tag(m *macState, dst, nonce, aad, ct []byte) {
	m.mac.Reset()
	binary.BigEndian.PutUint64(m.lens[0:], uint64(len(aad)))
	binary.BigEndian.PutUint64(m.lens[8:], uint64(len(ct)))
	binary.BigEndian.PutUint64(m.lens[16:], uint64(c.nt))
	m.mac.Write(m.lens[:])
	m.mac.Write(nonce)
	m.mac.Write(aad)
	m.mac.Write(ct)
	sum := m.mac.Sum(m.sum[:0])
	copy(dst[:c.nt], sum)
}

// xorKeyStream applies AES-CTR with initial counter block nonce ‖ 0x00000000.
func (c *ctrHMAC) xorKeyStream(m *macState, dst, src, nonce []byte) {
	copy(m.iv[:], nonce) // the last 4 bytes stay zero
	cipher.NewCTR(c.block, m.iv[:]).XORKeyStream(dst, src)
}

func (c *ctrHMAC) Seal(dst, nonce, plaintext, additionalData []byte) []byte {
	if len(nonce) != NonceSize {
		panic("sframe: incorrect nonce length given to AES-CTR-HMAC")
	}
	ret, out := alias.SliceForAppend(dst, len(plaintext)+c.nt)
	if alias.InexactOverlap(out, plaintext) {
		panic("sframe: invalid buffer overlap")
	}
	ct := out[:len(plaintext)]
	m := c.macs.Get().(*macState)
	c.xorKeyStream(m, ct, plaintext, nonce)
	c.tag(m, out[len(plaintext):], nonce, additionalData, ct)
	c.macs.Put(m)
	return ret
}

func (c *ctrHMAC) Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error) {
	if len(nonce) != NonceSize {
		panic("sframe: incorrect nonce length given to AES-CTR-HMAC")
	}
	if len(ciphertext) < c.nt {
		return nil, errCTRHMACOpen
	}
	ct, tag := ciphertext[:len(ciphertext)-c.nt], ciphertext[len(ciphertext)-c.nt:]
	ret, out := alias.SliceForAppend(dst, len(ct))
	if alias.InexactOverlap(out, ciphertext) {
		panic("sframe: invalid buffer overlap")
	}
	m := c.macs.Get().(*macState)
	defer c.macs.Put(m)
	c.tag(m, m.sum[:], nonce, additionalData, ct)
	if subtle.ConstantTimeCompare(m.sum[:c.nt], tag) != 1 {
		return nil, errCTRHMACOpen
	}
	c.xorKeyStream(m, out, ct, nonce)
	return ret, nil
}
