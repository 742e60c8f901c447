// Package libsrtp drives Cisco's libsrtp 2 through cgo, for one purpose:
// interoperability tests of package srtp against the reference SRTP
// implementation. It is built only with the libsrtp build tag and cgo, and
// needs libsrtp 2 and pkg-config (Debian: apt-get install libsrtp2-dev):
//
//	go test -tags libsrtp ./srtp/...
//
// Without the tag the package is empty and its tests do not run.
package libsrtp
