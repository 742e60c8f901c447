package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/callseal/callseal/e2ee"
	"github.com/callseal/callseal/meeting"
	"github.com/callseal/callseal/policy"
	"github.com/callseal/callseal/srtp"
)

// The timeline of the meeting, from the start of the media.
const (
	lateJoinAt = 1500 * time.Millisecond
	leaveAt    = 2500 * time.Millisecond
	handOverAt = 3500 * time.Millisecond
	rejoinAt   = 3800 * time.Millisecond // the old leader rejoins
	drain      = 500 * time.Millisecond  // after the last packet sent
	unmuted    = 6                       // with -n > 5: participants that send
)

// meetingRun is one run of the program.
type meetingRun struct {
	o      options
	out    io.Writer
	tracks [3]*track
	sfu    *sfu
	conf   *conference
	all    []*participant // every participant, by number
	wg     sync.WaitGroup // senders and receivers
	stops  map[int]context.CancelFunc
	errMu  sync.Mutex
	errs   []error

	lateJoiner, leaver *participant
	joinEpoch          uint32 // the late joiner's first epoch
	leaveEpoch         uint32 // the leaver's last epoch
}

func runMeeting(ctx context.Context, o options, out io.Writer) (int, error) {
	r := &meetingRun{o: o, out: out, stops: map[int]context.CancelFunc{}}
	var err error
	if r.tracks, err = loadTracks(); err != nil {
		return exitFailed, err
	}

	// 1. Policy.
	m := policy.Meeting{Admin: o.admin, Enforced: o.enforced}
	organizer := policy.Participant{Role: policy.Organizer}
	if !o.enforced {
		if err := m.SetE2EE(organizer, true); err != nil {
			fmt.Fprintf(out, "policy: the organizer cannot turn on end-to-end encryption: %v\n", err)
			return exitRefused, nil
		}
	}
	d := policy.DecideMeeting(m)
	fmt.Fprintf(out, "policy: %v\n", d)
	if !d.E2EE {
		fmt.Fprintln(out, "policy: this program runs end-to-end encrypted meetings only; nothing falls back to clear media")
		return exitRefused, d.Err()
	}

	if r.sfu, err = newSFU(o.speakers, o.n <= 10); err != nil {
		return exitFailed, err
	}
	defer r.sfu.close()
	r.conf = &conference{
		cfg: meeting.Config{MeetingID: []byte("examples/meeting")}, decision: d,
		parts: map[int]*participant{}, mitm: o.mitm, blocked: map[int]policy.Admission{},
		log: func(f string, a ...any) { fmt.Fprintf(out, "  "+f+"\n", a...) },
	}
	for n := range o.n {
		p, err := r.newParticipant(n)
		if err != nil {
			return exitFailed, err
		}
		defer p.conn.Close()
		r.all = append(r.all, p)
	}
	r.leaver = r.all[2]
	for _, n := range []int{2, 3, 4} {
		if n != o.mitm && n != o.recorded && n < o.n-1 {
			r.leaver = r.all[n]
			break
		}
	}
	r.lateJoiner = r.all[o.n-1]
	r.leaver.keep, r.lateJoiner.keep = true, true

	// 2. Keys: the leader, then everyone but the late joiner.
	ld := r.all[0]
	if ld.leader, err = meeting.NewLeader(r.conf.cfg, ld.id); err != nil {
		return exitFailed, err
	}
	r.conf.leader = ld
	r.conf.leaderCodes = []string{ld.leader.Code()}
	r.conf.parts[0] = ld
	fmt.Fprintf(out, "keys: %s leads; %d participants run the handshake with it\n", ld.id, o.n-2)
	for _, p := range r.all[1 : o.n-1] {
		if err := r.conf.admit(p, r.policyOf(p)); err != nil && !errors.Is(err, policy.ErrBlocked) {
			return exitFailed, err
		}
	}
	r.conf.settle()
	for _, p := range r.all[:o.n-1] {
		if r.conf.parts[p.num] != nil {
			if err := r.attach(p); err != nil {
				return exitFailed, err
			}
		}
	}
	r.printCodes("codes at the start")

	// 3. Media.
	start := time.Now().Add(50 * time.Millisecond)
	for _, p := range r.all[:o.n-1] {
		if r.conf.parts[p.num] != nil {
			r.startMedia(ctx, p, start)
		}
	}

	// 4. Membership changes.
	if err := r.at(ctx, start, lateJoinAt); err != nil {
		return exitFailed, err
	}
	p := r.lateJoiner
	fmt.Fprintf(out, "%5.1fs  %s joins late\n", time.Since(start).Seconds(), p.id)
	if err := r.conf.admit(p, r.policyOf(p)); err == nil {
		r.conf.settle()
		r.joinEpoch = p.member.Epoch()
		if err := r.attach(p); err != nil {
			return exitFailed, err
		}
		r.startMedia(ctx, p, time.Now())
	} else if errors.Is(err, policy.ErrBlocked) {
		r.lateJoiner = nil
	} else {
		return exitFailed, err
	}

	if err := r.at(ctx, start, leaveAt); err != nil {
		return exitFailed, err
	}
	p = r.leaver
	fmt.Fprintf(out, "%5.1fs  %s leaves\n", time.Since(start).Seconds(), p.id)
	r.leaveEpoch = p.member.Epoch()
	r.sfu.detach(p.num)
	r.stops[p.num]()
	if err := r.conf.remove(p); err != nil {
		return exitFailed, err
	}
	r.conf.settle()

	if err := r.at(ctx, start, handOverAt); err != nil {
		return exitFailed, err
	}
	fmt.Fprintf(out, "%5.1fs  %s hands over to %s and steps out\n", time.Since(start).Seconds(), r.all[0].id, r.all[1].id)
	if err := r.conf.handOver(r.all[1]); err != nil {
		return exitFailed, err
	}
	if err := r.at(ctx, start, rejoinAt); err != nil {
		return exitFailed, err
	}
	fmt.Fprintf(out, "%5.1fs  %s rejoins\n", time.Since(start).Seconds(), r.all[0].id)
	if err := r.conf.rejoin(r.all[0], r.policyOf(r.all[0])); err != nil {
		return exitFailed, err
	}
	r.conf.settle()
	r.printCodes("codes after the hand-over")

	// The end: wait for every sender, then for the packets in flight.
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	r.waitSenders(ctx)
	time.Sleep(drain)
	r.sfu.close()
	for _, p := range r.all {
		p.conn.Close()
	}
	<-done
	for _, p := range r.all {
		p.flush()
	}
	if err := errors.Join(r.errs...); err != nil {
		return exitFailed, err
	}
	if ctx.Err() != nil {
		return exitFailed, ctx.Err()
	}
	return r.report(), nil
}

func (r *meetingRun) newParticipant(n int) (*participant, error) {
	p := &participant{num: n, id: pid(n), crypt: newMediaCrypt(), recv: map[uint32]*recvStream{}, errs: map[string]int{}}
	switch {
	case r.o.n <= 5:
		p.kinds = []e2ee.MediaKind{e2ee.Audio, e2ee.Video, e2ee.ScreenShare}
		p.level = func(time.Duration) uint8 { return 30 }
	case n < unmuted:
		p.kinds = []e2ee.MediaKind{e2ee.Audio, e2ee.Video}
		// Speakers take turns: each is loud (30 dBov below full scale) for
		// three slots of 700 ms in six, quiet (80) otherwise.
		p.level = func(at time.Duration) uint8 {
			if (int(at/(700*time.Millisecond))-n+unmuted)%unmuted < 3 {
				return 30
			}
			return 80
		}
	}
	p.keys = newHopKeys()
	var err error
	if p.srtp, err = srtp.NewSession(profile, p.keys.toSFU, p.keys.fromSFU); err != nil {
		return nil, err
	}
	if p.conn, err = net.DialUDP("udp", nil, r.sfu.addr()); err != nil {
		return nil, err
	}
	p.conn.SetReadBuffer(socketBuffer)  //nolint:errcheck // best effort
	p.conn.SetWriteBuffer(socketBuffer) //nolint:errcheck
	return p, nil
}

// attach connects p's hop at the SFU.
func (r *meetingRun) attach(p *participant) error {
	return r.sfu.attach(p.num, p.conn.LocalAddr().(*net.UDPAddr), p.keys)
}

func (r *meetingRun) policyOf(p *participant) policy.Participant {
	pp := policy.Participant{ComplianceRecording: p.num == r.o.recorded}
	if p.num == 0 {
		pp.Role = policy.Organizer
	}
	return pp
}

// startMedia starts p's receiver and its sender from start.
func (r *meetingRun) startMedia(ctx context.Context, p *participant, start time.Time) {
	sctx, stop := context.WithCancel(ctx)
	r.stops[p.num] = stop
	r.wg.Go(p.receive)
	r.wg.Go(func() {
		if err := p.send(sctx, r.tracks, start); err != nil {
			r.errMu.Lock()
			r.errs = append(r.errs, err)
			r.errMu.Unlock()
		}
	})
}

// waitSenders waits until the media of the last sender has been sent.
func (r *meetingRun) waitSenders(ctx context.Context) {
	var longest time.Duration
	for _, t := range r.tracks {
		longest = max(longest, t.duration())
	}
	t := time.NewTimer(lateJoinAt + longest + 200*time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// at waits until d after start.
func (r *meetingRun) at(ctx context.Context, start time.Time, d time.Duration) error {
	t := time.NewTimer(time.Until(start.Add(d)))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
