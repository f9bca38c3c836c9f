package export

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// builtRelease is the example consultation's release of n random
// responses, as the API cuts it.
func builtRelease(tb testing.TB, n int) Release {
	tb.Helper()
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, uint64(n)))
	t := surveys.NewTally()
	for i := range n {
		raw := map[string]json.RawMessage{}
		for id, v := range simulate.Answers(def, rng) {
			if raw[id], err = json.Marshal(v); err != nil {
				tb.Fatal(err)
			}
		}
		answers, err := def.ParseAnswers(raw)
		if err != nil {
			tb.Fatal(err)
		}
		t.Add(def, &surveys.Response{Revision: 1, Lang: def.DefaultLanguage, Day: fmt.Sprintf("2026-11-%02d", 1+i%28), Answers: answers})
	}
	k := def.Threshold()
	return Release{SurveyID: "s1", Revision: 1, Def: def, Protected: surveys.Disclose(def, t, k), K: k, N: n, Day: "2026-12-01", Collected: n}
}

// The method note says which counts are never shown as people say it,
// "from 1 to 9" (k = 10), in every language the server speaks; it used to
// say "between 1 and 10 minus 1".
func TestMethodNoteSaysTheSmallCountsPlainly(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	rel := builtRelease(t, 60)
	minus := []string{"minus", "ناقص", "miinus", "laga jaray", "мінус", "menos"}
	for _, lang := range cat.Languages() {
		s := BuildSummary(rel, rel.Def.DefaultLanguage, lang, cat)
		threshold := cat.Message(lang, "export.method.threshold", map[string]any{"K": rel.K, "Max": rel.K - 1})
		found := false
		for _, p := range s.Method {
			found = found || p == threshold
		}
		if !found {
			t.Errorf("%s: the threshold paragraph is not in the method note %q", lang, s.Method)
			continue
		}
		if !strings.Contains(threshold, strconv.Itoa(rel.K-1)) || strings.Contains(threshold, "{{") {
			t.Errorf("%s: %q does not name %d", lang, threshold, rel.K-1)
		}
		for _, m := range minus {
			if strings.Contains(strings.ToLower(threshold), m) {
				t.Errorf("%s: %q says %q", lang, threshold, m)
			}
		}
		// The legend explains the marker of suppressed counts and
		// withheld statistics in the same words.
		if l := s.Labels.Legend; !strings.Contains(l, s.Labels.Suppressed) || !strings.Contains(l, strconv.Itoa(rel.K)) || strings.Contains(l, "{{") {
			t.Errorf("%s: legend %q", lang, l)
		}
		// The status notes are apart from the method, and the files
		// print both.
		if len(s.Notes) == 0 || strings.Join(s.methodNote(), "\n") != strings.Join(append(append([]string{}, s.Notes...), s.Method...), "\n") {
			t.Errorf("%s: notes %q, method note %q", lang, s.Notes, s.methodNote())
		}
	}
}

// The status notes read right when one more is needed: no "1 more
// responses" or "about 1 more respondents" in any language (the numbers
// stand where no noun agrees with them).
func TestStatusNotesWithOneNeeded(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	st := surveys.ReleaseStatus{Collected: 10, Released: 10, K: 5, NextReleaseIn: 1,
		HeldBack: []surveys.HeldBack{{Question: "age_band", Group: "10-12", Label: "10–12", Needs: 1}}}
	wrong := regexp.MustCompile(`\b1 (more )?(responses|respondents|respuestas|personas|respondenter|jawaabood|ka-jawaabayaal)\b|unas 1\b`)
	for _, lang := range cat.Languages() {
		for _, none := range []bool{false, true} {
			for _, n := range StatusNotes(st, none, lang, cat) {
				if wrong.MatchString(n) || !strings.ContainsAny(n, "0123456789") {
					t.Errorf("%s: %q", lang, n)
				}
			}
		}
	}
}
