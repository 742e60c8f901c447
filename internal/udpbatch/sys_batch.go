//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package udpbatch

import "syscall"

// nativeBatch reports that x/net reads and writes through recvmsg and
// sendmsg here (recvmmsg and sendmmsg on Linux).
const nativeBatch = true

// msgTrunc is the received-message flag of a datagram longer than its
// buffer, whose end the kernel discarded.
const msgTrunc = syscall.MSG_TRUNC
