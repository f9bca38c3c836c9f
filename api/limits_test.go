package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/surveys"
)

// option makes a choice option of the small survey's languages.
func option(code string) map[string]any {
	return map[string]any{"code": code, "label": map[string]any{"sv": code, "en": code, "ar": code}}
}

// choiceQuestion is a single-choice question with n options.
func choiceQuestion(id string, n int, breakdown bool) map[string]any {
	var opts []any
	for i := range n {
		opts = append(opts, option(fmt.Sprint("o", i)))
	}
	return map[string]any{"id": id, "type": "single_choice", "breakdown": breakdown, "options": opts,
		"text": map[string]any{"sv": "Fråga", "en": "Question", "ar": "سؤال"}}
}

// The limits on definitions are translated 422s with a pointer to the
// field, end to end, for creating and for updating a survey: number
// bounds (1e17 made the summary loop forever, 1e308 made statistics
// infinite), breakdowns, and the size of the summary (150 questions of 40
// options, 40 of them breakdowns, exhausted 3 GiB on one summary read).
func TestDefinitionLimitsAre422s(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("o")
	id := createSurvey(t, e, owner, smallSurvey(t))
	const hours = "/sections/0/questions/4"
	questions := func(def map[string]any) []any {
		return def["sections"].([]any)[0].(map[string]any)["questions"].([]any)
	}
	for _, c := range []struct {
		name string
		edit func(def map[string]any)
		want map[string]string
		sv   string // a word of the Swedish message of the first pointer
	}{
		{"integer 1e17", func(def map[string]any) {
			q := questions(def)[4].(map[string]any)
			q["min"], q["max"] = 1e17, 1e17
		}, map[string]string{hours + "/min": "out_of_range", hours + "/max": "out_of_range"}, "1000000000"},
		{"1e308", func(def map[string]any) {
			q := questions(def)[4].(map[string]any)
			q["integer"], q["max"] = false, 1e308
		}, map[string]string{hours + "/max": "out_of_range"}, "mellan"},
		{"condition 1e308", func(def map[string]any) {
			questions(def)[3].(map[string]any)["show_if"] = map[string]any{"question": "hours", "at_most": -1e308}
		}, map[string]string{"/sections/0/questions/3/show_if/at_most": "out_of_range"}, "mellan"},
		{"five breakdowns", func(def map[string]any) {
			s := def["sections"].([]any)[0].(map[string]any)
			for i := range 4 {
				s["questions"] = append(s["questions"].([]any), choiceQuestion(fmt.Sprint("dim", i), 3, true))
			}
		}, map[string]string{"/sections/0/questions/10/breakdown": "too_many_breakdowns"}, "högst 4"},
		{"thirteen groups", func(def map[string]any) {
			s := def["sections"].([]any)[0].(map[string]any)
			s["questions"] = append(s["questions"].([]any), choiceQuestion("dim", 13, true))
		}, map[string]string{"/sections/0/questions/7/options": "breakdown_options"}, "högst 12"},
		{"150 x 40 x 40", func(def map[string]any) {
			var sections []any
			for s := range 3 {
				var qs []any
				for i := range 50 {
					n := s*50 + i
					qs = append(qs, choiceQuestion(fmt.Sprint("q", n), 40, n < 40))
				}
				sections = append(sections, map[string]any{"id": fmt.Sprint("s", s), "questions": qs})
			}
			def["sections"] = sections
		}, nil, "högst"},
	} {
		def := smallSurvey(t)
		c.edit(def)
		for _, method := range []string{"POST", "PUT"} {
			path := "/v1/org/surveys"
			if method == "PUT" {
				path += "/" + id
			}
			r := e.Do(method, path, def, append(bearer(owner), "Accept-Language", "sv")...)
			if r.Status != 422 {
				t.Fatalf("%s %s: %d %.300s", c.name, method, r.Status, r.Body)
			}
			got := pointers(t, r)
			if c.want == nil { // the review's definition: every limit at once
				c.want = map[string]string{"/sections": "summary_too_large",
					"/sections/0/questions/4/breakdown":  "too_many_breakdowns",
					"/sections/0/questions/39/options":   "breakdown_options",
					"/sections/0/questions/39/breakdown": "too_many_breakdowns"}
				if len(got) != 1+36+40 {
					t.Errorf("%s: %d problems", c.name, len(got))
				}
			}
			var first string
			for p, code := range c.want {
				if got[p] != code {
					t.Errorf("%s %s: %s is %q, want %q (all: %v)", c.name, method, p, got[p], code, got)
				}
				if first == "" || p < first {
					first = p
				}
			}
			for _, f := range problemOf(t, r).Errors {
				if f.Pointer == first && !strings.Contains(f.Message, c.sv) {
					t.Errorf("%s: the Swedish message %q does not say %q", c.name, f.Message, c.sv)
				}
			}
		}
	}
	// The definitions at the limits are accepted.
	def := smallSurvey(t)
	q := questions(def)[4].(map[string]any)
	q["min"], q["max"] = -surveys.MaxNumber, surveys.MaxNumber
	s := def["sections"].([]any)[0].(map[string]any)
	for i := range surveys.MaxBreakdowns - 1 {
		s["questions"] = append(s["questions"].([]any), choiceQuestion(fmt.Sprint("dim", i), surveys.MaxBreakdownOptions, true))
	}
	if r := e.Do("PUT", "/v1/org/surveys/"+id, def, bearer(owner)...); r.Status != 200 {
		t.Fatalf("at the limits: %d %s", r.Status, r.Body)
	}
}

// Number answers beyond the question's bounds are refused, and so are
// answers that do not fit a float64 at all.
func TestNumberAnswerLimits(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	id, _ := openSurvey(t, e, nil)
	for _, v := range []any{81, -1, 1e308, -1e9 - 1} {
		answers := map[string]any{"age_band": "16-19", "hours": v}
		r := e.Do("POST", "/v1/surveys/"+id+"/responses", submission(1, "sv", answers), "Accept-Language", "en")
		if r.Status != 422 || pointers(t, r)["/answers/hours"] != "out_of_range" {
			t.Errorf("hours %v: %d %s", v, r.Status, r.Body)
		}
	}
	// 1e400 is not a float64: a wrong type, not a crash.
	body := `{"submission_id":"6f1c1bb2-4c55-4a8e-9b57-0e1b2d3c4f5a","revision":1,"answers":{"age_band":"16-19","hours":1e400}}`
	r := e.Do("POST", "/v1/surveys/"+id+"/responses", []byte(body), "Content-Type", "application/json")
	if r.Status/100 != 4 {
		t.Errorf("hours 1e400: %d %s", r.Status, r.Body)
	}
	if r := e.Do("POST", "/v1/surveys/"+id+"/responses", submission(1, "sv", map[string]any{"age_band": "16-19", "hours": 80})); r.Status != 201 {
		t.Errorf("hours 80: %d %s", r.Status, r.Body)
	}
}
