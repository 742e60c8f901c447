package udpbatch

import "errors"

var (
	// ErrInvalid is returned for a use the API does not allow: a nil
	// socket, a Config out of range, empty or mismatched buffer slices, a
	// datagram larger than the Writer's Config.Size.
	ErrInvalid = errors.New("udpbatch: invalid use")

	// ErrBusy is returned by a Reader, Writer or Forwarder method called
	// while another goroutine is inside one of its methods: each is for
	// one goroutine at a time.
	ErrBusy = errors.New("udpbatch: used by two goroutines at once")
)
