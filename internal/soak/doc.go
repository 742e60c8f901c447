// Package soak holds callseal's soak test, TestSoak: many concurrent calls
// over loopback UDP for a long time, every Session rekeying every few
// seconds, checking that every packet that arrives is the one that was sent,
// that the heap stays flat (no per-packet or per-rekey leak) and that Close
// leaves no goroutine behind. TestSoakFindsPlantedLeak runs the short
// version with a leak planted in the test's receivers and checks that the
// heap check reports it.
//
// TestMeetingSoak churns a meeting (package meeting): a join and a leave
// every 20 ms for 3 s with 30 members (199 every 50 ms with
// CALLSEAL_SOAK), every member applying every key message, and checks the
// heap the same way; TestMeetingSoakFindsPlantedLeak checks that the check
// sees 16 KiB kept per change.
//
// The package has no code outside its tests. A plain go test (also with
// -race) runs a short version, 20 calls for 4 s; setting CALLSEAL_SOAK to a
// duration of at least 60s runs the full one, 200 calls for that long, as
// CI does without the race detector:
//
//	CALLSEAL_SOAK=60s go test -count=1 -run TestSoak -v ./internal/soak/
package soak
