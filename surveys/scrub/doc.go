// Package scrub removes contact details from free text: phone numbers,
// e-mail addresses, links, user names on social platforms and personal
// identity numbers, also when they are disguised (spaced out, spelled out,
// defanged, written with look-alike or invisible characters).
//
// Free text that children write in survey answers is scrubbed before it is
// stored (surveys.ParseAnswers calls Scrub): a child answering questions
// about exploitation must not be reachable through what they wrote, and
// the original text is never stored. Each detail found is replaced with
// Marker. The rules, the labelled corpus (testdata/contacts.tsv) and the
// measured recall and precision are in docs/privacy.md ("Free-text
// scrubbing").
//
// The detectors are deliberately biased towards recall: the people writing
// these answers are children, some of them answering questions about sexual
// exploitation, and a contact detail that slips through is far worse than an
// innocent number that is replaced by the marker.
//
// One file per kind of contact detail: email.go, url.go, handle.go (user
// names), phone.go (the digit-group scanner), idnumber.go (personal identity
// numbers), numberword.go (digits written as words); normalise.go undoes
// the disguises in a copy of the text that maps back to the original, and
// scrub.go runs them all and merges what they find. The package uses only
// the standard library and golang.org/x/text, and does not import surveys.
package scrub
