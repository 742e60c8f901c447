package meeting

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/meeting_vectors.json from the implementation")

const vectorFile = "testdata/meeting_vectors.json"

// meetingVector is one meeting run with fixed randomness, documented in
// PROTOCOL.md ("Test vectors"). Byte strings are hex.
type meetingVector struct {
	MeetingID       string   `json:"meeting_id"`
	LeaderID        string   `json:"leader_id"`
	MemberID        string   `json:"member_id"`
	NewcomerID      string   `json:"newcomer_id"`
	RandMember      string   `json:"rand_member_handshake"`   // member's keyexchange Rand (initiator)
	RandLeaderHS    string   `json:"rand_leader_handshake"`   // leader's keyexchange Rand with the member
	RandNewcomer    string   `json:"rand_newcomer_handshake"` // newcomer's keyexchange Rand
	RandLeaderHS2   string   `json:"rand_leader_handshake_2"` // leader's keyexchange Rand with the newcomer
	RandLeader      string   `json:"rand_leader"`             // Config.Rand: seed ‖ epoch-0 secret ‖ Remove's secret
	TranscriptHash  string   `json:"member_transcript_hash"`
	ChannelKey      string   `json:"member_channel_key"`
	LeaderPublicKey string   `json:"leader_public_key"`
	Fingerprint     string   `json:"fingerprint"`
	Code            string   `json:"code"`
	EpochSecrets    []string `json:"epoch_secrets"` // epochs 0..3
	WelcomeMember   string   `json:"welcome_member"`
	WelcomeNewcomer string   `json:"welcome_newcomer"`
	JoinNotice      string   `json:"join_notice_newcomer"`
	ResyncRequest   string   `json:"resync_request"`
	ResyncReply     string   `json:"resync_reply"`
	RekeyMember     string   `json:"rekey_member"`
	HandoverNotice  string   `json:"handover_notice"`
	SenderKeyE3I1V  string   `json:"sender_base_key_epoch3_index1_video"`
	KIDE3I1V        uint64   `json:"kid_epoch3_index1_video"`
}

// counting returns n bytes counting up from start (mod 256).
func counting(start, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(start + i)
	}
	return b
}

// makeVector runs the fixed meeting: alice leads, bob joins (epoch 1),
// carol joins (epoch 2), bob asks for a resync, carol is removed (epoch 3),
// alice hands over to bob.
func makeVector(t *testing.T) meetingVector {
	hx := hex.EncodeToString
	v := meetingVector{MeetingID: "meeting-17", LeaderID: "alice", MemberID: "bob", NewcomerID: "carol"}
	rands := [][]byte{counting(0x00, 64), counting(0x40, 64), counting(0x80, 64), counting(0xc0, 64), counting(0x20, 96)}
	v.RandMember, v.RandLeaderHS, v.RandNewcomer, v.RandLeaderHS2, v.RandLeader = hx(rands[0]), hx(rands[1]), hx(rands[2]), hx(rands[3]), hx(rands[4])
	cfg := Config{MeetingID: []byte(v.MeetingID), Rand: bytes.NewReader(rands[4])}
	leader, err := NewLeader(cfg, v.LeaderID)
	if err != nil {
		t.Fatal(err)
	}
	secret := func() {
		var s [EpochSecretSize]byte
		if err := leader.Current().copySecret(&s); err != nil {
			t.Fatal(err)
		}
		v.EpochSecrets = append(v.EpochSecrets, hx(s[:]))
	}
	secret()
	mr, lr := handshake(t, v.MemberID, v.LeaderID, bytes.NewReader(rands[0]), bytes.NewReader(rands[1]))
	th := mr.TranscriptHash()
	v.TranscriptHash = hx(th[:])
	ck, err := mr.Export(labelChannel, cfg.MeetingID, ChannelKeySize)
	if err != nil {
		t.Fatal(err)
	}
	v.ChannelKey = hx(ck)
	bob, err := NewMember(Config{MeetingID: cfg.MeetingID}, mr)
	if err != nil {
		t.Fatal(err)
	}
	welcome, _, err := leader.Admit(lr)
	if err != nil {
		t.Fatal(err)
	}
	v.WelcomeMember = hx(welcome)
	if err := bob.Handle(welcome); err != nil {
		t.Fatal(err)
	}
	secret()
	v.LeaderPublicKey = hx(leader.pub)
	fp := fingerprint(cfg.MeetingID, leader.pub)
	v.Fingerprint, v.Code = hx(fp[:]), leader.Code()

	cr, lr2 := handshake(t, v.NewcomerID, v.LeaderID, bytes.NewReader(rands[2]), bytes.NewReader(rands[3]))
	carol, err := NewMember(Config{MeetingID: cfg.MeetingID}, cr)
	if err != nil {
		t.Fatal(err)
	}
	welcome, notice, err := leader.Admit(lr2)
	if err != nil {
		t.Fatal(err)
	}
	v.WelcomeNewcomer, v.JoinNotice = hx(welcome), hx(notice)
	if err := carol.Handle(welcome); err != nil {
		t.Fatal(err)
	}
	if err := bob.Handle(notice); err != nil {
		t.Fatal(err)
	}
	secret()

	req, err := bob.ResyncRequest()
	if err != nil {
		t.Fatal(err)
	}
	reply, err := leader.Handle(v.MemberID, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := bob.Handle(reply); err != nil {
		t.Fatal(err)
	}
	v.ResyncRequest, v.ResyncReply = hx(req), hx(reply)

	out, err := leader.Remove(v.NewcomerID)
	if err != nil || len(out) != 1 {
		t.Fatal(err, len(out))
	}
	v.RekeyMember = hx(out[0].Msg)
	if err := bob.Handle(out[0].Msg); err != nil {
		t.Fatal(err)
	}
	secret()
	k, err := bob.Current().SenderBaseKey(1, Video)
	if err != nil {
		t.Fatal(err)
	}
	v.SenderKeyE3I1V, v.KIDE3I1V = hx(k), KID(3, 1, Video)
	ho, err := leader.HandOver(v.MemberID)
	if err != nil {
		t.Fatal(err)
	}
	v.HandoverNotice = hx(ho)
	if err := bob.Handle(ho); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMeetingVectors regenerates the vectors and pins them; -update
// rewrites the file after a deliberate change.
func TestMeetingVectors(t *testing.T) {
	got := makeVector(t)
	if *update {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(vectorFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := loadVector(t)
	if got.Code != want.Code || !jsonEqual(t, got, want) {
		t.Fatalf("vectors differ from %s (run with -update after a deliberate change)", vectorFile)
	}
}

func loadVector(t *testing.T) meetingVector {
	b, err := os.ReadFile(filepath.FromSlash(vectorFile))
	if err != nil {
		t.Fatal(err)
	}
	var v meetingVector
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func jsonEqual(t *testing.T, a, b meetingVector) bool {
	x, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(x, y)
}

// TestVectorsIndependent re-derives the vectors' values from PROTOCOL.md
// with the standard library alone, not through the package's code.
func TestVectorsIndependent(t *testing.T) {
	v := loadVector(t)
	un := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	field := func(b []byte) []byte { return append(binary.BigEndian.AppendUint16(nil, uint16(len(b))), b...) }
	mid := []byte(v.MeetingID)

	// Code: SHA-256(label ‖ len ‖ meeting ID ‖ key)[:16], 39 digits.
	pub := un(v.LeaderPublicKey)
	h := sha256.Sum256(append(append([]byte("callseal meeting code"), field(mid)...), pub...))
	if hex.EncodeToString(h[:16]) != v.Fingerprint {
		t.Fatal("fingerprint")
	}
	digits := new(big.Int).SetBytes(h[:16]).String()
	digits = strings.Repeat("0", 39-len(digits)) + digits
	if strings.ReplaceAll(v.Code, " ", "") != digits || len(strings.Fields(v.Code)) != 13 {
		t.Fatalf("code %q, digits %s", v.Code, digits)
	}

	// Welcome: AES-256-GCM, nonce = 00000001 ‖ seq, AAD = the first 14 bytes.
	open := func(msg []byte, dir uint32) []byte {
		block, err := aes.NewCipher(un(v.ChannelKey))
		if err != nil {
			t.Fatal(err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			t.Fatal(err)
		}
		nonce := binary.BigEndian.AppendUint32(nil, dir)
		nonce = append(nonce, msg[6:14]...)
		body, err := aead.Open(nil, nonce, msg[14:], msg[:14])
		if err != nil {
			t.Fatal(err)
		}
		return body
	}
	w := un(v.WelcomeMember)
	if w[0] != 1 || w[1] != 1 || binary.BigEndian.Uint32(w[2:]) != 1 || binary.BigEndian.Uint64(w[6:]) != 1 {
		t.Fatalf("welcome header % x", w[:14])
	}
	body := open(w, 1)
	if !bytes.Equal(body[:32], pub) {
		t.Fatal("welcome leader key")
	}
	proof := append(append([]byte("callseal meeting leader proof"), field(mid)...), un(v.TranscriptHash)...)
	proof = append(proof, field([]byte(v.MemberID))...)
	if !ed25519.Verify(pub, proof, body[32:96]) {
		t.Fatal("welcome proof")
	}
	if body[96] != 1 || body[97] != 0 || hex.EncodeToString(body[98:130]) != v.EpochSecrets[1] {
		t.Fatal("welcome index, leader index or secret")
	}
	if len(open(un(v.ResyncRequest), 2)) != 0 {
		t.Fatal("resync body")
	}
	rk := open(un(v.RekeyMember), 1)
	if hex.EncodeToString(rk[:32]) != v.EpochSecrets[3] || !bytes.Equal(rk[32:], []byte{1, 2}) {
		t.Fatalf("rekey body % x", rk[32:])
	}

	// Join ratchet: secret[2] = HKDF-Expand(secret[1], label ‖ 2, 32).
	next, err := hkdf.Expand(sha256.New, un(v.EpochSecrets[1]), "callseal meeting join\x00\x00\x00\x02", 32)
	if err != nil || hex.EncodeToString(next) != v.EpochSecrets[2] {
		t.Fatal("join ratchet")
	}
	// Notice: signature over label ‖ len ‖ meeting ID ‖ body.
	n := un(v.JoinNotice)
	nb := n[:len(n)-64]
	if !ed25519.Verify(pub, append(append([]byte("callseal meeting notice"), field(mid)...), nb...), n[len(n)-64:]) {
		t.Fatal("join notice signature")
	}
	if !bytes.Equal(nb, append([]byte{1, 0x11, 0, 0, 0, 2, 2}, field([]byte(v.NewcomerID))...)) {
		t.Fatalf("join notice body % x", nb)
	}
	// Sender base key.
	k, err := hkdf.Expand(sha256.New, un(v.EpochSecrets[3]), "callseal meeting sender\x00\x00\x00\x03\x01\x01", 32)
	if err != nil || hex.EncodeToString(k) != v.SenderKeyE3I1V {
		t.Fatal("sender base key")
	}
	if v.KIDE3I1V != 1<<12|1<<4|3 {
		t.Fatalf("KID %#x", v.KIDE3I1V)
	}
}
