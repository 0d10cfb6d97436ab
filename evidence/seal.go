package evidence

import "time"

// CPDSeal is what a CPD record's verification code confirms to anyone who holds the code:
// whose record it is, for which programmes and parties, which period, and its totals;
// nothing else of what the record says.
type CPDSeal struct {
	Code        string
	Key         string // derived from the record's content: the same record keeps its code
	UserID      string
	Name        string
	Programmes  []string
	Parties     []string
	From, To    string
	Totals      Totals
	GeneratedAt time.Time
}

// Totals are a CPD record's hours by activity and by learning domain, in minutes.
type Totals struct {
	MeetingMinutes    int
	ContentMinutes    int
	CheckinCount      int
	ReflectionCount   int
	GoalsAchieved     int
	MinutesByActivity map[string]int
	MinutesByDomain   map[string]int
}
