package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/microlearn/microlearn/internal/mongodb"
)

// dbTime records how long the embedded database's one connection spends on each kind of
// command (name and collection), so that the build's progress lines can say where its time
// went, and logs every command that holds the connection longer than slowCommand (with its
// filter): a slow command blocks everyone, the build and the workers alike.
type dbTime struct {
	mu      sync.Mutex
	started map[int64]cmdStart
	spent   map[string]*cmdSpent
}

type cmdStart struct {
	key, text string
	at        time.Time
}

type cmdSpent struct {
	n     int
	total time.Duration
}

// slowCommand is the time above which a command is logged on its own.
const slowCommand = 2 * time.Second

func newDBTime() *dbTime {
	return &dbTime{started: map[int64]cmdStart{}, spent: map[string]*cmdSpent{}}
}

// monitor is mongodb's own command monitor (it counts commands per request) with the timing.
func (t *dbTime) monitor() *event.CommandMonitor {
	base := mongodb.CommandMonitor(nil)
	return &event.CommandMonitor{
		Started: func(ctx context.Context, ev *event.CommandStartedEvent) {
			base.Started(ctx, ev)
			key, text := describe(ev.CommandName, ev.Command)
			t.mu.Lock()
			t.started[ev.RequestID] = cmdStart{key, text, time.Now()}
			t.mu.Unlock()
		},
		Succeeded: func(ctx context.Context, ev *event.CommandSucceededEvent) {
			base.Succeeded(ctx, ev)
			t.finished(ev.RequestID)
		},
		Failed: func(ctx context.Context, ev *event.CommandFailedEvent) {
			base.Failed(ctx, ev)
			t.finished(ev.RequestID)
		},
	}
}

func (t *dbTime) finished(id int64) {
	t.mu.Lock()
	s, ok := t.started[id]
	delete(t.started, id)
	if ok {
		d := time.Since(s.at)
		sp := t.spent[s.key]
		if sp == nil {
			sp = &cmdSpent{}
			t.spent[s.key] = sp
		}
		sp.n++
		sp.total += d
		if d > slowCommand {
			defer logf("  slow command (%s): %s", d.Round(time.Millisecond), s.text)
		}
	}
	t.mu.Unlock()
}

// take returns the top n kinds of command by time since the last take, and forgets them.
func (t *dbTime) take(n int) string {
	t.mu.Lock()
	spent := t.spent
	t.spent = map[string]*cmdSpent{}
	t.mu.Unlock()
	keys := make([]string, 0, len(spent))
	var all time.Duration
	for k, s := range spent {
		keys = append(keys, k)
		all += s.total
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Compare(spent[b].total, spent[a].total) })
	out := []string{fmt.Sprintf("all %s", all.Round(time.Second))}
	for _, k := range keys[:min(n, len(keys))] {
		out = append(out, fmt.Sprintf("%s %s/%d", k, spent[k].total.Round(100*time.Millisecond), spent[k].n))
	}
	return strings.Join(out, ", ")
}

// describe names a command by its name and collection, and renders it without the documents
// it carries (inserts), cut to 400 characters.
func describe(name string, cmd bson.Raw) (string, string) {
	coll := ""
	if els, err := cmd.Elements(); err == nil && len(els) > 0 {
		if s, ok := els[0].Value().StringValueOK(); ok {
			coll = s
		}
	}
	text := name + " " + coll
	if name != "insert" {
		text = cmd.String()
	}
	if len(text) > 400 {
		text = text[:400] + "..."
	}
	return name + " " + coll, text
}
