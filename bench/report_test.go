package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/callseal/callseal/bench/internal/perf"
)

// allocReport is a report in which every callseal path at every size
// allocates nothing, except the paths whose ID contains one of allocating.
func allocReport(allocating ...string) *report {
	res := make(map[string]*result)
	for _, p := range perf.Paths() {
		for _, n := range perf.Sizes {
			r := &result{ns: 100}
			for _, a := range allocating {
				if strings.Contains(p.ID(), a) {
					r.allocs, r.bytes = 1, 512
				}
			}
			res[fmt.Sprintf("%s/%dB", p.ID(), n)] = r
		}
	}
	return &report{res: res, paths: perf.Paths()}
}

func TestAllocNote(t *testing.T) {
	const marker = "Why the allocation target fails"
	for _, tc := range []struct {
		name       string
		allocating []string
		want       bool
	}{
		{"none allocates", nil, false},
		{"only the CTR-HMAC suites", []string{"CTR_HMAC"}, true},
		{"one CTR-HMAC suite", []string{"E2EE/AES_128_CTR_HMAC_SHA256_32/Open"}, true},
		{"CTR-HMAC and a GCM suite", []string{"CTR_HMAC", "E2EE/AES_128_GCM_SHA256_128/Seal"}, false},
		{"CTR-HMAC and the full path", []string{"CTR_HMAC", "Full/"}, false},
		{"an SRTP path", []string{"SRTP/"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w strings.Builder
			allocReport(tc.allocating...).allocNote(func(f string, a ...any) { fmt.Fprintf(&w, f, a...) })
			assert.Equal(t, tc.want, strings.Contains(w.String(), marker), w.String())
		})
	}
}

// The note reaches the rendered report, below the targets.
func TestAllocNoteInMarkdown(t *testing.T) {
	r := allocReport("CTR_HMAC")
	r.targets = r.checkTargets()
	md := r.markdown()
	targets := strings.Index(md, "## Targets")
	note := strings.Index(md, "Why the allocation target fails")
	assert.Positive(t, targets)
	assert.Greater(t, note, targets)
	assert.Contains(t, md, "| **FAIL** | allocating: E2EE/AES_128_CTR_HMAC_SHA256_80/Seal (1)")
}
