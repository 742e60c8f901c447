package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// environment describes the machine and the run, for the report.
type environment struct {
	CPU        string
	Cores      int
	GOMAXPROCS int
	GoVersion  string
	OS, Arch   string
	AESNI      string
	Deps       string // versions of the modules measured against
	Load       string // load average before the run, where known
	Date       time.Time
	Command    string
	Note       string // the user's remark on the run's conditions
	Benchtime  time.Duration
	Count      int
	Quick      bool // a -quick run: short benchmarks, indicative figures
}

func readEnvironment() environment {
	e := environment{
		CPU:        "unknown",
		Cores:      runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		Date:       time.Now().UTC(),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			switch {
			case k == "model name" && e.CPU == "unknown":
				e.CPU = v
			case k == "flags" && e.AESNI == "":
				fl := " " + v + " "
				var have []string
				for _, f := range []string{"aes", "pclmulqdq", "vaes", "vpclmulqdq", "avx2"} {
					if strings.Contains(fl, " "+f+" ") {
						have = append(have, f)
					}
				}
				e.AESNI = strings.Join(have, " ")
			}
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		var deps []string
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/pion/srtp/v3", "github.com/pion/rtp":
				deps = append(deps, d.Path+" "+d.Version)
			}
		}
		e.Deps = strings.Join(deps, ", ")
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			e.Load = strings.Join(f[:3], " ")
		}
	}
	return e
}
