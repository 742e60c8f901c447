package bridge

import (
	"errors"
	"fmt"
	"testing"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/verify"
)

func TestOptionsConfig(t *testing.T) {
	o := Options{Role: "responder", CallID: "call-1", LocalID: "a", PeerID: "b", Suites: SuiteNames}
	cfg, err := o.Config()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Role != keyexchange.Responder || string(cfg.CallID) != "call-1" || cfg.LocalID != "a" || cfg.PeerID != "b" {
		t.Errorf("Config() = %+v", cfg)
	}
	want := []keyexchange.Suite{keyexchange.X25519_MLKEM768_SHA256, keyexchange.X25519_SHA256}
	if fmt.Sprint(cfg.Suites) != fmt.Sprint(want) {
		t.Errorf("Suites = %v, want %v", cfg.Suites, want)
	}
	if cfg, err := (Options{Role: "initiator"}).Config(); err != nil || cfg.Suites != nil {
		t.Errorf("no suites: Config() = %v, %v; want nil suites (the default)", cfg.Suites, err)
	}
	for _, bad := range []Options{
		{Role: ""}, {Role: "Initiator"}, {Role: "initiator", Suites: []string{"X25519"}},
	} {
		if _, err := bad.Config(); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("%+v: err = %v, want ErrInvalidOption", bad, err)
		}
	}
}

func TestCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("other"), CodeUnknown},
		{fmt.Errorf("x: %w", ErrInvalidOption), "ErrInvalidOption"},
		{fmt.Errorf("x: %w", keyexchange.ErrMalformed), "ErrMalformed"},
		{fmt.Errorf("%w: %w", keyexchange.ErrIdentity, keyexchange.ErrCallID), "ErrCallID"},
		{fmt.Errorf("%w", keyexchange.ErrIdentity), "ErrIdentity"},
		{fmt.Errorf("%w: %w", keyexchange.ErrE2EEDisabled, keyexchange.ErrE2EERequired), "ErrE2EERequired"},
		{fmt.Errorf("%w: %w", keyexchange.ErrSecretsTaken, keyexchange.ErrWiped), "ErrWiped"},
		{fmt.Errorf("e2ee: media secrets: %w", keyexchange.ErrSecretsTaken), "ErrSecretsTaken"},
		{fmt.Errorf("x: %w", e2ee.ErrAuth), "ErrAuth"},
		{fmt.Errorf("x: %w", e2ee.ErrReplay), "ErrReplay"},
		{fmt.Errorf("x: %w", e2ee.ErrMalformed), "ErrMalformed"},
	} {
		if got := Code(tc.err); got != tc.want {
			t.Errorf("Code(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	// Every code is the name of its sentinel, not shadowed by an earlier
	// one; only ErrMalformed names two (keyexchange's and e2ee's).
	seen := map[string]bool{}
	for _, c := range codes {
		if (seen[c.code] && c.code != "ErrMalformed") || Code(c.err) != c.code {
			t.Errorf("code %q: duplicate or shadowed by an earlier sentinel (Code = %q)", c.code, Code(c.err))
		}
		seen[c.code] = true
	}
}

// TestHandshake runs a handshake between two Configs built from Options,
// for each suite the page may name, and from a malformed message.
func TestHandshake(t *testing.T) {
	for _, suite := range SuiteNames {
		t.Run(suite, func(t *testing.T) {
			i, r := handshakePair(t, []string{suite})
			if _, err := r.Handle([]byte{0xff}); Code(err) != "ErrMalformed" {
				t.Errorf("garbage: code %q (%v), want ErrMalformed", Code(err), err)
			}
			msg, err := i.Start()
			for err == nil && msg != nil {
				if msg, err = r.Handle(msg); err == nil && msg != nil {
					msg, err = i.Handle(msg)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			ri, err := i.Result()
			if err != nil {
				t.Fatal(err)
			}
			rr, err := r.Result()
			if err != nil {
				t.Fatal(err)
			}
			if ri.Suite().String() != suite || verify.CheckNumber(ri) != verify.CheckNumber(rr) {
				t.Errorf("suite %v, check numbers %q and %q", ri.Suite(), verify.CheckNumber(ri), verify.CheckNumber(rr))
			}
		})
	}
}

func handshakePair(t *testing.T, suites []string) (i, r *keyexchange.Handshake) {
	t.Helper()
	for _, o := range []struct {
		opts Options
		hs   **keyexchange.Handshake
	}{
		{Options{Role: "initiator", CallID: "c", LocalID: "page", PeerID: "go", Suites: suites}, &i},
		{Options{Role: "responder", CallID: "c", LocalID: "go", PeerID: "page", Suites: SuiteNames}, &r},
	} {
		cfg, err := o.opts.Config()
		if err != nil {
			t.Fatal(err)
		}
		if *o.hs, err = keyexchange.New(cfg); err != nil {
			t.Fatal(err)
		}
	}
	return i, r
}

func TestParseKindCodec(t *testing.T) {
	for _, k := range kinds {
		if got, err := ParseKind(k.String()); got != k || err != nil {
			t.Errorf("ParseKind(%q) = %v, %v", k, got, err)
		}
	}
	for _, c := range codecs {
		if got, err := ParseCodec(c.String()); got != c || err != nil {
			t.Errorf("ParseCodec(%q) = %v, %v", c, got, err)
		}
	}
	for _, bad := range []string{"", "Audio", "MediaKind(3)"} {
		if _, err := ParseKind(bad); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("ParseKind(%q): err = %v, want ErrInvalidOption", bad, err)
		}
	}
	for _, bad := range []string{"", "VP8", "h264", "FrameCodec(3)"} {
		if _, err := ParseCodec(bad); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("ParseCodec(%q): err = %v, want ErrInvalidOption", bad, err)
		}
	}
}
