package surveys_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

// downloads is everything an analyst can download of one release: the
// overall tables and every breakdown.
func downloads(def *surveys.Definition, p *surveys.Protected) []surveys.Results {
	out := []surveys.Results{p.Results("en", "", "not answered")}
	for _, q := range def.Questions() {
		if q.Breakdown {
			out = append(out, p.Results("en", q.ID, "not answered"))
		}
	}
	return out
}

// interval is what an attacker knows about one number.
type interval struct {
	lo, hi     float64
	suppressed bool
}

// attacker knows every published number and the structure of the tables
// (totals are sums of their parts), and narrows the suppressed numbers
// down by interval propagation over all the equations of all downloads.
type attacker struct {
	// dev is how far a published count may be from the exact one (0: the
	// numbers are taken as exact); release prefixes every key, so that
	// several releases can be attacked together.
	dev     float64
	release string
	vars    map[string]*interval
	eqs     [][]string // eq[0] = sum of eq[1:]
	le      [][2]string
	// weighted: the sum of weight*count over terms lies in [lo, hi] (a
	// published mean times its count)
	weighted []weightedEq
	// level of the intervals of the results being learnt; inverted caches
	// what each published interval tells (invertInterval).
	level    int
	inverted map[[4]float64][3]int
}

type weightedEq struct {
	terms  []string
	values []float64
	mean   float64 // published, rounded to 2 decimals
}

// learnMean adds the equation a published mean gives: the sum of each
// value times its count, divided by the number of values, is the mean
// (rounded to 2 decimals).
func (a *attacker) learnMean(bins []surveys.LabelledCount, keyOf func(string) string, st *surveys.Stats) {
	if st == nil || a.dev > 0 {
		// Perturbed: the mean is computed from the published counts, so
		// it says nothing more about the exact ones.
		return
	}
	w := weightedEq{mean: st.Mean}
	for _, b := range bins {
		v, err := strconv.ParseFloat(b.Code, 64)
		if err != nil {
			return // a range of a number question: its values are not known
		}
		w.terms = append(w.terms, keyOf(b.Code))
		w.values = append(w.values, v)
	}
	a.weighted = append(a.weighted, w)
}

func (a *attacker) v(key string, c surveys.Count) {
	key = a.release + key
	if c.CILow != nil && a.fromInterval(key, c) {
		return
	}
	if c.Suppressed {
		// A suppressed count may be 0: the zeros beside a suppressed part
		// are suppressed too.
		if a.vars[key] == nil {
			a.vars[key] = &interval{0, math.Inf(1), true}
		}
		return
	}
	dev := a.dev
	if key == a.release+"N" {
		dev = 0 // the number of responses in a release is exact
	}
	lo, hi := math.Max(0, float64(*c.N)-dev), float64(*c.N)+dev
	if x := a.vars[key]; x != nil && !x.suppressed {
		// The same cell in another download: the same published value.
		lo, hi = math.Max(lo, x.lo), math.Min(hi, x.hi)
	}
	a.vars[key] = &interval{lo, hi, false}
}

// keys prefixes every key of a list with the release being learnt.
func (a *attacker) keys(ks ...string) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = a.release + k
	}
	return out
}

// fromInterval narrows the count key down with what its published
// interval alone tells (the counts of any base up to the release's size
// whose interval is the one shown): the published count lies in that
// range, the exact one within dev of it. Were an interval published
// beside a suppressed count, this is where the attacker would find it;
// it reports whether it learnt the count that way.
func (a *attacker) fromInterval(key string, c surveys.Count) bool {
	total := a.vars[a.release+"N"]
	if total == nil {
		return false
	}
	q := [4]float64{*c.CILow, *c.CIHigh, float64(a.level), total.hi}
	res, ok := a.inverted[q]
	if !ok {
		xmin, xmax, found := invertInterval(c, a.level, int(total.hi))
		res = [3]int{xmin, xmax, 0}
		if found {
			res[2] = 1
		}
		if a.inverted == nil {
			a.inverted = map[[4]float64][3]int{}
		}
		a.inverted[q] = res
	}
	if res[2] == 0 {
		return false
	}
	lo, hi := math.Max(0, float64(res[0])-a.dev), float64(res[1])+a.dev
	if x := a.vars[key]; x != nil && !x.suppressed {
		lo, hi = math.Max(lo, x.lo), math.Min(hi, x.hi)
	}
	if c.N != nil && !c.Suppressed {
		// The published count itself says at least as much.
		lo, hi = math.Max(lo, float64(*c.N)-a.dev), math.Min(hi, float64(*c.N)+a.dev)
	}
	a.vars[key] = &interval{lo, hi, false}
	return true
}

func (a *attacker) learn(r surveys.Results) {
	if r.Withheld {
		return
	}
	a.level = r.Level
	a.v("N", *r.N)
	days := []string{"N"}
	for _, d := range r.Days {
		a.v("day:"+d.Day, d.Count)
		days = append(days, "day:"+d.Day)
	}
	a.eqs = append(a.eqs, a.keys(days...))
	groupNs := []string{"N"}
	for _, g := range r.Groups {
		sc := "all"
		if g.Code != "" {
			sc = r.By + "=" + g.Code
			groupNs = append(groupNs, sc+"|n")
		}
		if g.Hidden {
			a.v(sc+"|n", surveys.Count{Suppressed: true})
			continue
		}
		a.v(sc+"|n", *g.N)
		if g.Code == "" {
			a.eqs = append(a.eqs, a.keys("N", "all|n"))
		}
		for _, q := range g.Questions {
			k := func(s string) string { return sc + "|" + q.ID + "|" + s }
			a.v(k("seen"), q.Seen)
			a.v(k("answered"), q.Answered)
			a.v(k("skipped"), q.Skipped)
			a.eqs = append(a.eqs, a.keys(k("seen"), k("answered"), k("skipped")))
			a.le = append(a.le, [2]string(a.keys(k("seen"), sc+"|n")))
			parts := []string{k("answered")}
			for _, o := range q.Options {
				a.v(k("opt:"+o.Code), o.Count)
				parts = append(parts, k("opt:"+o.Code))
				a.le = append(a.le, [2]string(a.keys(k("opt:"+o.Code), k("answered"))))
			}
			for _, b := range q.Bins {
				a.v(k("bin:"+b.Code), b.Count)
				parts = append(parts, k("bin:"+b.Code))
			}
			a.learnMean(q.Bins, func(code string) string { return k("bin:" + code) }, q.Stats)
			if q.DontKnow != nil {
				a.v(k("dk"), *q.DontKnow)
				parts = append(parts, k("dk"))
			}
			if q.Type != surveys.MultipleChoice && len(parts) > 1 {
				a.eqs = append(a.eqs, a.keys(parts...))
			}
			for _, s := range q.Statements {
				rk := func(x string) string { return k("row:" + s.Code + ":" + x) }
				a.v(rk("answered"), s.Answered)
				a.le = append(a.le, [2]string(a.keys(rk("answered"), k("seen"))))
				rparts := []string{rk("answered")}
				for _, b := range s.Bins {
					a.v(rk("bin:"+b.Code), b.Count)
					rparts = append(rparts, rk("bin:"+b.Code))
				}
				if s.DontKnow != nil {
					a.v(rk("dk"), *s.DontKnow)
					rparts = append(rparts, rk("dk"))
				}
				a.learnMean(s.Bins, func(code string) string { return rk("bin:" + code) }, s.Stats)
				a.eqs = append(a.eqs, a.keys(rparts...))
			}
		}
	}
	if r.By != "" {
		a.eqs = append(a.eqs, a.keys(groupNs...))
		// Each overall number is the sum of the groups' numbers.
		prefix := a.release + "all|"
		for key := range a.vars {
			if strings.HasPrefix(key, prefix) && key != prefix+"n" {
				eq := []string{key}
				for _, g := range r.Groups {
					if g.Code != "" {
						eq = append(eq, a.release+r.By+"="+g.Code+key[len(prefix)-1:])
					}
				}
				a.eqs = append(a.eqs, eq)
			}
		}
	}
}

func (a *attacker) get(key string) *interval {
	if a.vars[key] == nil {
		a.vars[key] = &interval{0, math.Inf(1), true} // in a hidden group
	}
	return a.vars[key]
}

// solve propagates bounds until nothing changes; it returns the suppressed
// numbers it pinned down to one small value (0 < v < k): a count that the
// rules hide. (Pinning a zero, say every group's "skipped" when nobody at
// all skipped, reveals nothing about anyone.)
func (a *attacker) solve(k int) []string {
	for changed, rounds := true, 0; changed && rounds < 200; rounds++ {
		changed = false
		tighten := func(x *interval, lo, hi float64) {
			if lo > x.lo+1e-9 {
				x.lo, changed = lo, true
			}
			if hi < x.hi-1e-9 {
				x.hi, changed = hi, true
			}
		}
		for _, eq := range a.eqs {
			total := a.get(eq[0])
			var sumLo, sumHi float64
			for _, m := range eq[1:] {
				sumLo += a.get(m).lo
				sumHi += a.get(m).hi
			}
			tighten(total, sumLo, sumHi)
			for _, m := range eq[1:] {
				x := a.get(m)
				tighten(x, total.lo-(sumHi-x.hi), total.hi-(sumLo-x.lo))
			}
		}
		for _, le := range a.le {
			tighten(a.get(le[0]), 0, a.get(le[1]).hi)
			tighten(a.get(le[1]), a.get(le[0]).lo, math.Inf(1))
		}
	}
	a.enumerate()
	var found []string
	for key, x := range a.vars {
		if x.suppressed && x.hi-x.lo < 0.5 && x.lo > 0.5 && x.lo < float64(k) {
			found = append(found, fmt.Sprintf("%s = %v", key, x.lo))
		}
	}
	return found
}

// enumerate solves each table that has a published mean exactly: it tries
// every combination of the table's suppressed counts within their bounds
// that fits both the table's total and the mean, and pins a count that is
// the same in every combination.
func (a *attacker) enumerate() {
	for _, w := range a.weighted {
		// The table's sum equation: the one whose parts include every term.
		var sum []string
		for _, eq := range a.eqs {
			ok := true
			for _, t := range w.terms {
				ok = ok && slices.Contains(eq[1:], t)
			}
			if ok {
				sum = eq
				break
			}
		}
		if sum == nil {
			continue
		}
		var unknown []string
		for _, m := range sum {
			if x := a.get(m); x.hi-x.lo >= 0.5 {
				unknown = append(unknown, m)
			}
		}
		combos := 1.0
		for _, u := range unknown {
			combos *= a.get(u).hi - a.get(u).lo + 1
		}
		if len(unknown) == 0 || combos > 2e5 || math.IsInf(combos, 0) {
			continue
		}
		seen := make([]map[int]bool, len(unknown))
		for i := range seen {
			seen[i] = map[int]bool{}
		}
		vals := make([]int, len(unknown))
		value := func(key string) float64 {
			for i, u := range unknown {
				if u == key {
					return float64(vals[i])
				}
			}
			return a.get(key).lo
		}
		var try func(i int)
		try = func(i int) {
			if i == len(unknown) {
				total := value(sum[0])
				parts := 0.0
				for _, m := range sum[1:] {
					parts += value(m)
				}
				if total != parts {
					return
				}
				ws, n := 0.0, 0.0
				for j, t := range w.terms {
					ws += w.values[j] * value(t)
					n += value(t)
				}
				if n == 0 || math.Abs(ws/n-w.mean) > 0.005+1e-9 {
					return
				}
				for j := range unknown {
					seen[j][vals[j]] = true
				}
				return
			}
			x := a.get(unknown[i])
			for v := int(x.lo); v <= int(x.hi); v++ {
				vals[i] = v
				try(i + 1)
			}
		}
		try(0)
		for j, u := range unknown {
			if len(seen[j]) == 1 {
				for v := range seen[j] {
					a.get(u).lo, a.get(u).hi = float64(v), float64(v)
				}
			}
		}
	}
}

// attackerFor is an attacker who knows how far published counts may be
// from the exact ones.
func attackerFor() *attacker {
	return &attacker{vars: map[string]*interval{}, dev: float64(surveys.PerturbationParameters().MaxDeviation)}
}

func checkRelease(t *testing.T, def *surveys.Definition, responses []*surveys.Response, k int) []surveys.Results {
	t.Helper()
	tally := surveys.NewTally()
	for _, r := range responses {
		tally.Add(def, r)
	}
	p := surveys.Disclose(def, tally, k)
	all := downloads(def, p)
	a := attackerFor()
	for _, r := range all {
		if len(responses) < k != r.Withheld {
			t.Fatalf("%d responses, k %d: withheld %v", len(responses), k, r.Withheld)
		}
		a.learn(r)
		forEachCount(r, func(where string, c surveys.Count) {
			if !c.Suppressed && *c.N > 0 && *c.N < k {
				t.Errorf("%s: a count of %d is shown (k=%d)", where, *c.N, k)
			}
		})
		for _, g := range r.Groups {
			if !g.Hidden && g.N != nil && g.N.N != nil && *g.N.N > 0 && *g.N.N < k {
				t.Errorf("group %s of %d shown", g.Code, *g.N.N)
			}
		}
	}
	if found := a.solve(k); len(found) > 0 {
		t.Errorf("%d responses, k=%d: the attacker recovered %d suppressed numbers, e.g. %v", len(responses), k, len(found), found[:min(5, len(found))])
	}
	return all
}

func forEachCount(r surveys.Results, fn func(string, surveys.Count)) {
	for _, d := range r.Days {
		fn("day "+d.Day, d.Count)
	}
	for _, g := range r.Groups {
		for _, q := range g.Questions {
			w := g.Code + "/" + q.ID
			fn(w+" seen", q.Seen)
			fn(w+" answered", q.Answered)
			fn(w+" skipped", q.Skipped)
			for _, o := range q.Options {
				fn(w+" "+o.Code, o.Count)
			}
			for _, b := range q.Bins {
				fn(w+" "+b.Code, b.Count)
			}
			for _, s := range q.Statements {
				fn(w+" "+s.Code, s.Answered)
				for _, b := range s.Bins {
					fn(w+" "+s.Code+" "+b.Code, b.Count)
				}
			}
		}
	}
}

// TestAttackerRecoversNothing takes everything an analyst can download,
// for many survey sizes (small ones are the dangerous ones), and tries to
// recover any suppressed number: with perturbation (counts known to within
// MaxDeviation), and without it, where suppression alone must hold on
// one release.
func TestAttackerRecoversNothing(t *testing.T) {
	propertyTest(t)
	for _, perturbed := range []bool{true, false} {
		restore := surveys.SetPerturbation(perturbed)
		for _, name := range []string{"safety-online-offline.json", "youth-policy-consultation.json"} {
			def := loadExample(t, name)
			for _, n := range []int{4, 9, 10, 13, 25, 40, 77, 150, 400} {
				for _, k := range []int{5, 10} {
					t.Run(fmt.Sprintf("perturbed=%v/%s/n=%d/k=%d", perturbed, name, n, k), func(t *testing.T) {
						checkRelease(t, def, randomResponses(t, def, n, uint64(n*k)), k)
					})
				}
			}
		}
		restore()
	}
}

// copyTally is a deep copy, as a release is stored.
func copyTally(t *surveys.Tally) *surveys.Tally {
	b, _ := json.Marshal(t)
	out := surveys.NewTally()
	_ = json.Unmarshal(b, out)
	return out
}

// attackReleases gives the attacker every download of several releases
// together, with what it knows of how they relate: each count of a later
// release is at least the same count of an earlier one (responses are
// only ever added). It returns what the attacker recovered: a suppressed
// count pinned to 1..k-1, or the difference of a count between two
// releases pinned to 1..k-1 (what the newcomers between them answered).
func attackReleases(def *surveys.Definition, releases []*surveys.Tally, k int) []string {
	a := attackerFor()
	for i, rel := range releases {
		a.release = fmt.Sprintf("r%d:", i)
		for _, r := range downloads(def, surveys.Disclose(def, rel, k)) {
			a.learn(r)
		}
	}
	// Monotony: r(i):x <= r(i+1):x for every count learnt in both.
	for i := 0; i+1 < len(releases); i++ {
		pre, next := fmt.Sprintf("r%d:", i), fmt.Sprintf("r%d:", i+1)
		for key := range a.vars {
			if rest, ok := strings.CutPrefix(key, pre); ok {
				if _, ok := a.vars[next+rest]; ok {
					a.le = append(a.le, [2]string{key, next + rest})
				}
			}
		}
	}
	found := a.solve(k)
	for i := 0; i+1 < len(releases); i++ {
		pre, next := fmt.Sprintf("r%d:", i), fmt.Sprintf("r%d:", i+1)
		for key, x := range a.vars {
			rest, ok := strings.CutPrefix(key, pre)
			y := a.vars[next+rest]
			if !ok || y == nil || rest == "N" {
				continue
			}
			if x.hi-x.lo < 0.5 && y.hi-y.lo < 0.5 {
				if d := y.lo - x.lo; d > 0.5 && d < float64(k) {
					found = append(found, fmt.Sprintf("%s grew by exactly %v", rest, d))
				}
			}
		}
	}
	sort.Strings(found)
	return found
}

// Releases advance every k responses (the release never trails the
// collected responses by k or more), and no combination of the downloads
// of consecutive releases tells what the newcomers between them answered.
// Without perturbation, the same attack finds exactly that: the test
// checks it does, so that it keeps failing if the protection is switched
// off.
func TestReleasesCannotBeDifferenced(t *testing.T) {
	propertyTest(t)
	const k = 10
	for _, name := range []string{"safety-online-offline.json", "youth-policy-consultation.json"} {
		def := loadExample(t, name)
		responses := randomResponses(t, def, 300, 5)
		released := surveys.NewTally()
		live := surveys.NewTally()
		var releases []*surveys.Tally
		for _, r := range responses {
			live.Add(def, r)
			if surveys.NextRelease(released, live, k) {
				released = copyTally(live)
				releases = append(releases, released)
			}
			if trail := live.Responses - released.Responses; trail >= k {
				t.Fatalf("%s: the release trails the %d collected responses by %d", name, live.Responses, trail)
			}
		}
		t.Logf("%s: %d releases in %d responses, the last at %d", name, len(releases), len(responses), released.Responses)
		for i := 0; i+1 < min(len(releases), 8); i++ {
			pair := releases[i : i+2]
			if found := attackReleases(def, pair, k); len(found) > 0 {
				t.Errorf("%s: releases at %d and %d: the attacker recovered %v", name, pair[0].Responses, pair[1].Responses, found[:min(5, len(found))])
			}
		}
		restore := surveys.SetPerturbation(false)
		recovered := 0
		for i := 0; i+1 < min(len(releases), 8); i++ {
			recovered += len(attackReleases(def, releases[i:i+2], k))
		}
		restore()
		if recovered == 0 {
			t.Errorf("%s: without perturbation the attacker recovered nothing from consecutive releases: the test would not notice the protection gone", name)
		}
	}
	if surveys.NextRelease(&surveys.Tally{Responses: 110}, &surveys.Tally{Responses: 115}, 10) {
		t.Fatal("a release of 5 more")
	}
}
