package e2ee

// Epochs reports how far kind's key chains have moved since NewSession, in
// epochs of the SFrame ratchet (RFC 9605, Section 5.1):
//
//   - send is the epoch of the key Seal uses for kind: how many times this
//     party's send key moved, by Rekey or by Seal itself before
//     RekeyAfterPackets packets. A move counts when it happens, before any
//     packet is sealed under the new key.
//   - recv is the newest epoch of the peer's stream that a packet has
//     authenticated: how many epochs Open has followed the peer's key.
//     Epochs whose packets were all lost count as well, once a later one
//     authenticates.
//
// With per-SSRC keys (Config.SendStreams, Config.RecvStreams), each
// announced stream has its own chains and both numbers are sums over kind's streams (each starts at epoch 0, so the sums
// count every move). An invalid kind, or one without streams, reports 0, 0.
// After Close, Epochs reports the epochs the chains had reached.
//
// Epochs is safe to call concurrently with every other method. It takes
// each of kind's chains' locks in turn (those Rekey and Open's move to a
// new epoch take, not the per-packet path of Seal or Open), so with
// per-SSRC keys the sums are not one atomic snapshot. It is for statistics;
// do not call it per packet.
func (s *Session) Epochs(kind MediaKind) (send, recv uint64) {
	for _, sc := range s.sendChains() {
		if sc != nil && sc.kind == kind {
			send += sc.epochNow()
		}
	}
	for _, rc := range s.recvChains() {
		if rc != nil && rc.kind == kind {
			recv += rc.epochNow()
		}
	}
	return send, recv
}

// epochNow returns the epoch of the chain's send key, or the epoch it had
// when Close dropped it.
func (sc *sendChain) epochNow() uint64 {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sk := sc.cur.Load(); sk != nil {
		return sk.epoch
	}
	return sc.closedEpoch
}

// epochNow returns the newest authenticated epoch of the chain.
func (rc *recvChain) epochNow() uint64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.epoch
}
