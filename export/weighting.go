package export

import (
	"strconv"
	"strings"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// WeightingNotes say in plain words, in uiLang, what the weighted figures
// are: the dimensions and how many respondents were weighted, the design
// effect and the weights' spread, the trimming, and what the intervals
// account for (docs/statistics.md, "Weighting").
func WeightingNotes(w *surveys.WeightedResults, uiLang string, cat *i18n.Catalog) []string {
	if w == nil {
		return nil
	}
	var dims []string
	for _, d := range w.Dimensions {
		dims = append(dims, d.Text)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	out := []string{cat.Message(uiLang, "summary.weighted.note", map[string]any{
		"Dimensions": strings.Join(dims, ", "), "Raked": w.Raked, "NotRaked": w.NotRaked,
		"Deff": f(w.Deff), "Min": f(w.MinWeight), "Max": f(w.MaxWeight), "Iterations": w.Iterations})}
	if w.Trim != nil {
		id := "summary.weighted.trimmed"
		if !w.Trimmed {
			id = "summary.weighted.not_trimmed"
		}
		out = append(out, cat.Message(uiLang, id, map[string]any{"Low": f(w.Trim.Low), "High": f(w.Trim.High)}))
	}
	if w.NewerTotals {
		out = append(out, cat.Message(uiLang, "summary.weighted.newer", nil))
	}
	return append(out, cat.Message(uiLang, "summary.weighted.method", map[string]any{"Level": w.Level}))
}
