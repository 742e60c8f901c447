//go:build !race

package main

import "testing"

// TestMeetingKeyAllocs: a 1:1 and a meeting Seal+Open, as the report
// measures them, allocate nothing.
func TestMeetingKeyAllocs(t *testing.T) {
	rs, err := measureMeetingKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.allocs1 != 0 || r.allocsM != 0 {
			t.Errorf("%d B: %d and %d allocs per Seal+Open, want 0", r.size, r.allocs1, r.allocsM)
		}
	}
}
