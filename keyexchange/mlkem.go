package keyexchange

import (
	"crypto/mlkem"
	"fmt"
	"io"
)

// ML-KEM-768 (FIPS 203) for the hybrid suite X25519_MLKEM768_SHA256.
//
// The initiator's decapsulation key is expanded from a 64-byte seed d ‖ z
// read from Config.Rand (FIPS 203, Algorithm 16, ML-KEM.KeyGen_internal, as
// crypto/mlkem.NewDecapsulationKey768 does), so Config.Rand determines it.
//
// Encapsulation is different: crypto/mlkem's EncapsulationKey768.Encapsulate
// draws its 32-byte message m from the system's randomness and takes no
// reader, and the only derandomized form, crypto/mlkem/mlkemtest.Encapsulate768
// (ML-KEM.Encaps_internal, Algorithm 17), is for known-answer tests only. So
// a responder's ciphertext is always random in production, whatever
// Config.Rand is; the tests replace encapsulate768 with the derandomized
// form reading m from Config.Rand (and restore it in t.Cleanup) to make the
// vectors in testdata reproducible.

// encapsulate768 returns an ML-KEM-768 shared secret and the ciphertext
// that carries it to ek's owner. rand is ignored in production; see above.
var encapsulate768 = func(ek *mlkem.EncapsulationKey768, rand io.Reader) (sharedKey, ciphertext []byte, err error) {
	sharedKey, ciphertext = ek.Encapsulate()
	return sharedKey, ciphertext, nil
}

// newMLKEMKey reads a seed from rand and expands it into a decapsulation
// key. The seed is wiped; the key's internal state (crypto/mlkem keeps it
// unexported) cannot be, so the Handshake drops its reference as soon as it
// has decapsulated.
func newMLKEMKey(rand io.Reader) (*mlkem.DecapsulationKey768, error) {
	var seed [mlkem.SeedSize]byte
	defer clear(seed[:])
	if _, err := io.ReadFull(rand, seed[:]); err != nil {
		return nil, fmt.Errorf("%w: reading randomness: %w", ErrInternal, err)
	}
	dk, err := mlkem.NewDecapsulationKey768(seed[:])
	if err != nil {
		return nil, fmt.Errorf("%w: ml-kem key: %w", ErrInternal, err)
	}
	return dk, nil
}

// mlkemEncapsulate checks the initiator's encapsulation key — FIPS 203,
// Section 7.2, "encapsulation key check": the right length and every
// coefficient reduced mod q, done by NewEncapsulationKey768 — and
// encapsulates to it. A key that fails the check is ErrMalformed.
func mlkemEncapsulate(key []byte, rand io.Reader) (sharedKey, ciphertext []byte, err error) {
	ek, err := mlkem.NewEncapsulationKey768(key)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: ml-kem encapsulation key: %v", ErrMalformed, err)
	}
	sharedKey, ciphertext, err = encapsulate768(ek, rand)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: ml-kem encapsulation: %w", ErrInternal, err)
	}
	return sharedKey, ciphertext, nil
}

// mlkemDecapsulate returns the shared secret of a ciphertext. ML-KEM
// rejects implicitly (FIPS 203, Algorithm 18): a tampered ciphertext of the
// right length yields an unrelated secret, which the Confirm MACs then
// catch; only a wrong length is an error here (and the wire layer has
// already checked it).
func mlkemDecapsulate(dk *mlkem.DecapsulationKey768, ciphertext []byte) ([]byte, error) {
	ss, err := dk.Decapsulate(ciphertext)
	if err != nil {
		return nil, fmt.Errorf("%w: ml-kem ciphertext: %v", ErrMalformed, err)
	}
	return ss, nil
}
