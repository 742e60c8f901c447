package main

import (
	"errors"
	"strings"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/policy"
	"github.com/callseal/callseal/verify"
)

// errMITM is in the error of run when the two check numbers differ: the
// users would see it, and someone is in the middle of the call. main exits
// with exitMITM for it.
var errMITM = errors.New("man in the middle detected: the check numbers differ")

// errRefused is in the error of run when a party refused the call after
// its handshake: it requires E2EE (policy.Party.RequireE2EE) and policy
// turned it off. main exits with exitRefused for it.
var errRefused = errors.New("call refused: end-to-end encryption is required and would be off")

// Exit statuses of the program.
const (
	exitOK      = 0 // the call worked and the check numbers match
	exitFail    = 1 // the call failed, or a frame was lost or changed
	exitUsage   = 2 // the command line is invalid (as the flag package exits)
	exitMITM    = 3 // the check numbers differ: a man in the middle was detected (as with -mitm)
	exitRefused = 4 // the call was refused: a party requires E2EE and it would be off (-require-e2ee)
)

// exitCode maps the error of run to the exit status. A refusal takes
// precedence: no media flowed, whatever the check numbers say.
func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errRefused):
		return exitRefused
	case errors.Is(err, errMITM):
		return exitMITM
	}
	return exitFail
}

// userNotice is what a party tells its user about the call's encryption,
// next to the check number, which the users compare in every case: with
// E2EE off or the call refused it confirms that the reason is genuine (the
// handshake authenticates both policy states), since a man in the middle
// could otherwise claim any reason to switch E2EE off.
func userNotice(d policy.Decision) string {
	switch {
	case d.Refused:
		return "call refused: end-to-end encryption is required but would be off: " + d.Reason.String() +
			" — compare the number to confirm"
	case !d.E2EE:
		return "end-to-end encryption is off: " + d.Reason.String() + " — compare the number to confirm"
	}
	return "end-to-end encrypted — compare the number to confirm"
}

// sasStrings are the strings a party shows for the users to compare: the
// check number and the other renderings of package verify.
type sasStrings struct {
	check  string
	digits string // verify.Digits(res, 6)
	words  string
	b32    string
	emoji  [verify.EmojiCount]verify.EmojiSymbol
}

func sasOf(res *keyexchange.Result) sasStrings {
	return sasStrings{
		check:  verify.CheckNumber(res),
		digits: verify.Digits(res, 6),
		words:  verify.Words(res),
		b32:    verify.B32(res),
		emoji:  verify.Emoji(res),
	}
}

func (s sasStrings) emojiString() string {
	var b strings.Builder
	for i, e := range s.emoji {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.Emoji)
	}
	return b.String()
}

func (s sasStrings) emojiNames() string {
	var names []string
	for _, e := range s.emoji {
		names = append(names, e.Name)
	}
	return strings.Join(names, " ")
}

// printSAS writes each party's check number on a line of its own, in the
// fixed form "alice check number: dddd dddd dddd dddd dddd" that scripts
// and tests look for, then the strings of both parties side by side, one
// rendering per row, and whether each pair is equal (verify.Equal).
func printSAS(p func(string, ...any), sas [2]sasStrings) {
	a, b := sas[alice], sas[bob]
	p("alice check number: %s", a.check)
	p("bob check number: %s", b.check)
	p("")
	same := func(x, y string) string {
		if verify.Equal(x, y) {
			return "equal"
		}
		return "DIFFERENT"
	}
	p("  %-14s %-26s %s", "", "alice sees", "bob sees")
	for _, r := range []struct{ name, x, y string }{
		{"check number", a.check, b.check},
		{"6 digits", a.digits, b.digits},
		{"words (B256)", a.words, b.words},
		{"base32 (B32)", a.b32, b.b32},
	} {
		p("  %-14s %-26s %-26s %s", r.name, r.x, r.y, same(r.x, r.y))
	}
	// Emoji are as wide as two letters or one, depending on the terminal,
	// so they get a line each rather than a column.
	p("  %-14s alice: %s  %s", "emoji", a.emojiString(), a.emojiNames())
	p("  %-14s bob:   %s  %s   %s", "", b.emojiString(), b.emojiNames(), same(a.emojiNames(), b.emojiNames()))
}

// describeMITM explains the attack that -mitm ran, from its report.
func describeMITM(p func(string, ...any), m *mitmReport, sas [2]sasStrings) {
	if m.mode == mitmDowngrade {
		describeDowngrade(p, m, sas)
		return
	}
	p("the attacker in the relay (-mitm):")
	p("  ran its own handshake with each party: with alice as \"bob\" (check number %s),", m.checkNumbers[alice])
	p("  with bob as \"alice\" (check number %s); both handshakes passed every check", m.checkNumbers[bob])
	for _, dir := range []direction{aliceToBob, bobToAlice} {
		v := m.views[dir]
		p("  %-13v opened and sealed again %d packets (%d failed): VP8 keyframes read %d, sent media bytes seen in %d",
			dir, m.opened[dir], m.failed[dir], v.vp8Keyframes, v.plaintextSeen)
	}
	if sas[alice].check != sas[bob].check {
		p("  so the call worked, but alice and bob see different check numbers: reading them aloud reveals the attack")
	}
}

// describeDowngrade explains the attack that -mitm downgrade ran.
func describeDowngrade(p func(string, ...any), m *mitmReport, sas [2]sasStrings) {
	p("the attacker in the relay (-mitm downgrade):")
	p("  ran its own handshake with each party, claiming in each that the other side's account is under")
	p("  compliance recording (its policy state in the handshake); the decisions:")
	p("  with alice as \"bob\" (check number %s): %v", m.checkNumbers[alice], m.claimed[alice])
	p("  with bob as \"alice\" (check number %s): %v", m.checkNumbers[bob], m.claimed[bob])
	p("  both handshakes passed every check: nothing was changed inside either of them")
	refused := m.claimed[alice].Refused || m.claimed[bob].Refused
	if refused {
		p("  but a party requires end-to-end encryption (-require-e2ee), so the call is refused: no media flows")
	} else {
		p("  so the call runs on transport SRTP only, which the relay terminates: it reads the media (below)")
	}
	if sas[alice].check != sas[bob].check {
		p("  alice and bob see different check numbers: comparing them reveals the forged reason")
	}
}
