package evidence

import (
	"context"
	"time"
)

// CheckinQuery selects check-ins, soonest opening first.
type CheckinQuery struct {
	// Exactly one of UserID, PairingID and ProgrammeID bounds the query.
	UserID      string
	PairingID   string
	ProgrammeID string
	States      []State
	// OpenedBy keeps check-ins that opened by then; OverdueBy those past their window by
	// then (zero: either unbounded).
	OpenedBy  time.Time
	OverdueBy time.Time
	After     *Cursor
	Limit     int
}

// Cursor is a position in a list sorted on (At, ID).
type Cursor struct {
	At time.Time
	ID string
}

// Store keeps plans, check-ins, answers, outcome aggregates and CPD records. Methods return
// the sentinel errors named on them; anything else is an internal error.
type Store interface {
	WatermarkStore

	// Plan returns the programme's plan; found is false when its owners never wrote one.
	Plan(ctx context.Context, programmeID string) (p Plan, found bool, err error)
	// PutPlan stores p if the stored revision is prev (0: none stored yet); ErrPlanChanged
	// otherwise.
	PutPlan(ctx context.Context, p Plan, prev int) error

	// InsertCheckins stores new check-ins; IDs already stored are left as they are.
	InsertCheckins(ctx context.Context, cs []CheckIn) error
	// Checkin returns one check-in; ErrCheckinNotFound when absent.
	Checkin(ctx context.Context, id string) (CheckIn, error)
	// Checkins lists check-ins, soonest opening first.
	Checkins(ctx context.Context, q CheckinQuery) ([]CheckIn, error)
	// Reschedule moves a scheduled check-in to c's dates and label; false when it is no
	// longer scheduled.
	Reschedule(ctx context.Context, c CheckIn) (bool, error)
	// SetState moves a check-in from one of the states in from to to (setting pending when
	// asked, and answeredAt when to is answered); false when it was in none of them.
	SetState(ctx context.Context, id string, to State, pending bool, at time.Time, from ...State) (bool, error)
	// DueToOpen lists up to limit scheduled check-ins whose opening time has come.
	DueToOpen(ctx context.Context, now time.Time, limit int) ([]CheckIn, error)
	// PendingCheckins lists up to limit check-ins whose opening has steps left.
	PendingCheckins(ctx context.Context, limit int) ([]CheckIn, error)

	// InsertAnswer stores a; ErrAnswered when the check-in already has an answer.
	InsertAnswer(ctx context.Context, a Answer) error
	// Answer returns a check-in's answer; ErrAnswerNotFound when absent.
	Answer(ctx context.Context, checkinID string) (Answer, error)
	// Answers returns the answers of the check-ins among ids that have one.
	Answers(ctx context.Context, ids []string) (map[string]Answer, error)
	// PersonAnswers lists userID's answers in a pairing.
	PersonAnswers(ctx context.Context, pairingID, userID string) ([]Answer, error)
	// UserAnswers lists userID's answers given in [from, to), oldest first.
	UserAnswers(ctx context.Context, userID string, from, to time.Time) ([]Answer, error)
	// SetShared sets whether the pairing may read an answer.
	SetShared(ctx context.Context, checkinID string, shared bool) error
	// PendingAnswers lists up to limit answers whose outcome steps are not all done.
	PendingAnswers(ctx context.Context, limit int) ([]Answer, error)

	// Aggregate returns one outcome aggregate; found is false when nothing was counted yet.
	Aggregate(ctx context.Context, id string) (a Aggregate, found bool, err error)
	// Aggregates returns the pairing aggregates of a programme, by pairing ID after afterID.
	PairingAggregates(ctx context.Context, programmeID, afterID string, limit int) ([]Aggregate, error)
	// ApplyDelta counts fact into aggregate key in one atomic write, if the aggregate's
	// sequence is still prev (0: it does not exist yet); false when it moved on.
	ApplyDelta(ctx context.Context, key AggregateKey, prev int, fact string, delta map[string]int, now time.Time) (bool, error)
	// MarkApplied records on the fact's document that it is counted in level's aggregate.
	MarkApplied(ctx context.Context, fact, level string) error
	// FactApplied reports whether the fact's document says it is counted in level.
	FactApplied(ctx context.Context, fact, level string) (bool, error)
	// SetDone clears the pending mark of a fact whose steps are all done.
	SetDone(ctx context.Context, fact string) error

	// CPDRecordByKey returns the record issued for key; found is false when none was.
	CPDRecordByKey(ctx context.Context, key string) (r CPDSeal, found bool, err error)
	// InsertCPDRecord stores r; ErrConflict-kind when its key or code is taken.
	InsertCPDRecord(ctx context.Context, r CPDSeal) error
	// CPDRecord returns the record with a verification code; ErrRecordNotFound when none.
	CPDRecord(ctx context.Context, code string) (CPDSeal, error)
}

// WatermarkStore remembers how far the scheduler followed changed pairings.
type WatermarkStore interface {
	// Watermark returns the position after the last pairing change followed (zero at first).
	Watermark(ctx context.Context) (Cursor, error)
	// SetWatermark stores the position.
	SetWatermark(ctx context.Context, c Cursor) error
}
