package attack

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/callseal/callseal"
	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/e2ee/pioninterceptor"
	"github.com/callseal/callseal/e2ee/sframe"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/srtp"
	"github.com/stretchr/testify/require"
)

// holder is an app's struct that holds a callseal value as an exported
// field, as an app logs its call state.
type holder[T any] struct {
	Call  string
	Value T
}

// redactCase is one type that holds key material: real values of it
// holding the known secrets, and facts its %v must still show.
type redactCase struct {
	name    string
	forms   []any    // the value, alone and inside an app's structs
	secrets [][]byte // key material the value holds
	want    []string // substrings %v of forms[0] must contain
}

// formsOf returns v alone, behind a pointer, as a field of an app's struct
// (by value and by pointer), in a slice and in a map.
func formsOf[T any](v T) []any {
	return []any{v, &v, holder[T]{"c1", v}, &holder[T]{"c1", v}, []T{v}, map[string]T{"k": v}}
}

// fmtVerbs are the verbs every value is printed with.
var fmtVerbs = []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"}

// renderings returns v as fmt prints it with every verb, as slog's text
// and JSON handlers log it, and as encoding/json encodes it.
func renderings(v any) map[string]string {
	out := map[string]string{}
	for _, verb := range fmtVerbs {
		out["fmt "+verb] = fmt.Sprintf(verb, v)
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).LogAttrs(context.Background(), slog.LevelInfo, "call", slog.Any("v", v))
	slog.New(slog.NewJSONHandler(&js, nil)).Info("call", "v", v)
	out["slog text"], out["slog json"] = text.String(), js.String()
	b, err := json.Marshal(v)
	out["json"] = string(b) + fmt.Sprint(err)
	return out
}

// encodings returns the forms in which a secret could appear in a
// rendering: hex (either case) and raw or quoted bytes of every 6-byte
// window, base64 of its start, decimal and hex byte lists (fmt, %#v,
// JSON), and the decimal big-endian words of every 4- and 8-byte window
// (how a salt kept as integers prints).
func encodings(s []byte) []string {
	var out []string
	for i := 0; i+6 <= len(s); i++ {
		w := s[i : i+6]
		out = append(out, hex.EncodeToString(w), strings.ToUpper(hex.EncodeToString(w)), string(w),
			strings.Trim(strconv.Quote(string(w)), `"`))
	}
	for i := 0; i+4 <= len(s); i++ {
		if n := binary.BigEndian.Uint32(s[i:]); n >= 1e6 {
			out = append(out, strconv.FormatUint(uint64(n), 10))
		}
		if i+8 <= len(s) {
			out = append(out, strconv.FormatUint(binary.BigEndian.Uint64(s[i:]), 10))
		}
	}
	head := s[:min(len(s), 9)]
	out = append(out, base64.StdEncoding.EncodeToString(head), base64.URLEncoding.EncodeToString(head))
	var dec, hx []string
	for _, c := range s[:min(len(s), 8)] {
		dec = append(dec, strconv.Itoa(int(c)))
		hx = append(hx, fmt.Sprintf("%#x", c))
	}
	return append(out, strings.Join(dec, " "), strings.Join(dec, ","), strings.Join(hx, ", "))
}

// secretShapes catch key material the test does not know (the transport
// and exporter secrets of a Result, derived session keys): long hex, long
// decimal numbers, byte lists and base64.
var secretShapes = regexp.MustCompile(`[0-9a-fA-F]{24,}|[0-9]{15,}|(?:[0-9]{1,3}[ ,]+){12,}|[A-Za-z0-9+/]{40,}`)

// secretShaped returns the first part of out shaped like key material, or
// "". Hex that decodes to printable ASCII is text, not a key: fmt's %x of a
// struct hex-encodes its string fields and Stringers, such as the name of
// e2ee.Config's cipher suite.
func secretShaped(out string) string {
	for _, m := range secretShapes.FindAllString(out, -1) {
		if b, err := hex.DecodeString(m); err == nil && isPrintable(b) {
			continue
		}
		return m
	}
	return ""
}

func isPrintable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// nullTransport is a callseal.Transport that sends nowhere and whose Read
// waits for Close.
type nullTransport struct {
	once   sync.Once
	closed chan struct{}
}

func (n *nullTransport) Read([]byte) (int, error) { <-n.closed; return 0, net.ErrClosed }
func (n *nullTransport) Write(p []byte) (int, error) {
	return len(p), nil
}
func (n *nullTransport) Close() error { n.once.Do(func() { close(n.closed) }); return nil }

// patterned returns n distinct-looking bytes starting at seed.
func patterned(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*37)
	}
	return b
}

// redactCases builds, through the public API, a value of every exported
// type that holds key material.
func redactCases(t *testing.T) []redactCase {
	t.Helper()
	// A hybrid handshake with continuity: both Results hold every secret,
	// both stores a retained secret.
	rec := keyexchange.ContinuityRecord{Secret: [32]byte(patterned(1, 32)), Previous: [32]byte(patterned(2, 32)), HasPrevious: true}
	si := &memStore{recs: map[string]keyexchange.ContinuityRecord{"bob": rec}}
	sr := &memStore{recs: map[string]keyexchange.ContinuityRecord{"alice": rec}}
	setup := hsSetup{"hybrid", func(ci, cr *keyexchange.Config) {
		ci.Suites = []keyexchange.Suite{keyexchange.X25519_MLKEM768_SHA256}
		cr.Suites = ci.Suites
		ci.Continuity, cr.Continuity = si, sr
	}}
	i, r := newHandshake(t, setup, "rdc", "alice", "bob")
	h := &hs{i: i, r: r}
	h.advance(t, 3)
	_, err := i.Handle(h.msgs[3])
	require.NoError(t, err)
	_, err = i.Result()
	require.NoError(t, err)

	// A Result hands its media and transport secrets out once, so the
	// secrets are learned from a twin: an X25519 handshake run again with
	// the same randomness derives the same secrets. full and its
	// handshake keep every secret while they are printed; the sessions
	// below are keyed from further twins.
	fullI, full := twinResult(t)
	_, twin := twinResult(t)
	send, recv, err := twin.TakeMediaSecrets()
	require.NoError(t, err)
	tsend, trecv, err := twin.TakeTransportSecrets()
	require.NoError(t, err)
	sas := twin.SASSecret()
	resSecrets := [][]byte{send[:], recv[:], sas[:], tsend[:], trecv[:]}
	stored := si.recs["bob"]
	require.NotEqual(t, rec.Secret, stored.Secret, "the handshake saved a new retained secret")

	// An initiator after Start, with a known X25519 scalar and nonce.
	priv, nonce := patterned(0x28, 32), patterned(0x55, 32)
	priv[31] = 0x60 // a scalar X25519 would not change by clamping
	mid, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Initiator, CallID: []byte("rdc"),
		LocalID: "alice", PeerID: "bob", Rand: bytes.NewReader(append(bytes.Clone(priv), nonce...))})
	require.NoError(t, err)
	_, err = mid.Start()
	require.NoError(t, err)

	p := srtp.AES_CM_128_HMAC_SHA1_80
	_, forSRTP := twinResult(t)
	local, remote, err := srtp.KeysFromResult(p, forSRTP)
	require.NoError(t, err)
	srtpSess, err := srtp.NewSession(p, local, remote)
	require.NoError(t, err)
	keySecrets := func(ks ...srtp.Keys) (out [][]byte) {
		for _, k := range ks {
			out = append(out, k.MasterKey, k.MasterSalt)
		}
		return out
	}
	// The SRTP keys of the twins' transport secrets: nothing that holds
	// the Result may show them either.
	resSecrets = append(resSecrets, keySecrets(local, remote)...)

	_, forE2EE := twinResult(t)
	e2eeSess, err := e2ee.NewSession(forE2EE)
	require.NoError(t, err)
	t.Cleanup(func() { e2eeSess.Close() })
	factory := pioninterceptor.NewFactory()
	require.NoError(t, factory.SetSession(e2eeSess))

	// An SFrame key, its sframe_key and sframe_salt derived here as RFC
	// 9605, Section 4.4.2 says.
	base, kid, suite := patterned(0x11, 32), uint64(9), sframe.AES_128_GCM_SHA256_128
	key, err := sframe.NewKey(suite, kid, base)
	require.NoError(t, err)
	prk, err := hkdf.Extract(sha256.New, base, nil)
	require.NoError(t, err)
	label := binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint64(nil, kid), uint16(suite))
	sfKey, err := hkdf.Expand(sha256.New, prk, "SFrame 1.0 Secret key "+string(label), 16)
	require.NoError(t, err)
	sfSalt, err := hkdf.Expand(sha256.New, prk, "SFrame 1.0 Secret salt "+string(label), 12)
	require.NoError(t, err)

	// Root: a Session over a null transport, and KeySources of explicit
	// keys and of DTLS keying material.
	_, forRoot := twinResult(t)
	sess, err := callseal.New(forRoot, callseal.Config{Transport: &nullTransport{closed: make(chan struct{})}})
	require.NoError(t, err)
	t.Cleanup(func() { sess.Close() })
	hopL, hopR := srtpKeys(p, 0x71), srtpKeys(p, 0x93)
	hop := callseal.HopKeys(p, hopL, hopR)
	material := patterned(0x3c, 2*(p.KeySize()+p.SaltSize()))
	dtls := callseal.DTLSKeys(p, material, true)

	return []redactCase{
		{"keyexchange.Result", formsOf(full), resSecrets,
			[]string{"X25519_SHA256", "initiator", "alice", "bob", "[redacted]"}},
		{"keyexchange.Handshake (done)", formsOf(fullI), resSecrets, []string{"state=Done", "alice", "[redacted]"}},
		{"keyexchange.Handshake (after Start)", formsOf(mid), [][]byte{priv, nonce}, []string{"[redacted]"}},
		{"keyexchange.ContinuityRecord", formsOf(stored), [][]byte{stored.Secret[:], stored.Previous[:]},
			[]string{"has_previous=true", "[redacted]"}},
		{"srtp.Keys", formsOf(local), keySecrets(local), []string{"master_key_size=16", "[redacted]"}},
		{"srtp.Session", formsOf(srtpSess), keySecrets(local, remote), []string{"AES_CM_128_HMAC_SHA1_80", "[redacted]"}},
		{"e2ee.Session", formsOf(e2eeSess), resSecrets, []string{"[redacted]"}},
		{"sframe.Key", formsOf(key), [][]byte{base, sfKey, sfSalt}, []string{"AES_128_GCM_SHA256_128", "kid=9", "[redacted]"}},
		{"pioninterceptor.Factory", formsOf(factory), resSecrets, []string{"e2ee.Session", "[redacted]"}},
		{"callseal.Session", formsOf(sess), resSecrets, []string{"e2ee=true", "[redacted]"}},
		{"callseal.KeySource (HopKeys)", formsOf(hop), keySecrets(hopL, hopR), []string{"AES_CM_128_HMAC_SHA1_80", "[redacted]"}},
		{"callseal.KeySource (DTLSKeys)", formsOf(dtls), [][]byte{material[:16], material[16:32], material[32:46], material[46:]}, nil},
		{"callseal.Config", formsOf(callseal.Config{SRTP: hop}), keySecrets(hopL, hopR), nil},
	}
}

// twinResult runs an X25519 handshake between alice and bob whose
// randomness is fixed, so every call derives the same secrets, and returns
// the initiator's Handshake and Result.
func twinResult(t *testing.T) (*keyexchange.Handshake, *keyexchange.Result) {
	t.Helper()
	setup := hsSetup{"twin", func(ci, cr *keyexchange.Config) {
		ci.Rand = bytes.NewReader(patterned(0xa1, 64))
		cr.Rand = bytes.NewReader(patterned(0xb7, 64))
	}}
	i, r := newHandshake(t, setup, "twin", "alice", "bob")
	h := &hs{i: i, r: r}
	h.advance(t, 3)
	_, err := i.Handle(h.msgs[3])
	require.NoError(t, err)
	res, err := i.Result()
	require.NoError(t, err)
	return i, res
}

// TestRedaction prints and logs every exported type that holds key
// material, alone and inside an app's structs, with every fmt verb, with
// slog's text and JSON handlers and with encoding/json, and checks that no
// secret byte appears in any encoding, nor anything shaped like key
// material.
func TestRedaction(t *testing.T) {
	for _, c := range redactCases(t) {
		t.Run(c.name, func(t *testing.T) {
			var enc []string
			for _, s := range c.secrets {
				require.GreaterOrEqual(t, len(s), 8, "secret too short to search for")
				require.NotEqual(t, make([]byte, len(s)), s, "secret is zero")
				enc = append(enc, encodings(s)...)
			}
			checks := 0
			for fi, v := range c.forms {
				for how, out := range renderings(v) {
					checks++
					for _, e := range enc {
						if strings.Contains(out, e) {
							t.Errorf("form %d (%T), %s: secret bytes (%q) in %q", fi, v, how, e, out)
						}
					}
					// %#v names the app's generic type by its import path.
					if m := secretShaped(strings.ReplaceAll(out, "github.com/callseal/callseal/", "")); m != "" {
						t.Errorf("form %d (%T), %s: %q looks like key material in %q", fi, v, how, m, out)
					}
				}
			}
			got := fmt.Sprintf("%v", c.forms[0])
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("%%v = %q, want it to show %q", got, w)
				}
			}
			t.Logf("%d renderings; %%v: %s", checks, got)
		})
	}
}
