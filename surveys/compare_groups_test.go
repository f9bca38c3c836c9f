package surveys_test

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/surveys"
)

// waveBy is a release of def from responses broken down by by.
func waveBy(def *surveys.Definition, id, by string, responses []*surveys.Response, k int) surveys.Wave {
	p := surveys.Disclose(def, tallyResponses(def, responses), k)
	return surveys.Wave{Survey: id, Title: id, Revision: 1, Day: "2026-11-03", Results: p.Results("en", by, "not answered")}
}

// TestCompareByGroup compares two releases group by group for every
// breakdown question of the example consultation at every level: the
// comparison of everyone is the one without groups; each group of this
// wave is beside the same group of the other, in the release's order
// with its label and published respondents; a group either release
// hides is listed with why and nothing else; every row of a group is the
// two releases' published numbers of that group with their intervals,
// and a difference exists exactly where both are published, Newcombe's
// or Welch's from them, flagged exactly when its interval excludes 0.
func TestCompareByGroup(t *testing.T) {
	racetest.SkipSingleFlow(t)
	const k = 10
	def := loadExample(t, "youth-policy-consultation.json")
	var rows, shown, hidden, suppressed, groups int
	// Large waves publish most numbers of their groups; small ones hide
	// groups and suppress many counts.
	for _, wv := range [][2]int{{900, 700}, {420, 90}} {
		compareByGroupWaves(t, def, wv, k, func(r, s, h, sup, g int) {
			rows, shown, hidden, suppressed, groups = rows+r, shown+s, hidden+h, suppressed+sup, groups+g
		})
	}
	t.Logf("%d groups (%d hidden), %d rows, %d differences, %d beside a number not published", groups, hidden, rows, shown, suppressed)
	if hidden == 0 || suppressed == 0 || shown < 1000 {
		t.Errorf("%d hidden groups, %d rows with a number not published, %d differences: the test needs all", hidden, suppressed, shown)
	}
}

// compareByGroupWaves runs TestCompareByGroup's checks on two waves of
// sizes n (the current one shifted) and reports what it saw.
func compareByGroupWaves(t *testing.T, def *surveys.Definition, n [2]int, k int, seen func(rows, shown, hidden, suppressed, groups int)) {
	t.Helper()
	var rows, shown, hidden, suppressed, groups int
	defer func() { seen(rows, shown, hidden, suppressed, groups) }()
	curResponses := shifted(randomResponses(t, def, n[0], uint64(n[0])))
	prevResponses := randomResponses(t, def, n[1], uint64(n[1]))
	for _, by := range dims(def) {
		cur := waveBy(def, "this-year", by, curResponses, k)
		prev := waveBy(def, "last-year", by, prevResponses, k)
		for _, level := range surveys.Levels() {
			c, err := surveys.CompareBy(cur, prev, by, level)
			if err != nil {
				t.Fatal(err)
			}
			overall, err := surveys.Compare(cur, prev, level)
			if err != nil {
				t.Fatal(err)
			}
			if c.By != by || c.ByText != def.Question(by).Text.In("en", def.DefaultLanguage) || len(c.Groups) != len(cur.Results.Groups)-1 ||
				c.Compared != overall.Compared || len(c.Questions) != len(overall.Questions) || len(overall.Groups) != 0 {
				t.Fatalf("%s: by %q (%q), %d groups, %d compared; without groups %d", by, c.By, c.ByText, len(c.Groups), c.Compared, overall.Compared)
			}
			for gi, g := range c.Groups {
				cg := cur.Results.Groups[gi+1]
				pi := -1
				for i, x := range prev.Results.Groups {
					if x.Code == g.Code {
						pi = i
					}
				}
				pg := prev.Results.Groups[pi]
				where := fmt.Sprintf("%s=%s at %d", by, g.Code, level)
				if g.Code != cg.Code || g.Label != cg.Label || pi < 1 {
					t.Fatalf("%s: group %q %q, the release's %q %q", where, g.Code, g.Label, cg.Code, cg.Label)
				}
				want := ""
				switch {
				case cg.Hidden && pg.Hidden:
					want = surveys.GroupHiddenInBoth
				case cg.Hidden:
					want = surveys.GroupHiddenInCurrent
				case pg.Hidden:
					want = surveys.GroupHiddenInPrevious
				}
				if g.NotCompared != want || (cg.Hidden != (g.CurrentN == nil)) || (pg.Hidden != (g.PreviousN == nil)) {
					t.Errorf("%s: not compared %q (want %q), respondents %v %v", where, g.NotCompared, want, g.CurrentN, g.PreviousN)
				}
				if g.CurrentN != nil && *g.CurrentN != *cg.N.N || g.PreviousN != nil && *g.PreviousN != *pg.N.N {
					t.Errorf("%s: respondents %d, %d; the releases %d, %d", where, *g.CurrentN, *g.PreviousN, *cg.N.N, *pg.N.N)
				}
				groups++
				if want != "" {
					hidden++
					if len(g.Questions) != 0 || g.Compared != 0 {
						t.Errorf("%s: a hidden group with %d questions", where, len(g.Questions))
					}
					continue
				}
				if len(g.Questions) != len(c.Questions) {
					t.Errorf("%s: %d questions, %d compared overall", where, len(g.Questions), len(c.Questions))
				}
				r, s, f := checkRows(t, level, g.Questions, cur.Results, gi+1, prev.Results, pi)
				rows, shown = rows+r, shown+s
				if g.Compared != s || g.Significant != f {
					t.Errorf("%s: counted %d compared, %d significant; the rows have %d, %d", where, g.Compared, g.Significant, s, f)
				}
				for _, q := range g.Questions {
					for _, row := range q.Rows {
						if row.Current.Suppressed || row.Previous.Suppressed {
							suppressed++
						}
					}
				}
			}
		}
	}
}

// A breakdown the waves cannot be compared by is a problem at /by: a
// release not broken down by it, or groups of other codes.
func TestCompareByErrors(t *testing.T) {
	const k = 10
	def := loadExample(t, "youth-policy-consultation.json")
	by := dims(def)[0]
	cur := waveBy(def, "a", by, randomResponses(t, def, 60, 1), k)
	prev := waveBy(def, "b", by, randomResponses(t, def, 60, 2), k)
	plain := waveBy(def, "b", "", randomResponses(t, def, 60, 2), k)
	other := loadExample(t, "youth-policy-consultation.json")
	q := other.Question(by)
	q.Options = append(q.Options, q.Options[0])
	q.Options[len(q.Options)-1].Code = "another"
	odd := waveBy(other, "c", by, randomResponses(t, def, 60, 3), k)
	var ve *surveys.ValidationError
	for _, c := range []struct {
		cur, prev surveys.Wave
		by, want  string
	}{
		{cur, plain, by, "/by by_unavailable b"},
		{plain, cur, by, "/by by_unavailable b"},
		{cur, prev, dims(def)[1], "/by by_unavailable a"},
		{cur, odd, by, "/by by_codes_differ "},
	} {
		_, err := surveys.CompareBy(c.cur, c.prev, c.by, 95)
		got := ""
		if errors.As(err, &ve) {
			f := ve.Errors[0]
			got = f.Pointer + " " + string(f.Code) + " " + fmt.Sprint(f.Params["Survey"])
			if f.Params["Question"] != c.by {
				t.Errorf("%s: params %v", c.want, f.Params)
			}
		}
		if strings.TrimSuffix(got, "<nil>") != c.want {
			t.Errorf("CompareBy(%s, %s, %s): %v, want %s", c.cur.Survey, c.prev.Survey, c.by, err, c.want)
		}
	}
}

// compareGroupsCase is one difference of a group comparison, as compare.R
// reads it (testdata/compare_groups_cases.csv): the kind, the two waves'
// published numbers, the level.
type compareGroupsCase struct {
	kind string
	in   []float64
}

func (c compareGroupsCase) key() string {
	parts := []string{c.kind}
	for _, v := range c.in {
		parts = append(parts, strconv.FormatFloat(v, 'g', -1, 64))
	}
	return strings.Join(parts, ",")
}

// groupDifferences are the differences with an interval of the group
// comparisons of two fixed releases of the example consultation (2,000
// and 1,500 responses, large enough for groups to publish their means),
// by each of its breakdown questions at every level, with the rows they
// belong to: every mean's and every sixth proportion's (all 4,000 would
// make R's file half a megabyte).
func groupDifferences(t *testing.T) (cases []compareGroupsCase, rows []surveys.CompareRow) {
	t.Helper()
	const k = 10
	proportions := 0
	def := loadExample(t, "youth-policy-consultation.json")
	curResponses := shifted(randomResponses(t, def, 2000, 31))
	prevResponses := randomResponses(t, def, 1500, 32)
	for _, by := range dims(def) {
		cur := waveBy(def, "this-year", by, curResponses, k)
		prev := waveBy(def, "last-year", by, prevResponses, k)
		for _, level := range surveys.Levels() {
			c, err := surveys.CompareBy(cur, prev, by, level)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range c.Groups {
				for _, q := range g.Questions {
					for _, r := range q.Rows {
						if r.Difference == nil || r.Difference.CILow == nil {
							continue
						}
						cs := compareGroupsCase{kind: r.Kind}
						if r.Kind == surveys.CompareRowProportion {
							if proportions++; proportions%6 != 1 {
								continue
							}
							// A published count may exceed its published base
							// (perturbation); the difference takes it as the base.
							cs.in = []float64{float64(min(*r.Current.N, *r.Current.Base)), float64(*r.Current.Base),
								float64(min(*r.Previous.N, *r.Previous.Base)), float64(*r.Previous.Base), float64(level)}
						} else {
							cs.in = []float64{*r.Current.Value, *r.Current.SD, float64(*r.Current.N), *r.Previous.Value, *r.Previous.SD, float64(*r.Previous.N), float64(level)}
						}
						cases, rows = append(cases, cs), append(rows, r)
					}
				}
			}
		}
	}
	return cases, rows
}

// TestCompareGroupsMatchR checks the differences of real group
// comparisons against R: every difference with an interval in the groups
// of two fixed releases of the example consultation (by each breakdown
// question, at every level), from the numbers the groups publish
// (testdata/compare_groups_cases.csv, written by this test with
// YOUTHVOICE_WRITE_COMPARE_CASES=1), computed by R without YouthVoice
// code (testdata/compare.R groups: prop.test's Wilson bounds and
// Newcombe's formula; t.test for Welch's) in
// testdata/compare_groups_r.csv. The unrounded difference and interval
// agree to within 1e-6, the published ones are R's rounded, and the flag
// is R's.
func TestCompareGroupsMatchR(t *testing.T) {
	racetest.SkipSingleFlow(t)
	cases, rows := groupDifferences(t)
	if os.Getenv("YOUTHVOICE_WRITE_COMPARE_CASES") != "" {
		writeGroupCases(t, cases)
	}
	expected := readGroupsR(t)
	seen := map[string]bool{}
	for i, cs := range cases {
		want, ok := expected[cs.key()]
		if !ok {
			t.Fatalf("%s: not in testdata/compare_groups_r.csv: regenerate the cases and R's values (compare.R)", cs.key())
		}
		seen[cs.key()] = true
		var d, lo, hi float64
		scale, places := 100.0, 1
		if cs.kind == surveys.CompareRowProportion {
			d, lo, hi, ok = surveys.Newcombe(int(cs.in[0]), int(cs.in[1]), int(cs.in[2]), int(cs.in[3]), int(cs.in[4]))
		} else {
			d, lo, hi, _, ok = surveys.Welch(cs.in[0], cs.in[1], int(cs.in[2]), cs.in[3], cs.in[4], int(cs.in[5]), int(cs.in[6]))
			scale, places = 1, 2
		}
		if !ok || math.Abs(d-want[0]) > 1e-6 || math.Abs(lo-want[1]) > 1e-6 || math.Abs(hi-want[2]) > 1e-6 {
			t.Errorf("%s: %.9f [%.9f, %.9f], R says %.9f [%.9f, %.9f]", cs.key(), d, lo, hi, want[0], want[1], want[2])
		}
		// The published numbers are R's, rounded (half a unit of the last
		// place at most, and a hair for R's own rounding).
		half := 0.5/math.Pow(10, float64(places)) + 1e-9
		got := rows[i].Difference
		if math.Abs(got.Value-scale*want[0]) > half || math.Abs(*got.CILow-scale*want[1]) > half || math.Abs(*got.CIHigh-scale*want[2]) > half ||
			got.Significant != (want[1] > 0 || want[2] < 0) {
			t.Errorf("%s: published %+v (%v, %v), R says %v [%v, %v]", cs.key(), got, *got.CILow, *got.CIHigh, scale*want[0], scale*want[1], scale*want[2])
		}
	}
	means := 0
	for key := range seen {
		if strings.HasPrefix(key, surveys.CompareRowMean) {
			means++
		}
	}
	if len(seen) < 500 || means < 100 || len(seen) != len(expected) {
		t.Errorf("%d distinct differences checked (%d of means), R's file has %d", len(seen), means, len(expected))
	}
}

func writeGroupCases(t *testing.T, cases []compareGroupsCase) {
	t.Helper()
	var b strings.Builder
	b.WriteString("kind,a1,a2,a3,a4,a5,a6,level\n")
	done := map[string]bool{}
	for _, cs := range cases {
		if done[cs.key()] {
			continue
		}
		done[cs.key()] = true
		line := cs.key()
		if cs.kind == surveys.CompareRowProportion {
			// The same columns for both kinds: a proportion's has no sixth
			// input (m1, s1, n1, m2, s2, n2 against x1, n1, x2, n2).
			f := strings.Split(line, ",")
			line = strings.Join(append(f[:5], "", "", f[5]), ",")
		}
		b.WriteString(line + "\n")
	}
	if err := os.WriteFile("testdata/compare_groups_cases.csv", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readGroupsR reads R's values by the case's key (kind and inputs).
func readGroupsR(t *testing.T) map[string][3]float64 {
	t.Helper()
	f, err := os.Open("testdata/compare_groups_r.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][3]float64{}
	for _, l := range lines[1:] {
		// kind, inputs (4 or 6), level, d, low, high
		if len(l) < 8 {
			t.Fatalf("bad line %v", l)
		}
		var v [3]float64
		for i := range v {
			if v[i], err = strconv.ParseFloat(l[len(l)-3+i], 64); err != nil {
				t.Fatalf("bad line %v", l)
			}
		}
		in := l[1 : len(l)-3]
		cs := compareGroupsCase{kind: l[0]}
		for _, s := range in {
			if s == "" {
				continue
			}
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("bad line %v", l)
			}
			cs.in = append(cs.in, x)
		}
		out[cs.key()] = v
	}
	return out
}
