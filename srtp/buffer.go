package srtp

// finish returns dst followed by out, where out is what pion wrote given
// tail. pion writes into tail when it is big enough, which is the usual case,
// so no copy is needed; otherwise out is appended to dst.
func finish(dst, head, tail, out []byte) []byte {
	if len(out) <= len(tail) && (len(out) == 0 || &out[0] == &tail[0]) {
		return head[:len(dst)+len(out)]
	}
	return append(dst, out...)
}
