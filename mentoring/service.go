package mentoring

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/microlearn/microlearn/internal/apperr"
	"github.com/microlearn/microlearn/learning"
)

// Service runs mentoring. Catalog, Completions, Publisher and Notifier are edges other
// domains own; app wires them (see app/mentoring.go) and tests fake them.
type Service struct {
	Store     Store
	Directory Directory
	// Catalog validates assigned items (content implements it).
	Catalog ContentCatalog
	// Completions tells which assigned items a mentee has completed (content implements it).
	Completions learning.CompletionReader
	// Publisher records the assignment-completed learning event.
	Publisher learning.Publisher
	// Notifier, optional, is told about assignments received and completed.
	Notifier Notifier
	// Roster, optional, lists members (the bulk proposal shows those without a profile).
	Roster Roster
	// MatchNotifier, optional, tells mentors of requests and reminds people of profiles.
	MatchNotifier MatchNotifier
	// Activated, optional, is told of a pairing that has just become active (created live,
	// accepted or resumed): the record indexes when its first meeting falls due.
	Activated func(ctx context.Context, p Pairing)
	Now       func() time.Time
	Log       *slog.Logger
	// ReclaimAfter is how old a capacity slot or mentee place must be before it may be
	// reclaimed from a pairing that never became live (a crash between the guard insert and
	// the pairing write). Zero means two minutes.
	ReclaimAfter time.Duration
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Service) now() time.Time { return s.Now().UTC() }

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Limits on profile fields.
const (
	MaxTagsPerProfile = 20
	MaxEntryLen       = 80
	MaxLanguages      = 10
	MaxCapacity       = 50
	MaxNoteLen        = 500
)

// ProfileInput is what a member says about themselves. Pointers distinguish "not sent" for
// fields that only one role may send.
type ProfileInput struct {
	Department           string
	Location             string
	Languages            []string
	Skills               []string
	Capacity             *int
	FlashCapacity        *int
	Available            *bool
	AvailabilityNote     *string
	Objectives           []string
	DepartmentPreference *string
}

// PutMyProfile creates or replaces the actor's profile in programmeID. Only mentors and
// mentees have profiles (ErrForbidden for others). Skills or objectives are normalised into
// tags through the programme's vocabulary; new tags join the vocabulary for curation.
func (s *Service) PutMyProfile(ctx context.Context, actor Actor, programmeID string, in ProfileInput) (Profile, error) {
	if actor.Role != RoleMentor && actor.Role != RoleMentee {
		return Profile{}, ErrForbidden
	}
	tags, err := s.Store.Tags(ctx, programmeID)
	if err != nil {
		return Profile{}, fmt.Errorf("put profile: %w", err)
	}
	vocab := NewVocabulary(tags)
	p := Profile{ProgrammeID: programmeID, UserID: actor.UserID, Role: actor.Role, UpdatedAt: s.now()}
	var f apperr.Fields
	p.profileBasics(in, &f)
	texts, field := in.Skills, "/skills"
	if actor.Role == RoleMentor {
		p.mentorFields(in, &f)
	} else {
		texts, field = in.Objectives, "/objectives"
		p.menteeFields(in, &f)
	}
	p.profileEntries(texts, field, vocab, &f)
	if err := f.Err(); err != nil {
		return Profile{}, err
	}
	p.Tags = vocab.Tags(texts)
	if err := s.ensureNewTags(ctx, programmeID, tags, p.Tags, p.UpdatedAt); err != nil {
		return Profile{}, err
	}
	if err := s.Store.PutProfile(ctx, p); err != nil {
		return Profile{}, fmt.Errorf("put profile: %w", err)
	}
	return p, nil
}

// profileBasics takes what every profile has: department, location and languages.
func (p *Profile) profileBasics(in ProfileInput, f *apperr.Fields) {
	p.Department = strings.TrimSpace(in.Department)
	p.Location = strings.TrimSpace(in.Location)
	f.Check(utf8.RuneCountInString(p.Department) <= MaxEntryLen, "/department", fmt.Sprintf("must be at most %d characters", MaxEntryLen))
	f.Check(utf8.RuneCountInString(p.Location) <= MaxEntryLen, "/location", fmt.Sprintf("must be at most %d characters", MaxEntryLen))
	f.Check(len(in.Languages) <= MaxLanguages, "/languages", fmt.Sprintf("must list at most %d languages", MaxLanguages))
	for i, l := range in.Languages {
		l = NormalizeText(l)
		ok := l != "" && utf8.RuneCountInString(l) <= 35
		f.Check(ok, fmt.Sprintf("/languages/%d", i), "must be 1 to 35 characters")
		if ok && !slices.Contains(p.Languages, l) {
			p.Languages = append(p.Languages, l)
		}
	}
}

// mentorFields takes a mentor's capacity and availability, and refuses the mentee's fields.
func (p *Profile) mentorFields(in ProfileInput, f *apperr.Fields) {
	f.Check(in.Objectives == nil, "/objectives", "only mentees have learning objectives")
	f.Check(in.DepartmentPreference == nil, "/departmentPreference", "only mentees have a department preference")
	if in.Capacity == nil {
		f.Add("/capacity", "is required for mentors")
	} else {
		p.Capacity = *in.Capacity
		f.Check(p.Capacity >= 0 && p.Capacity <= MaxCapacity, "/capacity", fmt.Sprintf("must be between 0 and %d", MaxCapacity))
	}
	p.FlashCapacity = DefaultFlashCapacity
	if in.FlashCapacity != nil {
		p.FlashCapacity = *in.FlashCapacity
		f.Check(p.FlashCapacity >= 0 && p.FlashCapacity <= MaxCapacity, "/flashCapacity", fmt.Sprintf("must be between 0 and %d", MaxCapacity))
	}
	p.Available = in.Available == nil || *in.Available
	if in.AvailabilityNote != nil {
		p.AvailabilityNote = strings.TrimSpace(*in.AvailabilityNote)
	}
	f.Check(utf8.RuneCountInString(p.AvailabilityNote) <= MaxNoteLen, "/availabilityNote", fmt.Sprintf("must be at most %d characters", MaxNoteLen))
}

// menteeFields takes a mentee's department preference, and refuses the mentor's fields.
func (p *Profile) menteeFields(in ProfileInput, f *apperr.Fields) {
	f.Check(in.Skills == nil, "/skills", "only mentors have skills")
	f.Check(in.Capacity == nil, "/capacity", "only mentors have a capacity")
	f.Check(in.FlashCapacity == nil, "/flashCapacity", "only mentors have a capacity")
	f.Check(in.Available == nil, "/available", "only mentors have availability")
	f.Check(in.AvailabilityNote == nil, "/availabilityNote", "only mentors have availability")
	p.DepartmentPreference = PreferAnyDepartment
	if in.DepartmentPreference != nil {
		p.DepartmentPreference = DepartmentPreference(*in.DepartmentPreference)
	}
	switch p.DepartmentPreference {
	case PreferSameDepartment, PreferDifferentDepartment, PreferAnyDepartment:
	default:
		f.Add("/departmentPreference", "must be same, different or any")
	}
}

// profileEntries takes a mentor's skills or a mentee's objectives (texts, at field), each
// of which must make a valid tag.
func (p *Profile) profileEntries(texts []string, field string, vocab Vocabulary, f *apperr.Fields) {
	f.Check(len(texts) <= MaxTagsPerProfile, field, fmt.Sprintf("must list at most %d entries", MaxTagsPerProfile))
	for i, t := range texts {
		n := vocab.Canonical(t)
		ptr := fmt.Sprintf("%s/%d", field, i)
		f.Check(validTag(n), ptr, fmt.Sprintf("must be 1 to %d characters (after trimming)", MaxTagLen))
		f.Check(utf8.RuneCountInString(t) <= MaxEntryLen, ptr, fmt.Sprintf("must be at most %d characters", MaxEntryLen))
		if utf8.RuneCountInString(t) > MaxEntryLen {
			continue
		}
		if p.Role == RoleMentor {
			p.Skills = append(p.Skills, strings.TrimSpace(t))
		} else {
			p.Objectives = append(p.Objectives, strings.TrimSpace(t))
		}
	}
}

// ensureNewTags adds the profile's tags that the vocabulary (known) lacks, for curation.
func (s *Service) ensureNewTags(ctx context.Context, programmeID string, known []Tag, tags []string, at time.Time) error {
	names := map[string]bool{}
	for _, t := range known {
		names[t.Name] = true
	}
	var fresh []string
	for _, t := range tags {
		if !names[t] {
			fresh = append(fresh, t)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	if err := s.Store.EnsureTags(ctx, programmeID, fresh, at); err != nil {
		return fmt.Errorf("put profile: %w", err)
	}
	return nil
}

// ProfileOf returns userID's profile in programmeID as actor may see it: everyone sees their
// own; owners and admins see all; a mentor sees the mentees of their pairings (including a
// proposal waiting for them); a mentee sees the mentors of their pairings, and every mentor
// when the programme allows self-selection. Anything else is ErrProfileNotFound, so that
// members cannot probe who has a profile.
func (s *Service) ProfileOf(ctx context.Context, actor Actor, programmeID, userID string) (Profile, error) {
	if actor.UserID != userID && !actor.Oversees() {
		ok, err := s.mayViewProfile(ctx, actor, programmeID, userID)
		if err != nil {
			return Profile{}, err
		}
		if !ok {
			return Profile{}, ErrProfileNotFound
		}
	}
	return s.Store.Profile(ctx, programmeID, userID)
}

func (s *Service) mayViewProfile(ctx context.Context, actor Actor, programmeID, userID string) (bool, error) {
	q := PairingQuery{ProgrammeID: programmeID, Limit: 50}
	switch actor.Role {
	case RoleMentor:
		q.MentorID, q.MenteeID = actor.UserID, userID
	case RoleMentee:
		set, err := s.Settings(ctx, programmeID)
		if err != nil {
			return false, err
		}
		if set.AllowSelfSelection {
			if p, err := s.Store.Profile(ctx, programmeID, userID); err == nil && p.Role == RoleMentor {
				return true, nil
			}
		}
		q.MentorID, q.MenteeID = userID, actor.UserID
	default:
		return false, nil
	}
	ps, err := s.Store.Pairings(ctx, q)
	if err != nil {
		return false, fmt.Errorf("profile visibility: %w", err)
	}
	for _, p := range ps {
		if p.Status != StatusEnded {
			return true, nil
		}
	}
	return false, nil
}

// Profiles lists a programme's profiles (owners), by user ID, after the given user ID.
func (s *Service) Profiles(ctx context.Context, programmeID, role, afterUserID string, limit int) ([]Profile, error) {
	return s.Store.ProfilesPage(ctx, programmeID, role, afterUserID, limit)
}

// Tags lists the programme's vocabulary with how many mentor and mentee profiles use each tag.
func (s *Service) Tags(ctx context.Context, programmeID string) ([]Tag, error) {
	tags, err := s.Store.Tags(ctx, programmeID)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	ps, err := s.Store.Profiles(ctx, programmeID, "")
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	ix := map[string]int{}
	for i, t := range tags {
		ix[t.Name] = i
	}
	for _, p := range ps {
		for _, t := range p.Tags {
			i, ok := ix[t]
			if !ok {
				continue
			}
			if p.Role == RoleMentor {
				tags[i].Mentors++
			} else {
				tags[i].Mentees++
			}
		}
	}
	return tags, nil
}

// DefineTag makes name a curated tag with synonyms (added to any it has). A synonym that is
// itself a tag is merged into name. ErrSynonymTaken when a synonym belongs to another tag;
// ErrTagExists when name is a synonym of another tag.
func (s *Service) DefineTag(ctx context.Context, programmeID, name string, synonyms []string) (Tag, error) {
	var f apperr.Fields
	n := NormalizeText(name)
	f.Check(validTag(n), "/name", fmt.Sprintf("must be 1 to %d characters", MaxTagLen))
	f.Check(len(synonyms) <= 50, "/synonyms", "must list at most 50 synonyms")
	var from []string
	for i, syn := range synonyms {
		x := NormalizeText(syn)
		f.Check(validTag(x), fmt.Sprintf("/synonyms/%d", i), fmt.Sprintf("must be 1 to %d characters", MaxTagLen))
		if x != n && x != "" && !slices.Contains(from, x) {
			from = append(from, x)
		}
	}
	if err := f.Err(); err != nil {
		return Tag{}, err
	}
	return s.merge(ctx, programmeID, from, n)
}

// MergeTags merges tags (or free-text names) from into tag into: each becomes a synonym of
// into, and every profile that carried one carries into instead.
func (s *Service) MergeTags(ctx context.Context, programmeID string, from []string, into string) (Tag, error) {
	var f apperr.Fields
	n := NormalizeText(into)
	f.Check(validTag(n), "/into", fmt.Sprintf("must be 1 to %d characters", MaxTagLen))
	f.Check(len(from) >= 1 && len(from) <= 50, "/from", "must list 1 to 50 tags")
	var fs []string
	for i, x := range from {
		x = NormalizeText(x)
		f.Check(validTag(x), fmt.Sprintf("/from/%d", i), fmt.Sprintf("must be 1 to %d characters", MaxTagLen))
		f.Check(x != n, fmt.Sprintf("/from/%d", i), "cannot merge a tag into itself")
		if !slices.Contains(fs, x) {
			fs = append(fs, x)
		}
	}
	if err := f.Err(); err != nil {
		return Tag{}, err
	}
	return s.merge(ctx, programmeID, fs, n)
}

// RenameTag renames tag from to the new name to; the old name stays as a synonym, so free
// text saying it still normalises to the tag. ErrTagNotFound when from is not a tag;
// ErrTagExists when to is already a tag or synonym (merge instead).
func (s *Service) RenameTag(ctx context.Context, programmeID, from, to string) (Tag, error) {
	var f apperr.Fields
	a, b := NormalizeText(from), NormalizeText(to)
	f.Check(validTag(a), "/from", fmt.Sprintf("must be 1 to %d characters", MaxTagLen))
	f.Check(validTag(b), "/to", fmt.Sprintf("must be 1 to %d characters", MaxTagLen))
	f.Check(a != b, "/to", "must differ from the current name")
	if err := f.Err(); err != nil {
		return Tag{}, err
	}
	tags, err := s.Store.Tags(ctx, programmeID)
	if err != nil {
		return Tag{}, fmt.Errorf("rename tag: %w", err)
	}
	found := false
	for _, t := range tags {
		if t.Name == a {
			found = true
		}
		if t.Name == b || slices.Contains(t.Synonyms, b) {
			return Tag{}, ErrTagExists
		}
	}
	if !found {
		return Tag{}, ErrTagNotFound
	}
	return s.merge(ctx, programmeID, []string{a}, b)
}

// merge makes every name in from (and their synonyms) a synonym of into and retags profiles.
// Steps are ordered so that a crash part-way leaves a state the same call repairs: the target
// gains its synonyms first, then the old tags go, then profiles are retagged.
func (s *Service) merge(ctx context.Context, programmeID string, from []string, into string) (Tag, error) {
	tags, err := s.Store.Tags(ctx, programmeID)
	if err != nil {
		return Tag{}, fmt.Errorf("merge tags: %w", err)
	}
	byName := map[string]Tag{}
	owner := map[string]string{} // synonym -> tag
	for _, t := range tags {
		byName[t.Name] = t
		for _, syn := range t.Synonyms {
			owner[syn] = t.Name
		}
	}
	if o, ok := owner[into]; ok && !slices.Contains(from, o) {
		return Tag{}, ErrTagExists
	}
	syns := []string{}
	var oldTags []string
	for _, x := range from {
		if o, ok := owner[x]; ok && o != into && !slices.Contains(from, o) {
			return Tag{}, ErrSynonymTaken
		}
		syns = append(syns, x)
		if t, ok := byName[x]; ok {
			oldTags = append(oldTags, x)
			syns = append(syns, t.Synonyms...)
		}
	}
	syns = slices.DeleteFunc(syns, func(x string) bool { return x == into })
	slices.Sort(syns)
	syns = slices.Compact(syns)
	now := s.now()
	if err := s.Store.AddSynonyms(ctx, programmeID, into, syns, now); err != nil {
		return Tag{}, fmt.Errorf("merge tags: %w", err)
	}
	if len(oldTags) > 0 {
		if err := s.Store.DeleteTags(ctx, programmeID, oldTags); err != nil {
			return Tag{}, fmt.Errorf("merge tags: %w", err)
		}
	}
	for _, x := range syns {
		if err := s.Store.RetagProfiles(ctx, programmeID, x, into); err != nil {
			return Tag{}, fmt.Errorf("merge tags: %w", err)
		}
	}
	out, err := s.Tags(ctx, programmeID)
	if err != nil {
		return Tag{}, err
	}
	for _, t := range out {
		if t.Name == into {
			return t, nil
		}
	}
	return Tag{}, fmt.Errorf("merge tags: tag %q vanished", into)
}

// Settings returns the programme's matching settings (the defaults until an owner saves some).
func (s *Service) Settings(ctx context.Context, programmeID string) (Settings, error) {
	set, found, err := s.Store.Settings(ctx, programmeID)
	if err != nil {
		return Settings{}, fmt.Errorf("matching settings: %w", err)
	}
	if !found {
		return DefaultSettings(programmeID), nil
	}
	return set, nil
}

// PutSettings validates and saves the programme's matching settings.
func (s *Service) PutSettings(ctx context.Context, set Settings) (Settings, error) {
	if err := set.Validate(); err != nil {
		return Settings{}, err
	}
	set.UpdatedAt = s.now()
	if set.MustHave == nil {
		set.MustHave = []Criterion{}
	}
	if err := s.Store.PutSettings(ctx, set); err != nil {
		return Settings{}, fmt.Errorf("save matching settings: %w", err)
	}
	return set, nil
}

// matchInput loads what matching needs for a programme and a mentoring type.
func (s *Service) matchInput(ctx context.Context, programmeID string, t Type, mentees []Profile) (MatchInput, error) {
	set, err := s.Settings(ctx, programmeID)
	if err != nil {
		return MatchInput{}, err
	}
	tags, err := s.Store.Tags(ctx, programmeID)
	if err != nil {
		return MatchInput{}, fmt.Errorf("matching: %w", err)
	}
	mentors, err := s.Store.Profiles(ctx, programmeID, RoleMentor)
	if err != nil {
		return MatchInput{}, fmt.Errorf("matching: %w", err)
	}
	if mentees == nil {
		if mentees, err = s.Store.Profiles(ctx, programmeID, RoleMentee); err != nil {
			return MatchInput{}, fmt.Errorf("matching: %w", err)
		}
	}
	slots, err := s.Store.ProgrammeSlots(ctx, programmeID)
	if err != nil {
		return MatchInput{}, fmt.Errorf("matching: %w", err)
	}
	load := map[string]int{}
	for _, sl := range slots {
		if sl.Pool == t.pool() {
			load[sl.MentorID]++
		}
	}
	if t == Flash { // flash pairings take the mentor's flash places, not full ones
		mentors = slices.Clone(mentors)
		for i := range mentors {
			mentors[i].Capacity = mentors[i].FlashCapacity
		}
	}
	paired, hasMentor := map[string]bool{}, map[string]bool{}
	for _, k := range Types() {
		places, err := s.Store.Places(ctx, programmeID, k)
		if err != nil {
			return MatchInput{}, fmt.Errorf("matching: %w", err)
		}
		for _, pl := range places {
			hasMentor[pl.MenteeID] = true
			if k == t {
				paired[pl.MenteeID] = true
			}
		}
	}
	return MatchInput{Settings: set, Vocabulary: NewVocabulary(tags), Mentors: mentors, Mentees: mentees, Load: load,
		Paired: paired, HasMentor: hasMentor}, nil
}

// Suggestions ranks mentors for menteeID. Owners ask for any mentee; a mentee asks for
// themselves when the programme allows self-selection (ErrSelfSelectionOff otherwise).
// alreadyPaired says whether the mentee already holds a live pairing of type t.
func (s *Service) Suggestions(ctx context.Context, actor Actor, programmeID, menteeID string, t Type, limit int) (cands []Candidate, alreadyPaired bool, err error) {
	if !actor.Oversees() {
		if actor.Role != RoleMentee || actor.UserID != menteeID {
			return nil, false, ErrForbidden
		}
		set, err := s.Settings(ctx, programmeID)
		if err != nil {
			return nil, false, err
		}
		if !set.AllowSelfSelection {
			return nil, false, ErrSelfSelectionOff
		}
	}
	if !t.Valid() {
		return nil, false, apperr.Invalid("/type", "must be a mentoring type")
	}
	me, err := s.Store.Profile(ctx, programmeID, menteeID)
	if err != nil {
		return nil, false, err
	}
	if me.Role != RoleMentee {
		return nil, false, ErrProfileNotFound
	}
	in, err := s.suggestInput(ctx, programmeID, t, me)
	if err != nil {
		return nil, false, err
	}
	cands, err = s.suggest(ctx, in, programmeID, menteeID, t, limit)
	return cands, in.Paired[menteeID], err
}

// suggestInput is matchInput for one mentee: the mentors' profiles, and this mentee's places,
// but no one's load yet (suggest reads the loads it needs). Issue 20: suggestions used to read
// every profile, slot and place of the programme.
func (s *Service) suggestInput(ctx context.Context, programmeID string, t Type, me Profile) (MatchInput, error) {
	set, err := s.Settings(ctx, programmeID)
	if err != nil {
		return MatchInput{}, err
	}
	tags, err := s.Store.Tags(ctx, programmeID)
	if err != nil {
		return MatchInput{}, fmt.Errorf("matching: %w", err)
	}
	mentors, err := s.Store.Profiles(ctx, programmeID, RoleMentor)
	if err != nil {
		return MatchInput{}, fmt.Errorf("matching: %w", err)
	}
	if t == Flash { // flash pairings take the mentor's flash places, not full ones
		mentors = slices.Clone(mentors)
		for i := range mentors {
			mentors[i].Capacity = mentors[i].FlashCapacity
		}
	}
	places, err := s.Store.MenteePlaces(ctx, programmeID, me.UserID)
	if err != nil {
		return MatchInput{}, fmt.Errorf("matching: %w", err)
	}
	paired, hasMentor := map[string]bool{}, map[string]bool{}
	for _, pl := range places {
		hasMentor[pl.MenteeID] = true
		if pl.Type == t {
			paired[pl.MenteeID] = true
		}
	}
	return MatchInput{Settings: set, Vocabulary: NewVocabulary(tags), Mentors: mentors, Mentees: []Profile{me}, Load: map[string]int{},
		Paired: paired, HasMentor: hasMentor}, nil
}

// suggest ranks mentors for the mentee reading only the loads it needs. Every mentor's score
// is at most its score with all places free (the capacity term is largest then), so the
// mentors are first ranked on that bound; their loads are then read best bound first, a
// batch at a time, until the limit is filled by mentors whose real scores beat the bound of
// everyone not read yet. The answer is the one a ranking over every load would give.
func (s *Service) suggest(ctx context.Context, in MatchInput, programmeID, menteeID string, t Type, limit int) ([]Candidate, error) {
	bound, err := Suggest(in, menteeID, 0)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > len(bound) {
		limit = len(bound)
	}
	profiles := map[string]Profile{}
	for _, p := range in.Mentors {
		profiles[p.UserID] = p
	}
	exact := in
	exact.Mentors, exact.Load = nil, map[string]int{}
	var best []Candidate
	for read := 0; read < len(bound); {
		batch := bound[read:min(len(bound), read+max(3*limit, 20))]
		ids := make([]string, len(batch))
		for i, c := range batch {
			ids[i] = c.MentorID
			exact.Mentors = append(exact.Mentors, profiles[c.MentorID])
		}
		slots, err := s.Store.MentorsSlots(ctx, programmeID, ids)
		if err != nil {
			return nil, fmt.Errorf("matching: %w", err)
		}
		for _, sl := range slots {
			if sl.Pool == t.pool() {
				exact.Load[sl.MentorID]++
			}
		}
		read += len(batch)
		if best, err = Suggest(exact, menteeID, limit); err != nil {
			return nil, err
		}
		if len(best) == limit && (read == len(bound) || best[limit-1].Score > bound[read].Score) {
			break
		}
	}
	if best == nil {
		best = []Candidate{}
	}
	return best, nil
}

// ProposeOptions adjust a bulk proposal.
type ProposeOptions struct {
	// MatchWithoutProfile matches members who have no mentoring profile on what the
	// programme knows of them (department and languages from their invitation); otherwise
	// they are listed unmatched as profile_missing.
	MatchWithoutProfile bool
}

// Propose makes a bulk proposal for every mentee of the programme without a live pairing of
// type t. Nothing is stored: the owner confirms pairs one by one (or a group at a time).
func (s *Service) Propose(ctx context.Context, programmeID string, t Type) (Proposal, error) {
	return s.ProposeWith(ctx, programmeID, t, ProposeOptions{})
}

// ProposeWith is Propose with options. Members without a profile are never invisible: they
// are matched on what the programme knows, or listed with the reason profile_missing (and
// mentors without a profile in MentorsWithoutProfile, as their capacity is unknown).
func (s *Service) ProposeWith(ctx context.Context, programmeID string, t Type, opt ProposeOptions) (Proposal, error) {
	if !t.Valid() {
		return Proposal{}, apperr.Invalid("/type", "must be a mentoring type")
	}
	in, err := s.matchInput(ctx, programmeID, t, nil)
	if err != nil {
		return Proposal{}, err
	}
	missing, mentorsMissing, err := s.withoutProfile(ctx, programmeID, in)
	if err != nil {
		return Proposal{}, err
	}
	if opt.MatchWithoutProfile {
		for _, m := range missing {
			in.Mentees = append(in.Mentees, Profile{ProgrammeID: programmeID, UserID: m.UserID, Role: RoleMentee,
				Department: m.Department, Languages: m.Languages, DepartmentPreference: PreferAnyDepartment})
		}
	}
	p := Propose(in)
	p.MentorsWithoutProfile = mentorsMissing
	isMissing := map[string]bool{}
	for _, m := range missing {
		isMissing[m.UserID] = true
		if !opt.MatchWithoutProfile {
			p.Unmatched = append(p.Unmatched, Unmatched{MenteeID: m.UserID, Reason: ReasonProfileMissing, ProfileMissing: true})
		}
	}
	for i := range p.Pairs {
		p.Pairs[i].ProfileMissing = isMissing[p.Pairs[i].MenteeID]
	}
	for i := range p.Unmatched {
		p.Unmatched[i].ProfileMissing = isMissing[p.Unmatched[i].MenteeID]
	}
	slices.SortStableFunc(p.Unmatched, func(a, b Unmatched) int { return strings.Compare(a.MenteeID, b.MenteeID) })
	return p, nil
}

// withoutProfile returns the mentee and mentor members of the programme who have no profile.
func (s *Service) withoutProfile(ctx context.Context, programmeID string, in MatchInput) ([]Member, []string, error) {
	if s.Roster == nil {
		return nil, nil, nil
	}
	have := map[string]bool{}
	for _, p := range append(slices.Clone(in.Mentees), in.Mentors...) {
		have[p.UserID] = true
	}
	mentees, err := s.Roster.Members(ctx, programmeID, RoleMentee)
	if err != nil {
		return nil, nil, fmt.Errorf("matching: %w", err)
	}
	mentors, err := s.Roster.Members(ctx, programmeID, RoleMentor)
	if err != nil {
		return nil, nil, fmt.Errorf("matching: %w", err)
	}
	var missing []Member
	for _, m := range mentees {
		if !have[m.UserID] {
			missing = append(missing, m)
		}
	}
	var mentorsMissing []string
	for _, m := range mentors {
		if !have[m.UserID] {
			mentorsMissing = append(mentorsMissing, m.UserID)
		}
	}
	return missing, mentorsMissing, nil
}

// RemindProfiles asks every mentor and mentee of the programme who has no mentoring profile
// to fill one in (a push and an inbox entry, at most one a day each); it returns whom.
func (s *Service) RemindProfiles(ctx context.Context, programmeID string) ([]string, error) {
	if s.Roster == nil || s.MatchNotifier == nil {
		return nil, nil
	}
	profiles, err := s.Store.Profiles(ctx, programmeID, "")
	if err != nil {
		return nil, fmt.Errorf("remind profiles: %w", err)
	}
	have := map[string]bool{}
	for _, p := range profiles {
		have[p.UserID] = true
	}
	var reminded []string
	for _, role := range []string{RoleMentor, RoleMentee} {
		ms, err := s.Roster.Members(ctx, programmeID, role)
		if err != nil {
			return nil, fmt.Errorf("remind profiles: %w", err)
		}
		for _, m := range ms {
			if have[m.UserID] {
				continue
			}
			if err := s.MatchNotifier.ProfileReminder(ctx, programmeID, m.UserID); err != nil {
				return reminded, fmt.Errorf("remind profiles: %w", err)
			}
			reminded = append(reminded, m.UserID)
		}
	}
	return reminded, nil
}

// isNotFound reports whether err is any NotFound-kind error.
func isNotFound(err error) bool { return apperr.KindOf(err) == apperr.KindNotFound }

// DisplayNames returns the display names of the given users, for responses that name people.
// Names are a courtesy: when the directory cannot answer, the map is empty.
func (s *Service) DisplayNames(ctx context.Context, ids []string) map[string]string {
	if s.Directory == nil || len(ids) == 0 {
		return map[string]string{}
	}
	names, err := s.Directory.DisplayNames(ctx, ids)
	if err != nil {
		s.log().WarnContext(ctx, "look up display names", "error", err.Error())
		return map[string]string{}
	}
	return names
}
