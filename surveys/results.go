package surveys

import (
	"sort"
)

// Count is one published number: a count (and its percentage of the
// table's base), or the fact that it is suppressed.
type Count struct {
	N          *int     `json:"n,omitempty"`
	Pct        *float64 `json:"pct,omitempty"`
	Suppressed bool     `json:"suppressed,omitempty"`
}

// Results is the disclosure-controlled view of a survey's responses, in
// one language.
type Results struct {
	K int `json:"k"`
	// Withheld: the release has fewer than k responses, so nothing is shown.
	Withheld bool           `json:"withheld"`
	N        *Count         `json:"n,omitempty"`
	Days     []DayCount     `json:"days,omitempty"`
	By       string         `json:"by,omitempty"`
	Groups   []GroupResults `json:"groups,omitempty"`
}

// DayCount is the number of responses of one UTC day.
type DayCount struct {
	Day   string `json:"day"`
	Count Count  `json:"count"`
}

// GroupResults are the tables of everyone (Code "") or of one breakdown
// group.
type GroupResults struct {
	Code      string            `json:"code"`
	Label     string            `json:"label"`
	Hidden    bool              `json:"hidden,omitempty"`
	N         *Count            `json:"n,omitempty"`
	Questions []QuestionResults `json:"questions,omitempty"`
}

// QuestionResults is one question's table.
type QuestionResults struct {
	ID            string             `json:"id"`
	Type          QuestionType       `json:"type"`
	Text          string             `json:"text"`
	Seen          Count              `json:"seen"`
	Answered      Count              `json:"answered"`
	Skipped       Count              `json:"skipped"`
	Options       []LabelledCount    `json:"options,omitempty"`
	Bins          []LabelledCount    `json:"bins,omitempty"`
	DontKnow      *Count             `json:"dont_know,omitempty"`
	Stats         *Stats             `json:"stats,omitempty"`
	StatsWithheld bool               `json:"stats_withheld,omitempty"`
	MeanRanks     []MeanRank         `json:"mean_ranks,omitempty"`
	Statements    []StatementResults `json:"statements,omitempty"`
}

// LabelledCount is an option's, point's or range's count.
type LabelledCount struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Count Count  `json:"count"`
}

// MeanRank is a ranking option's mean place (1 is first).
type MeanRank struct {
	Code     string  `json:"code"`
	Label    string  `json:"label"`
	MeanRank float64 `json:"mean_rank"`
}

// StatementResults is one matrix statement's table.
type StatementResults struct {
	Code          string          `json:"code"`
	Label         string          `json:"label"`
	Answered      Count           `json:"answered"`
	Bins          []LabelledCount `json:"bins"`
	DontKnow      *Count          `json:"dont_know,omitempty"`
	Stats         *Stats          `json:"stats,omitempty"`
	StatsWithheld bool            `json:"stats_withheld,omitempty"`
}

// Results renders the protected tally in lang: everyone, and with by (a
// breakdown question id, may be empty) each of its groups. notAnswered
// labels the group of those who did not answer the breakdown question.
func (p *Protected) Results(lang, by, notAnswered string) Results {
	r := Results{K: p.k}
	if !p.exact && p.tally.Responses < p.k {
		r.Withheld = true
		return r
	}
	n := p.count("|n", "")
	r.N = &n
	var days []string
	for key := range p.cells {
		if len(key) > 5 && key[:5] == "|day|" {
			days = append(days, key[5:])
		}
	}
	sort.Strings(days)
	for _, d := range days {
		r.Days = append(r.Days, DayCount{Day: d, Count: p.count("|day|"+d, "|n")})
	}
	r.Groups = append(r.Groups, p.group("", "", "", lang))
	if dim := p.def.Question(by); dim != nil && dim.Breakdown {
		r.By = by
		for _, g := range p.groups(dim) {
			label := notAnswered
			if o := dim.Option(g); o != nil {
				label = o.Label.In(lang, p.def.DefaultLanguage)
			}
			r.Groups = append(r.Groups, p.group(by, g, label, lang))
		}
	}
	return r
}

// count publishes the cell key as a percentage of the cell base (if any).
func (p *Protected) count(key, base string) Count {
	c := p.cells[key]
	if c == nil || c.suppressed {
		return Count{Suppressed: true}
	}
	v := c.value
	out := Count{N: &v}
	if b := p.cells[base]; base != "" && b != nil && !b.suppressed && b.value > 0 {
		pct := round(100*float64(v)/float64(b.value), 1)
		out.Pct = &pct
	}
	return out
}

func (p *Protected) group(dim, code, label, lang string) GroupResults {
	sc := scopeOf(dim, code)
	g := GroupResults{Code: code, Label: label}
	if p.hidden[sc] {
		g.Hidden = true
		return g
	}
	n := p.count(sc+"|n", "")
	g.N = &n
	t := p.tally
	if dim != "" {
		t = p.groupTally(dim, code)
	}
	tr := func(x Text) string { return x.In(lang, p.def.DefaultLanguage) }
	for _, q := range p.def.Questions() {
		k := func(what string) string { return sc + qkey(q.ID, what) }
		qt := t.Questions[q.ID]
		if qt == nil {
			qt = &QuestionTally{}
		}
		qr := QuestionResults{ID: q.ID, Type: q.Type, Text: tr(q.Text),
			Seen: p.count(k("seen"), sc+"|n"), Answered: p.count(k("answered"), k("seen")), Skipped: p.count(k("skipped"), k("seen"))}
		statsShown := p.exact || p.stats[sc+"|"+q.ID+"|"]
		switch q.Type {
		case SingleChoice, MultipleChoice, Ranking:
			for _, o := range q.Options {
				qr.Options = append(qr.Options, LabelledCount{Code: o.Code, Label: tr(o.Label), Count: p.count(k("opt:"+o.Code), k("answered"))})
			}
			if q.Type == Ranking {
				if statsShown && qt.Answered > 0 {
					for _, o := range q.Options {
						qr.MeanRanks = append(qr.MeanRanks, MeanRank{Code: o.Code, Label: tr(o.Label),
							MeanRank: round(float64(qt.RankSums[o.Code])/float64(qt.Answered), 2)})
					}
				} else {
					qr.StatsWithheld = true
				}
			}
		case Scale, Number:
			qr.Bins = p.bins(q, k, k("answered"), tr)
			if q.Type == Scale && q.DontKnow {
				dk := p.count(k("dk"), k("answered"))
				qr.DontKnow = &dk
			}
			if statsShown {
				qr.Stats = statsOf(qt.Values)
			} else {
				qr.StatsWithheld = true
			}
		case Matrix:
			for _, s := range q.Statements {
				rk := func(what string) string { return k("row:" + s.Code + ":" + what) }
				row := qt.Rows[s.Code]
				if row == nil {
					row = &QuestionTally{}
				}
				sr := StatementResults{Code: s.Code, Label: tr(s.Label), Answered: p.count(rk("answered"), k("seen")),
					Bins: p.bins(q, rk, rk("answered"), tr)}
				if q.DontKnow {
					dk := p.count(rk("dk"), rk("answered"))
					sr.DontKnow = &dk
				}
				if p.exact || p.stats[sc+"|"+q.ID+"|"+s.Code] {
					sr.Stats = statsOf(row.Values)
				} else {
					sr.StatsWithheld = true
				}
				qr.Statements = append(qr.Statements, sr)
			}
		}
		g.Questions = append(g.Questions, qr)
	}
	return g
}

func (p *Protected) bins(q *Question, k func(string) string, base string, tr func(Text) string) []LabelledCount {
	var out []LabelledCount
	for _, b := range binsOf(q) {
		label := b.key
		if t, ok := q.Labels[b.key]; ok && (q.Type == Scale || q.Type == Matrix) {
			label = b.key + " " + tr(t)
		} else if q.Type == Number && len(q.Unit) > 0 {
			label = b.key + " " + tr(q.Unit)
		}
		out = append(out, LabelledCount{Code: b.key, Label: label, Count: p.count(k("bin:"+b.key), base)})
	}
	return out
}

// NextRelease decides whether the published release moves on from
// released to the live tally. Two releases can be subtracted from each
// other, table by table, so the release moves only when the difference is
// k respondents or more everywhere it could be read: overall, and in every
// breakdown group (a group that gained 1 to k-1 respondents holds the
// release back until it has gained k or more). This holds at close too:
// what has not made it into a release stays in the exact live view that
// only owners and editors see.
func NextRelease(released, live *Tally, k int) bool {
	if released == nil {
		released = &Tally{}
	}
	grew := live.Responses - released.Responses
	if live.Responses < k || grew < k {
		return false
	}
	for dim, groups := range live.Breakdowns {
		for g, lt := range groups {
			before := 0
			if rt := released.Breakdowns[dim][g]; rt != nil {
				before = rt.Responses
			}
			if d := lt.Responses - before; d > 0 && d < k {
				return false
			}
		}
	}
	return true
}
