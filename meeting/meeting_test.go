package meeting

import (
	"testing"
)

// TestMeeting200 runs a 200-participant meeting in memory through joins,
// leaves and a leader hand-over; after each change every member shows the
// leader's code and derives the leader's sender keys.
func TestMeeting200(t *testing.T) {
	s := newSim(t, 200)
	if got := len(s.leader.Roster()); got != 200 {
		t.Fatalf("roster of %d", got)
	}
	if s.leader.Epoch() != 199 {
		t.Fatalf("epoch %d after 199 joins", s.leader.Epoch())
	}
	s.checkAgree()
	code := s.leader.Code()

	s.leave(pid(7), pid(150), pid(199))
	s.checkAgree()
	s.leave(pid(3))
	s.checkAgree()
	for i := 200; i < 204; i++ {
		m := s.join(pid(i))
		if m.Index() > 199 {
			t.Fatalf("newcomer got index %d, freed indexes exist", m.Index())
		}
	}
	s.checkAgree()
	if s.leader.Code() != code {
		t.Fatal("the code changed without a leader change")
	}

	s.handover(pid(42))
	s.checkAgree()
	if s.leader.Code() == code {
		t.Fatal("the code did not change with the leader")
	}
	if s.leader.Index() != 42 || s.leader.ID() != pid(42) {
		t.Fatalf("new leader at index %d", s.leader.Index())
	}
	s.join(pid(300))
	s.leave(pid(10))
	s.checkAgree()
}
