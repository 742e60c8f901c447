package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestMeeting runs the default meeting and the one with an attacker, and
// checks the exit statuses and the report's verdicts.
func TestMeeting(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
		says string
	}{
		{nil, exitOK, "RESULT: every check passed"},
		{[]string{"-mitm", "3"}, exitMITM, "DIFFERS: man in the middle"},
		{[]string{"-recorded", "3"}, exitOK, "p03 was blocked: compliance recording is on for the participant"},
	} {
		t.Run(strings.Join(append([]string{"args"}, tc.args...), " "), func(t *testing.T) {
			var out, errs bytes.Buffer
			if got := run(tc.args, &out, &errs); got != tc.want {
				t.Fatalf("exit status %d, want %d\n%s%s", got, tc.want, out.String(), errs.String())
			}
			if !strings.Contains(out.String(), tc.says) {
				t.Fatalf("the report does not say %q:\n%s", tc.says, out.String())
			}
			if tc.want == exitOK && !strings.Contains(out.String(), "0 of ") {
				t.Fatalf("no secrecy check in the report:\n%s", out.String())
			}
		})
	}
}

// TestUsage checks the command line: invalid flags exit 2, -h lists the
// exit statuses, a refused policy exits 4 without a meeting.
func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"-n", "3"}, {"-mitm", "1"}, {"-mitm", "9"}, {"-admin", "maybe"}, {"stray"}} {
		var out, errs bytes.Buffer
		if got := run(args, &out, &errs); got != exitUsage {
			t.Errorf("%q: exit status %d, want %d", args, got, exitUsage)
		}
	}
	var out, errs bytes.Buffer
	if got := run([]string{"-h"}, &out, &errs); got != exitOK || !strings.Contains(errs.String(), "Exit status") {
		t.Errorf("-h: exit status %d, usage %q", got, errs.String())
	}
	out.Reset()
	if got := run([]string{"-admin", "disabled"}, &out, &errs); got != exitRefused || !strings.Contains(out.String(), "off by an admin policy") {
		t.Errorf("-admin disabled: exit status %d, want %d:\n%s", got, exitRefused, out.String())
	}
}
