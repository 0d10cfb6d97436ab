package gamification

import (
	"slices"

	"github.com/microlearn/microlearn/learning"
)

func (p *Player) setBar(b Bar) {
	for i := range p.Bars {
		if p.Bars[i].Kind == b.Kind && p.Bars[i].ID == b.ID {
			p.Bars[i] = b
			return
		}
	}
	p.Bars = append(p.Bars, b)
}

// barTotal is the total of an existing bar, 1 when there is none.
func (p *Player) barTotal(kind, id string) int {
	for _, b := range p.Bars {
		if b.Kind == kind && b.ID == id && b.Total > 0 {
			return b.Total
		}
	}
	return 1
}

func (p *Player) itemDone(it learning.ItemRef) bool {
	switch it.Kind {
	case learning.KindLesson, learning.KindQuiz, learning.KindChecklist, learning.KindPath:
		return p.Done[it.Kind+":"+it.ID]
	}
	return p.Done[it.Kind+":"+it.ID]
}

// updateBars refreshes the progress bars the event touches.
func (p *Player) updateBars(e learning.Event, in Inputs) {
	p.updateItemBar(e)
	for _, c := range append(slices.Clone(in.Paths), in.Assignments...) {
		p.updateContainerBar(c)
	}
	if e.Kind == learning.AssignmentCompleted {
		p.updateAssignmentBars(e.ItemID, in.Pairing)
	}
	if in.LibrarySize > 0 {
		p.setBar(Bar{Kind: "programme", ID: p.ProgrammeID, Done: p.libraryDone(), Total: in.LibrarySize})
	}
}

// itemKind is the kind of item whose completion an event of kind k reports.
func itemKind(k learning.Kind) (string, bool) {
	switch k {
	case learning.LessonCompleted:
		return learning.KindLesson, true
	case learning.QuizAttempted:
		return learning.KindQuiz, true
	case learning.ChecklistCompleted:
		return learning.KindChecklist, true
	case learning.PathCompleted:
		return learning.KindPath, true
	}
	return "", false
}

// updateItemBar refreshes the bar of the event's own item (a lesson, quiz, checklist or path).
func (p *Player) updateItemBar(e learning.Event) {
	kind, ok := itemKind(e.Kind)
	if !ok {
		return
	}
	item := learning.ItemRef{Kind: e.ItemKind, ID: e.ItemID}
	if item.Kind == "" {
		item.Kind = kind
	}
	if item.Kind == learning.KindPath {
		total := p.barTotal("path", item.ID)
		p.setBar(Bar{Kind: "path", ID: item.ID, Done: total, Total: total})
		return
	}
	done := 0
	if p.itemDone(item) {
		done = 1
	}
	p.setBar(Bar{Kind: item.Kind, ID: item.ID, Done: done, Total: 1})
}

// updateContainerBar refreshes the bar of a path or assignment that holds the event's item:
// the items done, or all of them once the container itself is complete.
func (p *Player) updateContainerBar(c Container) {
	done := 0
	for _, it := range c.Items {
		if p.itemDone(it) {
			done++
		}
	}
	if (c.Kind == "assignment" && p.Done["assignment:"+c.ID]) || (c.Kind == "path" && p.Done["path:"+c.ID]) {
		done = len(c.Items)
	}
	p.setBar(Bar{Kind: c.Kind, ID: c.ID, Done: done, Total: len(c.Items)})
}

// updateAssignmentBars fills a completed assignment's bar, and refreshes its pairing's bar
// (assignments completed of the pairing's assignments).
func (p *Player) updateAssignmentBars(assignmentID string, pr *Pairing) {
	total := p.barTotal("assignment", assignmentID)
	p.setBar(Bar{Kind: "assignment", ID: assignmentID, Done: total, Total: total})
	if pr == nil || len(pr.AssignmentIDs) == 0 {
		return
	}
	done := 0
	for _, id := range pr.AssignmentIDs {
		if p.Done["assignment:"+id] {
			done++
		}
	}
	p.setBar(Bar{Kind: "pairing", ID: pr.ID, Done: done, Total: len(pr.AssignmentIDs)})
}
