package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
	"github.com/callseal/callseal/verify"
)

// TestMain lets TestExitStatus run the program's main in a child process:
// with LOOPBACK_TEST_MAIN=1 the test binary is the loopback command, with
// the arguments in LOOPBACK_TEST_ARGS.
func TestMain(m *testing.M) {
	if os.Getenv("LOOPBACK_TEST_MAIN") == "1" {
		os.Args = append([]string{"loopback"}, strings.Fields(os.Getenv("LOOPBACK_TEST_ARGS"))...)
		main()
		os.Exit(exitOK)
	}
	os.Exit(m.Run())
}

// TestLoopbackMITM places the call with an active man in the middle in the
// relay (-mitm): the call works, every frame arrives intact, the attacker
// reads all media — and the check numbers, and every other rendering,
// differ, so the program reports the attack.
func TestLoopbackMITM(t *testing.T) {
	var stdout bytes.Buffer
	rep, err := run(t.Context(), config{out: t.TempDir(), speed: 8, timeout: 25 * time.Second, mitm: mitmReseal}, &stdout)
	t.Log("\n" + stdout.String())
	require.Error(t, err)
	require.ErrorIs(t, err, errMITM)
	assert.Equal(t, exitMITM, exitCode(err))
	require.NotNil(t, rep)

	// Both check numbers printed side by side, different, and the attack named.
	a, b, verdict := checkNumberRow(t, stdout.String())
	assert.NotEqual(t, a, b, "check numbers")
	assert.Equal(t, "DIFFERENT", verdict)
	assert.False(t, verify.Equal(a, b))
	assert.Contains(t, stdout.String(), "man in the middle detected")
	for name, pair := range map[string][2]string{
		"6 digits": {rep.sas[alice].digits, rep.sas[bob].digits},
		"words":    {rep.sas[alice].words, rep.sas[bob].words},
		"base32":   {rep.sas[alice].b32, rep.sas[bob].b32},
		"emoji":    {rep.sas[alice].emojiNames(), rep.sas[bob].emojiNames()},
	} {
		assert.NotEqual(t, pair[0], pair[1], name)
	}

	// Each party's check number is that of its handshake with the attacker.
	require.NotNil(t, rep.mitm)
	assert.Equal(t, rep.mitm.checkNumbers, [2]string{a, b})

	// The call worked through the attacker: every frame arrived identical,
	// and the attacker opened and re-sealed every packet and read the media.
	sent := map[direction]int{}
	for _, sr := range rep.streams {
		n := len(sr.sent.track.frames)
		assert.Equal(t, n, sr.framesIdentical, "%v %s: frames identical", sr.dir, sr.sent.track.name)
		sent[sr.dir] += int(sr.tx.Sent.Packets)
	}
	for _, dir := range []direction{aliceToBob, bobToAlice} {
		assert.Equal(t, sent[dir], rep.mitm.opened[dir], "%v: packets the attacker opened", dir)
		assert.Zero(t, rep.mitm.failed[dir], "%v: packets the attacker failed to open", dir)
		assert.Equal(t, sent[dir], rep.mitm.views[dir].plaintextSeen, "%v: packets whose media the attacker read", dir)
		assert.Positive(t, rep.mitm.views[dir].vp8Keyframes, "%v: VP8 keyframes the attacker read", dir)
	}
	// The verdict names only the attack.
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		assert.Len(t, joined.Unwrap(), 1, "errors besides the check numbers: %v", err)
	}
}

// TestExitStatus runs the program as a process: 0 for an honest call, also
// through an impaired relay, 3 (exitMITM) with -mitm, and the report says why.
// Without -out, whatever the outcome, the program leaves nothing in the
// temporary directory; with -out the received media stays there.
func TestExitStatus(t *testing.T) {
	for _, c := range []struct {
		name, args string
		code       int
		says       string
		out        bool // pass -out
	}{
		{"honest", "", exitOK, "OK: check numbers match", false},
		{"mitm", "-mitm", exitMITM, "MAN IN THE MIDDLE DETECTED", false},
		{"impaired", "-loss 0.1 -reorder 0.1 -dup 0.05 -seed 1", exitOK, "OK: check numbers match, every packet is accounted for", true},
		{"downgrade", "-mitm downgrade", exitMITM, offNotice, false},
		{"downgrade=", "-mitm=downgrade", exitMITM, "MAN IN THE MIDDLE DETECTED", false},
		{"downgrade refused", "-mitm downgrade -require-e2ee", exitRefused, "CALL REFUSED (exit status 4)", false},
		{"require-e2ee first", "-require-e2ee -mitm downgrade", exitRefused, refusedNotice, false},
		{"require-e2ee honest", "-require-e2ee", exitOK, "OK: check numbers match", false},
		{"stray word", "downgrade", exitUsage, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tmp, out := t.TempDir(), t.TempDir()
			args := "-speed 8 " + c.args
			if c.out {
				args += " -out " + out
			}
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "LOOPBACK_TEST_MAIN=1", "LOOPBACK_TEST_ARGS="+args, "TMPDIR="+tmp)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, c.code, code, "exit status; stderr:\n%s", stderr.String())
			assert.Contains(t, stdout.String(), c.says)

			left, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, left, "left in the temporary directory")
			kept, err := os.ReadDir(out)
			require.NoError(t, err)
			if c.out {
				assert.Len(t, kept, 6, "received media files in -out") // 2 receivers × 3 streams
			}
			if strings.Contains(stdout.String(), "received media written to") {
				assert.Equal(t, !c.out, strings.Contains(stdout.String(), "removed at exit"), "the report says where the files are")
			}
		})
	}
}

// TestCommitmentBindsReveal shows the check that makes the attacker's two
// check numbers independent: the responder accepts only the Reveal that
// opens the commitment of the Commit it answered (keyexchange,
// PROTOCOL.md, "Checks on receipt"). Without it, an attacker posing as the
// initiator could wait for the responder's key share and then try key
// shares of its own until the responder's check number equalled the one it
// already shows the other victim — CVE-2016-6271: a ZRTP library (bzrtp
// before 1.0.4) did not check the hash commitment on DHPart2, so a man in
// the middle could do exactly that.
//
// Here the attacker has sent one Commit and got bob's Response; it then
// tries other key shares — fresh initiators with the same identities and
// call ID, which accept bob's Response and produce Reveals for key shares
// the Commit did not commit to. bob rejects every one with ErrCommitment
// and stays where it was; it rejects every single-byte change of the
// genuine Reveal as well, and then the genuine Reveal still completes.
func TestCommitmentBindsReveal(t *testing.T) {
	callID := []byte("call-cve-2016-6271")
	initiator := keyexchange.Config{Role: keyexchange.Initiator, CallID: callID, LocalID: "alice", PeerID: "bob"}
	bob, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Responder, CallID: callID, LocalID: "bob", PeerID: "alice"})
	require.NoError(t, err)
	committed, err := keyexchange.New(initiator)
	require.NoError(t, err)
	commit, err := committed.Start()
	require.NoError(t, err)
	response, err := bob.Handle(commit)
	require.NoError(t, err)
	waiting := bob.State()

	const tries = 200
	for i := range tries {
		other, err := keyexchange.New(initiator)
		require.NoError(t, err)
		_, err = other.Start() // its own Commit is never sent
		require.NoError(t, err)
		reveal, err := other.Handle(response) // bob's key share, seen first
		require.NoError(t, err)
		_, err = bob.Handle(reveal)
		require.ErrorIs(t, err, keyexchange.ErrCommitment, "try %d", i)
		require.Equal(t, waiting, bob.State(), "try %d", i)
	}

	// Every single-byte change of the genuine Reveal is rejected too; the
	// changes to its key share and nonce (2 × 32 bytes) with ErrCommitment.
	reveal, err := committed.Handle(response)
	require.NoError(t, err)
	commitmentErrors := 0
	for off := range reveal {
		bad := bytes.Clone(reveal)
		bad[off] ^= 0x01
		_, err := bob.Handle(bad)
		require.Error(t, err, "Reveal byte %d changed", off)
		require.Equal(t, waiting, bob.State())
		if errors.Is(err, keyexchange.ErrCommitment) {
			commitmentErrors++
		}
	}
	assert.GreaterOrEqual(t, commitmentErrors, 64, "Reveal bytes whose change breaks the commitment")

	confirm, err := bob.Handle(reveal)
	require.NoError(t, err)
	_, err = committed.Handle(confirm)
	require.NoError(t, err)
	ra, err := committed.Result()
	require.NoError(t, err)
	rb, err := bob.Result()
	require.NoError(t, err)
	assert.Equal(t, verify.CheckNumber(ra), verify.CheckNumber(rb))
}

// What each party tells its user when the attacker claims compliance
// recording: E2EE off (or, with -require-e2ee, the call refused), and
// compare the number.
const (
	offNotice     = "end-to-end encryption is off: compliance recording is on for an account — compare the number to confirm"
	refusedNotice = "call refused: end-to-end encryption is required but would be off: compliance recording is on for an account — compare the number to confirm"
)

// TestLoopbackDowngrade places the call with the downgrade attacker in the
// relay (-mitm downgrade): it claims compliance recording to each party, so
// both run the call on transport SRTP only and the relay reads every
// payload. Both users are told why E2EE is off, both see a check number,
// and the numbers differ: the program reports the man in the middle.
func TestLoopbackDowngrade(t *testing.T) {
	var stdout bytes.Buffer
	rep, err := run(t.Context(), config{out: t.TempDir(), speed: 8, timeout: 25 * time.Second, mitm: mitmDowngrade}, &stdout)
	t.Log("\n" + stdout.String())
	require.ErrorIs(t, err, errMITM)
	assert.NotErrorIs(t, err, errRefused)
	assert.Equal(t, exitMITM, exitCode(err))
	require.NotNil(t, rep)

	for _, s := range []side{alice, bob} {
		assert.False(t, rep.decisions[s].E2EE, "%v: E2EE", s)
		assert.False(t, rep.decisions[s].Refused, "%v: refused", s)
	}
	assert.Equal(t, 2, strings.Count(stdout.String(), offNotice), "each side's notice")
	a, b, verdict := checkNumberRow(t, stdout.String())
	require.NotEmpty(t, a)
	require.NotEmpty(t, b)
	assert.False(t, verify.Equal(a, b))
	assert.Equal(t, "DIFFERENT", verdict)
	require.NotNil(t, rep.mitm)
	assert.Equal(t, rep.mitm.checkNumbers, [2]string{a, b})
	assert.Contains(t, stdout.String(), "man in the middle detected")

	// The call worked, and the relay read all of it.
	relay, _, video := rep.relayTotals()
	assert.Positive(t, relay.packets)
	assert.Equal(t, relay.packets, relay.readable, "relay: payloads read")
	assert.Equal(t, relay.packets, relay.plaintextSeen, "relay: sent media bytes found")
	assert.Positive(t, video.vp8Keyframes, "relay: VP8 keyframes read")
	for _, sr := range rep.streams {
		assert.Equal(t, len(sr.sent.track.frames), sr.framesIdentical, "%v %s: frames identical", sr.dir, sr.sent.track.name)
		assert.Zero(t, sr.tx.Sent.E2EEOverhead(), "no E2EE layer")
	}
	assert.Contains(t, stdout.String(), fmt.Sprintf("the relay read %d of %d payloads", relay.packets, relay.packets))
	// The verdict names only the attack.
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		assert.Len(t, joined.Unwrap(), 1, "errors besides the check numbers: %v", err)
	}
}

// TestLoopbackDowngradeRefused: the same attack on parties that require
// E2EE (-require-e2ee). Both handshakes complete, each party's decision is
// refused, callseal.New refuses to start the call, no media flows, and
// each side's reason and check number are printed (they differ).
func TestLoopbackDowngradeRefused(t *testing.T) {
	var stdout bytes.Buffer
	rep, err := run(t.Context(), config{out: t.TempDir(), speed: 8, timeout: 25 * time.Second,
		mitm: mitmDowngrade, requireE2EE: true}, &stdout)
	t.Log("\n" + stdout.String())
	require.ErrorIs(t, err, errRefused)
	assert.Equal(t, exitRefused, exitCode(err))
	require.NotNil(t, rep)
	for _, s := range []side{alice, bob} {
		assert.True(t, rep.decisions[s].Refused, "%v: refused", s)
		assert.Equal(t, policy.ReasonComplianceRecording, rep.decisions[s].Reason)
		var pe *keyexchange.PolicyError
		require.ErrorAs(t, rep.refusals[s], &pe, "%v: callseal.New's error", s)
		assert.ErrorIs(t, rep.refusals[s], keyexchange.ErrE2EERequired)
	}
	assert.Equal(t, 2, strings.Count(stdout.String(), refusedNotice), "each side's notice")
	assert.Empty(t, rep.streams, "no media")
	a, b, _ := checkNumberRow(t, stdout.String())
	assert.False(t, verify.Equal(a, b), "the attacker's two handshakes")
	assert.Contains(t, stdout.String(), "CALL REFUSED")
}

// TestLoopbackRequireE2EE: without an attacker, parties that require E2EE
// get an ordinary end-to-end encrypted call.
func TestLoopbackRequireE2EE(t *testing.T) {
	var stdout bytes.Buffer
	rep, err := run(t.Context(), config{out: t.TempDir(), speed: 8, timeout: 25 * time.Second, requireE2EE: true}, &stdout)
	t.Log("\n" + stdout.String())
	require.NoError(t, err)
	assert.True(t, rep.e2ee())
	relay, _, _ := rep.relayTotals()
	assert.Zero(t, relay.readable)
	assert.Contains(t, stdout.String(), "check numbers match: yes")
}

// TestParseFlags: -mitm alone is the re-sealing attacker, "-mitm
// downgrade" (two arguments) and -mitm=downgrade the downgrade, in any
// position among the other flags; a stray word is an error.
func TestParseFlags(t *testing.T) {
	for _, c := range []struct {
		args    string
		mitm    mitmMode
		require bool
		speed   float64
		bad     bool
	}{
		{args: "", mitm: mitmNone, speed: 2},
		{args: "-mitm", mitm: mitmReseal, speed: 2},
		{args: "-speed 4 -mitm", mitm: mitmReseal, speed: 4},
		{args: "-mitm -speed 4", mitm: mitmReseal, speed: 4},
		{args: "-mitm downgrade", mitm: mitmDowngrade, speed: 2},
		{args: "--mitm downgrade", mitm: mitmDowngrade, speed: 2},
		{args: "-mitm=downgrade", mitm: mitmDowngrade, speed: 2},
		{args: "-mitm downgrade -require-e2ee -speed 4", mitm: mitmDowngrade, require: true, speed: 4},
		{args: "-require-e2ee -mitm downgrade", mitm: mitmDowngrade, require: true, speed: 2},
		{args: "-mitm=false", mitm: mitmNone, speed: 2},
		{args: "-require-e2ee", require: true, speed: 2},
		{args: "downgrade", bad: true},
		{args: "-speed 4 downgrade", bad: true},
		{args: "-mitm foo", bad: true},
		{args: "-mitm=foo", bad: true},
		{args: "-mitm downgrade downgrade", bad: true},
	} {
		fs := flag.NewFlagSet("loopback", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg, err := parseFlags(fs, strings.Fields(c.args))
		if c.bad {
			assert.Error(t, err, "%q", c.args)
			continue
		}
		require.NoError(t, err, "%q", c.args)
		assert.Equal(t, c.mitm, cfg.mitm, "%q: -mitm", c.args)
		assert.Equal(t, c.require, cfg.requireE2EE, "%q: -require-e2ee", c.args)
		assert.Equal(t, c.speed, cfg.speed, "%q: -speed", c.args)
	}
}
