// Package simulate plays young people answering surveys: plausible random
// answers to any survey, in the form the app sends them (answers.go), and
// responses stored through the store's own group commit and summarizer,
// many at a time (seed.go). The programs under scripts/, the demo command
// (youthvoice demo) and the tests of every package use it, so that what
// they measure or show is what the server really does with real answers.
//
// What it makes is simulated: nothing in it comes from a real person.
package simulate

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// texts are free-text answers; some hold contact details that the server
// must scrub.
var texts = []string{
	"Fler mötesplatser på kvällarna.",
	"More buses at night, please.",
	"أريد مكاناً آمناً للشباب",
	"Lyssna på oss på riktigt.",
	"Skriv till mig: ung.person@example.com",
	"Ring 070-123 45 67 om ni vill veta mer",
	"Nothing to add.",
}

// Answers returns random answers to def that the server accepts: each
// shown question is answered with probability skip-free for required ones
// and 85% for the others; hidden questions are left out.
func Answers(def *surveys.Definition, rng *rand.Rand) map[string]any {
	wire := map[string]any{}
	parsed := surveys.Answers{}
	for _, q := range def.Questions() {
		if q.ShowIf != nil && !q.ShowIf.Eval(def, parsed) {
			continue
		}
		if !q.Required && rng.IntN(100) >= 85 {
			continue
		}
		v, a := answer(q, rng)
		wire[q.ID] = v
		parsed[q.ID] = a
	}
	return wire
}

func answer(q *surveys.Question, rng *rand.Rand) (any, surveys.Answer) {
	switch q.Type {
	case surveys.SingleChoice:
		o := q.Options[rng.IntN(len(q.Options))]
		if q.Consent && q.Required {
			o = q.Options[0]
		}
		if o.Other {
			return map[string]any{"choice": o.Code, "other": "annat"}, surveys.Answer{Choice: o.Code, Other: "annat"}
		}
		return o.Code, surveys.Answer{Choice: o.Code}
	case surveys.MultipleChoice:
		hi := q.MaxSelections
		if hi == 0 {
			hi = len(q.Options)
		}
		lo := max(1, q.MinSelections)
		n := lo + rng.IntN(hi-lo+1)
		var codes []string
		for _, i := range rng.Perm(len(q.Options))[:n] {
			codes = append(codes, q.Options[i].Code)
		}
		var chosen []string
		for _, o := range q.Options { // option order, as the server stores them
			for _, c := range codes {
				if c == o.Code {
					chosen = append(chosen, c)
				}
			}
		}
		return chosen, surveys.Answer{Choices: chosen}
	case surveys.Scale:
		if q.DontKnow && rng.IntN(10) == 0 {
			return surveys.DontKnowValue, surveys.Answer{DontKnow: true}
		}
		p := 1 + rng.IntN(q.Points)
		return p, surveys.Answer{Point: p}
	case surveys.Number:
		lo, hi := 0.0, 100.0
		if q.Min != nil {
			lo = *q.Min
		}
		if q.Max != nil {
			hi = *q.Max
		}
		n := lo + float64(rng.IntN(int(hi-lo)+1))
		return n, surveys.Answer{Number: n}
	case surveys.FreeText:
		s := texts[rng.IntN(len(texts))]
		return s, surveys.Answer{Text: s}
	case surveys.Ranking:
		var order []string
		for _, i := range rng.Perm(len(q.Options)) {
			order = append(order, q.Options[i].Code)
		}
		return order, surveys.Answer{Order: order}
	case surveys.Matrix:
		rows := map[string]any{}
		parsed := map[string]int{}
		for _, st := range q.Statements {
			if q.DontKnow && rng.IntN(10) == 0 {
				rows[st.Code] = surveys.DontKnowValue
				parsed[st.Code] = 0
				continue
			}
			p := 1 + rng.IntN(q.Points)
			rows[st.Code] = p
			parsed[st.Code] = p
		}
		return rows, surveys.Answer{Rows: parsed}
	}
	panic(fmt.Sprintf("simulate: unknown question type %q", q.Type))
}

// Submission returns a whole submission body for revision rev.
func Submission(def *surveys.Definition, rev int, rng *rand.Rand) map[string]any {
	lang := def.Languages[rng.IntN(len(def.Languages))]
	return map[string]any{
		"submission_id": UUID(rng),
		"revision":      rev,
		"lang":          lang,
		"answers":       Answers(def, rng),
	}
}

// SubmissionJSON is Submission encoded.
func SubmissionJSON(def *surveys.Definition, rev int, rng *rand.Rand) []byte {
	b, err := json.Marshal(Submission(def, rev, rng))
	if err != nil {
		panic(err)
	}
	return b
}

// UUID is a random version 4 UUID drawn from rng, as the app makes a
// submission id (reproducible for tests and load programs).
func UUID(rng *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(rng.IntN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
