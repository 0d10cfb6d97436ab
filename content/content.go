// Package content holds the learning content mentees work through on their phones (lessons,
// quizzes, checklists and learning paths), the rules that keep each item inside the ten-minute
// budget, and the progress people make on it, recorded exactly once per client event.
package content

import (
	"context"
	"time"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// Sentinel errors.
var (
	ErrNotFound         = apperr.New(apperr.KindNotFound, "content_not_found", "content item not found")
	ErrVersionNotFound  = apperr.New(apperr.KindNotFound, "version_not_found", "this version of the item does not exist")
	ErrConflict         = apperr.New(apperr.KindConflict, "content_changed", "the item was changed by someone else; reload it and try again")
	ErrNotPublished     = apperr.New(apperr.KindNotFound, "content_not_found", "content item not found")
	ErrAttemptsUsedUp   = apperr.New(apperr.KindUnprocessable, "attempts_used_up", "no attempts left for this quiz")
	ErrEventIDReused    = apperr.New(apperr.KindUnprocessable, "event_id_reused", "this eventId was already used for a different activity")
	ErrArchived         = apperr.New(apperr.KindConflict, "content_archived", "archived items cannot be changed")
	ErrUnknownChecklist = apperr.New(apperr.KindNotFound, "checklist_item_not_found", "the checklist has no such item")
)

// Kind is what sort of item something is.
type Kind string

// The kinds of item; they match learning.KindLesson etc.
const (
	KindLesson    Kind = learning.KindLesson
	KindQuiz      Kind = learning.KindQuiz
	KindChecklist Kind = learning.KindChecklist
	KindPath      Kind = learning.KindPath
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	return k == KindLesson || k == KindQuiz || k == KindChecklist || k == KindPath
}

// Status is where an item is in its life.
type Status string

// The statuses. Mentees see only published items.
const (
	StatusDraft     Status = "draft"
	StatusPublished Status = "published"
	StatusArchived  Status = "archived"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	return s == StatusDraft || s == StatusPublished || s == StatusArchived
}

// Domain is a learning domain (seed 004): what kind of learning an item serves.
type Domain string

// The four learning domains.
const (
	DomainCognitive      Domain = "cognitive"
	DomainSkillBased     Domain = "skill-based"
	DomainAffective      Domain = "affective"
	DomainSocialNetworks Domain = "social-networks"
)

// Valid reports whether d is one of the four domains.
func (d Domain) Valid() bool {
	return d == DomainCognitive || d == DomainSkillBased || d == DomainAffective || d == DomainSocialNetworks
}

// BudgetMinutes is the longest an item may take: the ten-minute budget.
const BudgetMinutes = 10

// Item is one lesson, quiz, checklist or path at one version. Exactly one of Lesson, Quiz,
// Checklist and Path is set, matching Kind.
type Item struct {
	ID   string
	Kind Kind
	// ProgrammeID is the programme whose library holds the item; empty for the global
	// library every programme can use.
	ProgrammeID string
	Title       string
	Summary     string
	Tags        []string
	Domain      Domain
	// DeclaredMinutes is what the author declared (0 when they did not); EstimatedMinutes is
	// what the item is expected to take: the derived estimate, or the declared one when higher.
	DeclaredMinutes  int
	EstimatedMinutes int
	Locale           string
	Status           Status
	Version          int
	AuthorID         string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	PublishedAt      *time.Time
	// PackID and Key identify an item imported from a content pack, so that a re-import
	// updates it rather than adding a copy.
	PackID string
	Key    string
	// ContentHash fingerprints the authored content (not status or timestamps), so that
	// a re-import of an unchanged item is recognised.
	ContentHash string

	Lesson    *Lesson
	Quiz      *Quiz
	Checklist *Checklist
	Path      *Path
}

// Global reports whether the item belongs to the global library.
func (it Item) Global() bool { return it.ProgrammeID == "" }

// Ref returns the learning.ItemRef naming it.
func (it Item) Ref() learning.ItemRef { return learning.ItemRef{Kind: string(it.Kind), ID: it.ID} }

// BlockType is the format of one lesson block (the snackable formats of seed 002).
type BlockType string

// The block types.
const (
	BlockText      BlockType = "text"
	BlockImage     BlockType = "image"
	BlockVideo     BlockType = "video"
	BlockDocument  BlockType = "document"
	BlockAnimation BlockType = "animation"
	BlockWebinar   BlockType = "webinar"
)

// Block is one part of a lesson. Which fields apply depends on Type: text has Markdown;
// image has URL and Alt (Caption optional); video and animation have URL and
// DurationSeconds; document and webinar have URL and Title (a webinar may have StartsAt).
// Image, video, animation and document blocks may show an item of the programme's media
// library (MediaID) instead of a URL; its duration then comes from the file.
type Block struct {
	Type            BlockType
	Markdown        string
	URL             string
	MediaID         string
	Alt             string
	Caption         string
	Title           string
	DurationSeconds int
	StartsAt        *time.Time
}

// Lesson is a short piece of reading and media.
type Lesson struct {
	Blocks []Block
}

// QuestionType is how a quiz question is answered.
type QuestionType string

// The question types.
const (
	QuestionSingle    QuestionType = "single"
	QuestionMultiple  QuestionType = "multiple"
	QuestionTrueFalse QuestionType = "truefalse"
)

// Option is one answer a question offers.
type Option struct {
	Key     string
	Text    string
	Correct bool
}

// Question is one quiz question. Explanation is shown only after the person answered.
type Question struct {
	Key         string
	Type        QuestionType
	Prompt      string
	Options     []Option
	Explanation string
}

// Quiz is a graded set of questions.
type Quiz struct {
	Questions   []Question
	PassPercent int
	// MaxAttempts limits attempts per person; 0 means unlimited.
	MaxAttempts int
	// HideAnswers keeps the correct options and the explanations from learners even once
	// they passed or used their last attempt (a quiz that certifies, reused from year to
	// year); by default those show then (RevealsAnswers).
	HideAnswers bool
}

// ChecklistItem is one thing to tick.
type ChecklistItem struct {
	Key      string
	Text     string
	Required bool
}

// Checklist is an ordered list of things to do; it is complete when every required item is
// ticked.
type Checklist struct {
	Items []ChecklistItem
}

// Path is an ordered list of items to work through.
type Path struct {
	Items []learning.ItemRef
}

// Store keeps items, their versions and people's activity on them.
type Store interface {
	// CreateItem inserts a new item at version 1; ErrConflict when the ID exists.
	CreateItem(ctx context.Context, it Item) error
	// ReplaceItem stores it (with it.Version = prevVersion+1, or equal to prevVersion for a
	// status change) when the stored item is still at prevVersion; ErrConflict otherwise,
	// ErrNotFound when absent.
	ReplaceItem(ctx context.Context, it Item, prevVersion int) error
	// SaveVersion keeps an immutable copy of one version; saving the same version twice is
	// not an error.
	SaveVersion(ctx context.Context, it Item) error
	// Item returns the latest version of an item; ErrNotFound when absent.
	Item(ctx context.Context, id string) (Item, error)
	// ItemVersion returns one stored version; ErrVersionNotFound when absent.
	ItemVersion(ctx context.Context, id string, version int) (Item, error)
	// ItemByKey returns the item imported from a pack under kind and key into a programme's
	// library; ErrNotFound when there is none.
	ItemByKey(ctx context.Context, programmeID string, kind Kind, key string) (Item, error)
	// Items returns the latest versions of the items with these IDs that exist.
	Items(ctx context.Context, ids []string) ([]Item, error)
	// ListItems lists items by the filter, ordered by (title, id), after the cursor.
	ListItems(ctx context.Context, f ListFilter) ([]Item, error)
	// CountPublished counts the published items of these kinds in a programme's library and
	// the global one.
	CountPublished(ctx context.Context, programmeID string, kinds []Kind) (int, error)
	// PublishedPaths returns the published paths of a programme and of the global library.
	PublishedPaths(ctx context.Context, programmeID string) ([]Item, error)

	// InsertActivity records one activity, keyed by (user, event ID). When that key is
	// taken it returns the stored activity and ErrDuplicateActivity.
	InsertActivity(ctx context.Context, a Activity) (Activity, error)
	// Activities returns a user's activities on the given items (all items when ids is nil).
	Activities(ctx context.Context, userID string, itemIDs []string) ([]Activity, error)
	// InsertActivities records several activities with one write. Those whose key was
	// already taken are left as they were and returned by their index in acts, as stored.
	InsertActivities(ctx context.Context, acts []Activity) (map[int]Activity, error)
	// ActivitiesSince returns a user's activities recorded after since, oldest first (pull
	// sync).
	ActivitiesSince(ctx context.Context, userID string, since Position, limit int) ([]Activity, error)
	// ItemsChangedSince returns the published or archived items of the libraries named
	// whose latest version changed after since, oldest change first (pull sync).
	ItemsChangedSince(ctx context.Context, programmeIDs []string, since Position, limit int) ([]Item, error)
	// ActivitiesOf returns several users' activities on the given items, in one read.
	ActivitiesOf(ctx context.Context, userIDs, itemIDs []string) ([]Activity, error)
	// ReserveAttempt takes attempt number n of a user at a quiz for eventID, on a unique key,
	// so that concurrent attempts never share a number. When the number is already taken it
	// returns false and the event ID that holds it.
	ReserveAttempt(ctx context.Context, userID, quizID string, n int, eventID string) (reserved bool, holder string, err error)
	// ReserveAttempts is ReserveAttempt for several attempts with one write: it returns, by
	// index, the event ID holding each number that was already taken.
	ReserveAttempts(ctx context.Context, rs []AttemptReservation) (holders map[int]string, err error)
}

// AttemptReservation is attempt number N of a user at a quiz, for an event.
type AttemptReservation struct {
	UserID, QuizID string
	N              int
	EventID        string
}

// ListFilter selects items for a library listing.
type ListFilter struct {
	// ProgrammeID is the library to list ("" is the global library).
	ProgrammeID string
	// IncludeGlobal adds the published items of the global library.
	IncludeGlobal bool
	Kind          Kind
	Domain        Domain
	Tag           string
	// TitleContains matches titles containing the text, case-insensitively (taken
	// literally, never as a pattern).
	TitleContains string
	Statuses      []Status
	// After is the position to continue from (exclusive); zero for the first page.
	After Cursor
	Limit int
}

// Cursor is a position in a listing ordered by (SortKey, ID).
type Cursor struct {
	SortKey string
	ID      string
}
