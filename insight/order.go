package insight

import "sort"

var (
	statusOrder = map[string]int{"active": 0, "paused": 1, "proposed": 2, "ended": 3}
	typeOrder   = map[string]int{"one-to-one": 0, "group": 1, "flash": 2, "reverse": 3, "mutual": 4}
)

func sortPairingCounts(ps []PairingCount) {
	sort.Slice(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if statusOrder[a.Status] != statusOrder[b.Status] {
			return statusOrder[a.Status] < statusOrder[b.Status]
		}
		if typeOrder[a.Type] != typeOrder[b.Type] {
			return typeOrder[a.Type] < typeOrder[b.Type]
		}
		return a.Status+a.Type < b.Status+b.Type
	})
}
