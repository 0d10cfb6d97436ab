package fifo

import "testing"

func TestOldestGoFirst(t *testing.T) {
	m := Map[string, int]{Max: 2}
	m.Put("a", 1)
	m.Put("b", 2)
	m.Put("a", 10) // an update keeps a's place
	m.Put("c", 3)  // a, the oldest, goes
	if _, ok := m.Get("a"); ok {
		t.Error("a is still there")
	}
	if v, ok := m.Get("b"); !ok || v != 2 {
		t.Errorf("b = %d, %t", v, ok)
	}
	m.Delete("b")
	if _, ok := m.Get("b"); ok {
		t.Error("b is still there after Delete")
	}
	m.Put("d", 4)
	if v, ok := m.Get("c"); !ok || v != 3 {
		t.Errorf("c = %d, %t; want 3 (a deleted key's place does not push it out)", v, ok)
	}
}
