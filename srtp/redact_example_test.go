package srtp_test

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/callseal/callseal/srtp"
)

// Keys print and log their sizes, never their bytes.
func ExampleKeys_String() {
	k := srtp.Keys{MasterKey: make([]byte, 16), MasterSalt: make([]byte, 14)}
	fmt.Printf("%v\n%x\n", k, k)

	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // a fixed output for the example
			}
			return a
		},
	}))
	logger.Info("transport keys", "local", k)
	// Output:
	// srtp.Keys{master_key=[redacted] master_key_size=16 master_salt=[redacted] master_salt_size=14}
	// srtp.Keys{master_key=[redacted] master_key_size=16 master_salt=[redacted] master_salt_size=14}
	// {"level":"INFO","msg":"transport keys","local":{"master_key":"[redacted]","master_key_size":16,"master_salt":"[redacted]","master_salt_size":14}}
}
