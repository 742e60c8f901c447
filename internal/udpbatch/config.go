package udpbatch

import "fmt"

// Defaults and limits of Config.
const (
	// DefaultBatch is how many datagrams a call reads or writes at most
	// unless Config.Batch says otherwise.
	DefaultBatch = 64 // datagrams

	// MaxBatch is the largest Config.Batch: Linux's UIO_MAXIOV, the most
	// messages recvmmsg and sendmmsg take.
	MaxBatch = 1024 // datagrams

	// DefaultSize is the size in bytes of the datagrams a Writer copies
	// (Add) and a Forwarder reads, unless Config.Size says otherwise:
	// above any datagram an Ethernet MTU of 1500 bytes carries.
	DefaultSize = 2048 // bytes

	// MaxSize is the largest Config.Size: the largest UDP payload.
	MaxSize = 65535 // bytes
)

// Config configures a Reader, Writer or Forwarder. The zero Config is the
// default.
type Config struct {
	// Batch is the most datagrams one system call reads or writes;
	// 0 means DefaultBatch, and at most MaxBatch.
	Batch int

	// Size is the largest datagram, in bytes, a Writer's Add copies and a
	// Forwarder reads (larger received datagrams are truncated: counted
	// and dropped); 0 means DefaultSize, and at most MaxSize. A Reader
	// reads into the caller's buffers and does not use it.
	Size int

	// SourceAddr makes a Reader report each datagram's source address
	// (Reader.Source), and a Forwarder pass it to its routing function.
	// x/net allocates it: two allocations per datagram. Without it the
	// kernel is not asked for the address, and nothing is allocated.
	SourceAddr bool
}

// withDefaults returns c with its zero fields set to the defaults, or an
// error wrapping ErrInvalid.
func (c Config) withDefaults() (Config, error) {
	if c.Batch == 0 {
		c.Batch = DefaultBatch
	}
	if c.Size == 0 {
		c.Size = DefaultSize
	}
	if c.Batch < 1 || c.Batch > MaxBatch {
		return c, fmt.Errorf("%w: Config.Batch %d, want 1 to %d", ErrInvalid, c.Batch, MaxBatch)
	}
	if c.Size < 1 || c.Size > MaxSize {
		return c, fmt.Errorf("%w: Config.Size %d, want 1 to %d", ErrInvalid, c.Size, MaxSize)
	}
	return c, nil
}
