package notify

import (
	"strings"
)

// template is the title and body of one kind in one language. {name} placeholders are
// filled from the notification's Vars.
type template struct{ Title, Body string }

// templates holds every kind in every language we ship. English is the fallback: a locale
// we do not have, or a kind missing in a language, renders in English.
var templates = map[string]map[Kind]template{
	"en": {
		KindBadgeEarned:           {"New badge: {badge}", "You earned the {badge} badge. Well done!"},
		KindLevelUp:               {"Level {level} reached", "You are now level {level}. Keep going!"},
		KindPrizeWon:              {"You won a prize", "You won {prize}. Open the app to see how to claim it."},
		KindDailyReminder:         {"Time for ten minutes", "Your learning slot is now: one short lesson keeps you on track."},
		KindStreakAtRisk:          {"Keep your {streak}-day streak", "You have not reached today's goal yet. Ten minutes will do it."},
		KindAssignmentReceived:    {"New from your mentor", "Your mentor assigned you \"{title}\"."},
		KindAssignmentDueTomorrow: {"Due tomorrow", "\"{title}\" is due tomorrow."},
		KindAssignmentOverdue:     {"Overdue: {title}", "\"{title}\" was due. Your mentor is still keen to see it done."},
		KindAssignmentCompleted:   {"{mentee} finished an assignment", "{mentee} completed \"{title}\"."},
		KindCheckinDue:            {"Time for your check-in", "Your \"{occasion}\" check-in is due: five minutes on what you are learning and what helps."},
		KindPairingRequested:      {"{mentee} asks you to mentor them", "{mentee} would like you as their mentor in {programme}. Accept or decline in the app."},
		KindProfileReminder:       {"Tell us about yourself", "Fill in your mentoring profile in {programme} so that we can match you."},
		KindReviewsDue:            {"Reviews waiting", "{count} questions you once missed are ready for a quick review."},
		KindMeetingReminder:       {"Mentoring at {time}", "Your mentoring meeting starts at {time} ({format})."},
		KindMeetingToConfirm:      {"Confirm your meeting", "{person} recorded your mentoring meeting. Confirm it so it counts."},
		KindAgreementChanged:      {"Your agreement changed", "{person} proposed a change to your mentoring agreement. Have a look and acknowledge it."},
		KindAgreementAcknowledged: {"Change acknowledged", "{person} acknowledged your change to the mentoring agreement."},
		KindMeetingDue:            {"Time to meet again", "You agreed to meet {frequency}, and no meeting is planned. Plan the next one with {person}."},
	},
	"de": {
		KindBadgeEarned:           {"Neues Abzeichen: {badge}", "Du hast das Abzeichen {badge} verdient. Gut gemacht!"},
		KindLevelUp:               {"Level {level} erreicht", "Du bist jetzt auf Level {level}. Weiter so!"},
		KindPrizeWon:              {"Du hast einen Preis gewonnen", "Du hast {prize} gewonnen. In der App steht, wie du ihn einlöst."},
		KindDailyReminder:         {"Zeit für zehn Minuten", "Jetzt ist deine Lernzeit: eine kurze Lektion hält dich auf Kurs."},
		KindStreakAtRisk:          {"Halte deine Serie von {streak} Tagen", "Dein Tagesziel ist noch nicht erreicht. Zehn Minuten genügen."},
		KindAssignmentReceived:    {"Neu von deinem Mentor", "Dein Mentor hat dir „{title}“ zugewiesen."},
		KindAssignmentDueTomorrow: {"Morgen fällig", "„{title}“ ist morgen fällig."},
		KindAssignmentOverdue:     {"Überfällig: {title}", "„{title}“ war fällig. Dein Mentor freut sich, wenn du es abschließt."},
		KindAssignmentCompleted:   {"{mentee} hat eine Aufgabe erledigt", "{mentee} hat „{title}“ abgeschlossen."},
		KindCheckinDue:            {"Zeit für deinen Check-in", "Dein Check-in „{occasion}“ ist fällig: fünf Minuten dazu, was du lernst und was dir hilft."},
		KindPairingRequested:      {"{mentee} fragt dich als Mentor an", "{mentee} möchte dich in {programme} als Mentor. Nimm in der App an oder lehne ab."},
		KindProfileReminder:       {"Erzähl uns von dir", "Füll dein Mentoring-Profil in {programme} aus, damit wir dich zuordnen können."},
		KindMeetingReminder:       {"Mentoring um {time}", "Dein Mentoring-Treffen beginnt um {time} ({format})."},
		KindMeetingToConfirm:      {"Bestätige dein Treffen", "{person} hat euer Mentoring-Treffen eingetragen. Bestätige es, damit es zählt."},
		KindAgreementChanged:      {"Eure Vereinbarung wurde geändert", "{person} schlägt eine Änderung eurer Mentoring-Vereinbarung vor. Sieh sie dir an und bestätige sie."},
		KindAgreementAcknowledged: {"Änderung bestätigt", "{person} hat deine Änderung der Mentoring-Vereinbarung bestätigt."},
		KindMeetingDue:            {"Zeit für ein neues Treffen", "Ihr habt vereinbart, euch {frequency} zu treffen, und kein Treffen ist geplant. Plane das nächste mit {person}."},
		KindReviewsDue:            {"Wiederholung wartet", "{count} Fragen, die du einmal verpasst hast, sind bereit für eine kurze Wiederholung."},
	},
	"fr": {
		KindBadgeEarned:           {"Nouveau badge : {badge}", "Vous avez obtenu le badge {badge}. Bravo !"},
		KindLevelUp:               {"Niveau {level} atteint", "Vous êtes maintenant au niveau {level}. Continuez !"},
		KindPrizeWon:              {"Vous avez gagné un prix", "Vous avez gagné {prize}. Ouvrez l'application pour le récupérer."},
		KindDailyReminder:         {"C'est l'heure de vos dix minutes", "Votre créneau d'apprentissage commence : une courte leçon suffit."},
		KindStreakAtRisk:          {"Gardez votre série de {streak} jours", "Votre objectif du jour n'est pas encore atteint. Dix minutes suffisent."},
		KindAssignmentReceived:    {"Nouveau de votre mentor", "Votre mentor vous a assigné « {title} »."},
		KindAssignmentDueTomorrow: {"À rendre demain", "« {title} » est à rendre demain."},
		KindAssignmentOverdue:     {"En retard : {title}", "« {title} » était à rendre. Votre mentor attend toujours votre travail."},
		KindAssignmentCompleted:   {"{mentee} a terminé un travail", "{mentee} a terminé « {title} »."},
		KindCheckinDue:            {"C'est l'heure de votre bilan", "Votre bilan « {occasion} » est à faire : cinq minutes sur ce que vous apprenez et ce qui vous aide."},
		KindPairingRequested:      {"{mentee} vous demande comme mentor", "{mentee} aimerait vous avoir comme mentor dans {programme}. Acceptez ou refusez dans l'application."},
		KindProfileReminder:       {"Parlez-nous de vous", "Complétez votre profil de mentorat dans {programme} pour que nous puissions vous proposer un binôme."},
		KindMeetingReminder:       {"Mentorat à {time}", "Votre rendez-vous de mentorat commence à {time} ({format})."},
		KindMeetingToConfirm:      {"Confirmez votre rendez-vous", "{person} a consigné votre rendez-vous de mentorat. Confirmez-le pour qu'il compte."},
		KindAgreementChanged:      {"Votre accord a changé", "{person} propose une modification de votre accord de mentorat. Consultez-la et validez-la."},
		KindAgreementAcknowledged: {"Modification validée", "{person} a validé votre modification de l'accord de mentorat."},
		KindMeetingDue:            {"Il est temps de vous revoir", "Vous avez convenu de vous voir {frequency} et aucun rendez-vous n'est prévu. Planifiez le prochain avec {person}."},
		KindReviewsDue:            {"Des révisions vous attendent", "{count} questions manquées sont prêtes pour une révision rapide."},
	},
}

// Locales lists the languages notifications are written in.
func Locales() []string { return []string{"en", "de", "fr"} }

// Render returns the title and body of kind for locale, filled from vars. The locale falls
// back from "de-AT" to "de" to "en"; a missing variable renders as its name's fallback text.
func Render(kind Kind, locale string, vars map[string]string) (title, body string) {
	t, ok := lookup(kind, locale)
	if !ok {
		return string(kind), ""
	}
	pairs := make([]string, 0, 2*len(vars)+2*len(defaults))
	for k, v := range vars {
		pairs = append(pairs, "{"+k+"}", v)
	}
	for k, v := range defaults {
		if _, set := vars[k]; !set {
			pairs = append(pairs, "{"+k+"}", v)
		}
	}
	r := strings.NewReplacer(pairs...)
	return r.Replace(t.Title), r.Replace(t.Body)
}

// defaults fill variables a producer left out, so that no "{x}" ever reaches a phone.
var defaults = map[string]string{"time": "soon", "format": "in person", "person": "Your mentoring partner", "badge": "a", "level": "up", "prize": "a prize", "title": "an assignment",
	"mentee": "Your mentee", "streak": "your", "programme": "your programme", "count": "Some", "occasion": "next", "frequency": "regularly"}

func lookup(kind Kind, locale string) (template, bool) {
	tag := strings.ToLower(strings.ReplaceAll(locale, "_", "-"))
	for tag != "" {
		if t, ok := templates[tag][kind]; ok {
			return t, true
		}
		i := strings.LastIndex(tag, "-")
		if i < 0 {
			break
		}
		tag = tag[:i]
	}
	t, ok := templates["en"][kind]
	return t, ok
}
