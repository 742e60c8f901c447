package main

import (
	"errors"
	"fmt"
	"slices"

	"github.com/callseal/callseal/internal/handshaketest"
	"github.com/callseal/callseal/keyexchange"
	"github.com/callseal/callseal/meeting"
	"github.com/callseal/callseal/policy"
)

// A conference is the key side of the meeting: the app's signaling, which
// carries handshakes and key messages between the leader and each
// participant (in one process here: direct calls), and the membership
// changes. Each change delivers its key messages to everyone, installs the
// new epoch's receive keys everywhere, and only then switches every sender
// to it, so that no packet is sealed under an epoch a member does not
// hold yet.
type conference struct {
	cfg      meeting.Config
	decision policy.MeetingDecision
	parts    map[int]*participant // in the meeting
	leader   *participant
	mitm     int // participant number with an attacker on its channel to the leader; -1 for none
	log      func(format string, args ...any)
	blocked  map[int]policy.Admission
	// attacker is the man in the middle's own Leader, with its own meeting
	// key, which it shows to the victim in place of the real leader's.
	attacker *meeting.Leader
	// leaderCodes are the codes of every leader the meeting had.
	leaderCodes []string
	// overheard collects the broadcast notices, for the leaver to try.
	overheard [][]byte
}

// handshake runs the callseal handshake between participant id
// (initiator) and the leader (responder), as the app's signaling carries
// it, and returns both sides' Results.
func handshake(meetingID []byte, id, leaderID string) (member, lead *keyexchange.Result, err error) {
	return handshaketest.Run(handshaketest.Pair(append(slices.Clone(meetingID), "/"+id...), id, leaderID))
}

// admit lets participant p into the meeting: policy admission, a
// handshake with the leader, the Welcome to p and the Join notice to
// everyone else. With an attacker on p's channel, p's handshake runs with
// the attacker, who poses as the leader (and as p to the leader) and
// welcomes p into its own meeting with its own key: p's code differs.
func (c *conference) admit(p *participant, pol policy.Participant) error {
	if a := c.decision.Admit(pol); !a.Admitted {
		c.blocked[p.num] = a
		c.log("%s: %v (%v)", p.id, a, a.Err())
		return a.Err()
	}
	l := c.leader.leader
	mr, lr, err := handshake(c.cfg.MeetingID, p.id, l.ID())
	if err != nil {
		return fmt.Errorf("%s: handshake: %w", p.id, err)
	}
	welcome, notice, err := l.Admit(lr)
	if err != nil {
		return fmt.Errorf("%s: admit: %w", p.id, err)
	}
	if p.num == c.mitm {
		// The attacker completed the leader's handshake posing as p (lr);
		// it now runs its own with p, posing as the leader.
		if mr, welcome, err = c.intercept(p, l.ID()); err != nil {
			return err
		}
	}
	if p.member, err = meeting.NewMember(c.cfg, mr); err != nil {
		return err
	}
	if err := p.member.Handle(welcome); err != nil {
		return fmt.Errorf("%s: welcome: %w", p.id, err)
	}
	c.parts[p.num] = p
	if notice != nil {
		c.broadcast(notice, p.num)
	}
	return nil
}

// intercept is the man in the middle's side of p's join: a handshake with
// p in which it poses as the leader, and a Welcome from its own Leader.
func (c *conference) intercept(p *participant, leaderID string) (*keyexchange.Result, []byte, error) {
	if c.attacker == nil {
		var err error
		if c.attacker, err = meeting.NewLeader(c.cfg, leaderID); err != nil {
			return nil, nil, err
		}
	}
	mr, ar, err := handshake(c.cfg.MeetingID, p.id, leaderID)
	if err != nil {
		return nil, nil, err
	}
	welcome, _, err := c.attacker.Admit(ar)
	return mr, welcome, err
}

// broadcast delivers a signed notice to every member but skip. The
// attacker drops those meant for its victim, whose meeting it fakes.
func (c *conference) broadcast(notice []byte, skip int) {
	c.overheard = append(c.overheard, notice)
	for _, n := range c.sorted() {
		q := c.parts[n]
		if n == skip || q.member == nil || n == c.mitm {
			continue
		}
		if err := q.member.Handle(notice); err != nil {
			c.log("%s: notice: %v", q.id, err)
		}
	}
}

// settle installs every participant's new receive keys, then switches
// every sender to its current epoch, and records the codes they show.
func (c *conference) settle() {
	for _, n := range c.sorted() {
		c.parts[n].installKeys()
	}
	for _, n := range c.sorted() {
		c.parts[n].switchSend()
		c.parts[n].showCode()
	}
}

// remove is a leave: the leader seals a fresh epoch secret to each
// remaining member; the leaver gets nothing.
func (c *conference) remove(p *participant) error {
	out, err := c.leader.leader.Remove(p.id)
	if err != nil {
		return err
	}
	delete(c.parts, p.num)
	for _, o := range out {
		var q *participant
		for _, x := range c.parts {
			if x.id == o.To {
				q = x
			}
		}
		if q == nil || q.num == c.mitm {
			continue
		}
		if err := q.member.Handle(o.Msg); err != nil {
			return fmt.Errorf("%s: rekey: %w", q.id, err)
		}
	}
	return nil
}

// handOver makes participant to the new leader: a Handover notice, the
// new Leader (new key, new code, new epoch), a handshake of every member
// with it and its Welcome. The old leader steps out; it rejoins the new
// one as a newcomer (rejoin).
func (c *conference) handOver(to *participant) error {
	old := c.leader
	notice, err := old.leader.HandOver(to.id)
	if err != nil {
		return err
	}
	c.broadcast(notice, old.num)
	if to.num == c.mitm {
		return errors.New("the example's attacker does not follow its victim into leadership")
	}
	nl, err := to.member.TakeOver()
	if err != nil {
		return err
	}
	to.leader, to.member = nl, nil
	c.leader = to
	c.leaderCodes = append(c.leaderCodes, nl.Code())
	c.attacker = nil // a new leader: the attacker runs a new handshake with its victim
	for _, n := range c.sorted() {
		q := c.parts[n]
		if q == to || q == old {
			continue
		}
		mr, lr, err := handshake(c.cfg.MeetingID, q.id, to.id)
		if err != nil {
			return err
		}
		welcome, _, err := nl.Admit(lr)
		if err != nil {
			return err
		}
		if q.num == c.mitm {
			// Its new handshake runs through the attacker again.
			if mr, welcome, err = c.intercept(q, to.id); err != nil {
				return err
			}
			if q.member, err = meeting.NewMember(c.cfg, mr); err != nil {
				return err
			}
		} else if err := q.member.NewLeader(mr); err != nil {
			return fmt.Errorf("%s: new leader: %w", q.id, err)
		}
		if err := q.member.Handle(welcome); err != nil {
			return fmt.Errorf("%s: welcome of the new leader: %w", q.id, err)
		}
	}
	c.settle() // everyone moves to the new epoch, but the old leader
	// The old leader is out of the meeting until it rejoins as a newcomer
	// (rejoin): its media pauses. Its old keys stay with its Leader for
	// the grace period.
	old.crypt.pause()
	delete(c.parts, old.num)
	return nil
}

// rejoin lets the old leader in again as a newcomer of the new leader. It
// comes a moment after the hand-over: each change erases the epoch before
// the previous one at once, so packets of the epoch before the hand-over
// still in flight must have arrived.
func (c *conference) rejoin(old *participant, pol policy.Participant) error {
	prev := old.leader
	old.leader = nil
	if err := c.admit(old, pol); err != nil {
		return err
	}
	prev.Close()
	return nil
}

func (c *conference) sorted() []int {
	ns := make([]int, 0, len(c.parts))
	for n := range c.parts {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}
