package api_test

// Issue 11's routes outside invitations (authz_invites_test.go).
func init() {
	addRows(
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/matching/profile-reminders", Expect: mentoringOwnerOnly},
		// The caller's own mentees: every signed-in person (an empty list when they mentor nobody).
		Row{Method: "GET", Path: "/v1/me/mentees", Expect: signedInAll(200)},
	)
}
