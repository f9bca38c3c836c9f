package console

import (
	"html"
	"html/template"
	"strings"
	"time"

	"github.com/youthvoice/youthvoice/surveys"
)

// The owners' pages (owner_*.go): the organisation and its name, tokens,
// shares with ministries, support resources, the audit log. Each acts
// through the same app workflow or store function as the API's route,
// audited as it is, for the same roles: owners only, but support
// resources, which every role reads and owners and editors change (GET
// and PUT /v1/org/support-resources).

// ownerRole is the roles of the API's owners-only routes.
var ownerRole = []surveys.Role{surveys.Owner}

// form is the state of a page's form after a refused POST: its problems,
// translated, each tied to the element id of its field, so that the
// template writes each message next to its field (linked with
// aria-describedby) and lists them all at the top, each a link to its
// field.
type form struct {
	Problems []formProblem
	errs     map[string][]string
}

// formProblem is one problem in the list at the top of a form.
type formProblem struct {
	Field, Message string
}

// add records a problem of the field with element id field.
func (f *form) add(field, msg string) {
	if f.errs == nil {
		f.errs = map[string][]string{}
	}
	f.errs[field] = append(f.errs[field], msg)
	f.Problems = append(f.Problems, formProblem{Field: field, Message: msg})
}

// addAll translates a validation error's problems into lang, each at the
// field fieldOf names for its pointer.
func (c *Console) addAll(f *form, lang string, errs []surveys.FieldError, fieldOf func(pointer string) string) {
	for _, e := range errs {
		f.add(fieldOf(e.Pointer), c.cat.Message(lang, "field."+string(e.Code), e.Params))
	}
}

// Err is the message of a field's problems ("" if none).
func (f *form) Err(id string) string {
	if f == nil {
		return ""
	}
	return strings.Join(f.errs[id], " ")
}

// Attrs are the attributes of an input for the problems of the fields
// ids (its own first, then a group it belongs to): aria-invalid, and
// aria-describedby naming each problem's message ("<id>-error").
func (f *form) Attrs(ids ...string) template.HTMLAttr {
	if f == nil {
		return ""
	}
	var described []string
	for _, id := range ids {
		if len(f.errs[id]) > 0 {
			described = append(described, id+"-error")
		}
	}
	if len(described) == 0 {
		return ""
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + html.EscapeString(strings.Join(described, " ")) + `"`)
}

// when is a moment as the owners' pages show it: in UTC to the minute
// (the audit log to the second), with its machine-readable form for
// <time datetime>.
type when struct {
	Text, ISO string
}

func whenOf(t time.Time, layout string) when {
	t = t.UTC()
	return when{Text: t.Format(layout) + " UTC", ISO: t.Format(time.RFC3339)}
}

const (
	minuteLayout = "2006-01-02 15:04"
	secondLayout = "2006-01-02 15:04:05"
)
