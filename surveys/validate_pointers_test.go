package surveys_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// resolve walks an RFC 6901 pointer through a decoded JSON document. Every
// step into an array must be an index of an element that exists, and every
// step into an object a member that exists, except the last one (a
// required member that is missing). It says what is wrong, or "".
func resolve(doc any, ptr string) string {
	if ptr == "" {
		return ""
	}
	if !strings.HasPrefix(ptr, "/") {
		return "does not start with /"
	}
	toks := strings.Split(ptr[1:], "/")
	cur := doc
	for i, tok := range toks {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		last := i == len(toks)-1
		switch v := cur.(type) {
		case []any:
			n, err := strconv.Atoi(tok)
			if err != nil || strconv.Itoa(n) != tok || n < 0 || n >= len(v) {
				return "step " + strconv.Itoa(i) + " (" + tok + ") is no index of the array"
			}
			cur = v[n]
		case map[string]any:
			next, ok := v[tok]
			if !ok && !last {
				return "step " + strconv.Itoa(i) + " (" + tok + ") is not in the object"
			}
			cur = next
		default:
			if !last {
				return "step " + strconv.Itoa(i) + " (" + tok + ") goes into a value that is no object or array"
			}
		}
	}
	return ""
}

// Every problem of a definition points at it with its array indices
// (/sections/1/questions/2/options/1/label, never
// /sections/questions/options/label): each pointer resolves in the
// document the organiser sent.
func TestValidatePointersHaveIndices(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(surveystest.SmallSurvey, &doc); err != nil {
		t.Fatal(err)
	}
	obj := func(v any) map[string]any { return v.(map[string]any) }
	arr := func(v any) []any { return v.([]any) }
	sections := arr(doc["sections"])
	main := obj(sections[0])
	// A second section, so that section indices matter too.
	second := map[string]any{"id": "main", "questions": []any{
		map[string]any{"id": "ok", "type": "text", "text": map[string]any{"sv": "A", "en": "A", "ar": "A"}},
		map[string]any{"id": "Bad Id", "type": "text", "text": map[string]any{"sv": "B"}},
		map[string]any{"id": "late", "type": "single_choice", "text": map[string]any{"sv": "C"}, "show_if": map[string]any{"all": []any{
			map[string]any{"question": "age_band", "equals": "13-15"},
			map[string]any{"question": "nowhere", "answered": true},
		}}, "options": []any{
			map[string]any{"code": "a", "label": map[string]any{"sv": "A"}},
			map[string]any{"code": "a", "label": map[string]any{"sv": "A", "de": "A"}},
			map[string]any{"code": "B!", "label": map[string]any{"sv": strings.Repeat("x", surveys.MaxTextLength+1)}},
		}},
	}}
	doc["sections"] = append(sections, second)
	qs := arr(main["questions"])
	delete(obj(arr(obj(qs[1])["options"])[1]), "label")                          // activities: music has no label
	obj(qs[2])["labels"].(map[string]any)["9"] = map[string]any{"sv": "Nio"}     // satisfied: no point 9
	obj(arr(obj(qs[6])["statements"])[1])["code"] = "safe"                       // agree: a duplicate statement
	obj(arr(obj(qs[5])["show_if"].(map[string]any)["any"])[1])["question"] = "x" // priorities: unknown question
	doc["audience"].(map[string]any)["regions"] = []any{"SE-AB", "not a region"}
	doc["languages"] = []any{"sv", "en", "ar", "xx-!!"}
	doc["support_resources"] = []any{
		map[string]any{"country": "SE", "name": map[string]any{"sv": "BRIS"}, "phone": "116 111"},
		map[string]any{"country": "se", "name": map[string]any{"sv": "Hjälp"}, "url": "ftp://x"},
	}
	body, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var d surveys.Definition
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	var generic any
	if err := json.Unmarshal(body, &generic); err != nil {
		t.Fatal(err)
	}
	var ve *surveys.ValidationError
	if err := d.Validate(); !errors.As(err, &ve) {
		t.Fatalf("Validate: %v", err)
	}
	var got []string
	for _, f := range ve.Errors {
		got = append(got, f.Pointer+" "+string(f.Code))
		if why := resolve(generic, f.Pointer); why != "" {
			t.Errorf("%s (%s): %s", f.Pointer, f.Code, why)
		}
	}
	for _, want := range []string{
		"/languages/3 unknown_language",
		"/audience/regions/1 invalid",
		"/support_resources/1/country invalid_country",
		"/support_resources/1/url invalid",
		"/sections/0/questions/1/options/1/label required",
		"/sections/0/questions/2/labels/9 out_of_range",
		"/sections/0/questions/5/show_if/any/1/question unknown_question",
		"/sections/0/questions/6/statements/1/code duplicate",
		"/sections/1/id duplicate",
		"/sections/1/questions/1/id invalid_id",
		"/sections/1/questions/2/show_if/all/1/question unknown_question",
		"/sections/1/questions/2/options/1/code duplicate",
		"/sections/1/questions/2/options/1/label/de undeclared_language",
		"/sections/1/questions/2/options/2/code invalid_code",
		"/sections/1/questions/2/options/2/label/sv too_long",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("missing %s in:\n%s", want, strings.Join(got, "\n"))
		}
	}
	// The translations a complete definition needs point the same way.
	// (A text missing as a whole is missing in every language: its
	// pointer, without the language, is what must resolve.)
	for _, m := range d.MissingTranslations() {
		if why := resolve(generic, strings.TrimSuffix(m.Pointer, surveys.Pointer(m.Language))); why != "" {
			t.Errorf("missing translation %s: %s", m.Pointer, why)
		}
	}
}
