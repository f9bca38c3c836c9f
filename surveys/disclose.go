package surveys

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Disclosure control: the one place every number shown to analysts,
// shared organisations and the public passes through. The rules
// (docs/privacy.md, "Published numbers"):
//
//  1. No numbers at all before a release has k responses.
//  2. Every count except the number of responses in the release is
//     perturbed by cell-key perturbation (ckm.go): at most MaxDeviation
//     from the exact count, never 1 to SmallCounts, the same for the same
//     cell whenever it is asked for, afresh whenever its group changes.
//     Every rule below works on the perturbed counts, so what is shown or
//     suppressed says nothing exact either.
//  3. Breakdown groups smaller than k are not shown; if the groups not
//     shown add up to fewer than k, the next smallest group is hidden too,
//     until they add up to k or more.
//  4. Primary suppression: every count c with 0 < c < k is suppressed.
//  5. Secondary suppression: every table is a set of linear equations
//     (a total equals the sum of its parts: a question's respondents are
//     those who answered plus those who skipped, a breakdown's groups add
//     up to the whole, each option's overall count is the sum of its
//     counts in the groups, ...). In every equation whose total is
//     published, the suppressed parts must be none, or at least two adding
//     up to k or more; otherwise the smallest non-zero part still shown is
//     suppressed too (or the total, if there is none). A suppressed total
//     must not be the sum of parts that are all shown. This is repeated
//     until nothing changes, over all tables of the survey together, so
//     that every download is cut from the same consistent release, and so
//     that no suppressed count is one equation away from published ones
//     (which would let releases with fresh noise be averaged). The zeros
//     of an equation with a suppressed part are suppressed too, so that a
//     suppressed count may always be 0.
//  6. Statistics (mean, median, quartiles, standard deviation, mean rank)
//     are computed from perturbed counts only, and shown only where every
//     count of the table is shown and the values number k or more.
//  7. A release is cut with every option, point and statement its
//     responses were counted with, whatever the current revision says
//     (a removed option stays in the table as its code), so a new revision
//     cannot re-cut an old release into a subtraction.
//  8. Releases advance when k or more responses arrived since the last one
//     (NextRelease); the perturbation, not the size of the step, protects
//     the difference between two releases.

// Protected is a tally after disclosure control: the tally and, for every
// count, the published value and whether it may be shown.
type Protected struct {
	def    *Definition
	tally  *Tally
	k      int
	cells  map[string]*sdcCell
	parts  []sdcPart
	stats  map[string]bool // scope|question(|statement) -> statistics shown
	hidden map[string]bool // scope -> group not shown
	exact  bool            // no disclosure control (the live view)
	dims   []*Question     // breakdown questions every response is counted in
	// memo keeps statistics once computed: a Protected is cached and read
	// by every download of its release, in every language and breakdown.
	memo sync.Map // scope|question|statement -> *Stats or map[string]float64
}

type sdcCell struct {
	value      int   // exact
	pub        int   // published: perturbed (exact in the live view)
	key        int64 // sum of the record keys of the responses counted
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

// scopeOfKey is the scope a cell key belongs to.
func scopeOfKey(key string) string {
	i := strings.IndexByte(key, '|')
	if i < 0 {
		return key
	}
	return key[:i]
}

// perturbation can be switched off by tests (export_test.go), to show
// that the attacker test then finds what it protects.
var perturbation = true

// Disclose applies disclosure control with threshold k to a tally of
// responses to def (the latest revision, or the revisions merged by
// MergeRevisions, whose questions and labels are shown). Codes the tally
// holds but def does not (options removed by a later revision) are kept
// in the tables.
func Disclose(def *Definition, t *Tally, k int) *Protected {
	if k < MinK {
		k = MinK
	}
	def = withTallyCodes(def, t)
	p := &Protected{def: def, tally: t, k: k, cells: map[string]*sdcCell{}, stats: map[string]bool{}, hidden: map[string]bool{}}
	p.dims = p.coveredDimensions()
	p.buildScope("", t)
	for _, d := range p.dims {
		for _, g := range p.groups(d) {
			p.buildScope(scopeOf(d.ID, g), p.groupTally(d.ID, g))
		}
	}
	p.perturb()
	for _, d := range p.dims {
		groups := p.groups(d)
		p.linkGroups(d.ID, groups)
		p.hideSmallGroups(d.ID, groups)
	}
	for _, c := range p.cells {
		if c.pub > 0 && c.pub < k {
			c.suppressed = true
		}
	}
	p.secondary()
	p.decideStats(p.dims)
	return p
}

// Exact wraps a tally without disclosure control: the live view that only
// a survey's owners and editors may see. Every count and statistic is shown.
func Exact(def *Definition, t *Tally) *Protected {
	def = withTallyCodes(def, t)
	p := &Protected{def: def, tally: t, k: 0, cells: map[string]*sdcCell{}, stats: map[string]bool{}, hidden: map[string]bool{}, exact: true}
	p.dims = p.coveredDimensions()
	p.buildScope("", t)
	for _, d := range p.dims {
		for _, g := range p.groups(d) {
			p.buildScope(scopeOf(d.ID, g), p.groupTally(d.ID, g))
		}
	}
	for _, c := range p.cells {
		c.pub = c.value
	}
	return p
}

// perturb sets every cell's published value (rule 2). The number of
// responses in the release is published exactly; a cell counting exactly
// the same responses as its scope is published as its scope is; and no
// count is published above its scope's size.
func (p *Protected) perturb() {
	for key, c := range p.cells {
		scope := p.cells[scopeOfKey(key)+"|n"]
		switch {
		case !perturbation || key == "|n":
			c.pub = c.value
		case c != scope && c.value == scope.value && c.key == scope.key:
			c.pub = -1 // below, once the scope's is known
		default:
			c.pub = perturb(c.value, cellUniform(c.key, scope.key))
		}
	}
	for key, c := range p.cells {
		scope := p.cells[scopeOfKey(key)+"|n"]
		if c.pub < 0 {
			c.pub = scope.pub
		}
		c.pub = min(c.pub, scope.pub)
	}
}

// coveredDimensions lists the breakdown questions whose groups hold every
// response of the tally. A question made a breakdown by a later revision
// counts only the responses to that revision: its groups would not add
// up to everyone, and the rest could be worked out, so it is not used.
func (p *Protected) coveredDimensions() []*Question {
	var out []*Question
	for _, q := range p.def.Questions() {
		if !q.Breakdown {
			continue
		}
		n := 0
		for _, g := range p.tally.Breakdowns[q.ID] {
			n += g.Responses
		}
		if n == p.tally.Responses {
			out = append(out, q)
		}
	}
	return out
}

// Cells is how many counts the protected tables hold (a measure of their
// size in memory).
func (p *Protected) Cells() int { return len(p.cells) }

// Dimension says whether results can be broken down by question id.
func (p *Protected) Dimension(id string) bool {
	for _, d := range p.dims {
		if d.ID == id {
			return true
		}
	}
	return false
}

// withTallyCodes returns def, or a copy of it extended with every option,
// scale point and matrix statement the tally holds counts for and def
// does not (rule 7): a table cut without one of them would leave a total
// that is more than the sum of its parts, and the difference readable.
func withTallyCodes(def *Definition, t *Tally) *Definition {
	out := *def
	out.Sections = slices.Clone(def.Sections)
	changed := false
	for si := range out.Sections {
		qs := slices.Clone(out.Sections[si].Questions)
		for qi := range qs {
			if extendQuestion(&qs[qi], t, def.DefaultLanguage) {
				changed = true
			}
		}
		out.Sections[si].Questions = qs
	}
	if !changed {
		return def
	}
	return &out
}

// extendQuestion extends q, a copy, with the codes and points t counts
// for it and q lacks; lang is the language the codes are labelled in. It
// reports whether q changed.
func extendQuestion(q *Question, t *Tally, lang string) bool {
	qt := t.Questions[q.ID]
	if qt == nil {
		qt = &QuestionTally{}
	}
	switch q.Type {
	case SingleChoice, MultipleChoice, Ranking:
		return extendOptions(q, qt, t.Breakdowns[q.ID], lang)
	case Scale:
		return extendPoints(q, qt.Values)
	case Matrix:
		rows := map[string]int{}
		var values []map[string]int
		for code, row := range qt.Rows {
			rows[code] = row.Answered
			values = append(values, row.Values)
		}
		changed := false
		if codes := tallyOnlyCodes(func(c string) bool { return q.statement(c) != nil }, rows); len(codes) > 0 {
			q.Statements = append(slices.Clone(q.Statements), codeOptions(codes, lang)...)
			changed = true
		}
		return extendPoints(q, values...) || changed
	}
	return false
}

// extendOptions adds to a choice or ranking question the options counted
// (chosen, a breakdown group, or a place) that it lacks.
func extendOptions(q *Question, qt *QuestionTally, breakdown map[string]*Tally, lang string) bool {
	groups := map[string]int{}
	for g, gt := range breakdown {
		if g != NoGroup {
			groups[g] = gt.Responses
		}
	}
	places := map[string]int{}
	for o, ps := range qt.Places {
		for _, n := range ps {
			places[o] += n
		}
	}
	codes := tallyOnlyCodes(func(c string) bool { return q.Option(c) != nil }, qt.Options, groups, places)
	if len(codes) == 0 {
		return false
	}
	q.Options = append(slices.Clone(q.Options), codeOptions(codes, lang)...)
	return true
}

// extendPoints raises a scale's points (a matrix's) to the highest point
// counted in values, up to MaxPoints.
func extendPoints(q *Question, values ...map[string]int) bool {
	points := q.Points
	for _, m := range values {
		for v, n := range m {
			if p, err := strconv.Atoi(v); err == nil && n != 0 && p > points && p <= MaxPoints {
				points = p
			}
		}
	}
	if points == q.Points {
		return false
	}
	q.Points = points
	return true
}

// tallyOnlyCodes lists, sorted, the codes with a count in any of counts
// that are not known.
func tallyOnlyCodes(known func(string) bool, counts ...map[string]int) []string {
	var out []string
	for _, m := range counts {
		for code, n := range m {
			if n != 0 && !known(code) && !slices.Contains(out, code) {
				out = append(out, code)
			}
		}
	}
	sort.Strings(out)
	return out
}

// codeOptions are options for codes a definition lacks, labelled with
// the code itself in lang.
func codeOptions(codes []string, lang string) []Option {
	out := make([]Option, len(codes))
	for i, c := range codes {
		out[i] = Option{Code: c, Label: Text{lang: c}}
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

func (p *Protected) cell(key string, v int, sum int64) *sdcCell {
	c := p.cells[key]
	if c == nil {
		c = &sdcCell{value: v, key: sum & keyMask}
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

// buildScope creates the cells and equations of one group's tables: each
// cell's exact count from t, and its key from t.Keys, which has the same
// shape.
func (p *Protected) buildScope(sc string, t *Tally) {
	kt := t.Keys
	if kt == nil {
		kt = &Tally{}
	}
	n := sc + "|n"
	p.cell(n, t.Responses, int64(kt.Responses))
	if sc == "" {
		var days []string
		for d, c := range t.Days {
			p.cell("|day|"+d, c, int64(kt.Days[d]))
			days = append(days, "|day|"+d)
		}
		sort.Strings(days)
		p.part(n, days...)
	}
	for _, q := range p.def.Questions() {
		qt, qk := t.Questions[q.ID], kt.Questions[q.ID]
		if qt == nil {
			qt = &QuestionTally{}
		}
		if qk == nil {
			qk = &QuestionTally{}
		}
		k := func(what string) string { return sc + qkey(q.ID, what) }
		// c makes a cell of an exact count and the key sum beside it.
		c := func(what string, v, key int) { p.cell(k(what), v, int64(key)) }
		c("seen", qt.Seen, qk.Seen)
		c("hidden", t.Responses-qt.Seen, kt.Responses-qk.Seen)
		p.part(n, k("seen"), k("hidden"))
		c("answered", qt.Answered, qk.Answered)
		c("skipped", qt.Seen-qt.Answered, qk.Seen-qk.Answered)
		p.part(k("seen"), k("answered"), k("skipped"))
		switch q.Type {
		case SingleChoice, Ranking:
			var opts []string
			for _, o := range q.Options {
				c("opt:"+o.Code, qt.Options[o.Code], qk.Options[o.Code])
				opts = append(opts, k("opt:"+o.Code))
			}
			p.part(k("answered"), opts...)
		case MultipleChoice:
			for _, o := range q.Options {
				c("opt:"+o.Code, qt.Options[o.Code], qk.Options[o.Code])
				c("notopt:"+o.Code, qt.Answered-qt.Options[o.Code], qk.Answered-qk.Options[o.Code])
				p.part(k("answered"), k("opt:"+o.Code), k("notopt:"+o.Code))
			}
		case Scale, Number:
			var bins []string
			bs := binsOf(q)
			counts, keys := binned(bs, qt.Values, qk.Values)
			for i, b := range bs {
				c("bin:"+b.key, counts[i], keys[i])
				bins = append(bins, k("bin:"+b.key))
			}
			if q.Type == Scale && q.DontKnow {
				c("dk", qt.DontKnow, qk.DontKnow)
				bins = append(bins, k("dk"))
			}
			p.part(k("answered"), bins...)
		case Matrix:
			for _, s := range q.Statements {
				row, rowk := qt.Rows[s.Code], qk.Rows[s.Code]
				if row == nil {
					row = &QuestionTally{}
				}
				if rowk == nil {
					rowk = &QuestionTally{}
				}
				rk := func(what string) string { return k("row:" + s.Code + ":" + what) }
				rc := func(what string, v, key int) { p.cell(rk(what), v, int64(key)) }
				rc("answered", row.Answered, rowk.Answered)
				rc("skipped", qt.Seen-row.Answered, qk.Seen-rowk.Answered)
				p.part(k("seen"), rk("answered"), rk("skipped"))
				var bins []string
				bs := binsOf(q)
				counts, keys := binned(bs, row.Values, rowk.Values)
				for i, b := range bs {
					rc("bin:"+b.key, counts[i], keys[i])
					bins = append(bins, rk("bin:"+b.key))
				}
				if q.DontKnow {
					rc("dk", row.DontKnow, rowk.DontKnow)
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
		n := p.cells[scopeOf(dim, g)+"|n"].pub
		if n > 0 && n < p.k {
			p.hideGroup(scopeOf(dim, g))
			hiddenSum += n
		}
	}
	for hiddenSum > 0 && hiddenSum < p.k {
		best, bestN := "", math.MaxInt
		for _, g := range groups {
			sc := scopeOf(dim, g)
			if n := p.cells[sc+"|n"].pub; !p.hidden[sc] && n > 0 && n < bestN {
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
	everyone := p.cells["|n"] // published exactly, never suppressed
	for changed := true; changed; {
		changed = false
		for _, pt := range p.parts {
			if pt.total == nil {
				continue
			}
			var suppressed, sum, shown int
			for _, m := range pt.members {
				switch {
				case m.suppressed && m.pub > 0:
					// Suppressed zeros (below) are no unknowns that could
					// hide a small count: only non-zero parts count.
					suppressed++
					sum += m.pub
				case !m.suppressed:
					shown += m.pub
				}
			}
			if suppressed > 0 {
				// Zeros beside a suppressed part are suppressed too, so
				// that "suppressed" never means "not zero": otherwise an
				// exact total split into shown zeros and suppressed parts
				// would pin each of those to 1 when they number as many
				// as the total (found by the attacker test once it knew
				// that suppressed parts are not zero).
				for _, m := range pt.members {
					if !m.suppressed && m.pub == 0 {
						m.suppressed, changed = true, true
					}
				}
			}
			if pt.total == everyone {
				// What the suppressed parts add up to is public: the exact
				// total minus the parts shown. (Their perturbed sum may
				// fall below k when the total does not.)
				sum = everyone.value - shown
			}
			var unsafe bool
			if pt.total.suppressed {
				unsafe = suppressed == 0 && pt.total.pub > 0 // the sum of shown parts
			} else {
				unsafe = suppressed == 1 || (suppressed > 1 && sum < p.k)
			}
			if !unsafe {
				continue
			}
			if m := smallestShown(pt.members); m != nil {
				m.suppressed = true
			} else if !pt.total.suppressed && pt.total != everyone {
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
		if !c.suppressed && c.pub > 0 && (best == nil || c.pub < best.pub) {
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
	// values counts what the statistic is computed from (perturbed); ok
	// says whether it may be shown on its own.
	values := func(sc string, k statKey) (int, bool) {
		var n int
		var cells []string
		pre := sc + qkey(k.q.ID, "")
		switch {
		case k.q.Type == Ranking:
			n = p.cells[pre+"answered"].pub
			for _, o := range k.q.Options {
				cells = append(cells, pre+"opt:"+o.Code)
			}
		case k.row != "":
			for _, b := range binsOf(k.q) {
				cells = append(cells, pre+"row:"+k.row+":bin:"+b.key)
				n += p.cells[pre+"row:"+k.row+":bin:"+b.key].pub
			}
		default:
			for _, b := range binsOf(k.q) {
				cells = append(cells, pre+"bin:"+b.key)
				n += p.cells[pre+"bin:"+b.key].pub
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
	from, to float64 // inclusive, for counting
	lo, hi   float64 // as labelled
}

// binned counts values (value -> count) into bins, and their key sums
// (value -> key sum), parsing each value once: a number question's tally
// holds up to NumberLevels values, so this is the loop of a summary that
// does most steps.
func binned(bins []bin, values, keys map[string]int) (counts, keySums []int) {
	counts, keySums = make([]int, len(bins)), make([]int, len(bins))
	for v, c := range values {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			continue
		}
		for i, b := range bins { // disjoint bins: at most one holds f
			if f >= b.from && f <= b.to {
				counts[i] += c
				keySums[i] += keys[v]
				break
			}
		}
	}
	return counts, keySums
}

// binsOf lists a scale's points, or a number's bins: one per value when
// there are at most 10 whole values, else 5 equal ranges. The first and
// last ranges are open-ended when counting, so that every answer falls in
// a bin whatever the bounds of the revision it answered (and the bins add
// up to the answers). It takes a bounded number of steps whatever the
// bounds: a loop counting up from 1e17 by 1 would never end.
func binsOf(q *Question) []bin {
	out := binRanges(q)
	for i := range out {
		b := &out[i]
		switch {
		case q.Type == Scale || q.Type == Matrix:
			b.key = strconv.Itoa(i + 1)
		case b.lo == b.hi:
			b.key = NumberKey(b.lo)
		default:
			b.key = NumberKey(b.lo) + "-" + NumberKey(b.hi)
		}
	}
	return out
}

// numberRanges is how many equal ranges a number question's values are
// binned in when they are not few whole numbers.
const numberRanges = 5

// numberRange is the i-th of numberRanges equal ranges from lo to hi,
// inclusive (whole numbers for an integer question).
func numberRange(lo, hi float64, integer bool, i int) (from, to float64) {
	width := (hi - lo) / numberRanges
	from, to = lo+float64(i)*width, lo+float64(i+1)*width
	if integer {
		from, to = math.Ceil(from), math.Ceil(to)-1
		if i == numberRanges-1 {
			to = hi
		}
	} else if i < numberRanges-1 {
		to = math.Nextafter(to, math.Inf(-1))
	}
	return from, to
}

// binRanges are the bins of binsOf without their keys: from and to for
// counting, lo and hi as labelled (the outer bins count beyond them).
func binRanges(q *Question) []bin {
	if q.Type == Scale || q.Type == Matrix {
		out := make([]bin, max(0, min(q.Points, MaxPoints)))
		for i := range out {
			v := float64(i + 1)
			out[i] = bin{from: v, to: v, lo: v, hi: v}
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
	if math.IsNaN(lo) || math.IsInf(lo, 0) || math.IsNaN(hi) || math.IsInf(hi, 0) || hi < lo {
		lo, hi = 0, 100
	}
	var out []bin
	if whole := math.Floor(hi) - math.Ceil(lo); q.Integer && whole < 10 && lo+1 != lo {
		// Integers: lo+1 differs from lo (below 2^53), so the steps are exact.
		for i := 0; i <= int(whole); i++ {
			v := math.Ceil(lo) + float64(i)
			out = append(out, bin{from: v, to: v, lo: v, hi: v})
		}
	} else {
		for i := range numberRanges {
			from, to := numberRange(lo, hi, q.Integer, i)
			out = append(out, bin{from: from, to: to, lo: from, hi: to})
		}
	}
	if len(out) > 0 {
		out[0].from = math.Inf(-1)
		out[len(out)-1].to = math.Inf(1)
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
	// MedianCILow ... Q3CIHigh are the distribution-free confidence
	// intervals of the median and the quartiles at the Results' Level
	// (QuantileInterval: two order statistics of the distribution the
	// statistics are computed from); none where the values are too few
	// for the level or a limit would be one of the k smallest or largest.
	MedianCILow  *float64 `json:"median_ci_low,omitempty"`
	MedianCIHigh *float64 `json:"median_ci_high,omitempty"`
	Q1CILow      *float64 `json:"q1_ci_low,omitempty"`
	Q1CIHigh     *float64 `json:"q1_ci_high,omitempty"`
	Q3CILow      *float64 `json:"q3_ci_low,omitempty"`
	Q3CIHigh     *float64 `json:"q3_ci_high,omitempty"`
	// dist is the sorted distribution (perturbed in a release) of n
	// values the statistics are of, read only: copies share it; edge and
	// level are those of the intervals (setQuantileIntervals).
	dist        []statValue
	n           int
	edge, level int
}

// statsOf computes exact statistics of a value histogram (value -> count).
// Quartiles use the midpoint of the two middle values (Tukey's hinges are
// not used; it is the median of each half, inclusive method).
func statsOf(values map[string]int, adjust func(value string, count int) int) *Stats {
	type vc = statValue
	list := make([]vc, 0, len(values))
	n := 0
	for s, c := range values {
		if adjust != nil {
			c = adjust(s, c)
		}
		if c <= 0 {
			continue
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
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
	r := func(f float64) float64 { return finiteOr0(round(f, 2)) }
	return &Stats{Mean: r(mean), Median: r(quantile(0.5)), Q1: r(quantile(0.25)), Q3: r(quantile(0.75)), SD: r(sd), dist: list, n: n}
}

// statsWithIntervals is statsOf with the quantiles' intervals at level,
// no limit among the edge smallest or largest values.
func statsWithIntervals(values map[string]int, adjust func(value string, count int) int, level, edge int) *Stats {
	st := statsOf(values, adjust)
	if st != nil {
		st.edge, st.level = edge, level
		st.setQuantileIntervals(level)
	}
	return st
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
	if r := math.Round(f*p) / p; !math.IsInf(r, 0) && !math.IsNaN(r) {
		return r
	}
	return f // too large to round to places: already whole
}
