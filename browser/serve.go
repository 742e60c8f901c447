package browser

import (
	"bytes"
	_ "embed"
	"net/http"
	"time"
)

// The names under which Handler serves the assets, relative to where it is
// mounted.
const (
	WasmFile     = "callseal.wasm"
	WasmExecFile = "wasm_exec.js"
	GlueFile     = "callseal.js"
	WorkerFile   = "callseal-worker.js"
)

// glue is callseal.js: it loads the module and turns the Error values the
// module returns into exceptions.
//
//go:embed callseal.js
var glue []byte

// worker is callseal-worker.js: the worker of callseal.newCall, which runs
// the call's handshake and the RTCRtpScriptTransform of its frames.
//
//go:embed callseal-worker.js
var worker []byte

// Glue returns callseal.js, the JavaScript glue that loads the module.
func Glue() []byte { return bytes.Clone(glue) }

// Worker returns callseal-worker.js, the glue of the worker that holds a
// call's keys and seals and opens its frames.
func Worker() []byte { return bytes.Clone(worker) }

// Handler serves WasmFile, WasmExecFile, GlueFile and WorkerFile at the root of its
// URL space (mount it with http.StripPrefix to put them elsewhere) and
// answers 404 Not Found to every other path. Responses carry
// "Cache-Control: no-cache", so a page always runs the module built last.
func (a *Assets) Handler() http.Handler {
	files := map[string][]byte{"/" + WasmFile: a.Wasm, "/" + WasmExecFile: a.WasmExec, "/" + GlueFile: glue, "/" + WorkerFile: worker}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, r.URL.Path, time.Time{}, bytes.NewReader(b))
	})
}
