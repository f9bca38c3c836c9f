package api_test

import (
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/api/apitest"
)

// A definition's mistakes are explained where they are, in words an
// organiser knows: every pointer has its array indices, an unknown field
// names its object's fields, a wrong type says what to write, and
// malformed JSON gives its line and column.
func TestDefinitionErrorWording(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Ungdomsrådet")
	json := append(bearer(owner), "Content-Type", "application/json")
	cases := []struct {
		name, lang, body     string
		status               int
		pointer, code, words string
	}{
		{"unknown field in a question", "en", `{"sections": [{"id": "s", "questions": [{"id": "a"}, {"id": "b"}, {"id": "c", "colour": "red"}]}]}`, 422,
			"/sections/0/questions/2/colour", "unknown_field",
			"“colour” is not a field of this object. Check the spelling; its fields are: id, type, text, help, required, consent, breakdown, show_if, options, min_selections, max_selections, points, labels, dont_know, dont_know_label, statements, integer, min, max, unit, max_length."},
		{"unknown field in an option", "sv", `{"sections": [{"questions": [{"options": [{"code": "a"}, {"code": "b", "lable": {"sv": "B"}}]}]}]}`, 422,
			"/sections/0/questions/0/options/1/lable", "unknown_field",
			"”lable” är inte ett fält i det här objektet. Kontrollera stavningen; dess fält är: code, label, other."},
		{"a text given as a string", "en", `{"title": "Leisure"}`, 422,
			"/title", "invalid_type", `Give a text in each language, like {"en": "..."}.`},
		{"an option label given as a string", "en", `{"sections": [{"questions": [{}, {}, {}, {"options": [{}, {"label": "B"}]}]}]}`, 422,
			"/sections/0/questions/3/options/1/label", "invalid_type", `Give a text in each language, like {"en": "..."}.`},
		{"a text's language given a number", "ar", `{"title": {"ar": 5}}`, 422,
			"/title/ar", "invalid_type", `أدخل نصًا بين علامتي اقتباس، مثل "abc".`},
		{"scale labels given as texts", "en", `{"sections": [{"questions": [{"labels": "low, high"}]}]}`, 422,
			"/sections/0/questions/0/labels", "invalid_type", `Give a text in each language for each point, like {"1": {"en": "..."}}.`},
		{"a flag given as a string", "fi", `{"sections": [{"questions": [{"required": "yes"}]}]}`, 422,
			"/sections/0/questions/0/required", "invalid_type", "Anna true tai false (totuusarvo) ilman lainausmerkkejä."},
		{"k given as a string", "es", `{"k": "10"}`, 422,
			"/k", "invalid_type", "Escribe un número entero, por ejemplo 5, sin comillas."},
		{"languages given as a string", "uk", `{"languages": "sv"}`, 422,
			"/languages", "invalid_type", `Укажіть список у квадратних дужках, наприклад ["a", "b"].`},
		{"a section given as a list", "so", `{"sections": [[]]}`, 422,
			"/sections/0", "invalid_type", `Geli shay ku jira qaansooyin qalloocan, sida {"magac": "qiime"}.`},
		{"a closing time that is no date", "en", `{"closes_at": "next Friday"}`, 422,
			"/closes_at", "invalid_type", `Give a date and time in quotes, like "2026-03-01T09:00:00Z" (RFC 3339).`},
		{"a number given as a string", "en", `{"sections": [{"questions": [{"min": "0"}]}]}`, 422,
			"/sections/0/questions/0/min", "invalid_type", "Give a number, like 2.5, without quotes."},
	}
	for _, c := range cases {
		r := e.Do("POST", "/v1/org/surveys?lang="+c.lang, c.body, json...)
		if r.Status != c.status {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
			continue
		}
		p := problemOf(t, r)
		if len(p.Errors) != 1 || p.Errors[0].Pointer != c.pointer || p.Errors[0].Code != c.code || p.Errors[0].Message != c.words {
			t.Errorf("%s: %+v\nwant %s %s %q", c.name, p.Errors, c.pointer, c.code, c.words)
		}
	}
}

// The problems a condition or a doubled field can have are explained with
// an example of what to write.
func TestConditionAndDuplicateWording(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Ungdomsrådet")
	def := smallSurvey(t)
	why := def["sections"].([]any)[0].(map[string]any)["questions"].([]any)[3].(map[string]any)
	why["show_if"] = map[string]any{"question": "satisfied", "at_most": 2, "at_least": 1}
	p := problemOf(t, e.Do("POST", "/v1/org/surveys", def, bearer(owner)...))
	want := `A condition is either a group, like {"all": [...]} or {"any": [...]}, or one test of one earlier question, like {"question": "age", "equals": "13-15"}: not both, and one test only.`
	if len(p.Errors) != 1 || p.Errors[0].Pointer != "/sections/0/questions/3/show_if" || p.Errors[0].Code != "bad_condition" || p.Errors[0].Message != want {
		t.Errorf("two tests in one condition: %+v", p.Errors)
	}
	r := e.Do("POST", "/v1/org/surveys?lang=sv", `{"sections": [{"questions": [{"id": "a", "id": "b"}]}]}`, append(bearer(owner), "Content-Type", "application/json")...)
	p = problemOf(t, r)
	if r.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Pointer != "/sections/0/questions/0/id" || p.Errors[0].Message != "Det här fältet står två gånger i samma objekt. Behåll ett av dem." {
		t.Errorf("a doubled field: %d %+v", r.Status, p.Errors)
	}
}

func TestMalformedJSONGivesLineAndColumn(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Ungdomsrådet")
	json := append(bearer(owner), "Content-Type", "application/json")
	cases := []struct {
		name, lang, body, detail string
	}{
		{"a trailing comma", "en", "{\n  \"title\": {\"en\": \"x\"},\n  \"k\": 5,\n}",
			"The request body is not valid JSON: check line 3, column 9."}, // at the comma
		{"a missing comma after Arabic text, columns in characters", "sv", "{\"title\": {\"ar\": \"أوقات الفراغ\" \"en\": \"x\"}}",
			"Begärans innehåll är inte giltig JSON: kontrollera rad 1, kolumn 33."},
		{"cut short", "en", "{\n\"title\": {\"en\": \"a\"}",
			"The request body is not valid JSON: check line 2, column 21."},
		{"empty", "en", "",
			"The request body is not valid JSON: check line 1, column 1."},
		{"a misspelt true", "en", "{\"sections\": [{\"questions\": [{\"show_if\": {\"equals\": tru}}]}]}",
			"The request body is not valid JSON: check line 1, column 56."}, // where "tru" ends
	}
	for _, c := range cases {
		r := e.Do("POST", "/v1/org/surveys?lang="+c.lang, c.body, json...)
		if r.Status != 400 {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
			continue
		}
		if p := problemOf(t, r); p.Detail != c.detail || !strings.HasSuffix(p.Type, ":malformed_json") {
			t.Errorf("%s: %q, want %q", c.name, p.Detail, c.detail)
		}
	}
}
