package export

import (
	"strconv"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// Release is what a summary export is cut from: a survey's definition and
// the disclosure-controlled release of its responses.
type Release struct {
	SurveyID  string
	Revision  int
	Def       *surveys.Definition
	Protected *surveys.Protected
	K         int
	N         int
	Day       string
	Final     bool
	// Collected is how many responses were stored when the export was
	// made (the release holds N of them).
	Collected int
	// Level is the confidence level of every interval, in percent (90, 95
	// or 99; surveys.ValidLevel); 0 is surveys.DefaultLevel.
	Level int
	// Weighted: the release's weighted figures, at Level, in the export's
	// language (app.WeightedRelease); nil for an unweighted export.
	Weighted *surveys.WeightedResults
}

// level is the release's confidence level, surveys.DefaultLevel unless
// another valid one is asked for.
func (r Release) level() int {
	if surveys.ValidLevel(r.Level) {
		return r.Level
	}
	return surveys.DefaultLevel
}

// BuildSummary renders a release in lang (a language of the survey) with
// the words of the server language uiLang.
func BuildSummary(r Release, lang, uiLang string, cat *i18n.Catalog) *Summary {
	m := func(id string) string { return cat.Message(uiLang, id, nil) }
	notAnswered := m("text.not_answered")
	lv := r.level()
	level := map[string]any{"Level": lv}
	s := &Summary{
		SurveyID: r.SurveyID, Title: r.Def.Title.In(lang, r.Def.DefaultLanguage), Lang: lang, Dir: i18n.Direction(lang),
		Revision: r.Revision, K: r.K, Released: r.Day, Final: r.Final,
		Overall: r.Protected.Results(lang, "", notAnswered),
		Status:  r.Protected.Status(r.Collected, r.Final, lang, notAnswered),
		Labels: Labels{
			Overview: m("export.overview"), Method: m("export.method"), Question: m("export.question"), Type: m("export.type"),
			Option: m("export.option"), Group: m("export.group"), Everyone: m("export.everyone"), Count: m("export.count"),
			Percent: m("export.percent"), Suppressed: m("export.suppressed"), Hidden: m("export.hidden"), Withheld: m("export.withheld"),
			Responses: m("export.responses"), Threshold: m("export.threshold"), Revision: m("export.revision"), Released: m("export.released"),
			Final: m("export.final"), Answered: m("export.answered"), Skipped: m("export.skipped"), Seen: m("export.seen"),
			DontKnow: m("export.dont_know"), Mean: m("export.mean"), Median: m("export.median"), Q1: m("export.q1"), Q3: m("export.q3"),
			SD: m("export.sd"), MeanRank: m("export.mean_rank"), Statement: m("export.statement"), KeyFigures: m("export.key_figures"),
			Legend: cat.Message(uiLang, "export.legend", map[string]any{"Suppressed": m("export.suppressed"), "K": r.K}),
			CILow:  cat.Message(uiLang, "export.ci_low", level), CIHigh: cat.Message(uiLang, "export.ci_high", level),
			CI:       cat.Message(uiLang, "export.ci", level),
			Weighted: m("export.weighted"), WeightedPercent: m("export.weighted_percent"), NEff: m("export.n_eff"), Deff: m("export.deff"),
			Population: m("export.population"), Total: m("export.total"), NotStated: m("export.not_stated"), Weights: m("export.weights"),
		},
		Weighted: r.Weighted,
	}
	s.Overall.SetLevel(lv)
	for _, q := range r.Def.Questions() {
		if q.Breakdown {
			res := r.Protected.Results(lang, q.ID, notAnswered)
			res.SetLevel(lv)
			s.Breakdowns = append(s.Breakdowns, Breakdown{ID: q.ID, Label: q.Text.In(lang, r.Def.DefaultLanguage), Results: res})
		}
	}
	s.Notes = StatusNotes(s.Status, r.N == 0 || r.Day == "", uiLang, cat)
	if !s.Overall.Withheld {
		s.Notes = append(s.Notes, IntervalNote(lv, uiLang, cat))
	}
	s.Notes = append(s.Notes, WeightingNotes(r.Weighted, uiLang, cat)...)
	pt := s.Status.Perturbation
	// Max is the largest count never shown (k-1), written as a number:
	// "from 1 to 4", not "between 1 and 5 minus 1". k is at least
	// surveys.MinK, so no sentence meets a count of one.
	data := map[string]any{"K": r.K, "Max": r.K - 1, "N": r.N, "Revision": r.Revision, "Released": r.Day,
		"D": pt.MaxDeviation, "V": pt.Variance, "Blocked": pt.SmallCounts, "Level": lv}
	var ids []string
	if r.N > 0 && r.Day != "" {
		ids = append(ids, "export.method.what")
	}
	ids = append(ids, "export.method.threshold")
	if pt.Method == "cell-key" {
		ids = append(ids, "export.method.perturbation")
	}
	for _, id := range append(ids, "export.method.secondary", "export.method.groups", "export.method.releases", "export.method.text", "export.method.ci", "export.method.ci_mean", "export.method.ci_quantiles") {
		s.Method = append(s.Method, cat.Message(uiLang, id, data))
	}
	return s
}

// IntervalNote says in plain words, in uiLang, what the interval beside
// each percentage means, at level (percent): for a young reader of the
// public results as much as for an analyst (the method note says how it
// is computed and what it leaves out).
func IntervalNote(level int, uiLang string, cat *i18n.Catalog) string {
	return cat.Message(uiLang, "summary.ci_note", map[string]any{"Level": level})
}

// StatusNotes says in plain words, in uiLang, how many responses were
// collected and how many are in the release, why they differ (responses
// wait for the next release until k new ones have come; after the close,
// fewer than k stay out for good), when the next release comes,
// and which groups are held back and how many more each needs; none is
// true when there is no release yet.
func StatusNotes(st surveys.ReleaseStatus, none bool, uiLang string, cat *i18n.Catalog) []string {
	m := func(id string, data map[string]any) string { return cat.Message(uiLang, id, data) }
	var out []string
	if none {
		out = append(out, m("export.status.none", map[string]any{"Collected": st.Collected, "K": st.K, "Needs": st.NextReleaseIn}))
	} else {
		out = append(out, m("export.status.collected", map[string]any{"Collected": st.Collected, "Released": st.Released, "K": st.K}))
		if st.Collected > st.Released && !st.Final {
			// Why the two numbers differ (when closed: final_unreleased).
			out = append(out, m("export.status.held", map[string]any{"K": st.K}))
		}
		if st.NextReleaseIn > 0 {
			out = append(out, m("export.status.next", map[string]any{"Needs": st.NextReleaseIn}))
		}
	}
	if st.Unreleased {
		out = append(out, m("export.status.final_unreleased", map[string]any{"K": st.K}))
	}
	for _, h := range st.HeldBack {
		data := map[string]any{"Group": h.Label, "Question": h.Question, "Needs": h.Needs, "K": st.K}
		if h.Needs > 0 {
			out = append(out, m("export.status.held_back", data))
		} else {
			out = append(out, m("export.status.held_back_complement", data))
		}
	}
	return out
}

// itoa is strconv.Itoa, shared by the writers.
func itoa(n int) string { return strconv.Itoa(n) }
