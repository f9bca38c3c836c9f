package surveys_test

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

func loadExample(t testing.TB, name string) *surveys.Definition {
	t.Helper()
	b, err := examples.Survey(name)
	if err != nil {
		t.Fatal(err)
	}
	def, err := surveystest.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := def.Complete(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return def
}

// randomResponses makes n accepted responses to def.
func randomResponses(t testing.TB, def *surveys.Definition, n int, seed uint64) []*surveys.Response {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]*surveys.Response, n)
	day := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for i := range out {
		sub := simulate.Submission(def, 1, rng)
		raw, _ := json.Marshal(sub["answers"])
		var answers map[string]json.RawMessage
		_ = json.Unmarshal(raw, &answers)
		s := &surveys.Submission{SubmissionID: sub["submission_id"].(string), Revision: 1, Lang: sub["lang"].(string), Answers: answers}
		r, err := surveys.NewResponse([]byte("k"), "s", def, s, day.Add(time.Duration(rng.IntN(72))*time.Hour))
		if err != nil {
			t.Fatalf("generated answers refused: %v", err)
		}
		out[i] = r
	}
	return out
}

// Adding responses in any order, or tallying any split of them and
// merging, gives the same tally.
func TestTallyIsOrderAndSplitInvariant(t *testing.T) {
	propertyTest(t)
	for _, name := range []string{"safety-online-offline.json", "youth-policy-consultation.json"} {
		def := loadExample(t, name)
		responses := randomResponses(t, def, 400, 1)
		want := surveys.NewTally()
		for _, r := range responses {
			want.Add(def, r)
		}
		for trial := range 20 {
			rng := rand.New(rand.NewPCG(uint64(trial), 99))
			shuffled := append([]*surveys.Response(nil), responses...)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			got := surveys.NewTally()
			for len(shuffled) > 0 {
				n := 1 + rng.IntN(len(shuffled))
				part := surveys.NewTally()
				for _, r := range shuffled[:n] {
					part.Add(def, r)
				}
				shuffled = shuffled[n:]
				got.Merge(part)
			}
			if !reflect.DeepEqual(got, want) {
				a, _ := json.Marshal(got)
				b, _ := json.Marshal(want)
				t.Fatalf("%s trial %d: tallies differ\n%s\n%s", name, trial, a, b)
			}
			// Through JSON and back (as stored) it is still the same.
			b, _ := json.Marshal(got)
			var back surveys.Tally
			if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(&back, want) {
				t.Fatalf("JSON round trip changed the tally: %v", err)
			}
		}
	}
}

// The tally agrees with counts made directly from the answers.
func TestTallyCountsMatchAnswers(t *testing.T) {
	def := loadExample(t, "youth-policy-consultation.json")
	responses := randomResponses(t, def, 300, 3)
	tally := surveys.NewTally()
	for _, r := range responses {
		tally.Add(def, r)
	}
	if tally.Responses != 300 {
		t.Fatalf("n %d", tally.Responses)
	}
	for _, q := range def.Questions() {
		seen, answered, options := 0, 0, map[string]int{}
		for _, r := range responses {
			if def.Visible(r.Answers)[q.ID] {
				seen++
			}
			a, ok := r.Answers[q.ID]
			if !ok {
				continue
			}
			answered++
			switch q.Type {
			case surveys.SingleChoice:
				options[a.Choice]++
			case surveys.MultipleChoice:
				for _, c := range a.Choices {
					options[c]++
				}
			case surveys.Ranking:
				options[a.Order[0]]++
			}
		}
		qt := tally.Questions[q.ID]
		if qt == nil {
			if seen != 0 {
				t.Errorf("%s: no tally but seen by %d", q.ID, seen)
			}
			continue
		}
		if qt.Seen != seen || qt.Answered != answered {
			t.Errorf("%s: seen %d/%d answered %d/%d", q.ID, qt.Seen, seen, qt.Answered, answered)
		}
		for code, n := range options {
			if qt.Options[code] != n {
				t.Errorf("%s/%s: %d, want %d", q.ID, code, qt.Options[code], n)
			}
		}
	}
	// Every breakdown's groups add up to the whole.
	for dim, groups := range tally.Breakdowns {
		sum := 0
		for _, g := range groups {
			sum += g.Responses
		}
		if sum != tally.Responses {
			t.Errorf("breakdown %s: groups add up to %d of %d", dim, sum, tally.Responses)
		}
	}
}
