package xlsform

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/surveys"
)

// example is an example survey, parsed and validated.
func example(t testing.TB, name string) *surveys.Definition {
	t.Helper()
	b, err := examples.Survey(name)
	if err != nil {
		t.Fatal(err)
	}
	var d surveys.Definition
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	return &d
}

// roundTrip writes d and reads it back.
func roundTrip(t *testing.T, d *surveys.Definition) *Result {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	res, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		if e, ok := err.(*Error); ok {
			for _, p := range e.Problems {
				t.Errorf("problem: %+v", p)
			}
		}
		t.Fatalf("read back: %v", err)
	}
	return res
}

// sameJSON compares two definitions as the API would show them.
func sameJSON(t *testing.T, want, got *surveys.Definition) {
	t.Helper()
	w, _ := json.MarshalIndent(want, "", " ")
	g, _ := json.MarshalIndent(got, "", " ")
	if !bytes.Equal(w, g) {
		t.Errorf("round trip differs:\n%s", diffLines(string(w), string(g)))
	}
}

func diffLines(a, b string) string {
	al, bl := bytes.Split([]byte(a), []byte("\n")), bytes.Split([]byte(b), []byte("\n"))
	var out bytes.Buffer
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y []byte
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if !bytes.Equal(x, y) {
			out.WriteString("- " + string(x) + "\n+ " + string(y) + "\n")
			if out.Len() > 4000 {
				break
			}
		}
	}
	return out.String()
}

func TestRoundTripExamples(t *testing.T) {
	for _, name := range examples.Names() {
		t.Run(name, func(t *testing.T) {
			d := example(t, name)
			res := roundTrip(t, d)
			sameJSON(t, d, &res.Definition)
			if len(res.Warnings) > 0 {
				t.Errorf("warnings reading our own workbook: %+v", res.Warnings)
			}
		})
	}
}

// everyTypeJSON uses every question type and field, every condition form
// and everything XLSForm has no column for.
const everyTypeJSON = `{
  "default_language": "sv",
  "languages": ["sv", "en", "ar"],
  "title": {"sv": "Trygg i vardagen", "en": "Safe in everyday life", "ar": "الأمان في الحياة اليومية"},
  "description": {"sv": "Om trygghet.", "en": "About feeling safe."},
  "estimated_minutes": 5,
  "introduction": {"sv": "Hej!", "en": "Hello!", "ar": "مرحبًا!"},
  "thank_you": {"sv": "Tack!", "en": "Thank you!", "ar": "شكرًا!"},
  "sensitive": true,
  "content_note": {"sv": "Svåra frågor.", "en": "Hard questions.", "ar": "أسئلة صعبة."},
  "support_resources": [
    {"country": "SE", "name": {"sv": "Bris", "en": "Bris"}, "phone": "116 111", "url": "https://www.bris.se", "hours": {"sv": "Dygnet runt", "en": "Day and night"}},
    {"country": "FI", "name": {"en": "Helpline"}, "url": "https://example.org/help"}
  ],
  "audience": {"min_age": 13, "max_age": 18, "regions": ["SE-AB", "SE-C"]},
  "opens_at": "2026-03-01T07:00:00Z",
  "closes_at": "2026-04-02T00:00:00+02:00",
  "k": 20,
  "public_results": true,
  "access_codes": true,
  "sections": [
    {"id": "start", "questions": [
      {"id": "consent", "type": "single_choice", "required": true, "consent": true,
       "text": {"sv": "Vill du vara med?", "en": "Do you want to take part?"},
       "options": [{"code": "yes", "label": {"sv": "Ja", "en": "Yes"}}, {"code": "no", "label": {"sv": "Nej", "en": "No"}}]},
      {"id": "age_band", "type": "single_choice", "breakdown": true, "help": {"sv": "Ungefär.", "en": "Roughly."},
       "text": {"sv": "Hur gammal är du?", "en": "How old are you?"},
       "options": [{"code": "13-15", "label": {"sv": "13–15 år", "en": "13–15"}}, {"code": "16-18", "label": {"sv": "16–18 år", "en": "16–18"}},
                   {"code": "other", "other": true, "label": {"sv": "Annat", "en": "Other"}}]}
    ]},
    {"id": "safety", "title": {"sv": "Trygghet", "en": "Safety", "ar": "الأمان"}, "questions": [
      {"id": "safe", "type": "scale", "points": 5, "dont_know": true,
       "text": {"sv": "Hur trygg känner du dig?", "en": "How safe do you feel?"},
       "labels": {"1": {"sv": "Inte alls", "en": "Not at all"}, "3": {"sv": "Lagom", "en": "So so"}, "5": {"sv": "Mycket", "en": "Very"}},
       "dont_know_label": {"sv": "Vet inte", "en": "Don't know"}},
      {"id": "calm", "type": "scale", "points": 3, "text": {"sv": "Lugn?", "en": "Calm?"},
       "labels": {"1": {"sv": "Nej", "en": "No"}, "3": {"sv": "Ja", "en": "Yes"}}},
      {"id": "places", "type": "matrix", "points": 3, "dont_know": true, "show_if": {"question": "consent", "equals": "yes"},
       "text": {"sv": "Hur trygg är du här?", "en": "How safe are you here?"}, "help": {"en": "One per row."},
       "labels": {"1": {"sv": "Otrygg", "en": "Unsafe"}, "3": {"sv": "Trygg", "en": "Safe"}},
       "dont_know_label": {"sv": "Vet inte", "en": "Don't know"},
       "statements": [{"code": "school", "label": {"sv": "I skolan", "en": "At school"}}, {"code": "on-line", "label": {"sv": "På nätet", "en": "Online"}}]},
      {"id": "unsafe_why", "type": "multiple_choice", "min_selections": 1, "max_selections": 2,
       "show_if": {"question": "safe", "at_most": 2},
       "text": {"sv": "Varför?", "en": "Why?"},
       "options": [{"code": "bullying", "label": {"sv": "Mobbning", "en": "Bullying"}}, {"code": "strangers", "label": {"sv": "Okända", "en": "Strangers"}},
                   {"code": "other", "other": true, "label": {"sv": "Annat", "en": "Something else"}}]},
      {"id": "hours_online", "type": "number", "integer": true, "min": 0, "max": 24,
       "show_if": {"any": [{"question": "unsafe_why", "none_of": ["bullying", "strangers"]}, {"question": "safe", "answered": false}]},
       "text": {"sv": "Timmar på nätet per dag?", "en": "Hours online a day?"}, "unit": {"sv": "timmar", "en": "hours"}},
      {"id": "temperature", "type": "number", "min": -40.5, "max": 1000000000,
       "show_if": {"question": "hours_online", "equals": 3},
       "text": {"sv": "Temperatur?", "en": "Temperature?"}},
      {"id": "turn_to", "type": "ranking", "show_if": {"question": "age_band", "any_of": ["13-15", "16-18"]},
       "text": {"sv": "Vem vänder du dig till först?", "en": "Who would you turn to first?"},
       "options": [{"code": "parent", "label": {"sv": "En förälder", "en": "A parent"}}, {"code": "friend", "label": {"sv": "En kompis", "en": "A friend"}}]},
      {"id": "idea", "type": "text", "max_length": 500,
       "show_if": {"any": [
         {"question": "safe", "at_least": 4},
         {"all": [{"question": "age_band", "equals": "16-18"}, {"question": "turn_to", "equals": "friend"}, {"question": "unsafe_why", "equals": "other"}]},
         {"question": "places", "answered": true}
       ]},
       "text": {"sv": "Vad skulle göra dig tryggare?", "en": "What would make you feel safer?"},
       "help": {"sv": "Skriv inte namn.", "en": "Don't write names."}},
      {"id": "anything", "type": "text", "text": {"sv": "Något mer?", "en": "Anything else?"}}
    ]}
  ]
}`

func TestRoundTripEveryType(t *testing.T) {
	var d surveys.Definition
	if err := json.Unmarshal([]byte(everyTypeJSON), &d); err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	types := map[surveys.QuestionType]bool{}
	for _, q := range d.Questions() {
		types[q.Type] = true
	}
	if len(types) != len(surveys.QuestionTypes) {
		t.Fatalf("the survey has %d of the %d types", len(types), len(surveys.QuestionTypes))
	}
	res := roundTrip(t, &d)
	sameJSON(t, &d, &res.Definition)
	if len(res.Warnings) > 0 {
		t.Errorf("warnings: %+v", res.Warnings)
	}
}

// TestRoundTripUntranslatedLanguage: a language declared but without any
// text yet (a draft waiting for its translators) is kept.
func TestRoundTripUntranslatedLanguage(t *testing.T) {
	var d surveys.Definition
	if err := json.Unmarshal([]byte(`{"default_language": "sv", "languages": ["sv", "so", "en"], "title": {"sv": "T"},
		"sections": [{"id": "s", "questions": [{"id": "q", "type": "text", "text": {"sv": "Varför?", "en": "Why?"}}]}]}`), &d); err != nil {
		t.Fatal(err)
	}
	res := roundTrip(t, &d)
	sameJSON(t, &d, &res.Definition)
}
