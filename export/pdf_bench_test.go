package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// largestDefinition is a survey at the definition limits, as attack k of
// scripts/attacks builds it: as many questions as allowed (200), each
// with as many options as allowed (60), or, with matrix set, as many
// matrix questions of 40 statements on an 11-point scale (and "don't
// know") as the summary's cell limit allows.
func largestDefinition(tb testing.TB, matrix bool) *surveys.Definition {
	tb.Helper()
	en := func(s string) map[string]string { return map[string]string{"en": s} }
	var qs []map[string]any
	for i := range surveys.MaxQuestions {
		id := fmt.Sprintf("q%d", i+1)
		q := map[string]any{"id": id, "text": en("Which one, question " + id + "?")}
		if matrix {
			if (len(qs)+1)*(4+surveys.MaxStatements*(2+surveys.MaxPoints+1))+1 > surveys.MaxSummaryCells {
				break
			}
			sts := make([]map[string]any, surveys.MaxStatements)
			for j := range sts {
				sts[j] = map[string]any{"code": fmt.Sprintf("s%d", j+1), "label": en(fmt.Sprintf("Statement %d of question %d", j+1, i+1))}
			}
			q["type"], q["points"], q["dont_know"], q["statements"] = "matrix", surveys.MaxPoints, true, sts
			q["labels"] = map[string]any{"1": en("Not at all"), fmt.Sprint(surveys.MaxPoints): en("Completely")}
		} else {
			opts := make([]map[string]any, surveys.MaxOptions)
			for j := range opts {
				opts[j] = map[string]any{"code": fmt.Sprintf("o%d", j+1), "label": en(fmt.Sprintf("Option %d", j+1))}
			}
			q["type"], q["options"] = "single_choice", opts
		}
		qs = append(qs, q)
	}
	b, err := json.Marshal(map[string]any{
		"default_language": "en", "languages": []string{"en"},
		"title": en("The largest survey"), "thank_you": en("Thank you"),
		"sections": []map[string]any{{"id": "s", "questions": qs}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	def, err := surveystest.Load(b)
	if err != nil {
		tb.Fatal(err)
	}
	if c := def.SummaryCells(); c > surveys.MaxSummaryCells {
		tb.Fatalf("%d summary cells, over the limit", c)
	}
	return def
}

// largestSummary is the summary export of n random valid responses to the
// largest survey, built as the API builds it (export.BuildSummary, the
// server's own messages).
func largestSummary(tb testing.TB, matrix bool, n int) *Summary {
	tb.Helper()
	def := largestDefinition(tb, matrix)
	cat, err := i18n.New()
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(10, uint64(n)))
	t := surveys.NewTally()
	for i := range n {
		raw := map[string]json.RawMessage{}
		for id, v := range simulate.Answers(def, rng) {
			if raw[id], err = json.Marshal(v); err != nil {
				tb.Fatal(err)
			}
		}
		answers, err := def.ParseAnswers(raw)
		if err != nil {
			tb.Fatal(err)
		}
		t.Add(def, &surveys.Response{Revision: 1, Lang: "en", Day: fmt.Sprintf("2026-11-%02d", 1+i%28), Answers: answers})
	}
	k := def.Threshold()
	rel := Release{SurveyID: "largest", Revision: 1, Def: def, Protected: surveys.Disclose(def, t, k), K: k,
		N: n, Day: "2026-12-01", Collected: n}
	return BuildSummary(rel, "en", "en", cat)
}

// BenchmarkLargestSurveyPDF measures the summary PDF of the largest survey
// the definition limits allow: time, megabytes allocated per report
// (alloc-MB/op), the most Go heap the writer kept alive (live-MB: the
// largest live heap a garbage collection found while writing, less the
// live heap before) and the file's size (pdf-MB).
//
//	go test ./export -run '^$' -bench BenchmarkLargestSurveyPDF -benchtime 5x
//
// "200x60/300" is attack k of scripts/attacks: 200 questions of 60 options,
// 300 responses (most options suppressed); "200x60/6000" has every bar
// shown; "matrix/3000" is 70 matrix questions of 40 statements on 11
// points and "don't know", each chart 40 stacked bars of 12 parts.
func BenchmarkLargestSurveyPDF(b *testing.B) {
	for _, c := range []struct {
		name   string
		matrix bool
		n      int
	}{{"200x60/300", false, 300}, {"200x60/6000", false, 6000}, {"matrix/3000", true, 3000}} {
		b.Run(c.name, func(b *testing.B) {
			s := largestSummary(b, c.matrix, c.n)
			runtime.GC()
			base := pdfLiveHeap()
			peak := pdfWatchLiveHeap()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ReportAllocs()
			size := 0
			for b.Loop() {
				var buf bytes.Buffer
				if err := WritePDF(&buf, s); err != nil {
					b.Fatal(err)
				}
				size = buf.Len()
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "alloc-MB/op")
			b.ReportMetric(float64(peak()-base)/(1<<20), "live-MB")
			b.ReportMetric(float64(size)/(1<<20), "pdf-MB")
		})
	}
}

// pdfLiveHeap is the live heap found by the last garbage collection.
func pdfLiveHeap() uint64 {
	m := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(m)
	return m[0].Value.Uint64()
}

// pdfWatchLiveHeap samples the live heap every millisecond until the
// returned function is called, which returns the largest value seen.
func pdfWatchLiveHeap() func() uint64 {
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		var peak uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, pdfLiveHeap())
			select {
			case <-stop:
				done <- max(peak, pdfLiveHeap())
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(stop); return <-done }
}
