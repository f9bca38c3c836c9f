package surveys_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/surveys"
)

// codesOf lists the codes of a table's counts.
func codesOf(counts []surveys.LabelledCount) []string {
	var out []string
	for _, c := range counts {
		out = append(out, c.Code+"="+c.Label)
	}
	return out
}

// Codes counted under an earlier revision (an option, a breakdown group,
// a ranked option, a scale point or a matrix statement that a later
// revision removed) stay in the tables of the latest one, labelled with
// their codes: without them a table's total would be more than the sum of
// its parts. The latest definition itself is left as it is.
func TestTablesKeepCodesOfEarlierRevisions(t *testing.T) {
	first := everyType()
	question(first, "pick").Options = opts("a", "b", "other+", "gone")
	question(first, "pick").Breakdown = true
	question(first, "rank").Options = opts("a", "b", "c", "x")
	agree := question(first, "agree")
	agree.Points, agree.Labels["7"] = 7, en("highest")
	delete(agree.Labels, "5")
	grid := question(first, "grid")
	grid.Statements, grid.Points, grid.Labels = opts("s1", "s2", "s3"), 5, map[string]surveys.Text{"1": en("low"), "5": en("high")}
	if err := first.Validate(); err != nil {
		t.Fatal(err)
	}
	raw := everyAnswer()
	for id, v := range map[string]string{"pick": `"gone"`, "rank": `["x","a","b","c"]`, "agree": `7`, "grid": `{"s3":5}`} {
		raw[id] = json.RawMessage(v)
	}
	tally := surveys.NewTally()
	for i := range 3 {
		r, err := surveys.NewResponse([]byte("k"), "s", first, &surveys.Submission{SubmissionID: submissionID, Revision: 1, Answers: raw}, time.Now())
		if err != nil {
			t.Fatal(i, err)
		}
		tally.Add(first, r)
	}

	latest := everyType()
	question(latest, "pick").Breakdown = true
	before, _ := json.Marshal(latest)
	res := surveys.Exact(latest, tally).Results("en", "pick", "none")
	if after, _ := json.Marshal(latest); string(after) != string(before) {
		t.Fatal("the definition changed")
	}
	everyone := res.Groups[0].Questions
	byID := map[string]surveys.QuestionResults{}
	for _, q := range everyone {
		byID[q.ID] = q
	}
	for id, want := range map[string][]string{
		"pick":  {"a=a", "b=b", "other=other", "gone=gone"},
		"rank":  {"a=a", "b=b", "c=c", "x=x"},
		"agree": {"1=1 low", "2=2", "3=3", "4=4", "5=5 high", "6=6", "7=7"},
	} {
		counts := byID[id].Options
		if id == "agree" {
			counts = byID[id].Bins
		}
		if got := codesOf(counts); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	var statements []string
	for _, s := range byID["grid"].Statements {
		statements = append(statements, s.Code+"="+s.Label)
		if got, want := codesOf(s.Bins), []string{"1=1 low", "2=2", "3=3", "4=4 high", "5=5"}; !slices.Equal(got, want) {
			t.Errorf("grid %s: %q, want %q", s.Code, got, want)
		}
	}
	if want := []string{"s1=s1", "s2=s2", "s3=s3"}; !slices.Equal(statements, want) {
		t.Errorf("grid: %q, want %q", statements, want)
	}
	var groups []string
	for _, g := range res.Groups[1:] {
		groups = append(groups, g.Code)
	}
	if want := []string{"a", "b", "other", "gone", surveys.NoGroup}; !slices.Equal(groups, want) {
		t.Errorf("groups %q, want %q", groups, want)
	}
}
