package api

import "sync"

// commandLog remembers how many database commands recent requests issued, by request ID, so
// that tests can hold endpoints to a budget. It is only enabled by Config.RecordDBCommands.
type commandLog struct {
	mu      sync.Mutex
	enabled bool
	counts  map[string]int64
	order   []string
}

const commandLogSize = 4096

func (l *commandLog) record(id string, n int64) {
	if !l.enabled {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[string]int64{}
	}
	if _, ok := l.counts[id]; !ok {
		l.order = append(l.order, id)
	}
	l.counts[id] = n
	if len(l.order) > commandLogSize {
		delete(l.counts, l.order[0])
		l.order = l.order[1:]
	}
}

// DBCommands returns how many database commands the request with this ID issued, and
// whether it was recorded.
func (s *Server) DBCommands(requestID string) (int64, bool) {
	s.dbCommands.mu.Lock()
	defer s.dbCommands.mu.Unlock()
	n, ok := s.dbCommands.counts[requestID]
	return n, ok
}
