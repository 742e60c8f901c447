package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ModulePackage is the import path of the WebAssembly module's main
// package.
const ModulePackage = "github.com/callseal/callseal/browser/wasm"

// wasmMagic opens every WebAssembly binary (WebAssembly Core
// Specification, Section 5.5.16: magic "\0asm", version 1).
var wasmMagic = []byte("\x00asm\x01\x00\x00\x00")

// ErrBuild: the go command failed to build the module or to report where
// wasm_exec.js is. The wrapping error carries the go command's output.
var ErrBuild = errors.New("callseal browser: building the WebAssembly module failed")

// Assets are the files a page needs to run callseal, built by one Go
// toolchain (wasm_exec.js must come from the toolchain that built the
// module). An Assets is read-only after Build and safe for concurrent use.
type Assets struct {
	// Wasm is the WebAssembly module (a few MB).
	Wasm []byte
	// WasmExec is wasm_exec.js of the Go distribution that built Wasm.
	WasmExec []byte
}

// Build builds ModulePackage with the go command on PATH (GOOS=js
// GOARCH=wasm, CGO_ENABLED=0) in the current directory, which must be
// inside a module that contains or requires github.com/callseal/callseal,
// and reads wasm_exec.js from that toolchain's GOROOT (lib/wasm). Go's
// build cache makes every build after the first take about a second.
// Errors wrap ErrBuild, or ctx's error when ctx ends first.
func Build(ctx context.Context) (*Assets, error) {
	dir, err := os.MkdirTemp("", "callseal-wasm-")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBuild, err)
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "callseal.wasm")
	if _, err := goCommand(ctx, "build", "-o", out, ModulePackage); err != nil {
		return nil, err
	}
	a := &Assets{}
	if a.Wasm, err = os.ReadFile(out); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBuild, err)
	}
	if !bytes.HasPrefix(a.Wasm, wasmMagic) {
		return nil, fmt.Errorf("%w: %s is not a WebAssembly module", ErrBuild, ModulePackage)
	}
	goroot, err := goCommand(ctx, "env", "GOROOT")
	if err != nil {
		return nil, err
	}
	if a.WasmExec, err = os.ReadFile(filepath.Join(strings.TrimSpace(goroot), "lib", "wasm", "wasm_exec.js")); err != nil {
		return nil, fmt.Errorf("%w: wasm_exec.js: %w", ErrBuild, err)
	}
	return a, nil
}

// goCommand runs the go command for js/wasm and returns its standard
// output.
func goCommand(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("%w: go %s: %w\n%s", ErrBuild, strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out), nil
}
