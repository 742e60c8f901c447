package main

import (
	"bytes"
	"flag"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exitStatuses returns the exit statuses listed, in order, after "Exit
// status:" in text: the first number of each line that re matches.
func exitStatuses(t *testing.T, text string, re *regexp.Regexp) []int {
	t.Helper()
	_, list, ok := strings.Cut(text, "Exit status")
	require.True(t, ok, "no exit statuses in:\n%s", text)
	var codes []int
	for _, m := range re.FindAllStringSubmatch(list, -1) {
		n, err := strconv.Atoi(m[1])
		require.NoError(t, err)
		codes = append(codes, n)
	}
	return codes
}

// TestUsage: -h says what the program does, what it writes and where, and
// lists every exit status, the same as the package doc and the README.
func TestUsage(t *testing.T) {
	var out bytes.Buffer
	fs := flag.NewFlagSet("loopback", flag.ContinueOnError)
	fs.SetOutput(&out)
	_, err := parseFlags(fs, []string{"-h"})
	require.ErrorIs(t, err, flag.ErrHelp)
	usage := out.String()
	for _, want := range []string{
		"end-to-end encrypted call between two parties, alice and bob",
		"check numbers", "-mitm downgrade", "-require-e2ee", "-cache dir", "-loss",
		"-out dir; without -out, to a temporary directory that is\nremoved before the program exits",
		"3  the check numbers differ", "4  the call was refused",
	} {
		assert.Contains(t, usage, want)
	}
	all := []int{exitOK, exitFail, exitUsage, exitMITM, exitRefused}
	assert.Equal(t, all, exitStatuses(t, usage, regexp.MustCompile(`(?m)^  (\d)  `)), "-h")

	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.PackageClauseOnly|parser.ParseComments)
	require.NoError(t, err)
	doc := f.Doc.Text()
	assert.Equal(t, all, exitStatuses(t, doc, regexp.MustCompile(`(?m)^\t(\d)  `)), "package doc")
	assert.Contains(t, doc, "in a new temporary directory that\nthe program removes before it exits")

	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, line, ok := strings.Cut(string(readme), "Exit status of `examples/loopback`:")
	require.True(t, ok)
	line, _, _ = strings.Cut(line, "\n\n")
	assert.Equal(t, all, exitStatuses(t, "Exit status"+line, regexp.MustCompile(`(\d) = `)), "README")
}
