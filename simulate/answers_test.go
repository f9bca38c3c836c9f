package simulate_test

import (
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// definitions are every survey the simulation is used with: the examples
// and the tests' small survey (together every question type, show_if,
// consent, "other" options, "don't know").
func definitions(t *testing.T) map[string]*surveys.Definition {
	t.Helper()
	defs := map[string]*surveys.Definition{}
	for _, name := range examples.Names() {
		def, err := surveystest.Example(name)
		if err != nil {
			t.Fatal(err)
		}
		defs[name] = def
	}
	small, err := surveystest.Load(surveystest.SmallSurvey)
	if err != nil {
		t.Fatal(err)
	}
	defs["small-survey.json"] = small
	return defs
}

// Every simulated submission is one the server accepts: its envelope and
// its answers pass the same checks as the API's (surveys.NewResponse),
// and over many draws every question is answered at least once.
func TestSubmissionsAreAccepted(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	rng := rand.New(rand.NewPCG(7, 7))
	for name, def := range definitions(t) {
		answered := map[string]bool{}
		for range 400 {
			var sub surveys.Submission
			if err := json.Unmarshal(simulate.SubmissionJSON(def, 1, rng), &sub); err != nil {
				t.Fatal(err)
			}
			if err := sub.CheckEnvelope(false); err != nil {
				t.Fatalf("%s: envelope %+v: %v", name, sub, err)
			}
			r, err := surveys.NewResponse(key, "survey", def, &sub, time.Now())
			if err != nil {
				t.Fatalf("%s: refused %s: %v", name, sub.Answers, err)
			}
			for id := range r.Answers {
				answered[id] = true
			}
		}
		for _, q := range def.Questions() {
			if !answered[q.ID] {
				t.Errorf("%s: question %s never answered in 400 submissions", name, q.ID)
			}
		}
	}
}

// The same seed gives the same submissions (load programs and the demo
// are reproducible), and ids are version 4 UUIDs.
func TestSimulationIsReproducible(t *testing.T) {
	def := definitions(t)["youth-policy-consultation.json"]
	a := simulate.SubmissionJSON(def, 1, rand.New(rand.NewPCG(1, 2)))
	b := simulate.SubmissionJSON(def, 1, rand.New(rand.NewPCG(1, 2)))
	if string(a) != string(b) {
		t.Fatalf("same seed, different submissions:\n%s\n%s", a, b)
	}
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	rng := rand.New(rand.NewPCG(3, 3))
	for range 100 {
		if id := simulate.UUID(rng); !v4.MatchString(id) {
			t.Fatalf("not a version 4 UUID: %s", id)
		}
	}
}
