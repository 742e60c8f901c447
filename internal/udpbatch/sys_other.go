//go:build !(aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris)

package udpbatch

// nativeBatch reports that x/net has no batch calls here: singleConn reads
// and writes one datagram per call.
const nativeBatch = false

// msgTrunc is not reported here: a truncated datagram is delivered
// truncated (and then fails authentication).
const msgTrunc = 0
