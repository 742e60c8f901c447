// Command meeting runs a real end-to-end encrypted meeting in one
// process: participants send real media over UDP on 127.0.0.1 through an
// SFU that terminates transport SRTP on each hop and forwards RTP, and
// never holds a media key.
//
//	go run ./examples/meeting [-n 5] [-speakers K] [-mitm K] [-recorded K]
//		[-admin override|disabled|unmanaged] [-enforced] [-timeout 60s]
//
// The meeting, step by step:
//
//  1. Policy (package policy): the organizer's admin setting (-admin; by
//     default "Off, but organizers can turn them on") and the organizer's
//     switch, or enforcement by a template (-enforced), decide that the
//     meeting is end-to-end encrypted (policy.DecideMeeting); each
//     participant is admitted or blocked on its own (MeetingDecision.Admit):
//     -recorded K puts participant K under compliance recording, and it is
//     blocked while the meeting stays end-to-end encrypted for the others.
//  2. Keys (package meeting): p00, the organizer's client, leads. Every
//     other participant runs the callseal handshake with the leader only
//     and gets a Welcome; every join ratchets the epoch secret forward.
//     Each participant prints the meeting code its client shows.
//  3. Media: every participant seals its audio (Ogg Opus), video and
//     screen share (IVF VP8) with its own SFrame sender keys (RFC 9605:
//     KID = kind, sender index, epoch bits), then transport SRTP for its hop
//     to the SFU. The SFU removes transport SRTP, reads the RTP header and
//     the RFC 6464 audio level, protects again per receiving hop and
//     forwards. Receivers open every sender's packets and rebuild the
//     frames with pion's samplebuilder.
//  4. Membership: the last participant joins late (the members ratchet, it
//     gets the ratcheted secret), p02 leaves (a fresh epoch secret to the
//     rest), and the leader hands over to p01 (a new leader key, a new
//     code, a new epoch; p00 rejoins as a participant).
//  5. The report: the codes each participant showed, what the SFU could
//     read, per receiver and sender the frames received byte-identical,
//     and the secrecy claims: the late joiner and the leaver keep every
//     key they ever derived, and with them open every packet the SFU saw
//     during their membership and none outside it.
//
// With -n larger than 5 the meeting runs the way large meetings do: 6
// participants are unmuted and send audio and video, the others are muted
// with their cameras off and send nothing; the SFU forwards the audio and
// video of the 3 loudest speakers (-speakers), by the audio level header
// extension, to everyone; every participant holds the keys through the
// joins, the leave and the hand-over. -n 200 runs in real time.
//
// With -mitm K an attacker sits between the leader and participant K: it
// runs the handshake with each, posing as the other, and welcomes K into a
// meeting of its own making. K's client shows a different meeting code,
// and the program reports the man in the middle. (This attacker cannot
// give K the real epoch secret, so K's media does not reach the others
// either; meeting/PROTOCOL.md explains why only the code can tell in
// general.)
//
// Exit status:
//
//	0  every participant showed the leader's code, every frame forwarded
//	   to a participant during its membership arrived byte-identical (with
//	   active speakers: every frame rebuilt was byte-identical), the SFU
//	   read no media, and the late joiner and the leaver opened nothing
//	   outside their membership
//	1  the meeting failed, or one of the checks above failed
//	2  the command line is invalid
//	3  a participant's meeting code differs from the leader's: a man in the
//	   middle was detected (the expected outcome of -mitm); this takes
//	   precedence over 1
//	4  the meeting policy refuses the meeting or does not make it end-to-end
//	   encrypted (-admin disabled); nothing falls back to clear media
//
// go run prints a non-zero status itself and exits 1; to test the status
// in a script, build the program first:
//
//	go build -o meeting ./examples/meeting && ./meeting -mitm 2; echo $?   # 3
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/callseal/callseal/policy"
)

// Exit statuses (see the package documentation).
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitMITM    = 3
	exitRefused = 4
)

// options are the command line.
type options struct {
	n        int
	speakers int
	mitm     int
	recorded int
	admin    policy.MeetingAdminSetting
	enforced bool
	timeout  time.Duration
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "meeting:", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	status, err := runMeeting(ctx, o, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "meeting:", err)
	}
	return status
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("meeting", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var admin string
	fs.IntVar(&o.n, "n", 5, "participants, the leader included (3..255)")
	fs.IntVar(&o.speakers, "speakers", -1, "active speakers the SFU forwards (0: everything; default 0 for -n ≤ 5, else 3)")
	fs.IntVar(&o.mitm, "mitm", 0, "put an attacker between the leader and participant `K` (1..n-1); expect exit status 3")
	fs.IntVar(&o.recorded, "recorded", 0, "participant `K` (1..n-1) is under compliance recording and is blocked")
	fs.StringVar(&admin, "admin", "override", "admin setting for E2EE meetings: override (organizers can turn them on), disabled, unmanaged")
	fs.BoolVar(&o.enforced, "enforced", false, "a meeting template enforces E2EE")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: meeting [flags]")
		fmt.Fprintln(stderr, "Runs an end-to-end encrypted meeting through an SFU on 127.0.0.1.")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "Exit status: 0 all checks passed; 1 failed; 2 invalid command line;")
		fmt.Fprintln(stderr, "3 a meeting code differs (man in the middle); 4 the policy refuses the E2EE meeting.")
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch admin {
	case "override":
		o.admin = policy.MeetingDisabledUserOverride
	case "disabled":
		o.admin = policy.MeetingDisabled
	case "unmanaged":
		o.admin = policy.MeetingUnmanaged
	default:
		return o, fmt.Errorf("-admin %q: want override, disabled or unmanaged", admin)
	}
	switch {
	case o.n < 5 || o.n > 255:
		return o, fmt.Errorf("-n %d: want 5..255", o.n)
	case o.mitm < 0 || o.mitm >= o.n:
		return o, fmt.Errorf("-mitm %d: want 1..%d", o.mitm, o.n-1)
	case o.recorded < 0 || o.recorded >= o.n:
		return o, fmt.Errorf("-recorded %d: want 1..%d", o.recorded, o.n-1)
	case o.mitm == 1:
		return o, errors.New("-mitm 1: p01 becomes the leader; pick another participant")
	case o.recorded == 1:
		return o, errors.New("-recorded 1: p01 becomes the leader; pick another participant")
	case o.mitm != 0 && o.mitm == o.recorded:
		return o, errors.New("-mitm and -recorded name the same participant")
	case o.timeout <= 0:
		return o, errors.New("-timeout must be positive")
	}
	if o.speakers < 0 {
		o.speakers = 0
		if o.n > 5 {
			o.speakers = 3
		}
	}
	if o.mitm == 0 {
		o.mitm = -1
	}
	if o.recorded == 0 {
		o.recorded = -1
	}
	return o, nil
}
