package privacydb

import (
	"go.mongodb.org/mongo-driver/v2/bson"
)

// The map of personal data: EVERY collection the product writes is listed here, with what
// an erasure does to the documents in it that name a person (their user ID, email or, where
// free text may mention them, display name) and what an export includes. A collection
// missing from the map fails TestEveryCollectionIsInThePrivacyMap (api/privacy_test.go),
// which lists the collections of a database after a full demo and a busy day, so a new
// store has to say here what it holds.

type action int

const (
	// notPersonal: the collection holds nothing about a person (why says so).
	notPersonal action = iota
	// deleteAll: every document that names the person is theirs alone and is deleted.
	deleteAll
	// anonymise: documents that name the person are shared (a pairing's record, a
	// programme's ledger): the person is replaced by their tombstone ID, their email and
	// display name are blanked. Documents whose deleteIf field names the person are theirs
	// alone and are deleted instead.
	anonymise
)

type rule struct {
	coll     string
	act      action
	deleteIf []string
	// names: free text in the collection may mention the person by display name.
	names bool
	// pairing names the field holding a pairing ID: the documents of the person's pairings
	// are their record too and are exported to each member (except private ones, below).
	pairing string
	// private reports, for export, a document that is someone else's private note.
	private func(doc bson.Raw, userID string) bool
	why     string
}

// privateNote: a note or reflection another member wrote as private.
func privateNote(doc bson.Raw, userID string) bool {
	vis, _ := doc.Lookup("visibility").StringValueOK()
	author, _ := doc.Lookup("authorId").StringValueOK()
	return vis == "private" && author != userID
}

// unsharedAnswer: a check-in answer its author did not share.
func unsharedAnswer(doc bson.Raw, userID string) bool {
	shared, _ := doc.Lookup("shared").BooleanOK()
	author, _ := doc.Lookup("userId").StringValueOK()
	return !shared && author != userID
}

// catalog in erasure order: the account and its ways in first (nothing new arrives while
// the rest is erased), the learning queue next (nothing is re-applied), the job last.
var catalog = []rule{
	// identity
	{coll: "users", act: deleteAll},
	{coll: "sessions", act: deleteAll},
	{coll: "notify_devices", act: deleteAll},
	{coll: "mentoring_feed_tokens", act: deleteAll},
	// programmes
	{coll: "memberships", act: deleteAll},
	{coll: "programmes", act: anonymise},
	{coll: "invites", act: anonymise, deleteIf: []string{"email", "userId", "acceptedBy"}},
	{coll: "joinCodes", act: anonymise},
	// learning events (the queue holds each event whole, so a queued one is deleted)
	{coll: "learning_queue", act: deleteAll},
	{coll: "learning_claims", act: deleteAll},
	{coll: "learning_dead", act: deleteAll},
	{coll: "learning_events", act: deleteAll},
	{coll: "idempotency_keys", act: deleteAll},
	// content
	{coll: "content_items", act: anonymise},
	{coll: "content_versions", act: anonymise},
	{coll: "content_attempts", act: deleteAll},
	{coll: "content_activity", act: deleteAll},
	// media: what they uploaded into a programme's library is the programme's content and
	// is kept with the uploader anonymised; an unfinished upload is deleted
	{coll: "media_items", act: anonymise},
	{coll: "media_uploads", act: deleteAll},
	{coll: "media_variants", act: anonymise},
	{coll: "media_libraries", act: anonymise},
	{coll: "media.files", act: anonymise},
	{coll: "media.chunks", why: "file contents, reached through media_items (whose uploader is anonymised)"},
	// mentoring
	{coll: "mentoring_profiles", act: deleteAll},
	{coll: "mentoring_places", act: deleteAll},
	{coll: "mentoring_slots", act: deleteAll},
	{coll: "mentoring_pairings", act: anonymise},
	{coll: "mentoring_assignments", act: anonymise, deleteIf: []string{"menteeId"}, pairing: "pairingId"},
	{coll: "mentoring_settings", act: anonymise},
	{coll: "mentoring_tags", why: "a programme's skill vocabulary"},
	{coll: "mentoring_cadence_due", why: "per pairing ID: when its next meeting is due (no person named)"},
	// the mentoring record: shared by the pairing; what the person alone wrote or owns goes
	{coll: "mentoring_meetings", act: anonymise, names: true, pairing: "pairingId"},
	{coll: "mentoring_meeting_confirmations", act: anonymise},
	{coll: "mentoring_actions", act: anonymise, deleteIf: []string{"ownerId"}, names: true, pairing: "pairingId"},
	{coll: "mentoring_notes", act: anonymise, deleteIf: []string{"authorId"}, names: true, pairing: "pairingId", private: privateNote},
	{coll: "mentoring_goals", act: anonymise, deleteIf: []string{"ownerId"}, names: true, pairing: "pairingId"},
	{coll: "mentoring_goal_history", act: anonymise, names: true},
	{coll: "mentoring_agreement_versions", act: anonymise, names: true, pairing: "pairingId"},
	{coll: "mentoring_agreement_acks", act: anonymise, pairing: "pairingId"},
	// evidence
	{coll: "evidence_checkins", act: deleteAll},
	{coll: "evidence_answers", act: deleteAll, pairing: "pairingId", private: unsharedAnswer},
	{coll: "evidence_outcomes", act: anonymise},
	{coll: "evidence_activity", act: anonymise, deleteIf: []string{"userId"}},
	{coll: "evidence_cpd_records", act: deleteAll},
	{coll: "evidence_plans", act: anonymise},
	{coll: "evidence_meta", act: anonymise},
	{coll: "evidence_xapi_statements", act: deleteAll},
	{coll: "evidence_xapi_outbox", act: deleteAll},
	{coll: "evidence_xapi_dead", act: deleteAll},
	// spaced review and credentials
	{coll: "review_cards", act: deleteAll},
	{coll: "review_logs", act: deleteAll},
	{coll: "review_settings", act: anonymise},
	{coll: "credentials", act: deleteAll},
	{coll: "credential_issuers", act: anonymise},
	{coll: "credential_keys", why: "the issuers' signing keys"},
	{coll: "credential_status_counters", why: "status-list positions, numbers only"},
	// gamification: the player's numbers stay on the boards under the tombstone
	{coll: "gamification_players", act: anonymise, names: true},
	{coll: "gamification_player_states", act: deleteAll},
	{coll: "gamification_ledger", act: anonymise},
	// a board entry keeps its band (which holds only the first characters of the user ID),
	// so the board's counts stay right; its ID and user ID become the tombstone
	{coll: "gamification_board_entries", act: anonymise, names: true},
	{coll: "gamification_period_results", act: anonymise, names: true},
	{coll: "gamification_winners", act: anonymise, names: true},
	{coll: "gamification_rules", act: anonymise},
	{coll: "gamification_badges", act: anonymise},
	{coll: "gamification_prizes", act: anonymise},
	// programme reports (insight): a person's learner and report subjects go, once the
	// reports have taken the person out of the programme's counts (members by role, active,
	// at risk: Data.Withdraw, app/privacy.go); the counts are numbers only, and what the
	// person learnt stays in the totals naming no one; guards are hashes of the sources
	{coll: "insight_learners", act: deleteAll},
	{coll: "insight_subjects", act: deleteAll},
	{coll: "insight_held", act: deleteAll},
	{coll: "insight_aggs", why: "counts per programme, week, item and day; change guards are hashes"},
	{coll: "insight_settings", act: anonymise},
	{coll: "insight_meta", why: "the report sweep's position and the rebuild state"},
	// notifications and mail
	{coll: "notifications", act: anonymise, deleteIf: []string{"userId"}, names: true},
	{coll: "notify_outbox", act: anonymise, deleteIf: []string{"userId"}, names: true},
	{coll: "notify_deliveries", act: deleteAll},
	{coll: "notify_dead", act: anonymise, deleteIf: []string{"userId"}, names: true},
	{coll: "notify_due", act: deleteAll},
	{coll: "notify_nudges", act: deleteAll},
	{coll: "notify_meta", act: anonymise},
	{coll: "mail_outbox", act: deleteAll},
	{coll: "mail_records", act: deleteAll},
	// this package
	{coll: Archives, act: deleteAll},
	{coll: "meta", why: "start-up markers (demo seeded, migrations run)"},
	{coll: Jobs, act: deleteAll}, // the running erasure's own job is kept (its audit record)
}

// Collections returns every collection in the map with whether it holds personal data and,
// when it does not, why (for the coverage test and docs).
func Collections() map[string]string {
	out := make(map[string]string, len(catalog))
	for _, r := range catalog {
		if r.act == notPersonal {
			out[r.coll] = "not personal: " + r.why
		} else {
			out[r.coll] = "personal"
		}
	}
	return out
}
