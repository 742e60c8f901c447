package meeting

import "github.com/callseal/callseal/meeting/internal/wire"

// Participant is one roster entry: a participant's ID (its identity in the
// pairwise handshake) and its sender index, which names its keys in the
// KID.
type Participant struct {
	Index uint8
	ID    string
}

// roster maps sender indexes to participant IDs and back.
type roster struct {
	ids     [MaxParticipants]string // "" = free
	indexes map[string]uint8
}

func newRoster() roster { return roster{indexes: make(map[string]uint8)} }

func (r *roster) add(index uint8, id string) {
	r.ids[index] = id
	r.indexes[id] = index
}

func (r *roster) remove(index uint8) {
	delete(r.indexes, r.ids[index])
	r.ids[index] = ""
}

func (r *roster) lookup(id string) (uint8, bool) {
	i, ok := r.indexes[id]
	return i, ok
}

func (r *roster) has(index uint8) bool { return r.ids[index] != "" }

func (r *roster) len() int { return len(r.indexes) }

// free returns the lowest free index.
func (r *roster) free() (uint8, bool) {
	for i, id := range r.ids {
		if id == "" {
			return uint8(i), true
		}
	}
	return 0, false
}

func (r *roster) list() []Participant {
	out := make([]Participant, 0, r.len())
	for i, id := range r.ids {
		if id != "" {
			out = append(out, Participant{Index: uint8(i), ID: id})
		}
	}
	return out
}

func (r *roster) entries() []wire.Entry {
	out := make([]wire.Entry, 0, r.len())
	for i, id := range r.ids {
		if id != "" {
			out = append(out, wire.Entry{Index: uint8(i), ID: id})
		}
	}
	return out
}

func rosterOf(entries []wire.Entry) roster {
	r := newRoster()
	for _, e := range entries {
		r.add(e.Index, e.ID)
	}
	return r
}

func (r *roster) clone() roster {
	c := roster{ids: r.ids, indexes: make(map[string]uint8, len(r.indexes))}
	for id, i := range r.indexes {
		c.indexes[id] = i
	}
	return c
}
