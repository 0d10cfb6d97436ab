package api_test

// Issue 11's routes outside invitations (authz_invites_test.go).
func init() {
	addRows(
		Row{Method: "POST", Path: "/v1/programmes/{programmeId}/matching/profile-reminders", Expect: mentoringOwnerOnly},
	)
}
