package srtp

import "unsafe"

// sliceForAppend takes a slice and a requested number of bytes. It returns a
// slice with the contents of in followed by n more bytes (head) and the
// n-byte tail, reallocating only when in lacks the capacity. As in
// golang.org/x/crypto/chacha20poly1305.
func sliceForAppend(in []byte, n int) (head, tail []byte) {
	if total := len(in) + n; cap(in) >= total {
		head = in[:total]
	} else {
		head = make([]byte, total)
		copy(head, in)
	}
	tail = head[len(in):]
	return head, tail
}

// finish returns dst followed by out, where out is what pion wrote given
// tail. pion writes into tail when it is big enough, which is the usual case,
// so no copy is needed; otherwise out is appended to dst.
func finish(dst, head, tail, out []byte) []byte {
	if len(out) <= len(tail) && (len(out) == 0 || &out[0] == &tail[0]) {
		return head[:len(dst)+len(out)]
	}
	return append(dst, out...)
}

// anyOverlap reports whether x and y share memory at any (not necessarily
// corresponding) index. As in crypto/internal/fips140/alias.
func anyOverlap(x, y []byte) bool {
	return len(x) > 0 && len(y) > 0 &&
		uintptr(unsafe.Pointer(&x[0])) <= uintptr(unsafe.Pointer(&y[len(y)-1])) &&
		uintptr(unsafe.Pointer(&y[0])) <= uintptr(unsafe.Pointer(&x[len(x)-1]))
}

// inexactOverlap reports whether x and y share memory at any non-corresponding
// index: exact overlap (in-place use) is fine, anything else is a bug.
func inexactOverlap(x, y []byte) bool {
	if len(x) == 0 || len(y) == 0 || &x[0] == &y[0] {
		return false
	}
	return anyOverlap(x, y)
}
