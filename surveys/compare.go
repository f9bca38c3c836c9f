package surveys

import (
	"errors"
	"math"
	"slices"
)

// Comparing two waves of a survey (docs/statistics.md, "Comparing
// waves"): two surveys that ask the same question with the same option
// codes, for example this year's and last year's, side by side, each
// estimate with its interval, the difference (current − previous) and an
// interval for the difference.
//
// Everything is computed from what the two releases publish and nothing
// else: the published (perturbed) count and base of a proportion, the
// published mean, standard deviation and number of values of a mean. A
// number either release does not publish (a suppressed count or base, a
// withheld statistic) gives no estimate on that side and so no
// difference, interval or flag: anyone holding the two releases could
// compute every number of a comparison, so it tells nothing they hide.

// ErrNothingComparable: no question of the two surveys has the same id,
// type and option codes in both.
var ErrNothingComparable = errors.New("surveys: no question can be compared")

// WithheldError: a wave's release is withheld (fewer than k responses),
// so it has no numbers to compare.
type WithheldError struct {
	Survey string
}

func (e *WithheldError) Error() string { return "surveys: the release of " + e.Survey + " is withheld" }

// Why a question is left out of a comparison.
const (
	LeftOutOnlyCurrent    = "only_in_current"  // the previous wave has no question with its id
	LeftOutOnlyPrevious   = "only_in_previous" // the current wave has no question with its id
	LeftOutTypeDiffers    = "type_differs"     // the same id, another type
	LeftOutOptionsDiffer  = "options_differ"   // other option codes, points, ranges, statements or "don't know"
	LeftOutNoEstimates    = "no_estimates"     // free text: nothing is estimated
	CompareRowProportion  = "proportion"       // a row's kind: a percentage
	CompareRowMean        = "mean"             // a row's kind: a mean
	CompareCodeDontKnow   = "_dont_know"       // the row of "don't know"
	CompareCodeMean       = "_mean"            // the row of a mean
	compareStatementDelim = ":"                // a matrix statement's rows: "statement:point"
)

// Wave is one survey's release to compare: its id and title and the
// overall results of its release (Protected.Results, group of everyone),
// in the language of the comparison.
type Wave struct {
	Survey string
	Title  string
	// Revision, Day and Final describe the release (ReleaseRef).
	Revision int
	Day      string
	Final    bool
	Results  Results
}

// Comparison is two waves side by side.
type Comparison struct {
	// Level is the confidence level of every interval, in percent.
	Level     int                  `json:"ci_level"`
	Current   WaveRef              `json:"current"`
	Previous  WaveRef              `json:"previous"`
	Questions []QuestionComparison `json:"questions"`
	LeftOut   []LeftOut            `json:"left_out"`
	// Significant counts the rows whose difference is significant at
	// Level, out of Compared rows with an interval for the difference
	// (the group of everyone's; each group counts its own).
	Significant int `json:"significant"`
	Compared    int `json:"compared"`
	// By is the breakdown question the groups are of (CompareBy), ByText
	// its text in the current wave, and Groups each of its groups compared with the same group of the
	// previous wave, in the current release's order; none without By.
	By     string            `json:"by,omitempty"`
	ByText string            `json:"by_text,omitempty"`
	Groups []GroupComparison `json:"groups,omitempty"`
}

// Why a group of a breakdown is not compared: the release of one wave or
// of both hides it (fewer than k respondents, or hidden with another so
// that it cannot be worked out), so it publishes nothing of it.
const (
	GroupHiddenInCurrent  = "hidden_in_current"
	GroupHiddenInPrevious = "hidden_in_previous"
	GroupHiddenInBoth     = "hidden_in_both"
)

// GroupComparison is one breakdown group (an option code of the breakdown
// question, or NoGroup: those who did not answer it) of this wave beside
// the same group of the previous wave.
type GroupComparison struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	// CurrentN and PreviousN are the group's published respondents in
	// each wave; none where the release hides the group or suppresses the
	// number.
	CurrentN  *int `json:"current_n,omitempty"`
	PreviousN *int `json:"previous_n,omitempty"`
	// NotCompared says why the group has no rows (GroupHiddenIn*), empty
	// when it is compared.
	NotCompared string `json:"not_compared,omitempty"`
	// Questions are the questions compared overall, with the group's
	// estimates: a number either release suppresses in the group gives no
	// difference, as overall.
	Questions   []QuestionComparison `json:"questions"`
	Significant int                  `json:"significant"`
	Compared    int                  `json:"compared"`
}

// Field codes of a breakdown that cannot be compared (at /by).
const (
	// CodeByNotInPrevious: the previous wave has no breakdown question
	// with the id.
	CodeByNotInPrevious Code = "by_not_in_previous"
	// CodeByCodesDiffer: the breakdown question's option codes differ
	// between the waves, so their groups cannot be matched.
	CodeByCodesDiffer Code = "by_codes_differ"
	// CodeByUnavailable: a wave's release cannot be broken down by the
	// question (some of its responses were given before it was a
	// breakdown question, Protected.Dimension).
	CodeByUnavailable Code = "by_unavailable"
)

// WaveRef names a wave's release.
type WaveRef struct {
	Survey    string `json:"survey"`
	Title     string `json:"title"`
	Revision  int    `json:"revision"`
	Responses int    `json:"responses"`
	Day       string `json:"day,omitempty"`
	Final     bool   `json:"final"`
}

// QuestionComparison is one question asked in both waves.
type QuestionComparison struct {
	ID   string       `json:"id"`
	Type QuestionType `json:"type"`
	Text string       `json:"text"`
	// PreviousText is the previous wave's wording when it differs: the
	// codes match, but a reader should know the question changed.
	PreviousText string       `json:"previous_text,omitempty"`
	Rows         []CompareRow `json:"rows"`
}

// CompareRow is one estimate in both waves: an option's, point's or
// range's percentage (of those who answered), "don't know", or a mean.
type CompareRow struct {
	// Code is the option code, point or range ("statement:point" for a
	// matrix statement), CompareCodeDontKnow or CompareCodeMean.
	Code      string   `json:"code"`
	Label     string   `json:"label"`
	Statement string   `json:"statement,omitempty"`
	Kind      string   `json:"kind"`
	Current   Estimate `json:"current"`
	Previous  Estimate `json:"previous"`
	// Difference is current − previous (percentage points, or the mean's
	// unit), with its interval; none unless both estimates are published.
	Difference *Difference `json:"difference,omitempty"`
}

// Estimate is one wave's published estimate with its interval; only
// Suppressed when the release does not publish it.
type Estimate struct {
	// N is the published count (a proportion) or number of values (a
	// mean); Base the published base of a proportion.
	N    *int `json:"n,omitempty"`
	Base *int `json:"base,omitempty"`
	// Value is the percentage (one decimal) or the mean (two decimals);
	// SD the mean's standard deviation as published.
	Value  *float64 `json:"value,omitempty"`
	SD     *float64 `json:"sd,omitempty"`
	CILow  *float64 `json:"ci_low,omitempty"`
	CIHigh *float64 `json:"ci_high,omitempty"`
	// Suppressed: the release does not publish this estimate (a
	// suppressed count or base, or a withheld statistic).
	Suppressed bool `json:"suppressed,omitempty"`

	// Unrounded inputs of the difference.
	x, n       int
	mean, sd   float64
	lo, hi     float64
	proportion bool
}

// Difference is the difference of two estimates and its interval at the
// comparison's level; Significant when the interval excludes 0.
type Difference struct {
	Value       float64  `json:"value"`
	CILow       *float64 `json:"ci_low,omitempty"`
	CIHigh      *float64 `json:"ci_high,omitempty"`
	Significant bool     `json:"significant"`
	// DF is the Welch–Satterthwaite degrees of freedom of a mean's.
	DF *float64 `json:"df,omitempty"`
}

// LeftOut is a question not compared, and why (LeftOut* constants).
type LeftOut struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Reason string `json:"reason"`
}

// Compare puts two waves' released estimates side by side at level (90,
// 95 or 99): every question whose id, type and option codes match in
// both, in the current wave's order; the others in LeftOut with their
// reason. Proportions differ by Newcombe's hybrid score interval, means
// by Welch's. Errors: a *ValidationError at /level; a *WithheldError for
// a wave whose release is withheld; ErrNothingComparable.
func Compare(current, previous Wave, level int) (*Comparison, error) {
	return CompareBy(current, previous, "", level)
}

// CompareBy is Compare, and with by (a breakdown question id; empty:
// none) each group of by in the current wave beside the same group (the
// same option code) of the previous wave. Both waves' Results must be
// rendered with by (Protected.Results), and by's groups must have the
// same codes in both; else a *ValidationError at /by (CodeByUnavailable,
// CodeByCodesDiffer). A group either release hides is listed with why
// and has no rows; within a group, a number either release suppresses
// gives no difference, as overall.
func CompareBy(current, previous Wave, by string, level int) (*Comparison, error) {
	if !ValidLevel(level) {
		return nil, &ValidationError{Errors: []FieldError{{Pointer: "/level", Code: CodeLevel}}}
	}
	for _, w := range []Wave{current, previous} {
		if w.Results.Withheld || len(w.Results.Groups) == 0 || w.Results.Groups[0].Code != "" {
			return nil, &WithheldError{Survey: w.Survey}
		}
	}
	if err := checkGroups(current, previous, by); err != nil {
		return nil, err
	}
	c := &Comparison{Level: level, Current: current.ref(), Previous: previous.ref(), LeftOut: []LeftOut{}}
	c.Questions, c.LeftOut = compareQuestions(current.Results.Groups[0].Questions, previous.Results.Groups[0].Questions, level)
	c.Compared, c.Significant = countSignificant(c.Questions)
	if len(c.Questions) == 0 {
		return nil, ErrNothingComparable
	}
	if by == "" {
		return c, nil
	}
	c.By, c.Groups = by, []GroupComparison{}
	for _, q := range current.Results.Groups[0].Questions {
		if q.ID == by {
			c.ByText = q.Text
		}
	}
	compared := make(map[string]bool, len(c.Questions))
	for _, q := range c.Questions {
		compared[q.ID] = true
	}
	prevGroups := previous.Results.Groups[1:]
	for _, g := range current.Results.Groups[1:] {
		pg := prevGroups[slices.IndexFunc(prevGroups, func(x GroupResults) bool { return x.Code == g.Code })]
		gc := GroupComparison{Code: g.Code, Label: g.Label, CurrentN: groupN(g), PreviousN: groupN(pg), Questions: []QuestionComparison{}}
		switch {
		case g.Hidden && pg.Hidden:
			gc.NotCompared = GroupHiddenInBoth
		case g.Hidden:
			gc.NotCompared = GroupHiddenInCurrent
		case pg.Hidden:
			gc.NotCompared = GroupHiddenInPrevious
		default:
			qs, _ := compareQuestions(g.Questions, pg.Questions, level)
			for _, q := range qs {
				if compared[q.ID] {
					gc.Questions = append(gc.Questions, q)
				}
			}
			gc.Compared, gc.Significant = countSignificant(gc.Questions)
		}
		c.Groups = append(c.Groups, gc)
	}
	return c, nil
}

// checkGroups: with by, both waves' results are broken down by it, into
// groups of the same codes.
func checkGroups(current, previous Wave, by string) error {
	if by == "" {
		return nil
	}
	bad := func(code Code, params map[string]any) error {
		return &ValidationError{Errors: []FieldError{{Pointer: "/by", Code: code, Params: params}}}
	}
	codes := [2][]string{}
	for i, w := range []Wave{current, previous} {
		if w.Results.By != by {
			return bad(CodeByUnavailable, map[string]any{"Question": by, "Survey": w.Survey})
		}
		for _, g := range w.Results.Groups[1:] {
			codes[i] = append(codes[i], g.Code)
		}
		slices.Sort(codes[i])
	}
	if !slices.Equal(codes[0], codes[1]) {
		return bad(CodeByCodesDiffer, map[string]any{"Question": by})
	}
	return nil
}

// groupN is a group's published respondents, or nil.
func groupN(g GroupResults) *int {
	if g.Hidden || g.N == nil || g.N.Suppressed || g.N.N == nil {
		return nil
	}
	n := *g.N.N
	return &n
}

// compareQuestions compares the questions of one group of both waves:
// those that match, in cur's order, and those left out with why.
func compareQuestions(cur, prev []QuestionResults, level int) ([]QuestionComparison, []LeftOut) {
	out, left := []QuestionComparison{}, []LeftOut{}
	prevByID := make(map[string]*QuestionResults, len(prev))
	for i := range prev {
		prevByID[prev[i].ID] = &prev[i]
	}
	curIDs := make(map[string]bool, len(cur))
	for i := range cur {
		q := &cur[i]
		curIDs[q.ID] = true
		p := prevByID[q.ID]
		if reason := mismatch(q, p); reason != "" {
			left = append(left, LeftOut{ID: q.ID, Text: q.Text, Reason: reason})
			continue
		}
		out = append(out, compareQuestion(q, p, level))
	}
	for i := range prev {
		if !curIDs[prev[i].ID] {
			left = append(left, LeftOut{ID: prev[i].ID, Text: prev[i].Text, Reason: LeftOutOnlyPrevious})
		}
	}
	return out, left
}

// countSignificant counts the rows with an interval for the difference,
// and those of them flagged significant.
func countSignificant(qs []QuestionComparison) (compared, significant int) {
	for _, q := range qs {
		for _, r := range q.Rows {
			if r.Difference != nil && r.Difference.CILow != nil {
				compared++
				if r.Difference.Significant {
					significant++
				}
			}
		}
	}
	return compared, significant
}

func (w Wave) ref() WaveRef {
	r := WaveRef{Survey: w.Survey, Title: w.Title, Revision: w.Revision, Day: w.Day, Final: w.Final}
	if n := w.Results.N; n != nil && n.N != nil {
		r.Responses = *n.N
	}
	return r
}

// mismatch says why q (current) and p (previous, nil: none) cannot be
// compared, or "".
func mismatch(q, p *QuestionResults) string {
	switch {
	case p == nil:
		return LeftOutOnlyCurrent
	case q.Type != p.Type:
		return LeftOutTypeDiffers
	case q.Type == FreeText:
		return LeftOutNoEstimates
	case !sameCodes(q.Options, p.Options) || !sameCodes(q.Bins, p.Bins) || (q.DontKnow == nil) != (p.DontKnow == nil) ||
		len(q.Statements) != len(p.Statements):
		return LeftOutOptionsDiffer
	}
	prevRows := make(map[string]*StatementResults, len(p.Statements))
	for i := range p.Statements {
		prevRows[p.Statements[i].Code] = &p.Statements[i]
	}
	for i := range q.Statements {
		s, ps := &q.Statements[i], prevRows[q.Statements[i].Code]
		if ps == nil || !sameCodes(s.Bins, ps.Bins) || (s.DontKnow == nil) != (ps.DontKnow == nil) {
			return LeftOutOptionsDiffer
		}
	}
	return ""
}

// sameCodes: a and b have the same codes (in any order; codes are unique
// within a question, as validation requires).
func sameCodes(a, b []LabelledCount) bool {
	if len(a) != len(b) {
		return false
	}
	codes := make(map[string]bool, len(a))
	for _, c := range a {
		codes[c.Code] = true
	}
	for _, c := range b {
		if !codes[c.Code] {
			return false
		}
	}
	return true
}

func compareQuestion(q, p *QuestionResults, level int) QuestionComparison {
	qc := QuestionComparison{ID: q.ID, Type: q.Type, Text: q.Text, Rows: []CompareRow{}}
	if p.Text != q.Text {
		qc.PreviousText = p.Text
	}
	add := func(code, label, statement string, ce, pe Estimate) {
		r := CompareRow{Code: code, Label: label, Statement: statement, Kind: CompareRowProportion, Current: ce, Previous: pe}
		if !ce.proportion {
			r.Kind = CompareRowMean
		}
		r.Difference = difference(ce, pe, level)
		qc.Rows = append(qc.Rows, r)
	}
	categories := func(prefix, statement string, cur, prev []LabelledCount) {
		for _, o := range cur {
			i := slices.IndexFunc(prev, func(x LabelledCount) bool { return x.Code == o.Code })
			add(prefix+o.Code, o.Label, statement, proportion(o.Count, level), proportion(prev[i].Count, level))
		}
	}
	categories("", "", q.Options, p.Options)
	categories("", "", q.Bins, p.Bins)
	if q.DontKnow != nil {
		add(CompareCodeDontKnow, "", "", proportion(*q.DontKnow, level), proportion(*p.DontKnow, level))
	}
	if q.Type == Scale || q.Type == Number {
		add(CompareCodeMean, "", "", meanEstimate(q.Stats, q.meanN, level), meanEstimate(p.Stats, p.meanN, level))
	}
	for i := range q.Statements {
		s := &q.Statements[i]
		ps := &p.Statements[slices.IndexFunc(p.Statements, func(x StatementResults) bool { return x.Code == s.Code })]
		pre := s.Code + compareStatementDelim
		categories(pre, s.Label, s.Bins, ps.Bins)
		if s.DontKnow != nil {
			add(pre+CompareCodeDontKnow, "", s.Label, proportion(*s.DontKnow, level), proportion(*ps.DontKnow, level))
		}
		add(pre+CompareCodeMean, "", s.Label, meanEstimate(s.Stats, s.meanN, level), meanEstimate(ps.Stats, ps.meanN, level))
	}
	return qc
}

// proportion is a published count's estimate: only where the release
// publishes the count, its percentage and the base it is of (a Count made
// by Protected.Results; any other is taken as not published).
func proportion(c Count, level int) Estimate {
	base, ok := c.Base()
	if c.Suppressed || c.N == nil || !ok {
		return Estimate{Suppressed: true, proportion: true}
	}
	x := *c.N
	lo, hi, ok := Wilson(x, base, level)
	if !ok {
		return Estimate{Suppressed: true, proportion: true}
	}
	e := Estimate{x: min(x, base), n: base, lo: lo, hi: hi, proportion: true}
	pct := *c.Pct
	l, h := round(100*lo, 1), round(100*hi, 1)
	e.N, e.Base, e.Value, e.CILow, e.CIHigh = &x, &base, &pct, &l, &h
	return e
}

// meanEstimate is a published mean's estimate, of n published values
// (answered less "don't know"): only where the mean is published and n is
// at least 2.
func meanEstimate(st *Stats, n, level int) Estimate {
	if st == nil || n < 2 {
		return Estimate{Suppressed: true}
	}
	lo, hi, ok := MeanInterval(st.Mean, st.SD, n, level)
	if !ok {
		return Estimate{Suppressed: true}
	}
	e := Estimate{n: n, mean: st.Mean, sd: st.SD}
	mean, sd := st.Mean, st.SD
	l, h := round(lo, 2), round(hi, 2)
	nn := n
	e.N, e.Value, e.SD, e.CILow, e.CIHigh = &nn, &mean, &sd, &l, &h
	return e
}

// difference is current − previous with its interval, none unless both
// are published. A proportion's is in percentage points (one decimal), a
// mean's in its unit (two decimals); the flag is decided on the
// unrounded interval.
func difference(c, p Estimate, level int) *Difference {
	if c.Suppressed || p.Suppressed {
		return nil
	}
	if c.proportion {
		d, lo, hi, ok := newcombeFromWilson(c.x, c.n, c.lo, c.hi, p.x, p.n, p.lo, p.hi)
		if !ok {
			return nil
		}
		l, h := round(100*lo, 1), round(100*hi, 1)
		return &Difference{Value: round(100*d, 1), CILow: &l, CIHigh: &h, Significant: lo > 0 || hi < 0}
	}
	d, lo, hi, df, ok := Welch(c.mean, c.sd, c.n, p.mean, p.sd, p.n, level)
	out := &Difference{Value: round(c.mean-p.mean, 2)}
	if ok {
		l, h, v := round(lo, 2), round(hi, 2), round(df, 2)
		out.Value, out.CILow, out.CIHigh, out.DF, out.Significant = round(d, 2), &l, &h, &v, lo > 0 || hi < 0
	}
	return out
}

// Newcombe is the hybrid score interval (Newcombe 1998, method 10) of the
// difference x1/n1 − x2/n2 of two independent proportions at level (90,
// 95 or 99), built from the two Wilson intervals: from the difference d,
// down by √((p1−l1)² + (u2−p2)²) and up by √((u1−p1)² + (p2−l2)²). As
// proportions (−1 to 1); ok is false where either Wilson interval is
// none.
func Newcombe(x1, n1, x2, n2, level int) (d, low, high float64, ok bool) {
	l1, u1, ok1 := Wilson(x1, n1, level)
	l2, u2, ok2 := Wilson(x2, n2, level)
	if !ok1 || !ok2 {
		return 0, 0, 0, false
	}
	return newcombeFromWilson(min(x1, n1), n1, l1, u1, min(x2, n2), n2, l2, u2)
}

func newcombeFromWilson(x1, n1 int, l1, u1 float64, x2, n2 int, l2, u2 float64) (d, low, high float64, ok bool) {
	if n1 <= 0 || n2 <= 0 {
		return 0, 0, 0, false
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	d = p1 - p2
	low = d - math.Sqrt((p1-l1)*(p1-l1)+(u2-p2)*(u2-p2))
	high = d + math.Sqrt((u1-p1)*(u1-p1)+(p2-l2)*(p2-l2))
	return d, max(-1, low), min(1, high), true
}

// Welch is the Welch interval of the difference of two independent means
// at level (90, 95 or 99), from each mean, standard deviation and number
// of values (at least 2 each): (m1 − m2) ± t(df)·√(s1²/n1 + s2²/n2), with
// the Welch–Satterthwaite degrees of freedom df, which need not be whole.
// It assumes neither equal variances nor equal sizes. ok is false without
// an interval: a level not asked for, fewer than 2 values, a negative or
// non-finite input, or both standard deviations 0 (R's t.test refuses
// such data as constant).
func Welch(m1, s1 float64, n1 int, m2, s2 float64, n2 int, level int) (d, low, high, df float64, ok bool) {
	if _, known := levelZ[level]; !known || n1 < 2 || n2 < 2 || s1 < 0 || s2 < 0 {
		return 0, 0, 0, 0, false
	}
	for _, v := range []float64{m1, s1, m2, s2} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, 0, 0, 0, false
		}
	}
	v1, v2 := s1*s1/float64(n1), s2*s2/float64(n2)
	se2 := v1 + v2
	if se2 == 0 {
		return 0, 0, 0, 0, false
	}
	df = se2 * se2 / (v1*v1/float64(n1-1) + v2*v2/float64(n2-1))
	t := tCriticalReal(level, df)
	half := t * math.Sqrt(se2)
	d = m1 - m2
	return d, d - half, d + half, df, true
}

// tCriticalReal is the two-sided critical value of Student's t at level
// with df degrees of freedom, which need not be whole (Welch's): by
// bisection on the distribution function below tSmallDF (about 40 µs),
// above it by the expansion tCritical uses for whole df, which holds for
// any real df there (Abramowitz and Stegun 26.7.5).
func tCriticalReal(level int, df float64) float64 {
	p := 1 - (1-float64(level)/100)/2
	if df >= tSmallDF {
		return tExpansion(levelZ[level], df)
	}
	return quantileAbove(p, func(t float64) float64 { return tCDFReal(t, df) }) // df ≥ 1 (at least 2 values a wave)
}

// tCDFReal is tCDF for a real df.
func tCDFReal(t, v float64) float64 {
	return 1 - 0.5*regIncBeta(v/(v+t*t), v/2, 0.5)
}
