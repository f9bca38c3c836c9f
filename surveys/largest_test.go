package surveys_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
)

// txt is a text in the three languages of the generated surveys.
func txt(s string) surveys.Text {
	return surveys.Text{"sv": s + " (sv)", "en": s, "ar": s + " (ar)"}
}

func options(prefix string, n int) []surveys.Option {
	out := make([]surveys.Option, n)
	for i := range out {
		out[i] = surveys.Option{Code: fmt.Sprintf("%s%d", prefix, i+1), Label: txt(fmt.Sprintf("Option %d", i+1))}
	}
	return out
}

func scaleLabels(points int) map[string]surveys.Text {
	return map[string]surveys.Text{"1": txt("Not at all"), fmt.Sprint(points): txt("Very much")}
}

func ptr(f float64) *float64 { return &f }

// largestSurvey is the largest survey the limits allow, as an organiser
// might really write it: MaxBreakdowns breakdown questions of
// MaxBreakdownOptions options each (the most groups a summary can have),
// then a realistic mix of every question type, some shown only on
// condition, added until one more question would exceed MaxSummaryCells
// (or MaxQuestions).
func largestSurvey() *surveys.Definition { return largestSurveyOf(mixedKinds) }

// questionKind makes a question with an id, given the previous one's.
type questionKind func(id, prev string) surveys.Question

// widestNumbers is a survey of number questions as wide as allowed, all
// answered with distinct values: the tally holds every value given, so
// this is the summary whose inputs grow with the responses.
func widestNumbers() *surveys.Definition {
	return largestSurveyOf([]questionKind{func(id, _ string) surveys.Question {
		return surveys.Question{ID: id, Type: surveys.Number, Text: txt("How much?"), Min: ptr(-surveys.MaxNumber), Max: ptr(surveys.MaxNumber)}
	}})
}

// mixedKinds cycles through the question types with typical sizes; the
// text question is last.
var mixedKinds = []questionKind{
	func(id, _ string) surveys.Question {
		return surveys.Question{ID: id, Type: surveys.SingleChoice, Text: txt("Pick one"), Options: options("o", 6)}
	},
	func(id, _ string) surveys.Question {
		return surveys.Question{ID: id, Type: surveys.MultipleChoice, Text: txt("Pick some"), Options: options("o", 8), MaxSelections: 3}
	},
	func(id, _ string) surveys.Question {
		return surveys.Question{ID: id, Type: surveys.Scale, Text: txt("How much?"), Points: 5, Labels: scaleLabels(5),
			DontKnow: true, DontKnowLabel: txt("Don't know")}
	},
	func(id, _ string) surveys.Question {
		return surveys.Question{ID: id, Type: surveys.Number, Text: txt("How many hours?"), Integer: true, Min: ptr(0), Max: ptr(100)}
	},
	func(id, _ string) surveys.Question {
		return surveys.Question{ID: id, Type: surveys.Ranking, Text: txt("Put in order"), Options: options("o", 5)}
	},
	func(id, _ string) surveys.Question {
		return surveys.Question{ID: id, Type: surveys.Matrix, Text: txt("How much do you agree?"), Points: 5, Labels: scaleLabels(5),
			DontKnow: true, DontKnowLabel: txt("Don't know"), Statements: options("s", 6)}
	},
	func(id, prev string) surveys.Question {
		yes := true
		return surveys.Question{ID: id, Type: surveys.FreeText, Text: txt("Tell us more"), MaxLength: 500,
			ShowIf: &surveys.Condition{Question: prev, Answered: &yes}}
	},
}

// largestSurveyOf fills the largest survey with questions of kinds, in
// turn; when the next does not fit, the last kind (the smallest) fills
// what is left.
func largestSurveyOf(kinds []questionKind) *surveys.Definition {
	def := &surveys.Definition{
		DefaultLanguage: "sv", Languages: []string{"sv", "en", "ar"},
		Title: txt("The largest survey"), ThankYou: txt("Thank you"),
	}
	var about []surveys.Question
	for i := range surveys.MaxBreakdowns {
		about = append(about, surveys.Question{ID: fmt.Sprintf("group%d", i+1), Type: surveys.SingleChoice,
			Text: txt("Which group?"), Breakdown: true, Options: options("g", surveys.MaxBreakdownOptions)})
	}
	def.Sections = []surveys.Section{{ID: "about", Title: txt("About you"), Questions: about}}
	total, full := surveys.MaxBreakdowns, false
	for s := 0; ; s++ {
		def.Sections = append(def.Sections, surveys.Section{ID: fmt.Sprintf("part%d", s+1), Title: txt("Part")})
		cur := &def.Sections[len(def.Sections)-1]
		for i := range 10 {
			kind := (s*10 + i) % len(kinds)
			if full {
				kind = len(kinds) - 1
			}
			if total == surveys.MaxQuestions {
				return def
			}
			cur.Questions = append(cur.Questions, kinds[kind](fmt.Sprintf("q%d", total+1), fmt.Sprintf("q%d", total)))
			if def.SummaryCells() <= surveys.MaxSummaryCells {
				total++
				continue
			}
			cur.Questions = cur.Questions[:len(cur.Questions)-1]
			if full {
				if len(cur.Questions) == 0 {
					def.Sections = def.Sections[:len(def.Sections)-1]
				}
				return def
			}
			full = true
		}
	}
}

// tallyOf tallies n random responses to def, as the server accepts them,
// spread over a month.
func tallyOf(tb testing.TB, def *surveys.Definition, n int, seed uint64) *surveys.Tally {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 11))
	day := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	t := surveys.NewTally()
	for range n {
		body := simulate.SubmissionJSON(def, 1, rng)
		var sub surveys.Submission
		if err := json.Unmarshal(body, &sub); err != nil {
			tb.Fatal(err)
		}
		r, err := surveys.NewResponse([]byte("key"), "largest", def, &sub, day.Add(time.Duration(rng.IntN(30*24))*time.Hour))
		if err != nil {
			tb.Fatalf("generated answers refused: %v", err)
		}
		t.Add(def, r)
	}
	return t
}

// The largest survey is valid, within every limit, and as large as the
// summary limit allows: one more question of the smallest kind would not
// fit, unless the survey already has MaxQuestions.
func TestLargestSurveyIsValidAndFull(t *testing.T) {
	def := largestSurvey()
	if err := def.Complete(); err != nil {
		t.Fatal(err)
	}
	cells := def.SummaryCells()
	groups := 1 + surveys.MaxBreakdowns*(surveys.MaxBreakdownOptions+1)
	if len(def.Questions()) < surveys.MaxQuestions && cells+4*groups <= surveys.MaxSummaryCells {
		t.Fatalf("%d cells: a text question (4 cells in %d groups) would still fit", cells, groups)
	}
	t.Logf("%d questions, %d cells", len(def.Questions()), cells)
}

// BenchmarkLargestSurvey measures what one summary of the largest valid
// survey costs: disclosure control of a tally of 20,000 random responses
// and the results for everyone and by each breakdown, as a release's
// downloads need them. MB-alloc is everything allocated on the way (an
// upper bound of the peak above what was live before); MB-live what the
// protected tally and the results still hold afterwards (what a cache of
// them keeps).
//
// "mixed" is largestSurvey. "numbers" is widestNumbers, whose tally holds
// every distinct value answered (20,000 per question), so its cost grows
// with the responses while the mixed survey's does not.
//
//	go test ./surveys -run '^$' -bench BenchmarkLargestSurvey -benchtime 20x
func BenchmarkLargestSurvey(b *testing.B) {
	for _, c := range []struct {
		name string
		def  *surveys.Definition
	}{{"mixed", largestSurvey()}, {"numbers", widestNumbers()}} {
		b.Run(c.name, func(b *testing.B) { benchmarkSummary(b, c.def, 20000) })
	}
}

func benchmarkSummary(b *testing.B, def *surveys.Definition, responses int) {
	if err := def.Complete(); err != nil {
		b.Fatal(err)
	}
	tally := tallyOf(b, def, responses, 1)
	var dims []string
	for _, q := range def.Questions() {
		if q.Breakdown {
			dims = append(dims, q.ID)
		}
	}
	var before, after runtime.MemStats
	var alloc, live float64
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		p := surveys.Disclose(def, tally, surveys.DefaultK)
		results := []surveys.Results{p.Results("en", "", "not answered")}
		for _, d := range dims {
			results = append(results, p.Results("en", d, "not answered"))
		}
		b.StopTimer()
		runtime.ReadMemStats(&after)
		alloc = max(alloc, float64(after.TotalAlloc-before.TotalAlloc))
		runtime.GC()
		runtime.ReadMemStats(&after)
		live = max(live, float64(after.HeapAlloc)-float64(before.HeapAlloc))
		runtime.KeepAlive(p)
		runtime.KeepAlive(results)
		b.StartTimer()
	}
	// After the loop: ResetTimer forgets metrics reported before it.
	b.ReportMetric(float64(def.SummaryCells()), "cells")
	b.ReportMetric(float64(len(def.Questions())), "questions")
	b.ReportMetric(alloc/1e6, "MB-alloc")
	b.ReportMetric(live/1e6, "MB-live")
}
