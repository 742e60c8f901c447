// Package rtpheader locates the parts of a marshalled RTP packet: the fixed
// header and CSRC list, the header extension, the payload and the padding
// (RFC 3550, Sections 5.1 and 5.3.1).
//
// It is the module's one RTP header parser: the callseal Session, package
// e2ee and package e2ee/pioninterceptor use it, each mapping its errors to
// their own sentinels. Nothing in it allocates, and it keeps no state: every
// function is safe for concurrent use.
package rtpheader
