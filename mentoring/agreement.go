package mentoring

import "time"

// AgreementChange is one field of the agreement a version changed, with its value before
// and after ("" for unset).
type AgreementChange struct {
	Field    string
	From, To string
}

// Acknowledgement is one person's acknowledgement of an agreement version.
type Acknowledgement struct {
	UserID string
	At     time.Time
}

// AgreementVersion is one version of a pairing's agreement: the whole agreement as it stood
// after the change, who made the change and when, and what changed. Version 1 is the
// agreement the pairing was created with. A change by one side is pending until the other
// side acknowledges it (the mentor for a mentee's change; every mentee for the mentor's);
// the pairing's agreement in force is its latest acknowledged version.
type AgreementVersion struct {
	PairingID string
	Version   int
	Agreement Agreement
	Changes   []AgreementChange
	By        string
	Side      Side
	At        time.Time
	// Awaiting are the people whose acknowledgement makes this version agreed; Acks those
	// who gave it.
	Awaiting []string
	Acks     []Acknowledgement
}
