package surveys_test

// Fuzz targets for every decoder of outside input in the domain: survey
// definitions (an organiser's JSON) and submissions (anyone's JSON). Their
// seeds (below and in testdata/fuzz/) run with every `go test`; fuzzing
// itself is a command (docs/security.md, "Fuzzing"):
//
//	go test ./surveys -run '^$' -fuzz '^FuzzDefinition$' -fuzztime 5m -fuzzminimizetime 5s -parallel 1
//	go test ./surveys -run '^$' -fuzz '^FuzzSubmission$' -fuzztime 5m -fuzzminimizetime 5s -parallel 1

import (
	"encoding/json"
	"errors"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// checkProblems checks a validation error as the API would turn it into a
// problem: a *ValidationError whose every entry has a JSON pointer under
// prefix and a code.
func checkProblems(t *testing.T, err error, prefix string) {
	t.Helper()
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("not a validation error: %T %v", err, err)
	}
	if len(ve.Errors) == 0 {
		t.Fatal("a validation error without problems")
	}
	for _, f := range ve.Errors {
		if f.Code == "" || !strings.HasPrefix(f.Pointer, prefix) {
			t.Fatalf("problem %+v: want a code and a pointer under %q", f, prefix)
		}
		for name, v := range f.Params {
			if x, ok := v.(float64); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
				t.Fatalf("problem %+v: parameter %s is %v", f, name, x)
			}
		}
	}
}

// seedFile is an example survey (package examples), by file name.
func seedFile(f *testing.F, name string) []byte {
	f.Helper()
	b, err := examples.Survey(name)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzDefinition decodes a definition as the API does, validates it and,
// when it is valid, checks the limits' promises: bounded numbers and
// summary size, and a summary (of a few random responses) that ends and
// encodes.
func FuzzDefinition(f *testing.F) {
	for _, name := range examples.Names() {
		f.Add(seedFile(f, name))
	}
	f.Add(surveystest.SmallSurvey)
	for _, def := range []*surveys.Definition{numberSurvey(), breakdownSurvey(surveys.MaxBreakdowns, surveys.MaxBreakdownOptions)} {
		b, err := json.Marshal(def)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"sections":[{"questions":[{"show_if":{"all":[{"any":[{"all":[{"any":[{}]}]}]}]}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var def surveys.Definition
		if json.Unmarshal(data, &def) != nil {
			return
		}
		err := def.Validate()
		_ = def.MissingTranslations()
		if err != nil {
			checkProblems(t, err, "/")
			return
		}
		if _, err := json.Marshal(&def); err != nil {
			t.Fatalf("a valid definition does not encode: %v", err)
		}
		if cells := def.SummaryCells(); cells > surveys.MaxSummaryCells {
			t.Fatalf("valid with %d summary cells", cells)
		}
		breakdowns := 0
		for _, q := range def.Questions() {
			if q.Breakdown {
				breakdowns++
				if len(q.Options) > surveys.MaxBreakdownOptions {
					t.Fatalf("breakdown %s has %d options", q.ID, len(q.Options))
				}
			}
			if q.Type == surveys.Number {
				for _, b := range []*float64{q.Min, q.Max} {
					if b == nil || math.IsNaN(*b) || math.Abs(*b) > surveys.MaxNumber {
						t.Fatalf("question %s: bound %v", q.ID, b)
					}
				}
			}
		}
		if breakdowns > surveys.MaxBreakdowns {
			t.Fatalf("valid with %d breakdowns", breakdowns)
		}
		// The summary of a few random responses (those the server
		// accepts) ends and encodes.
		h := fnv.New64a()
		h.Write(data)
		rng := rand.New(rand.NewPCG(h.Sum64(), 1))
		tally := surveys.NewTally()
		for range 12 {
			body := simulate.SubmissionJSON(&def, 1, rng)
			var sub surveys.Submission
			if err := json.Unmarshal(body, &sub); err != nil {
				t.Fatal(err)
			}
			r, err := surveys.NewResponse([]byte("key"), "fuzz", &def, &sub, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
			if err != nil {
				// The random answers do not know every rule (a max_length
				// shorter than their texts); the server's refusal is fine.
				checkProblems(t, err, "/")
				continue
			}
			tally.Add(&def, r)
		}
		summarise(t, &def, tally)
	})
}

// summarise discloses a tally and renders everything an analyst can
// download, which must encode (no infinite or NaN statistic).
func summarise(t *testing.T, def *surveys.Definition, tally *surveys.Tally) {
	t.Helper()
	p := surveys.Disclose(def, tally, surveys.MinK)
	all := []surveys.Results{p.Results(def.DefaultLanguage, "", "not answered")}
	for _, q := range def.Questions() {
		if q.Breakdown {
			all = append(all, p.Results(def.DefaultLanguage, q.ID, "not answered"))
		}
	}
	if _, err := json.Marshal(all); err != nil {
		t.Fatalf("results do not encode: %v", err)
	}
}

// fuzzDefinitions are the surveys submissions are fuzzed against: the
// examples (every question type, show_if, consent, "other" texts) and a
// number question as wide as allowed.
func fuzzDefinitions(f *testing.F) []*surveys.Definition {
	f.Helper()
	var defs []*surveys.Definition
	for _, name := range []string{"youth-policy-consultation.json", "safety-online-offline.json"} {
		def, err := surveystest.Load(seedFile(f, name))
		if err != nil {
			f.Fatal(err)
		}
		defs = append(defs, def)
	}
	wide := numberSurvey()
	hours := &wide.Sections[0].Questions[1]
	hours.Integer, hours.Min, hours.Max = false, ptr(-surveys.MaxNumber), ptr(surveys.MaxNumber)
	return append(defs, wide)
}

// FuzzSubmission decodes a submission body as the API does and checks it
// against each fuzzed survey: either a validation error with pointers, or
// a response whose every answer obeys its question, which tallies, and
// whose digest is stable.
func FuzzSubmission(f *testing.F) {
	defs := fuzzDefinitions(f)
	rng := rand.New(rand.NewPCG(5, 5))
	for _, def := range defs {
		for range 4 {
			f.Add(simulate.SubmissionJSON(def, 1, rng))
		}
	}
	for _, s := range []string{
		`{}`, `null`, `{"answers":null}`,
		`{"submission_id":"6f1c1bb2-4c55-4a8e-9b57-0e1b2d3c4f5a","revision":1,"answers":{"hours":1e308}}`,
		`{"submission_id":"6f1c1bb2-4c55-4a8e-9b57-0e1b2d3c4f5a","revision":1,"answers":{"hours":-0,"why":"x"}}`,
		`{"submission_id":"6f1c1bb2-4c55-4a8e-9b57-0e1b2d3c4f5a","revision":1,"answers":{"hours":1e-400,"pick":{"choice":"a","other":""}}}`,
		`{"submission_id":"6f1c1bb2-4c55-4a8e-9b57-0e1b2d3c4f5a","revision":1,"lang":"ar","answers":{"age_band":"13-15","age_band":"16-18"}}`,
		`{"submission_id":"6f1c1bb2-4c55-4a8e-9b57-0e1b2d3c4f5a","revision":1,"answers":{"school_matrix":{"safe":"dont_know","x":1e3}}}`,
	} {
		f.Add([]byte(s))
	}
	key := []byte("key")
	day := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		var sub surveys.Submission
		if json.Unmarshal(data, &sub) != nil {
			return
		}
		if err := sub.CheckEnvelope(false); err != nil {
			checkProblems(t, err, "/")
		}
		for _, def := range defs {
			s := sub
			r, err := surveys.NewResponse(key, "fuzz", def, &s, day)
			if err != nil {
				checkProblems(t, err, "/")
				continue
			}
			checkAnswers(t, def, r.Answers)
			again, err := surveys.NewResponse(key, "fuzz", def, &s, day)
			if err != nil || again.Digest != r.Digest || again.Key != r.Key {
				t.Fatalf("the same submission gave another response: %v", err)
			}
			tally := surveys.NewTally()
			tally.Add(def, r)
			if _, err := json.Marshal(tally); err != nil {
				t.Fatalf("tally does not encode: %v", err)
			}
		}
	})
}

// checkAnswers checks accepted answers against their questions.
func checkAnswers(t *testing.T, def *surveys.Definition, answers surveys.Answers) {
	t.Helper()
	visible := def.Visible(answers)
	for id, a := range answers {
		q := def.Question(id)
		if q == nil || !visible[id] {
			t.Fatalf("answer to %q, which is unknown or hidden", id)
		}
		switch q.Type {
		case surveys.Number:
			if math.IsNaN(a.Number) || math.IsInf(a.Number, 0) || math.Abs(a.Number) > surveys.MaxNumber ||
				a.Number < *q.Min || a.Number > *q.Max || q.Integer && a.Number != math.Trunc(a.Number) {
				t.Fatalf("%s: number %v accepted", id, a.Number)
			}
		case surveys.SingleChoice:
			if q.Option(a.Choice) == nil {
				t.Fatalf("%s: choice %q accepted", id, a.Choice)
			}
		case surveys.MultipleChoice:
			if len(a.Choices) == 0 || len(a.Choices) > len(q.Options) {
				t.Fatalf("%s: %d choices accepted", id, len(a.Choices))
			}
		case surveys.Scale:
			if !a.DontKnow && (a.Point < 1 || a.Point > q.Points) {
				t.Fatalf("%s: point %d accepted", id, a.Point)
			}
		case surveys.Ranking:
			if len(a.Order) != len(q.Options) {
				t.Fatalf("%s: %d ranked", id, len(a.Order))
			}
		case surveys.Matrix:
			for code, p := range a.Rows {
				if p < 0 || p > q.Points || (p == 0 && !q.DontKnow) {
					t.Fatalf("%s/%s: point %d accepted", id, code, p)
				}
			}
		}
	}
	for _, q := range def.Questions() {
		if _, ok := answers[q.ID]; q.Required && visible[q.ID] && !ok {
			t.Fatalf("required %s missing", q.ID)
		}
	}
}
