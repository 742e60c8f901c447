package browser

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const buildTimeout = 5 * time.Minute // the first build compiles the standard library for js/wasm

// TestBuildAndServe builds the module with the go command and fetches
// every asset through Handler.
func TestBuildAndServe(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	a, err := Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(a.Wasm, wasmMagic) {
		t.Errorf("Wasm starts % x, want the WebAssembly magic", a.Wasm[:8])
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	for _, tc := range []struct {
		path, contentType string
		body              []byte
		status            int
	}{
		{"/" + WasmFile, "application/wasm", a.Wasm, http.StatusOK},
		{"/" + WasmExecFile, "text/javascript; charset=utf-8", a.WasmExec, http.StatusOK},
		{"/" + GlueFile, "text/javascript; charset=utf-8", Glue(), http.StatusOK},
		{"/" + WorkerFile, "text/javascript; charset=utf-8", Worker(), http.StatusOK},
		{"/index.html", "", nil, http.StatusNotFound},
		{"/lib/" + WasmFile, "", nil, http.StatusNotFound},
	} {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s: status %d, want %d", tc.path, resp.StatusCode, tc.status)
			continue
		}
		if tc.status != http.StatusOK {
			continue
		}
		if got := resp.Header.Get("Content-Type"); got != tc.contentType {
			t.Errorf("GET %s: Content-Type %q, want %q", tc.path, got, tc.contentType)
		}
		if !bytes.Equal(body, tc.body) {
			t.Errorf("GET %s: %d bytes, not the asset (%d bytes)", tc.path, len(body), len(tc.body))
		}
	}
	if !bytes.Contains(a.WasmExec, []byte("globalThis.Go")) {
		t.Error("WasmExec does not define globalThis.Go: not Go's wasm_exec.js")
	}
}

// TestBuildCanceled: a canceled context stops the build with ctx's error.
func TestBuildCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Build(canceled) = %v, want context.Canceled", err)
	}
}

// TestWasmPackage checks what TestImportRules (root package) cannot see,
// since the module builds only for js/wasm: go vet for js/wasm, and the row
// of browser/wasm in docs/ARCHITECTURE.md's import table (callseal imports
// browser/internal/bridge, e2ee, keyexchange and verify; nothing outside
// the standard library).
func TestWasmPackage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	if _, err := goCommand(ctx, "vet", ModulePackage); err != nil {
		t.Error(err)
	}
	out, err := goCommand(ctx, "list", "-f", `{{join .Imports "\n"}}`, ModulePackage)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{
		"github.com/callseal/callseal/browser/internal/bridge": true,
		"github.com/callseal/callseal/e2ee":                    true,
		"github.com/callseal/callseal/keyexchange":             true,
		"github.com/callseal/callseal/verify":                  true,
	}
	for _, imp := range strings.Fields(out) {
		if strings.Contains(strings.Split(imp, "/")[0], ".") && !allowed[imp] {
			t.Errorf("%s imports %s, which docs/ARCHITECTURE.md does not allow", ModulePackage, imp)
		}
	}
}
