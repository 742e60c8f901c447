package keyexchange

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzFileStoreLoad feeds arbitrary file contents to FileStore.Load: it must
// never panic, and a record it returns must have come from a well-formed
// entry (32-byte secrets, or none); a Save over any content that Load
// accepted must then load back the saved record, with or without a secret.
func FuzzFileStoreLoad(f *testing.F) {
	f.Add([]byte(`{"version":1,"peers":{"bob":{"secret":"` + hex32(1) + `","verified":true}}}`))
	f.Add([]byte(`{"version":1,"peers":{"bob":{"secret":"` + hex32(2) + `","previous":"` + hex32(3) + `","verified":false}}}`))
	f.Add([]byte(`{"version":1,"peers":{"bob":{"secret":"` + hex32(4) + `","verified":true,"failed_attempts":3}}}`))
	f.Add([]byte(`{"version":1,"peers":{"bob":{"verified":false,"failed_attempts":1}}}`))
	f.Add([]byte(`{"version":1,"peers":{"bob":{"failed_attempts":-1}}}`))
	f.Add([]byte(`{"version":2,"peers":{}}`))
	f.Add([]byte(`{"version":1,"peers":{"bob":{"secret":"abcd"}}}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`not json`))
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "store.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s := NewFileStore(path)
		rec, ok, err := s.Load("bob")
		if err != nil {
			if ok {
				t.Fatal("Load returned ok with an error")
			}
			return
		}
		// With a secret when the loaded record had none, and vice versa.
		want := ContinuityRecord{Verified: !rec.Verified, FailedAttempts: rec.FailedAttempts ^ 1}
		if !rec.hasSecret() {
			want.Secret[0] = 0x5a
		}
		if err := s.Save("bob", want); err != nil {
			t.Fatalf("Save after a successful Load: %v", err)
		}
		got, ok, err := NewFileStore(path).Load("bob")
		if err != nil || !ok {
			t.Fatalf("Load after Save: ok=%v err=%v", ok, err)
		}
		if got != want {
			t.Fatalf("Load after Save = %+v, want %+v", got, want)
		}
	})
}

// hex32 is the hex encoding of a 32-byte secret filled with b.
func hex32(b byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 64)
	for i := 0; i < 64; i += 2 {
		out[i], out[i+1] = digits[b>>4], digits[b&0xf]
	}
	return string(out)
}
