package alias

import "testing"

func TestOverlap(t *testing.T) {
	b := make([]byte, 10)
	for _, tc := range []struct {
		x, y         []byte
		any, inexact bool
	}{
		{b[0:5], b[5:10], false, false},
		{b[0:5], b[0:3], true, false},
		{b[0:5], b[4:6], true, true},
		{b[2:5], b[0:3], true, true},
		{b[:0], b, false, false},
		{b, make([]byte, 10), false, false},
	} {
		if got := AnyOverlap(tc.x, tc.y); got != tc.any {
			t.Errorf("AnyOverlap = %v, want %v", got, tc.any)
		}
		if got := InexactOverlap(tc.x, tc.y); got != tc.inexact {
			t.Errorf("InexactOverlap = %v, want %v", got, tc.inexact)
		}
	}
}

func TestSliceForAppend(t *testing.T) {
	in := make([]byte, 2, 8)
	head, tail := SliceForAppend(in, 6)
	if len(head) != 8 || len(tail) != 6 || &head[0] != &in[:1][0] {
		t.Fatal("did not reuse capacity")
	}
	head, tail = SliceForAppend(in, 7)
	if len(head) != 9 || len(tail) != 7 || &head[0] == &in[:1][0] {
		t.Fatal("did not allocate")
	}
}
