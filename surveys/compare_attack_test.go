package surveys_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/surveys"
)

// The attacker of disclose_test.go, given comparisons too: everything an
// analyst can download of two waves (every breakdown of both releases at
// every level) and their comparisons at every level, overall and by each
// breakdown question's groups. Each side of each
// row is learnt as a count and its base, and each difference interval is
// inverted to every count of the previous wave that gives it beside the
// current wave's published count: the attacker recovers no suppressed
// count of either release. Built from an unprotected tally instead, the
// same comparison gives suppressed counts away, and the attacker finds
// them: the test would notice a comparison that used more than the
// release publishes.

// cellKey is the attacker's key of a row's count and of its base in
// release prefix pre and scope sc ("all", or "by=code" for a group).
func cellKey(pre, sc string, qc surveys.QuestionComparison, r surveys.CompareRow) (count, base string) {
	k := pre + sc + "|" + qc.ID + "|"
	code := r.Code
	stmt, rest, isRow := strings.Cut(code, ":")
	if isRow {
		k += "row:" + stmt + ":"
		code = rest
	}
	base = k + "answered"
	if !isRow {
		base = pre + sc + "|" + qc.ID + "|answered"
	}
	switch {
	case code == surveys.CompareCodeDontKnow:
		return k + "dk", base
	case qc.Type == surveys.SingleChoice || qc.Type == surveys.MultipleChoice || qc.Type == surveys.Ranking:
		return k + "opt:" + code, base
	}
	return k + "bin:" + code, base
}

// narrow tells the attacker that the count key lies in [lo, hi] (a
// published count is within dev of the exact one).
func (a *attacker) narrow(key string, lo, hi float64) {
	lo, hi = math.Max(0, lo-a.dev), hi+a.dev
	if x := a.vars[key]; x != nil && !x.suppressed {
		lo, hi = math.Max(lo, x.lo), math.Min(hi, x.hi)
	}
	a.vars[key] = &interval{lo, hi, false}
}

// learnComparison adds what a comparison shows, of everyone and of each
// group; it returns how many difference intervals it inverted.
func (a *attacker) learnComparison(c *surveys.Comparison) int {
	inverted := a.learnQuestions("all", c.Questions, c.Level)
	for _, g := range c.Groups {
		sc := c.By + "=" + g.Code
		for i, n := range []*int{g.CurrentN, g.PreviousN} {
			if n != nil {
				a.narrow(fmt.Sprintf("r%d:", i)+sc+"|n", float64(*n), float64(*n))
			}
		}
		inverted += a.learnQuestions(sc, g.Questions, c.Level)
	}
	return inverted
}

// learnQuestions adds what the rows of one scope's questions show.
func (a *attacker) learnQuestions(sc string, qs []surveys.QuestionComparison, level int) int {
	inverted := 0
	for _, qc := range qs {
		for _, r := range qc.Rows {
			if r.Kind != surveys.CompareRowProportion {
				continue // a mean is computed from the perturbed counts: it says nothing more of the exact ones
			}
			for i, e := range []surveys.Estimate{r.Current, r.Previous} {
				if e.Suppressed {
					continue
				}
				ck, bk := cellKey(fmt.Sprintf("r%d:", i), sc, qc, r)
				a.narrow(ck, float64(*e.N), float64(*e.N))
				a.narrow(bk, float64(*e.Base), float64(*e.Base))
			}
			d := r.Difference
			if d == nil || d.CILow == nil || r.Current.Suppressed || r.Previous.Suppressed {
				continue
			}
			// Every previous count out of the published base whose
			// difference from the current one shows as published.
			n := *r.Previous.Base
			xmin, xmax := n+1, -1
			for x := 0; x <= n; x++ {
				dd, lo, hi, ok := surveys.Newcombe(*r.Current.N, *r.Current.Base, x, n, level)
				if ok && math.Round(1000*dd)/10 == d.Value && math.Round(1000*lo)/10 == *d.CILow && math.Round(1000*hi)/10 == *d.CIHigh {
					xmin, xmax = min(xmin, x), max(xmax, x)
				}
			}
			if xmin <= xmax {
				ck, _ := cellKey("r1:", sc, qc, r)
				a.narrow(ck, float64(xmin), float64(xmax))
				inverted++
			}
		}
	}
	return inverted
}

// attackComparison gives the attacker both releases' downloads and the
// comparisons at every level, overall and by each breakdown; prevShown
// is the previous wave as the comparison by "by" ("": overall) is built
// from (the release, or in the controls an unprotected tally).
func attackComparison(t *testing.T, def *surveys.Definition, cur, prev *surveys.Protected, prevShown func(by string) *surveys.Protected, k int) (found []string, inverted int) {
	t.Helper()
	a := attackerFor()
	for i, p := range []*surveys.Protected{cur, prev} {
		a.release = fmt.Sprintf("r%d:", i)
		for _, level := range surveys.Levels() {
			for _, r := range downloads(def, p) {
				r.SetLevel(level)
				a.learn(r)
			}
		}
	}
	a.release = ""
	for _, by := range append([]string{""}, dims(def)...) {
		for _, level := range surveys.Levels() {
			c, err := surveys.CompareBy(surveys.Wave{Survey: "cur", Results: cur.Results("en", by, "-")},
				surveys.Wave{Survey: "prev", Results: prevShown(by).Results("en", by, "-")}, by, level)
			if err != nil {
				t.Fatal(err)
			}
			inverted += a.learnComparison(c)
		}
	}
	return a.solve(k), inverted
}

func TestCompareAttacker(t *testing.T) {
	propertyTest(t)
	const k = 10
	for _, perturbed := range []bool{true, false} {
		restore := surveys.SetPerturbation(perturbed)
		total := 0
		for _, name := range []string{"safety-online-offline.json", "youth-policy-consultation.json"} {
			def := loadExample(t, name)
			for _, sizes := range [][2]int{{37, 48}, {120, 25}, {13, 400}, {200, 160}} {
				t.Run(fmt.Sprintf("perturbed=%v/%s/%d-vs-%d", perturbed, name, sizes[0], sizes[1]), func(t *testing.T) {
					cur := surveys.Disclose(def, tallyResponses(def, randomResponses(t, def, sizes[0], uint64(sizes[0]))), k)
					prev := surveys.Disclose(def, tallyResponses(def, randomResponses(t, def, sizes[1], uint64(sizes[1]+1))), k)
					found, inverted := attackComparison(t, def, cur, prev, func(string) *surveys.Protected { return prev }, k)
					// A small wave of a survey with many breakdowns may
					// publish no count that the other also does.
					t.Logf("%d difference intervals inverted", inverted)
					total += inverted
					if len(found) > 0 {
						t.Errorf("with the comparisons the attacker recovered %d suppressed numbers, e.g. %v", len(found), found[:min(5, len(found))])
					}
				})
			}
		}
		restore()
		if total < 50 {
			t.Errorf("perturbed=%v: only %d difference intervals inverted", perturbed, total)
		}
	}
	// The controls: the previous wave compared from its exact tally (what
	// the comparison must never use), in every comparison or only in the
	// comparisons by group, gives suppressed counts away.
	restore := surveys.SetPerturbation(false)
	defer restore()
	def := loadExample(t, "safety-online-offline.json")
	prevTally := tallyResponses(def, randomResponses(t, def, 48, 49))
	cur := surveys.Disclose(def, tallyResponses(def, randomResponses(t, def, 120, 37)), k)
	released, exact := surveys.Disclose(def, prevTally, k), surveys.Exact(def, prevTally)
	found, _ := attackComparison(t, def, cur, released, func(string) *surveys.Protected { return exact }, k)
	if len(found) == 0 {
		t.Error("a comparison built from the exact tally gave nothing away: the attack would not notice a leak")
	}
	groupsOnly := func(by string) *surveys.Protected {
		if by == "" {
			return released
		}
		return exact
	}
	if found, _ := attackComparison(t, def, cur, released, groupsOnly, k); len(found) == 0 {
		t.Error("comparisons by group built from the exact tally gave nothing away: the attack would not notice a leak in the groups")
	} else {
		t.Logf("groups from the exact tally: %d suppressed numbers recovered, e.g. %v", len(found), found[:min(3, len(found))])
	}
}
