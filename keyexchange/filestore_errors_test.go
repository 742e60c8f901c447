package keyexchange

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestFileStoreErrors: every error of a FileStore wraps ErrContinuity, and
// the file system's own error where there is one.
func TestFileStoreErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) *FileStore {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return NewFileStore(p)
	}
	for name, st := range map[string]*FileStore{
		"not JSON":        write("a.json", "{"),
		"unknown version": write("b.json", `{"version": 9, "peers": {}}`),
		"bad secret":      write("c.json", `{"version": 1, "peers": {"bob": {"secret": "zz"}}}`),
		"a directory":     NewFileStore(dir),
	} {
		if _, _, err := st.Load("bob"); !errors.Is(err, ErrContinuity) {
			t.Errorf("%s: Load: %v, want ErrContinuity", name, err)
		}
		if name == "bad secret" {
			continue // Save replaces the bad record
		}
		if err := st.Save("bob", ContinuityRecord{Verified: true}); !errors.Is(err, ErrContinuity) {
			t.Errorf("%s: Save: %v, want ErrContinuity", name, err)
		}
	}
	// A file the store cannot write: its directory is a file.
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := NewFileStore(filepath.Join(blocker, "store.json")).Save("bob", ContinuityRecord{})
	if !errors.Is(err, ErrContinuity) {
		t.Errorf("Save under a file: %v, want ErrContinuity", err)
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		t.Errorf("Save under a file: %v, want the *fs.PathError wrapped too", err)
	}
}
