package meeting_test

import (
	"fmt"
	"log"

	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/meeting"
)

// pairwise runs the callseal handshake between a participant and the
// leader, passing the messages directly where an app uses its signaling.
func pairwise(participant, leader string) (member, lead *keyexchange.Result) {
	callID := []byte("meeting-42/" + participant)
	ini, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Initiator, CallID: callID, LocalID: participant, PeerID: leader})
	if err != nil {
		log.Fatal(err)
	}
	res, err := keyexchange.New(keyexchange.Config{Role: keyexchange.Responder, CallID: callID, LocalID: leader, PeerID: participant})
	if err != nil {
		log.Fatal(err)
	}
	msg, err := ini.Start()
	for i := 0; err == nil && msg != nil; i++ {
		if i%2 == 0 {
			msg, err = res.Handle(msg)
		} else {
			msg, err = ini.Handle(msg)
		}
	}
	if err != nil {
		log.Fatal(err)
	}
	member, _ = ini.Result()
	lead, _ = res.Result()
	return member, lead
}

// A leader admits two participants; everyone shows the same meeting code
// and derives the same sender keys. A leave gives the rest a fresh epoch.
func Example() {
	cfg := meeting.Config{MeetingID: []byte("meeting-42")}
	leader, err := meeting.NewLeader(cfg, "alice")
	if err != nil {
		log.Fatal(err)
	}
	members := map[string]*meeting.Member{}
	for _, id := range []string{"bob", "carol"} {
		mine, theirs := pairwise(id, "alice")
		m, err := meeting.NewMember(cfg, mine)
		if err != nil {
			log.Fatal(err)
		}
		welcome, notice, err := leader.Admit(theirs)
		if err != nil {
			log.Fatal(err)
		}
		if err := m.Handle(welcome); err != nil { // over the app's signaling, to the newcomer
			log.Fatal(err)
		}
		for _, other := range members { // broadcast to everyone else
			if err := other.Handle(notice); err != nil {
				log.Fatal(err)
			}
		}
		members[id] = m
	}
	code, _ := members["carol"].Code()
	fmt.Println("epoch", leader.Epoch(), "same code:", code == leader.Code())

	bobKey, _ := members["bob"].Current().SenderBaseKey(1, meeting.Audio)
	carolKey, _ := members["carol"].Current().SenderBaseKey(1, meeting.Audio)
	fmt.Println("same key for bob's audio:", string(bobKey) == string(carolKey))

	out, err := leader.Remove("carol")
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range out {
		if err := members[o.To].Handle(o.Msg); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("after the leave: epoch", members["bob"].Epoch(), "roster", members["bob"].Roster())
	// Output:
	// epoch 2 same code: true
	// same key for bob's audio: true
	// after the leave: epoch 3 roster [{0 alice} {1 bob}]
}

// The KID names the epoch (low bits), the sender index and the media kind.
func ExampleKID() {
	kid := meeting.KID(3, 1, meeting.Video)
	epochBits, index, kind, err := meeting.ParseKID(kid)
	fmt.Printf("%#x %d %d %v %v\n", kid, epochBits, index, kind, err)
	// Output: 0x1013 3 1 video <nil>
}
