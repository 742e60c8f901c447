//go:build libsrtp && cgo

package libsrtp

/*
#cgo pkg-config: libsrtp2
#include <stdlib.h>
#include <string.h>
#include <srtp2/srtp.h>

// cs_create makes a libsrtp context with one stream template for any
// inbound or any outbound SSRC. profile is 1 (AES_CM_128_HMAC_SHA1_80),
// 7 (AEAD_AES_128_GCM) or 8 (AEAD_AES_256_GCM): the DTLS-SRTP code points.
static srtp_err_status_t cs_create(srtp_t *ctx, int profile, unsigned char *key, int inbound, unsigned long window) {
	srtp_policy_t policy;
	memset(&policy, 0, sizeof(policy));
	switch (profile) {
	case 1:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
		break;
	case 7:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
		break;
	case 8:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp);
		break;
	default:
		return srtp_err_status_bad_param;
	}
	policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	policy.key = key;
	policy.window_size = window;
	policy.allow_repeat_tx = 0;
	return srtp_create(ctx, &policy);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/callseal/callseal/srtp"
)

// Status codes of libsrtp's srtp_err_status_t that the tests branch on.
var (
	ErrAuth   = errors.New("libsrtp: authentication failed")
	ErrReplay = errors.New("libsrtp: replayed packet")
)

// MaxTrailer is the most bytes libsrtp's protect functions add to a packet
// (SRTP_MAX_TRAILER_LEN plus the 4-byte SRTCP index).
const MaxTrailer = C.SRTP_MAX_TRAILER_LEN + 4 // bytes

var initOnce sync.Once
var initErr error

func initLib() error {
	initOnce.Do(func() {
		if st := C.srtp_init(); st != C.srtp_err_status_ok {
			initErr = fmt.Errorf("libsrtp: srtp_init: status %d", int(st))
		}
	})
	return initErr
}

// Version returns libsrtp's version string, e.g. "libsrtp2 2.5.0".
func Version() string { return C.GoString(C.srtp_get_version_string()) }

// A Context is one libsrtp session for one direction: it protects
// (outbound) or unprotects (inbound) packets of any SSRC with one master key
// and salt. It is not safe for concurrent use.
type Context struct {
	ctx     C.srtp_t
	inbound bool
}

// NewContext returns a libsrtp context for profile p with the master key
// and salt k. inbound selects unprotect (true) or protect (false); window is
// the replay window in packets (0: libsrtp's default, 128).
func NewContext(p srtp.Profile, k srtp.Keys, inbound bool, window int) (*Context, error) {
	if err := initLib(); err != nil {
		return nil, err
	}
	if len(k.MasterKey) != p.KeySize() || len(k.MasterSalt) != p.SaltSize() {
		return nil, fmt.Errorf("libsrtp: key sizes do not fit %v", p)
	}
	// libsrtp reads key ‖ salt from one buffer; C memory, so the Go
	// garbage collector never moves it while libsrtp reads it.
	n := len(k.MasterKey) + len(k.MasterSalt)
	key := (*C.uchar)(C.malloc(C.size_t(n)))
	defer C.free(unsafe.Pointer(key))
	buf := unsafe.Slice((*byte)(unsafe.Pointer(key)), n)
	copy(buf, k.MasterKey)
	copy(buf[len(k.MasterKey):], k.MasterSalt)
	defer clear(buf)

	in := C.int(0)
	if inbound {
		in = 1
	}
	c := &Context{inbound: inbound}
	if st := C.cs_create(&c.ctx, C.int(p), key, in, C.ulong(window)); st != C.srtp_err_status_ok {
		return nil, fmt.Errorf("libsrtp: srtp_create(%v): status %d", p, int(st))
	}
	return c, nil
}

// Close frees the libsrtp context.
func (c *Context) Close() {
	if c.ctx != nil {
		C.srtp_dealloc(c.ctx)
		c.ctx = nil
	}
}

// ProtectRTP returns pkt protected by libsrtp's srtp_protect.
func (c *Context) ProtectRTP(pkt []byte) ([]byte, error) { return c.run(pkt, opProtectRTP) }

// UnprotectRTP returns pkt unprotected by libsrtp's srtp_unprotect.
func (c *Context) UnprotectRTP(pkt []byte) ([]byte, error) { return c.run(pkt, opUnprotectRTP) }

// ProtectRTCP returns pkt protected by libsrtp's srtp_protect_rtcp.
func (c *Context) ProtectRTCP(pkt []byte) ([]byte, error) { return c.run(pkt, opProtectRTCP) }

// UnprotectRTCP returns pkt unprotected by libsrtp's srtp_unprotect_rtcp.
func (c *Context) UnprotectRTCP(pkt []byte) ([]byte, error) { return c.run(pkt, opUnprotectRTCP) }

type op int

const (
	opProtectRTP op = iota
	opUnprotectRTP
	opProtectRTCP
	opUnprotectRTCP
)

func (o op) String() string {
	return [...]string{"srtp_protect", "srtp_unprotect", "srtp_protect_rtcp", "srtp_unprotect_rtcp"}[o]
}

// run copies pkt into C memory with room for the trailer, runs o in place
// and copies the result back into a new Go slice.
func (c *Context) run(pkt []byte, o op) ([]byte, error) {
	if c.ctx == nil {
		return nil, errors.New("libsrtp: context closed")
	}
	if (o == opUnprotectRTP || o == opUnprotectRTCP) != c.inbound {
		return nil, fmt.Errorf("libsrtp: %v on the wrong direction's context", o)
	}
	size := len(pkt) + MaxTrailer
	mem := C.malloc(C.size_t(size))
	defer C.free(mem)
	buf := unsafe.Slice((*byte)(mem), size)
	copy(buf, pkt)
	n := C.int(len(pkt))
	var st C.srtp_err_status_t
	switch o {
	case opProtectRTP:
		st = C.srtp_protect(c.ctx, mem, &n)
	case opUnprotectRTP:
		st = C.srtp_unprotect(c.ctx, mem, &n)
	case opProtectRTCP:
		st = C.srtp_protect_rtcp(c.ctx, mem, &n)
	case opUnprotectRTCP:
		st = C.srtp_unprotect_rtcp(c.ctx, mem, &n)
	}
	switch st {
	case C.srtp_err_status_ok:
		return append([]byte(nil), buf[:n]...), nil
	case C.srtp_err_status_auth_fail:
		return nil, fmt.Errorf("libsrtp: %v: %w", o, ErrAuth)
	case C.srtp_err_status_replay_fail, C.srtp_err_status_replay_old:
		return nil, fmt.Errorf("libsrtp: %v: %w", o, ErrReplay)
	}
	return nil, fmt.Errorf("libsrtp: %v: status %d", o, int(st))
}
