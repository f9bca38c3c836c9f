package surveys

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Disclosure control: the one place every number shown to analysts,
// shared organisations and the public passes through. The rules
// (docs/privacy.md):
//
//  1. No numbers at all before a release has k responses.
//  2. Breakdown groups smaller than k are not shown; if the groups not
//     shown add up to fewer than k, the next smallest group is hidden too,
//     until they add up to k or more.
//  3. Primary suppression: every count c with 0 < c < k is suppressed.
//  4. Secondary suppression: every table is a set of linear equations
//     (a total equals the sum of its parts: a question's respondents are
//     those who answered plus those who skipped, a breakdown's groups add
//     up to the whole, each option's overall count is the sum of its
//     counts in the groups, ...). In every equation whose total is
//     published, the suppressed parts must be none, or at least two adding
//     up to k or more; otherwise the smallest non-zero part still shown is
//     suppressed too (or the total, if there is none). A suppressed total
//     must not be the sum of parts that are all shown. This is repeated
//     until nothing changes, over all tables of the survey together, so
//     that every download is cut from the same consistent release.
//  5. Statistics (mean, median, quartiles, standard deviation, mean rank)
//     are withheld for groups where fewer than k answered; where that
//     leaves withheld groups whose answers add up to fewer than k, more
//     are withheld, so no group's sum can be worked out from the others.
//  6. Releases advance only when every table that can be subtracted from
//     the previous release differs by k respondents or more: overall and
//     in every breakdown group (see NextRelease).

// Protected is a tally after disclosure control: the tally and, for every
// count, whether it may be shown.
type Protected struct {
	def    *Definition
	tally  *Tally
	k      int
	cells  map[string]*sdcCell
	parts  []sdcPart
	stats  map[string]bool // scope|question(|statement) -> statistics shown
	hidden map[string]bool // scope -> group not shown
	exact  bool            // no disclosure control (the live view)
}

type sdcCell struct {
	value      int
	suppressed bool
}

type sdcPart struct {
	total   *sdcCell
	members []*sdcCell
	// keys, for the attacker test and debugging
	totalKey   string
	memberKeys []string
}

// Scope names: "" is everyone; "dim=group" a breakdown group.
func scopeOf(dim, group string) string {
	if dim == "" {
		return ""
	}
	return dim + "=" + group
}

// Disclose applies disclosure control with threshold k to a tally of
// responses to def (the latest revision, whose questions and labels are
// shown).
func Disclose(def *Definition, t *Tally, k int) *Protected {
	if k < MinK {
		k = MinK
	}
	p := &Protected{def: def, tally: t, k: k, cells: map[string]*sdcCell{}, stats: map[string]bool{}, hidden: map[string]bool{}}
	p.buildScope("", t)
	dims := p.dimensions()
	for _, d := range dims {
		groups := p.groups(d)
		for _, g := range groups {
			p.buildScope(scopeOf(d.ID, g), p.groupTally(d.ID, g))
		}
		p.linkGroups(d.ID, groups)
		p.hideSmallGroups(d.ID, groups)
	}
	for _, c := range p.cells {
		if c.value > 0 && c.value < k {
			c.suppressed = true
		}
	}
	p.secondary()
	p.decideStats(dims)
	return p
}

// Exact wraps a tally without disclosure control: the live view that only
// a survey's owners and editors may see. Every count and statistic is shown.
func Exact(def *Definition, t *Tally) *Protected {
	p := &Protected{def: def, tally: t, k: 0, cells: map[string]*sdcCell{}, stats: map[string]bool{}, hidden: map[string]bool{}, exact: true}
	p.buildScope("", t)
	for _, d := range p.dimensions() {
		for _, g := range p.groups(d) {
			p.buildScope(scopeOf(d.ID, g), p.groupTally(d.ID, g))
		}
	}
	return p
}

// dimensions lists the breakdown questions.
func (p *Protected) dimensions() []*Question {
	var out []*Question
	for _, q := range p.def.Questions() {
		if q.Breakdown {
			out = append(out, q)
		}
	}
	return out
}

// groups lists a dimension's groups: every option, then NoGroup.
func (p *Protected) groups(d *Question) []string {
	var out []string
	for _, o := range d.Options {
		out = append(out, o.Code)
	}
	return append(out, NoGroup)
}

func (p *Protected) groupTally(dim, group string) *Tally {
	if g := p.tally.Breakdowns[dim][group]; g != nil {
		return g
	}
	return &Tally{}
}

func (p *Protected) cell(key string, v int) *sdcCell {
	c := p.cells[key]
	if c == nil {
		c = &sdcCell{value: v}
		p.cells[key] = c
	}
	return c
}

func (p *Protected) part(total string, members ...string) {
	pt := sdcPart{total: p.cells[total], totalKey: total, memberKeys: members}
	for _, m := range members {
		pt.members = append(pt.members, p.cells[m])
	}
	p.parts = append(p.parts, pt)
}

// Cell key suffixes within a scope.
func qkey(q, what string) string { return "|" + q + "|" + what }

// buildScope creates the cells and equations of one group's tables.
func (p *Protected) buildScope(sc string, t *Tally) {
	n := sc + "|n"
	p.cell(n, t.Responses)
	if sc == "" {
		var days []string
		for d, c := range t.Days {
			p.cell("|day|"+d, c)
			days = append(days, "|day|"+d)
		}
		sort.Strings(days)
		p.part(n, days...)
	}
	for _, q := range p.def.Questions() {
		qt := t.Questions[q.ID]
		if qt == nil {
			qt = &QuestionTally{}
		}
		k := func(what string) string { return sc + qkey(q.ID, what) }
		p.cell(k("seen"), qt.Seen)
		p.cell(k("hidden"), t.Responses-qt.Seen)
		p.part(n, k("seen"), k("hidden"))
		p.cell(k("answered"), qt.Answered)
		p.cell(k("skipped"), qt.Seen-qt.Answered)
		p.part(k("seen"), k("answered"), k("skipped"))
		switch q.Type {
		case SingleChoice, Ranking:
			var opts []string
			for _, o := range q.Options {
				p.cell(k("opt:"+o.Code), qt.Options[o.Code])
				opts = append(opts, k("opt:"+o.Code))
			}
			p.part(k("answered"), opts...)
		case MultipleChoice:
			for _, o := range q.Options {
				p.cell(k("opt:"+o.Code), qt.Options[o.Code])
				p.cell(k("notopt:"+o.Code), qt.Answered-qt.Options[o.Code])
				p.part(k("answered"), k("opt:"+o.Code), k("notopt:"+o.Code))
			}
		case Scale, Number:
			var bins []string
			for _, b := range binsOf(q) {
				p.cell(k("bin:"+b.key), b.count(qt.Values))
				bins = append(bins, k("bin:"+b.key))
			}
			if q.Type == Scale && q.DontKnow {
				p.cell(k("dk"), qt.DontKnow)
				bins = append(bins, k("dk"))
			}
			p.part(k("answered"), bins...)
		case Matrix:
			for _, s := range q.Statements {
				row := qt.Rows[s.Code]
				if row == nil {
					row = &QuestionTally{}
				}
				rk := func(what string) string { return k("row:" + s.Code + ":" + what) }
				p.cell(rk("answered"), row.Answered)
				p.cell(rk("skipped"), qt.Seen-row.Answered)
				p.part(k("seen"), rk("answered"), rk("skipped"))
				var bins []string
				for _, b := range binsOf(q) {
					p.cell(rk("bin:"+b.key), b.count(row.Values))
					bins = append(bins, rk("bin:"+b.key))
				}
				if q.DontKnow {
					p.cell(rk("dk"), row.DontKnow)
					bins = append(bins, rk("dk"))
				}
				p.part(rk("answered"), bins...)
			}
		}
	}
}

// linkGroups adds the equations across a dimension: the groups add up to
// everyone, and each count of everyone is the sum of the groups' counts.
func (p *Protected) linkGroups(dim string, groups []string) {
	var ns []string
	for _, g := range groups {
		ns = append(ns, scopeOf(dim, g)+"|n")
	}
	p.part("|n", ns...)
	for key := range p.cells {
		if len(key) == 0 || key[0] != '|' || key == "|n" || len(key) > 5 && key[:5] == "|day|" {
			continue // not an overall question cell
		}
		members := make([]string, 0, len(groups))
		for _, g := range groups {
			members = append(members, scopeOf(dim, g)+key)
		}
		p.part(key, members...)
	}
}

// hideSmallGroups hides groups smaller than k, and more until the hidden
// ones add up to k or more (rule 2).
func (p *Protected) hideSmallGroups(dim string, groups []string) {
	var hiddenSum int
	for _, g := range groups {
		n := p.cells[scopeOf(dim, g)+"|n"].value
		if n > 0 && n < p.k {
			p.hideGroup(scopeOf(dim, g))
			hiddenSum += n
		}
	}
	for hiddenSum > 0 && hiddenSum < p.k {
		best, bestN := "", math.MaxInt
		for _, g := range groups {
			sc := scopeOf(dim, g)
			if n := p.cells[sc+"|n"].value; !p.hidden[sc] && n > 0 && n < bestN {
				best, bestN = sc, n
			}
		}
		if best == "" {
			break
		}
		p.hideGroup(best)
		hiddenSum += bestN
	}
}

func (p *Protected) hideGroup(sc string) {
	p.hidden[sc] = true
	prefix := sc + "|"
	for key, c := range p.cells {
		if len(key) >= len(prefix) && key[:len(prefix)] == prefix {
			c.suppressed = true
		}
	}
}

// secondary repeats rule 4 until nothing changes.
func (p *Protected) secondary() {
	for changed := true; changed; {
		changed = false
		for _, pt := range p.parts {
			if pt.total == nil {
				continue
			}
			var suppressed, sum int
			for _, m := range pt.members {
				if m.suppressed {
					suppressed++
					sum += m.value
				}
			}
			var unsafe bool
			if pt.total.suppressed {
				unsafe = suppressed == 0 && pt.total.value > 0 // the sum of shown parts
			} else {
				unsafe = suppressed == 1 || (suppressed > 1 && sum < p.k)
			}
			if !unsafe {
				continue
			}
			if m := smallestShown(pt.members); m != nil {
				m.suppressed = true
			} else if !pt.total.suppressed {
				pt.total.suppressed = true
			} else {
				continue
			}
			changed = true
		}
	}
}

func smallestShown(cells []*sdcCell) *sdcCell {
	var best *sdcCell
	for _, c := range cells {
		if !c.suppressed && c.value > 0 && (best == nil || c.value < best.value) {
			best = c
		}
	}
	return best
}

// decideStats applies rule 5. A statistic is shown for a table only when
// the values it is computed from number k or more ("don't know" is not a
// value) and every count of the table is shown: otherwise a mean next to
// partly suppressed counts could be solved for them.
func (p *Protected) decideStats(dims []*Question) {
	type statKey struct {
		q   *Question
		row string
	}
	var keys []statKey
	for _, q := range p.def.Questions() {
		switch q.Type {
		case Scale, Number, Ranking:
			keys = append(keys, statKey{q, ""})
		case Matrix:
			for _, s := range q.Statements {
				keys = append(keys, statKey{q, s.Code})
			}
		}
	}
	statID := func(sc string, k statKey) string { return sc + "|" + k.q.ID + "|" + k.row }
	// values counts what the statistic is computed from; ok says whether
	// it may be shown on its own.
	values := func(sc string, k statKey) (int, bool) {
		t := p.tally
		if sc != "" {
			dim, group, _ := strings.Cut(sc, "=")
			t = p.groupTally(dim, group)
		}
		qt := t.Questions[k.q.ID]
		if qt == nil {
			return 0, false
		}
		var n int
		var cells []string
		pre := sc + qkey(k.q.ID, "")
		switch {
		case k.q.Type == Ranking:
			n = qt.Answered
			for _, o := range k.q.Options {
				cells = append(cells, pre+"opt:"+o.Code)
			}
		case k.row != "":
			if row := qt.Rows[k.row]; row != nil {
				for _, c := range row.Values {
					n += c
				}
			}
			for _, b := range binsOf(k.q) {
				cells = append(cells, pre+"row:"+k.row+":bin:"+b.key)
			}
		default:
			for _, c := range qt.Values {
				n += c
			}
			for _, b := range binsOf(k.q) {
				cells = append(cells, pre+"bin:"+b.key)
			}
		}
		if n < p.k || p.hidden[sc] {
			return n, false
		}
		for _, c := range cells {
			if p.cells[c].suppressed {
				return n, false
			}
		}
		return n, true
	}
	for _, k := range keys {
		_, ok := values("", k)
		p.stats[statID("", k)] = ok
		for _, d := range dims {
			var sum int
			for _, g := range p.groups(d) {
				sc := scopeOf(d.ID, g)
				n, ok := values(sc, k)
				p.stats[statID(sc, k)] = ok
				if !ok {
					sum += n
				}
			}
			// The withheld groups' values must add up to k or more, or a
			// withheld group's sum could be worked out from the others'.
			for sum > 0 && sum < p.k {
				best, bestN := "", math.MaxInt
				for _, g := range p.groups(d) {
					sc := scopeOf(d.ID, g)
					if n, _ := values(sc, k); p.stats[statID(sc, k)] && n < bestN {
						best, bestN = sc, n
					}
				}
				if best == "" {
					p.stats[statID("", k)] = false
					break
				}
				p.stats[statID(best, k)] = false
				sum += bestN
			}
		}
	}
}

// bin is a range of values shown as one count: each point of a scale, or
// a range of a number question.
type bin struct {
	key      string
	from, to float64 // inclusive
}

func (b bin) count(values map[string]int) int {
	n := 0
	for v, c := range values {
		f, err := strconv.ParseFloat(v, 64)
		if err == nil && f >= b.from && f <= b.to {
			n += c
		}
	}
	return n
}

// binsOf lists a scale's points, or a number's bins: one per value when
// there are at most 10 whole values, else 5 equal ranges.
func binsOf(q *Question) []bin {
	if q.Type == Scale || q.Type == Matrix {
		out := make([]bin, q.Points)
		for i := range out {
			out[i] = bin{key: strconv.Itoa(i + 1), from: float64(i + 1), to: float64(i + 1)}
		}
		return out
	}
	lo, hi := 0.0, 100.0
	if q.Min != nil {
		lo = *q.Min
	}
	if q.Max != nil {
		hi = *q.Max
	}
	if q.Integer && hi-lo < 10 {
		var out []bin
		for v := lo; v <= hi; v++ {
			out = append(out, bin{key: NumberKey(v), from: v, to: v})
		}
		return out
	}
	const n = 5
	width := (hi - lo) / n
	out := make([]bin, n)
	for i := range out {
		from, to := lo+float64(i)*width, lo+float64(i+1)*width
		if q.Integer {
			from, to = math.Ceil(from), math.Ceil(to)-1
			if i == n-1 {
				to = hi
			}
		} else if i < n-1 {
			to = math.Nextafter(to, math.Inf(-1))
		}
		out[i] = bin{key: NumberKey(from) + "-" + NumberKey(to), from: from, to: to}
	}
	return out
}

// Stats are the statistics of a distribution.
type Stats struct {
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
	Q1     float64 `json:"q1"`
	Q3     float64 `json:"q3"`
	SD     float64 `json:"sd"`
}

// statsOf computes exact statistics of a value histogram (value -> count).
// Quartiles use the midpoint of the two middle values (Tukey's hinges are
// not used; it is the median of each half, inclusive method).
func statsOf(values map[string]int) *Stats {
	type vc struct {
		v float64
		c int
	}
	var list []vc
	n := 0
	for s, c := range values {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || c <= 0 {
			continue
		}
		list = append(list, vc{f, c})
		n += c
	}
	if n == 0 {
		return nil
	}
	slices.SortFunc(list, func(a, b vc) int { return cmpFloat(a.v, b.v) })
	at := func(i int) float64 { // the i-th value (0-based) in sorted order
		for _, x := range list {
			if i < x.c {
				return x.v
			}
			i -= x.c
		}
		return list[len(list)-1].v
	}
	quantile := func(q float64) float64 { // linear interpolation (type 7)
		h := q * float64(n-1)
		lo := math.Floor(h)
		return at(int(lo)) + (h-lo)*(at(int(math.Min(lo+1, float64(n-1))))-at(int(lo)))
	}
	var sum float64
	for _, x := range list {
		sum += x.v * float64(x.c)
	}
	mean := sum / float64(n)
	var ss float64
	for _, x := range list {
		ss += (x.v - mean) * (x.v - mean) * float64(x.c)
	}
	sd := 0.0
	if n > 1 {
		sd = math.Sqrt(ss / float64(n-1))
	}
	return &Stats{Mean: round(mean, 2), Median: round(quantile(0.5), 2), Q1: round(quantile(0.25), 2), Q3: round(quantile(0.75), 2), SD: round(sd, 2)}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func round(f float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(f*p) / p
}
