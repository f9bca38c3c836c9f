package surveys

import (
	"sort"
	"strings"
)

// Count is one published number: a count (and its percentage of the
// table's base), or the fact that it is suppressed.
type Count struct {
	N   *int     `json:"n,omitempty"`
	Pct *float64 `json:"pct,omitempty"`
	// CILow and CIHigh are the confidence interval of Pct (percentages, at
	// the Results' Level; Wilson, intervals.go), from the published count
	// and base only; none where Pct is none.
	CILow      *float64 `json:"ci_low,omitempty"`
	CIHigh     *float64 `json:"ci_high,omitempty"`
	Suppressed bool     `json:"suppressed,omitempty"`
	// base is the published base Pct was computed from (SetLevel).
	base int
}

// Results is the disclosure-controlled view of a survey's responses, in
// one language.
type Results struct {
	K int `json:"k"`
	// Withheld: the release has fewer than k responses, so nothing is shown.
	Withheld bool `json:"withheld"`
	// Level is the confidence level of every interval, in percent.
	Level  int            `json:"ci_level,omitempty"`
	N      *Count         `json:"n,omitempty"`
	Days   []DayCount     `json:"days,omitempty"`
	By     string         `json:"by,omitempty"`
	Groups []GroupResults `json:"groups,omitempty"`
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
	// MeanCILow and MeanCIHigh are the confidence interval of Stats.Mean
	// at the Results' Level (MeanInterval), from the published mean,
	// standard deviation and number of values (answered less "don't know",
	// as published); none where any of them is not shown.
	MeanCILow  *float64 `json:"mean_ci_low,omitempty"`
	MeanCIHigh *float64 `json:"mean_ci_high,omitempty"`
	meanN      int
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
	// SD is the standard deviation of the option's places, and CILow and
	// CIHigh the confidence interval of MeanRank at the Results' Level
	// (Student's t, MeanInterval, of the published mean rank, SD and
	// number who answered; within 1 and the number of options). Like the
	// mean rank, SD is computed from the perturbed count of each place;
	// none is shown where the number who answered is not.
	SD     *float64 `json:"sd,omitempty"`
	CILow  *float64 `json:"mean_rank_ci_low,omitempty"`
	CIHigh *float64 `json:"mean_rank_ci_high,omitempty"`
	n      int
	places int
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
	// MeanCILow and MeanCIHigh are the confidence interval of Stats.Mean
	// at the Results' Level (MeanInterval), from the published mean,
	// standard deviation and number of values (answered less "don't know",
	// as published); none where any of them is not shown.
	MeanCILow  *float64 `json:"mean_ci_low,omitempty"`
	MeanCIHigh *float64 `json:"mean_ci_high,omitempty"`
	meanN      int
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
	r.Level = DefaultLevel
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
	if dim := p.def.Question(by); dim != nil && p.Dimension(by) {
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
	v := c.pub
	out := Count{N: &v}
	if b := p.cells[base]; base != "" && b != nil && !b.suppressed && b.pub > 0 {
		pct := min(100, round(100*float64(v)/float64(b.pub), 1))
		out.Pct = &pct
		out.base = b.pub
		out.setInterval(DefaultLevel)
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
				p.rankResults(&qr, sc, q, qt, statsShown, tr)
			}
		case Scale, Number:
			qr.Bins = p.bins(q, k, k("answered"), tr)
			if q.Type == Scale && q.DontKnow {
				dk := p.count(k("dk"), k("answered"))
				qr.DontKnow = &dk
			}
			if statsShown {
				qr.Stats = p.memoStats(sc+"|"+q.ID+"|", func() *Stats {
					return statsWithIntervals(qt.Values, p.values(sc, q, qt.Values, qk(t, q.ID).Values), DefaultLevel, p.k)
				})
				qr.meanN = meanValues(qr.Answered, qr.DontKnow)
				qr.MeanCILow, qr.MeanCIHigh = meanInterval(qr.Stats, qr.meanN, DefaultLevel)
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
					var keys map[string]int
					if rk := qk(t, q.ID).Rows[s.Code]; rk != nil {
						keys = rk.Values
					}
					sr.Stats = p.memoStats(sc+"|"+q.ID+"|"+s.Code, func() *Stats {
						return statsWithIntervals(row.Values, p.values(sc, q, row.Values, keys), DefaultLevel, p.k)
					})
					sr.meanN = meanValues(sr.Answered, sr.DontKnow)
					sr.MeanCILow, sr.MeanCIHigh = meanInterval(sr.Stats, sr.meanN, DefaultLevel)
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

// rankResults gives a ranking question's table its mean ranks, each with
// the standard deviation of its places and its interval, or withholds
// them.
func (p *Protected) rankResults(qr *QuestionResults, sc string, q *Question, qt *QuestionTally, shown bool, tr func(Text) string) {
	ranks := p.memoRanks(sc, q, qt)
	if !shown || ranks == nil {
		qr.StatsWithheld = true
		return
	}
	// Everyone who answered placed every option.
	n := meanValues(qr.Answered, nil)
	for _, o := range q.Options {
		rs := ranks[o.Code]
		mr := MeanRank{Code: o.Code, Label: tr(o.Label), MeanRank: rs.mean, n: n, places: len(q.Options)}
		if rs.sdOK && n >= 2 {
			sd := rs.sd
			mr.SD = &sd
		}
		mr.setInterval(DefaultLevel, mr.places)
		qr.MeanRanks = append(qr.MeanRanks, mr)
	}
}

// qk is the key tally of question id in t (empty if there is none).
func qk(t *Tally, id string) *QuestionTally {
	if t.Keys != nil && t.Keys.Questions[id] != nil {
		return t.Keys.Questions[id]
	}
	return &QuestionTally{}
}

// values perturbs the distribution statistics are computed from (rule 6):
// each value's count like a published count, with the key of the
// responses that gave it, in scope sc (nil: exact). Statistics are thus a function of
// perturbed counts only, and reveal nothing exact that the counts hide.
// The live view computes them from the exact counts.
func (p *Protected) values(sc string, q *Question, counts, keys map[string]int) func(value string, count int) int {
	if p.exact || !perturbation {
		return nil
	}
	scope := p.cells[sc+"|n"].key
	return func(v string, c int) int { return perturbValue(c, cellUniform(int64(keys[v]), scope)) }
}

// memoStats computes a statistic once (the live view, whose tally
// changes, is never cached, so its statistics need no memo either).
func (p *Protected) memoStats(id string, compute func() *Stats) *Stats {
	if v, ok := p.memo.Load(id); ok {
		return v.(*Stats)
	}
	st := compute()
	p.memo.Store(id, st)
	return st
}

// rankStats are a ranking option's mean place and the standard deviation
// of its places (rounded to two decimals, as published; sdOK is false
// with fewer than two places given).
type rankStats struct {
	mean, sd float64
	sdOK     bool
}

func (p *Protected) memoRanks(sc string, q *Question, qt *QuestionTally) map[string]rankStats {
	id := "rank" + sc + "|" + q.ID
	if v, ok := p.memo.Load(id); ok {
		return v.(map[string]rankStats)
	}
	ranks := p.meanRanks(sc, q, qt)
	p.memo.Store(id, ranks)
	return ranks
}

// meanRanks are the mean places of a ranking question's options and the
// standard deviations of their places, from the perturbed counts of each
// option at each place (rule 6); nil when there are none.
func (p *Protected) meanRanks(sc string, q *Question, qt *QuestionTally) map[string]rankStats {
	var keys map[string][]int
	if t := p.tally; t != nil {
		if sc != "" {
			dim, group, _ := strings.Cut(sc, "=")
			t = p.groupTally(dim, group)
		}
		keys = qk(t, q.ID).Places
	}
	scope := p.cells[sc+"|n"]
	out := map[string]rankStats{}
	for _, o := range q.Options {
		var sum, n int
		counts := make([]int, len(qt.Places[o.Code]))
		for i, c := range qt.Places[o.Code] {
			if !p.exact && perturbation {
				var key int
				if i < len(keys[o.Code]) {
					key = keys[o.Code][i]
				}
				c = perturbValue(c, cellUniform(int64(key), scope.key))
			}
			sum += (i + 1) * c
			n += c
			counts[i] = c
		}
		if n == 0 {
			return nil
		}
		_, sd, _, ok := PlaceStats(counts)
		out[o.Code] = rankStats{mean: round(float64(sum)/float64(n), 2), sd: round(sd, 2), sdOK: ok}
	}
	return out
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
// released to the live tally: when the live tally has k responses or more,
// and k or more arrived since the release (rule 8). Breakdown groups need
// not have grown by k each: every count of a group that changed is
// perturbed afresh (its scope key changed), so the difference between two
// releases is never exact, and a release keeps up with the responses
// (within k) however small some groups are.
func NextRelease(released, live *Tally, k int) bool {
	if released == nil {
		released = &Tally{}
	}
	return live.Responses >= k && live.Responses-released.Responses >= k
}

// ReleaseStatus says how the published release stands: how many responses
// were collected and how many are in the release, when the next release
// comes, what is held back and how many more it needs, and how the
// numbers were protected.
type ReleaseStatus struct {
	// Collected is how many responses were stored: exact in the live
	// view; in the release, rounded down to a multiple of k (never below
	// Released), since an exact count that anyone can poll would tell
	// when each response arrived.
	Collected int `json:"collected"`
	Released  int `json:"released"`
	K         int `json:"k"`
	// NextReleaseIn is about how many more responses make the next
	// release: k at most (0 when the survey is closed, or in the live
	// view).
	NextReleaseIn int `json:"next_release_in"`
	// Final: the survey is closed and this release is its last; Unreleased
	// responses (fewer than k, arrived after the last release) are not in
	// the published figures.
	Final      bool `json:"final,omitempty"`
	Unreleased bool `json:"unreleased,omitempty"`
	// HeldBack lists the breakdown groups not shown in the release.
	HeldBack     []HeldBack   `json:"held_back,omitempty"`
	Perturbation Perturbation `json:"perturbation"`
}

// HeldBack is a breakdown group not shown, and about how many more
// respondents it needs (from its perturbed size: an exact number would
// reveal the small group's exact size).
type HeldBack struct {
	Question string `json:"question"`
	Group    string `json:"group"`
	Label    string `json:"label"`
	// Needs is about how many more respondents the group needs to be shown
	// on its own; 0 for a group hidden only so that the hidden groups
	// together are not fewer than k (it is shown once they need it no
	// longer).
	Needs int `json:"needs"`
}

// Perturbation gives the published parameters of cell-key perturbation.
type Perturbation struct {
	Method       string  `json:"method"`
	MaxDeviation int     `json:"max_deviation"`
	Variance     float64 `json:"variance"`
	SmallCounts  int     `json:"small_counts_blocked"`
	ExactTotal   bool    `json:"exact_total"`
}

// PerturbationParameters are the parameters every release is protected with.
func PerturbationParameters() Perturbation {
	if !perturbation {
		return Perturbation{Method: "none"}
	}
	return Perturbation{Method: "cell-key", MaxDeviation: MaxDeviation, Variance: NoiseVariance, SmallCounts: SmallCounts, ExactTotal: true}
}

// Status describes the release against collected, the number of
// responses stored so far; final says the survey is closed. Labels are
// in lang (notAnswered for the group of those who did not answer a
// breakdown question).
func (p *Protected) Status(collected int, final bool, lang, notAnswered string) ReleaseStatus {
	st := ReleaseStatus{Collected: collected, Released: p.tally.Responses, K: p.k, Perturbation: PerturbationParameters()}
	if p.exact {
		st.Perturbation = Perturbation{Method: "none"}
		return st
	}
	st.Collected = max(p.tally.Responses, collected/p.k*p.k)
	pending := collected - p.tally.Responses
	switch {
	case final:
		st.Final, st.Unreleased = true, pending > 0
	case collected < p.k:
		// Rounded like Collected: "about", and never exact.
		st.NextReleaseIn = p.k - st.Collected
	default:
		st.NextReleaseIn = max(1, p.k-(st.Collected-p.tally.Responses))
	}
	if p.tally.Responses < p.k {
		return st
	}
	for _, d := range p.dims {
		for _, g := range p.groups(d) {
			sc := scopeOf(d.ID, g)
			if !p.hidden[sc] {
				continue
			}
			label := notAnswered
			if o := d.Option(g); o != nil {
				label = o.Label.In(lang, p.def.DefaultLanguage)
			}
			needs := 0
			if n := p.cells[sc+"|n"].pub; n < p.k {
				needs = p.k - n
			}
			st.HeldBack = append(st.HeldBack, HeldBack{Question: d.ID, Group: g, Label: label, Needs: needs})
		}
	}
	return st
}
