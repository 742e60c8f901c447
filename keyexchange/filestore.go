package keyexchange

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// FileStore is a ContinuityStore kept in one JSON file, readable and
// writable by the owner only (mode 0600). Every Save rewrites the file
// atomically: the new content goes to a temporary file in the same
// directory, which is synced and then renamed over the old one, so a crash
// leaves either the old or the new file, never a torn one.
//
// A FileStore is safe for concurrent use by several goroutines. Several
// processes sharing one file do not corrupt it, but the last writer wins.
// The file holds secrets: keep it out of backups that leave the device
// (a restored secret looks like a man in the middle to the peer).
type FileStore struct {
	mu   sync.Mutex
	path string
}

var _ ContinuityStore = (*FileStore)(nil)

// fileStoreVersion is the version of the JSON layout.
const fileStoreVersion = 1

// fileStoreMode is the permission of the store file.
const fileStoreMode fs.FileMode = 0o600

// NewFileStore returns a store kept in the file at path. The file and its
// directory need not exist yet; the directory is created (mode 0700) and
// the file written on the first Save.
func NewFileStore(path string) *FileStore {
	return &FileStore{path: path}
}

type fileStoreJSON struct {
	Version int                       `json:"version"`
	Peers   map[string]fileRecordJSON `json:"peers"`
}

// fileRecordJSON is one peer's record. Version 1 files written before
// FailedAttempts existed lack "failed_attempts" and load with 0; a record
// without a retained secret (only a count of failed attempts) has no
// "secret".
type fileRecordJSON struct {
	Secret         string `json:"secret,omitempty"`   // hex, 32 bytes, when present
	Previous       string `json:"previous,omitempty"` // hex, 32 bytes, when present
	Verified       bool   `json:"verified"`
	FailedAttempts uint32 `json:"failed_attempts,omitempty"` // ContinuityRecord.FailedAttempts
}

// read returns the file's content; a missing file is an empty store.
func (s *FileStore) read() (*fileStoreJSON, error) {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return &fileStoreJSON{Version: fileStoreVersion, Peers: map[string]fileRecordJSON{}}, nil
	}
	if err != nil {
		return nil, err
	}
	defer clear(data) // best-effort: the JSON holds secrets
	var f fileStoreJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	if f.Version != fileStoreVersion {
		return nil, fmt.Errorf("%s: unknown version %d", s.path, f.Version)
	}
	if f.Peers == nil {
		f.Peers = map[string]fileRecordJSON{}
	}
	return &f, nil
}

func decodeSecret(s string, dst *[SecretSize]byte) error {
	b, err := hex.DecodeString(s)
	defer clear(b)
	if err != nil || len(b) != SecretSize {
		return fmt.Errorf("bad secret encoding")
	}
	copy(dst[:], b)
	return nil
}

// Load implements ContinuityStore. Its errors wrap ErrContinuity (and the
// file system's error, if any: errors.Is(err, fs.ErrPermission) works).
func (s *FileStore) Load(peerID string) (ContinuityRecord, bool, error) {
	rec, ok, err := s.load(peerID)
	if err != nil {
		return ContinuityRecord{}, false, fmt.Errorf("%w: %w", ErrContinuity, err)
	}
	return rec, ok, nil
}

func (s *FileStore) load(peerID string) (ContinuityRecord, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.read()
	if err != nil {
		return ContinuityRecord{}, false, err
	}
	j, ok := f.Peers[peerID]
	if !ok {
		return ContinuityRecord{}, false, nil
	}
	var rec ContinuityRecord
	if j.Secret != "" { // absent: a record holding only FailedAttempts
		if err := decodeSecret(j.Secret, &rec.Secret); err != nil {
			return ContinuityRecord{}, false, fmt.Errorf("%s: peer %q: %w", s.path, peerID, err)
		}
	}
	if j.Previous != "" {
		if err := decodeSecret(j.Previous, &rec.Previous); err != nil {
			rec.wipe()
			return ContinuityRecord{}, false, fmt.Errorf("%s: peer %q: %w", s.path, peerID, err)
		}
		rec.HasPrevious = true
	}
	rec.Verified = j.Verified
	rec.FailedAttempts = j.FailedAttempts
	return rec, true, nil
}

// Save implements ContinuityStore: it replaces the record of peerID and
// rewrites the file atomically. Its errors wrap ErrContinuity (and the file
// system's error, if any).
func (s *FileStore) Save(peerID string, rec ContinuityRecord) error {
	if err := s.save(peerID, rec); err != nil {
		return fmt.Errorf("%w: %w", ErrContinuity, err)
	}
	return nil
}

func (s *FileStore) save(peerID string, rec ContinuityRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.read()
	if err != nil {
		return err
	}
	j := fileRecordJSON{Verified: rec.Verified, FailedAttempts: rec.FailedAttempts}
	if rec.hasSecret() {
		j.Secret = hex.EncodeToString(rec.Secret[:])
	}
	if rec.HasPrevious {
		j.Previous = hex.EncodeToString(rec.Previous[:])
	}
	f.Peers[peerID] = j
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	defer clear(data)
	return writeFileAtomic(s.path, append(data, '\n'))
}

// writeFileAtomic writes data to path through a synced temporary file in
// the same directory and a rename, then syncs the directory so the rename
// itself is durable (best-effort where directories cannot be synced).
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// CreateTemp already uses 0600; Chmod makes it explicit and independent
	// of the umask.
	if err = tmp.Chmod(fileStoreMode); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best-effort: not every platform can sync a directory
		d.Close()
	}
	return nil
}
