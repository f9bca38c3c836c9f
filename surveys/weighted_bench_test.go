package surveys_test

import (
	"encoding/json"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

// BenchmarkWeightedSummary: computing a release's summary of the youth
// consultation at 100,000 responses, unweighted and with its weighted
// figures (raked to age band, gender and area), without any cache: the
// stored tally decoded from its JSON (as a summary read does), disclosure
// control, the results and, for "weighted", Protected.Weighted, all
// encoded as JSON. Issue 17 asks the weighted one to take at most twice
// the unweighted one (docs/performance.md, "Weighting").
//
//	go test ./surveys -run '^$' -bench BenchmarkWeightedSummary -benchtime 20x
func BenchmarkWeightedSummary(b *testing.B) {
	def := loadExample(b, "youth-policy-consultation.json")
	tally := tallyOf(b, def, 100000, 3)
	stored, err := json.Marshal(tally)
	if err != nil {
		b.Fatal(err)
	}
	cells, err := json.Marshal(tally.Cells)
	if err != nil {
		b.Fatal(err)
	}
	m := &surveys.Margins{Missing: surveys.MissingExclude, Dimensions: []surveys.Dimension{
		{Question: "age_band", Totals: map[string]float64{"10-12": 20000, "13-15": 30000, "16-18": 30000, "19-25": 20000}},
		{Question: "gender", Totals: map[string]float64{"girl": 49000, "boy": 49500, "nonbinary": 1500}, NotStated: []string{"no_answer"}},
		{Question: "area", Totals: map[string]float64{"central": 40000, "other_town": 30000, "rural": 25000, "outside": 5000}, NotStated: []string{"no_answer"}},
	}}
	for _, weighted := range []bool{false, true} {
		name := "unweighted"
		if weighted {
			name = "weighted"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				var t surveys.Tally
				if err := json.Unmarshal(stored, &t); err != nil {
					b.Fatal(err)
				}
				p := surveys.Disclose(def, &t, surveys.DefaultK)
				doc := struct {
					Results  surveys.Results          `json:"results"`
					Weighted *surveys.WeightedResults `json:"weighted,omitempty"`
				}{Results: p.Results("en", "", "not answered")}
				if weighted {
					if doc.Weighted, err = p.Weighted(t.Cells, m, "en", 95); err != nil || doc.Weighted == nil {
						b.Fatal(err)
					}
				}
				if _, err := json.Marshal(doc); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(stored))/1e3, "kB-tally")
			b.ReportMetric(float64(len(cells))/1e3, "kB-cells")
			b.ReportMetric(float64(len(tally.Cells)), "cells")
		})
	}
}
