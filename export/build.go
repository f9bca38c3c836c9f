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
}

// BuildSummary renders a release in lang (a language of the survey) with
// the words of the server language uiLang.
func BuildSummary(r Release, lang, uiLang string, cat *i18n.Catalog) *Summary {
	m := func(id string) string { return cat.Message(uiLang, id, nil) }
	notAnswered := m("text.not_answered")
	s := &Summary{
		SurveyID: r.SurveyID, Title: r.Def.Title.In(lang, r.Def.DefaultLanguage), Lang: lang, Dir: i18n.Direction(lang),
		Revision: r.Revision, K: r.K, Released: r.Day, Final: r.Final,
		Overall: r.Protected.Results(lang, "", notAnswered),
		Labels: Labels{
			Overview: m("export.overview"), Method: m("export.method"), Question: m("export.question"), Type: m("export.type"),
			Option: m("export.option"), Group: m("export.group"), Everyone: m("export.everyone"), Count: m("export.count"),
			Percent: m("export.percent"), Suppressed: m("export.suppressed"), Hidden: m("export.hidden"), Withheld: m("export.withheld"),
			Responses: m("export.responses"), Threshold: m("export.threshold"), Revision: m("export.revision"), Released: m("export.released"),
			Final: m("export.final"), Answered: m("export.answered"), Skipped: m("export.skipped"), Seen: m("export.seen"),
			DontKnow: m("export.dont_know"), Mean: m("export.mean"), Median: m("export.median"), Q1: m("export.q1"), Q3: m("export.q3"),
			SD: m("export.sd"), MeanRank: m("export.mean_rank"), Statement: m("export.statement"), KeyFigures: m("export.key_figures"),
		},
	}
	for _, q := range r.Def.Questions() {
		if q.Breakdown {
			s.Breakdowns = append(s.Breakdowns, Breakdown{ID: q.ID, Label: q.Text.In(lang, r.Def.DefaultLanguage), Results: r.Protected.Results(lang, q.ID, notAnswered)})
		}
	}
	data := map[string]any{"K": r.K, "N": r.N, "Revision": r.Revision, "Released": r.Day}
	ids := []string{"export.method.what"}
	if r.N == 0 || r.Day == "" {
		// No release yet: say so instead of describing one.
		s.Method = append(s.Method, s.Labels.Withheld)
		ids = nil
	}
	for _, id := range append(ids, "export.method.threshold", "export.method.secondary", "export.method.groups", "export.method.releases", "export.method.text") {
		s.Method = append(s.Method, cat.Message(uiLang, id, data))
	}
	return s
}

// itoa is strconv.Itoa, shared by the writers.
func itoa(n int) string { return strconv.Itoa(n) }
