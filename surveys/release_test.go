package surveys_test

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// The attacks of the review of main 7f13f04 (issue 10, "Disclosure"),
// each with the numbers the review used: every one recovered a child's
// answer or a small count then, and every test checks that it does again
// with the protection switched off, so that it keeps failing if the
// protection goes.

// smallSurvey is a survey with a breakdown (age, with "prefer not to say"
// as not answering), a colour question and a ranking question.
const smallSurvey = `{
  "default_language": "en", "languages": ["en"], "title": {"en": "Colours"}, "thank_you": {"en": "Thanks"},
  "sections": [{"id": "s", "questions": [
    {"id": "age", "type": "single_choice", "text": {"en": "Age"}, "breakdown": true, "options": [
      {"code": "13", "label": {"en": "13"}}, {"code": "14", "label": {"en": "14"}}, {"code": "15", "label": {"en": "15"}},
      {"code": "16", "label": {"en": "16"}}, {"code": "17", "label": {"en": "17"}}]},
    {"id": "colour", "type": "single_choice", "text": {"en": "Colour"}, "options": [
      {"code": "red", "label": {"en": "Red"}}, {"code": "blue", "label": {"en": "Blue"}}, {"code": "green", "label": {"en": "Green"}}]},
    {"id": "rank", "type": "ranking", "text": {"en": "Rank"}, "options": [
      {"code": "a", "label": {"en": "A"}}, {"code": "b", "label": {"en": "B"}}, {"code": "c", "label": {"en": "C"}}]}
  ]}]
}`

func loadSmall(t testing.TB) *surveys.Definition {
	t.Helper()
	def, err := surveystest.Load([]byte(smallSurvey))
	if err != nil {
		t.Fatal(err)
	}
	if err := def.Complete(); err != nil {
		t.Fatal(err)
	}
	return def
}

// respond makes the stored response of one submission; seed and i make
// its submission id (and so its record key).
func respond(t testing.TB, def *surveys.Definition, seed, i int, answers map[string]any) *surveys.Response {
	t.Helper()
	raw := map[string]json.RawMessage{}
	for q, a := range answers {
		b, _ := json.Marshal(a)
		raw[q] = b
	}
	sub := &surveys.Submission{SubmissionID: fmt.Sprintf("%08x-0000-4000-8000-%012x", seed, i), Revision: 1, Answers: raw}
	r, err := surveys.NewResponse([]byte("key"), "s", def, sub, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatalf("%v: %v", answers, err)
	}
	return r
}

func tallyResponses(def *surveys.Definition, rs []*surveys.Response) *surveys.Tally {
	t := surveys.NewTally()
	for _, r := range rs {
		t.Add(def, r)
	}
	return t
}

// repeat makes n responses with the same answers.
func repeat(t testing.TB, def *surveys.Definition, seed int, from, n int, answers map[string]any) []*surveys.Response {
	out := make([]*surveys.Response, n)
	for i := range out {
		out[i] = respond(t, def, seed, from+i, answers)
	}
	return out
}

// bothWays runs a test with perturbation on and off.
func bothWays(t *testing.T, fn func(t *testing.T, perturbed bool)) {
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("perturbed=%v", on), func(t *testing.T) {
			defer surveys.SetPerturbation(on)()
			fn(t, on)
		})
	}
}

// Finding 1: 30 responses, red 14, blue 13, green 3; release 1 shows red
// 14 and the others suppressed. Revision 2 drops green; the same release
// cut with revision 2 showed answered 30, red 14, blue 13: green = 3.
// Now a release is cut with every code its tally holds.
func TestNewRevisionCannotRecutARelease(t *testing.T) {
	bothWays(t, func(t *testing.T, perturbed bool) {
		def := loadSmall(t)
		var rs []*surveys.Response
		rs = append(rs, repeat(t, def, 1, 0, 14, map[string]any{"age": "13", "colour": "red"})...)
		rs = append(rs, repeat(t, def, 1, 14, 13, map[string]any{"age": "14", "colour": "blue"})...)
		rs = append(rs, repeat(t, def, 1, 27, 3, map[string]any{"age": "15", "colour": "green"})...)
		release := tallyResponses(def, rs)

		rev2, _ := surveystest.Load([]byte(smallSurvey))
		colour := rev2.Question("colour")
		colour.Options = colour.Options[:2] // green removed
		if err := rev2.Complete(); err != nil {
			t.Fatal(err)
		}
		for _, cut := range []*surveys.Definition{def, rev2} {
			p := surveys.Disclose(cut, release, 10)
			all := downloads(cut, p)
			var codes []string
			for _, q := range all[0].Groups[0].Questions {
				if q.ID == "colour" {
					for _, o := range q.Options {
						codes = append(codes, o.Code)
					}
				}
			}
			if fmt.Sprint(codes) != "[red blue green]" {
				t.Fatalf("colour cut with options %v", codes)
			}
			a := attackerFor()
			for _, r := range all {
				a.learn(r)
			}
			if found := a.solve(10); len(found) > 0 {
				t.Fatalf("recovered %v", found)
			}
		}
	})
}

// Finding 2: release 2 (n=20) shows red 10, blue 10. Ten newcomers: one
// answers blue, nine skip the question. Release 3 (n=30) showed blue 11.
// Without perturbation the attacker still finds it (the test would notice
// the protection gone); with it, nothing.
func TestQuestionBasesCannotBeDifferenced(t *testing.T) {
	bothWays(t, func(t *testing.T, perturbed bool) {
		def := loadSmall(t)
		var recovered int
		const trials = 20
		for seed := range trials {
			var rs []*surveys.Response
			rs = append(rs, repeat(t, def, seed, 0, 10, map[string]any{"age": "13", "colour": "red"})...)
			rs = append(rs, repeat(t, def, seed, 10, 10, map[string]any{"age": "14", "colour": "blue"})...)
			r2 := tallyResponses(def, rs)
			rs = append(rs, respond(t, def, seed, 20, map[string]any{"age": "15", "colour": "blue"}))
			rs = append(rs, repeat(t, def, seed, 21, 9, map[string]any{"age": "15"})...)
			r3 := tallyResponses(def, rs)
			if !surveys.NextRelease(r2, r3, 10) {
				t.Fatal("no release 3")
			}
			if found := attackReleases(def, []*surveys.Tally{r2, r3}, 10); len(found) > 0 {
				recovered++
				if perturbed {
					t.Errorf("seed %d: recovered %v", seed, found)
				}
			}
		}
		if !perturbed && recovered != trials {
			t.Errorf("without perturbation the attack worked %d times out of %d", recovered, trials)
		}
	})
}

// Finding 3: 10 x [a,b,c], then 9 x [b,a,c] and 1 x [b,c,a]: first places
// 10/10/0 and mean ranks 1.55/1.50/2.95 showed that exactly one
// respondent ranked c second (3n - n*mean(c), c never first). Mean ranks
// are now computed from perturbed counts of each option at each place.
func TestMeanRanksDoNotRevealASmallCell(t *testing.T) {
	bothWays(t, func(t *testing.T, perturbed bool) {
		def := loadSmall(t)
		const trials = 200
		hits := 0
		for seed := range trials {
			var rs []*surveys.Response
			rs = append(rs, repeat(t, def, seed, 0, 10, map[string]any{"age": "13", "rank": []string{"a", "b", "c"}})...)
			rs = append(rs, repeat(t, def, seed, 10, 9, map[string]any{"age": "14", "rank": []string{"b", "a", "c"}})...)
			rs = append(rs, respond(t, def, seed, 19, map[string]any{"age": "14", "rank": []string{"b", "c", "a"}}))
			res := surveys.Disclose(def, tallyResponses(def, rs), 10).Results("en", "", "-")
			for _, q := range res.Groups[0].Questions {
				if q.ID != "rank" || len(q.MeanRanks) == 0 || q.Answered.N == nil {
					continue
				}
				n := float64(*q.Answered.N)
				c := q.MeanRanks[2].MeanRank
				if math.Abs(c) > 3 || math.IsNaN(c) {
					t.Fatalf("mean rank %v", c)
				}
				if guess := math.Round(3*n - c*n); guess == 1 {
					hits++
				}
			}
		}
		t.Logf("the attack guessed right %d times out of %d", hits, trials)
		if perturbed && hits > trials/2 {
			t.Errorf("with perturbation the attack still worked %d times out of %d", hits, trials)
		}
		if !perturbed && hits != trials {
			t.Errorf("without perturbation the attack worked only %d times out of %d", hits, trials)
		}
	})
}

// A group that gained a single respondent: with cell keys fixed, the
// counts the newcomer is not in would be published unchanged, and the one
// that changed would tell what the newcomer answered. The scope's key is
// part of every cell's noise, so every count of the group changes.
func TestOneNewcomerInAGroupIsNotSingledOut(t *testing.T) {
	propertyTest(t)
	def := loadSmall(t)
	run := func() (hits int) {
		for seed := range 300 {
			var rs []*surveys.Response
			for i, c := range []string{"red", "blue", "green"} {
				rs = append(rs, repeat(t, def, seed, 20*i, 15, map[string]any{"age": "17", "colour": c})...)
				rs = append(rs, repeat(t, def, seed, 100+20*i, 15, map[string]any{"age": "13", "colour": c})...)
			}
			before := tallyResponses(def, rs)
			rs = append(rs, respond(t, def, seed, 500, map[string]any{"age": "17", "colour": "red"}))
			rs = append(rs, repeat(t, def, seed, 501, 9, map[string]any{"age": "13", "colour": "blue"})...)
			after := tallyResponses(def, rs)
			published := func(tl *surveys.Tally) map[string]string {
				out := map[string]string{}
				for _, g := range surveys.Disclose(def, tl, 10).Results("en", "age", "-").Groups {
					if g.Code != "17" {
						continue
					}
					for _, q := range g.Questions {
						if q.ID == "colour" {
							for _, o := range q.Options {
								out[o.Code] = fmt.Sprint(o.Count.N, o.Count.Suppressed)
								if o.Count.N != nil {
									out[o.Code] = fmt.Sprint(*o.Count.N)
								}
							}
						}
					}
				}
				return out
			}
			b, a := published(before), published(after)
			var changed []string
			for _, c := range []string{"red", "blue", "green"} {
				if a[c] != b[c] {
					changed = append(changed, c)
				}
			}
			if len(changed) == 1 && changed[0] == "red" {
				hits++
			}
		}
		return hits
	}
	salted := run()
	restore := surveys.SetScopeSalting(false)
	fixed := run()
	restore()
	t.Logf("the newcomer's colour was singled out %d times of 300 (with cell keys alone: %d)", salted, fixed)
	if salted > 90 {
		t.Errorf("the newcomer's answer is singled out %d times of 300", salted)
	}
	if fixed < 150 {
		t.Errorf("with cell keys alone the attack worked only %d times of 300: the test would not notice", fixed)
	}
}

// Finding 4: 60 responses with small breakdown groups (17: 4, prefer not
// to say: 3) published no numbers at all, and said "too few responses so
// far". Now the release has every response, the groups are held back, and
// the status says which and about how many more each needs.
func TestSmallGroupsDoNotHoldBackTheRelease(t *testing.T) {
	def := loadSmall(t)
	var rs []*surveys.Response
	for i, age := range []string{"13", "14", "15", "16"} {
		n := []int{14, 13, 13, 13}[i]
		rs = append(rs, repeat(t, def, 1, 100*i, n, map[string]any{"age": age, "colour": "red"})...)
	}
	rs = append(rs, repeat(t, def, 1, 500, 4, map[string]any{"age": "17", "colour": "blue"})...)
	rs = append(rs, repeat(t, def, 1, 600, 3, map[string]any{"colour": "green"})...)
	live := tallyResponses(def, rs)
	if !surveys.NextRelease(nil, live, 10) {
		t.Fatal("no release of 60 responses")
	}
	p := surveys.Disclose(def, live, 10)
	res := p.Results("en", "age", "Not answered")
	if res.Withheld || res.N == nil || *res.N.N != 60 {
		t.Fatalf("overall numbers not published: %+v", res)
	}
	// Collected is rounded down to a multiple of k (never below the
	// release): an exact count anyone can poll would time each response.
	st := p.Status(63, false, "en", "Not answered")
	if st.Collected != 60 || st.Released != 60 || st.NextReleaseIn != 10 || st.Final || st.Unreleased {
		t.Errorf("status %+v", st)
	}
	if st := p.Status(75, false, "en", "-"); st.Collected != 70 || st.NextReleaseIn != 1 {
		t.Errorf("status at 75: %+v", st)
	}
	if st := p.Status(63, true, "en", "-"); !st.Final || !st.Unreleased || st.NextReleaseIn != 0 {
		t.Errorf("closed: %+v", st)
	}
	// 17 and "not answered" are too small; together they are fewer than
	// k, so one more group is hidden with them (needing nothing itself).
	held := map[string]int{}
	for _, h := range st.HeldBack {
		held[h.Group] = h.Needs
	}
	if held["17"] < 10-4-surveys.MaxDeviation || held["17"] > 10-4+surveys.MaxDeviation ||
		held[surveys.NoGroup] < 10-3-surveys.MaxDeviation || held[surveys.NoGroup] > 10-3+surveys.MaxDeviation || len(held) != 3 {
		t.Errorf("held back %+v", st.HeldBack)
	}
	for _, g := range res.Groups {
		if _, ok := held[g.Code]; ok != g.Hidden && g.Code != "" {
			t.Errorf("group %s hidden %v", g.Code, g.Hidden)
		}
	}
	if pt := st.Perturbation; pt.Method != "cell-key" || pt.MaxDeviation != surveys.MaxDeviation || !pt.ExactTotal {
		t.Errorf("perturbation %+v", pt)
	}
}

// Every view of a release (every language, with and without each
// breakdown, asked for again) shows the same numbers: the same cell always
// has the same noise, so nothing is learnt by asking again in another
// way. The exports and public results are cut from the same Protected
// (api: TestSummaryExportCSVMatchesTheAPI).
func TestEveryViewShowsTheSameNumbers(t *testing.T) {
	propertyTest(t)
	for _, name := range []string{"safety-online-offline.json", "youth-policy-consultation.json"} {
		def := loadExample(t, name)
		tally := tallyResponses(def, randomResponses(t, def, 200, 3))
		numbers := func(p *surveys.Protected, lang, by string) map[string]string {
			out := map[string]string{}
			r := p.Results(lang, by, "-")
			forEachCount(r, func(where string, c surveys.Count) {
				if c.N != nil {
					out[where] = fmt.Sprint(*c.N)
				} else {
					out[where] = "suppressed"
				}
			})
			return out
		}
		first := surveys.Disclose(def, tally, 10)
		for _, by := range append([]string{""}, dimensionsOf(def)...) {
			want := numbers(first, def.DefaultLanguage, by)
			for _, lang := range def.Languages {
				again := surveys.Disclose(def, copyTally(tally), 10) // computed afresh, as another process would
				if got := numbers(again, lang, by); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("%s by %q in %s: other numbers", name, by, lang)
				}
			}
			// Everyone's numbers are the same in every breakdown's download.
			all, base := numbers(first, "en", by), numbers(first, "en", "")
			for where, v := range base {
				if len(where) > 0 && where[0] == '/' && all[where] != v {
					t.Fatalf("%s: %s is %s alone and %s by %s", name, where, v, all[where], by)
				}
			}
		}
	}
}

func dimensionsOf(def *surveys.Definition) []string {
	var out []string
	for _, q := range def.Questions() {
		if q.Breakdown {
			out = append(out, q.ID)
		}
	}
	return out
}

// The number of responses in a release is published exactly and never
// suppressed, even where a question shown to only some splits it into two
// small perturbed parts (a flaky API test found it: "n" suppressed at 10
// to 19 responses).
func TestTheTotalIsNeverSuppressed(t *testing.T) {
	propertyTest(t)
	for _, name := range []string{"safety-online-offline.json", "youth-policy-consultation.json"} {
		def := loadExample(t, name)
		all := randomResponses(t, def, 60, 11)
		for n := 10; n <= 60; n += 1 + n/20 { // every size near k, then every few
			for _, k := range []int{5, 10} {
				if n < k {
					continue
				}
				p := surveys.Disclose(def, tallyResponses(def, all[:n]), k)
				for _, by := range append([]string{""}, dimensionsOf(def)...) {
					r := p.Results("en", by, "-")
					if r.Withheld || r.N == nil || r.N.N == nil || *r.N.N != n {
						t.Fatalf("%s, %d responses, k=%d, by %q: n is %+v", name, n, k, by, r.N)
					}
				}
			}
		}
	}
}
