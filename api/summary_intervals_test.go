package api_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/surveys"
)

type intervalView struct {
	Notes   []string
	Results surveys.Results
}

func getIntervals(t *testing.T, e *apitest.Env, path string, headers ...string) intervalView {
	t.Helper()
	r := e.Do("GET", path, nil, headers...)
	if r.Status != 200 {
		t.Fatalf("%s: %d %s", path, r.Status, r.Body[:min(300, len(r.Body))])
	}
	var v intervalView
	r.JSON(t, &v)
	return v
}

// Every published percentage has its confidence interval in the summary
// and the public results, at the level asked for (95 % by default), the
// interval of the published count and base; a suppressed count has none;
// a level that is not 90, 95 or 99 is a translated 422 pointing at it.
func TestSummaryIntervals(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel() // waits on its own summarizer mostly
	e := apitest.New(t)
	id, owner, def := publishExample(t, e, "youth-policy-consultation.json")
	rng := rand.New(rand.NewPCG(17, 17))
	e.Submit(id, submissions(def, 120, rng))
	e.Server.FlushSummaries(context.Background())

	pub := getIntervals(t, e, "/v1/surveys/"+id+"/results?lang=en")
	if pub.Results.Level != 95 || !strings.Contains(strings.Join(pub.Notes, " "), "95 % sure") {
		t.Fatalf("public results: level %d, notes %q", pub.Results.Level, pub.Notes)
	}
	// Asked for at once after the default: the render cache keeps levels apart.
	at99 := getIntervals(t, e, "/v1/surveys/"+id+"/results?lang=en&level=99")
	org90 := getIntervals(t, e, "/v1/org/surveys/"+id+"/summary?lang=en&level=90", bearer(owner)...)
	if at99.Results.Level != 99 || org90.Results.Level != 90 {
		t.Fatalf("levels %d, %d", at99.Results.Level, org90.Results.Level)
	}
	checked, suppressed := 0, 0
	for gi, g := range pub.Results.Groups {
		for qi, q := range g.Questions {
			for oi, o := range q.Options {
				c := o.Count
				if c.Suppressed || q.Answered.Suppressed {
					if c.CILow != nil || c.CIHigh != nil {
						t.Errorf("%s %s: an interval beside a suppressed number", q.ID, o.Code)
					}
					suppressed++
					continue
				}
				if c.Pct == nil {
					continue
				}
				for _, v := range []struct {
					level int
					c     surveys.Count
				}{{95, c}, {99, at99.Results.Groups[gi].Questions[qi].Options[oi].Count}, {90, org90.Results.Groups[gi].Questions[qi].Options[oi].Count}} {
					lo, hi, _ := surveys.Wilson(*v.c.N, *q.Answered.N, v.level)
					if v.c.CILow == nil || v.c.CIHigh == nil || *v.c.CILow != float64(int(lo*1000+0.5))/10 || *v.c.CIHigh != float64(int(hi*1000+0.5))/10 {
						t.Fatalf("%s %s at %d %%: %d of %d, interval %v %v, want [%.1f, %.1f]", q.ID, o.Code, v.level, *v.c.N, *q.Answered.N, v.c.CILow, v.c.CIHigh, 100*lo, 100*hi)
					}
				}
				c99 := at99.Results.Groups[gi].Questions[qi].Options[oi].Count
				c90 := org90.Results.Groups[gi].Questions[qi].Options[oi].Count
				if *c99.CILow > *c.CILow || *c99.CIHigh < *c.CIHigh || *c90.CILow < *c.CILow || *c90.CIHigh > *c.CIHigh {
					t.Errorf("%s %s: 90 %% [%v, %v], 95 %% [%v, %v], 99 %% [%v, %v]", q.ID, o.Code, *c90.CILow, *c90.CIHigh, *c.CILow, *c.CIHigh, *c99.CILow, *c99.CIHigh)
				}
				checked++
			}
		}
	}
	// Means: their interval at each level, wider at 99 % than at 90 %.
	means := 0
	for qi, q := range pub.Results.Groups[0].Questions {
		q90, q99 := org90.Results.Groups[0].Questions[qi], at99.Results.Groups[0].Questions[qi]
		if q.Stats == nil {
			continue
		}
		n := *q.Answered.N
		if q.DontKnow != nil {
			n -= *q.DontKnow.N
		}
		lo, hi, _ := surveys.MeanInterval(q.Stats.Mean, q.Stats.SD, n, 95)
		if q.MeanCILow == nil || q90.MeanCILow == nil || q99.MeanCILow == nil || *q.MeanCILow != float64(int(lo*100+0.5))/100 || *q.MeanCIHigh != float64(int(hi*100+0.5))/100 ||
			*q99.MeanCILow > *q90.MeanCILow || *q99.MeanCIHigh < *q90.MeanCIHigh {
			t.Errorf("%s: mean %v: intervals %v %v, 90 %% %v, 99 %% %v, want [%.2f, %.2f] at 95 %%", q.ID, q.Stats.Mean, q.MeanCILow, q.MeanCIHigh, q90.MeanCILow, q99.MeanCILow, lo, hi)
			continue
		}
		means++
	}
	if means == 0 {
		t.Error("no mean with its interval")
	}
	if checked < 20 {
		t.Errorf("only %d intervals checked (%d suppressed)", checked, suppressed)
	}

	for _, bad := range []string{"80", "95.0", "x", "-1", "9999999999999999999999"} {
		for _, path := range []string{"/v1/surveys/" + id + "/results", "/v1/org/surveys/" + id + "/summary"} {
			r := e.Do("GET", path+"?lang=sv&level="+bad, nil, append(bearer(owner), "Accept-Language", "sv")...)
			if got := pointers(t, r); r.Status != 422 || got["/level"] != "ci_level" {
				t.Errorf("%s level=%s: %d %v", path, bad, r.Status, got)
			}
			if p := problemOf(t, r); len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "konfidensnivå") {
				t.Errorf("%s level=%s: not in Swedish: %+v", path, bad, p.Errors)
			}
		}
	}
}

// The summary shows each mean rank with its SD and interval and each
// median and quartile with theirs, at the level asked for; the summary
// export takes ?level= too (JSON, CSV and XLSX here: the results at that
// level, the headers and method note saying it), and refuses a level
// that is not 90, 95 or 99 as the summary does, before anything is built
// or audited.
func TestExportIntervalLevels(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel()
	e := apitest.New(t)
	id, owner, def := publishExample(t, e, "safety-online-offline.json")
	rng := rand.New(rand.NewPCG(21, 21))
	e.Submit(id, submissions(def, 400, rng))
	e.Server.FlushSummaries(context.Background())

	sum := getIntervals(t, e, "/v1/org/surveys/"+id+"/summary?lang=en&level=99", bearer(owner)...)
	exp := getIntervals(t, e, "/v1/org/surveys/"+id+"/export?kind=summary&format=json&lang=en&level=99", bearer(owner)...)
	if sum.Results.Level != 99 || exp.Results.Level != 99 {
		t.Fatalf("levels: summary %d, export %d", sum.Results.Level, exp.Results.Level)
	}
	ranks, medians := 0, 0
	for qi, q := range exp.Results.Groups[0].Questions {
		sq := sum.Results.Groups[0].Questions[qi]
		for mi, m := range q.MeanRanks {
			if m.CILow == nil || m.SD == nil || *m.CILow > m.MeanRank || *m.CIHigh < m.MeanRank {
				t.Errorf("%s %s: mean rank %v, sd %v, interval %v %v", q.ID, m.Code, m.MeanRank, m.SD, m.CILow, m.CIHigh)
				continue
			}
			lo, hi, _ := surveys.MeanInterval(m.MeanRank, *m.SD, *q.Answered.N, 99)
			if want := float64(int(max(1, lo)*100+0.5)) / 100; *m.CILow != want || *sq.MeanRanks[mi].CILow != want {
				t.Errorf("%s %s: lower limit %v (summary %v), want %v (up to %v)", q.ID, m.Code, *m.CILow, *sq.MeanRanks[mi].CILow, want, hi)
			}
			ranks++
		}
		if st := q.Stats; st != nil && st.MedianCILow != nil {
			if *st.MedianCILow > st.Median || *st.MedianCIHigh < st.Median || *sq.Stats.MedianCILow != *st.MedianCILow {
				t.Errorf("%s: median %v, interval [%v, %v], summary's %v", q.ID, st.Median, *st.MedianCILow, *st.MedianCIHigh, *sq.Stats.MedianCILow)
			}
			medians++
		}
	}
	if ranks == 0 || medians == 0 {
		t.Fatalf("%d mean ranks and %d medians with intervals", ranks, medians)
	}
	raw := string(e.Do("GET", "/v1/org/surveys/"+id+"/summary?lang=en", nil, bearer(owner)...).Body)
	for _, field := range []string{`"mean_rank_ci_low"`, `"mean_rank_ci_high"`, `"median_ci_low"`, `"q1_ci_high"`, `"q3_ci_low"`} {
		if !strings.Contains(raw, field) {
			t.Errorf("the summary has no %s", field)
		}
	}

	csv := e.Do("GET", "/v1/org/surveys/"+id+"/export?kind=summary&format=csv&lang=en&level=90", nil, bearer(owner)...)
	if csv.Status != 200 || !strings.Contains(string(csv.Body), "90 % confidence interval") || strings.Contains(string(csv.Body), "95 % confidence interval") {
		t.Errorf("CSV at 90 %%: %d, method note not at 90 %%", csv.Status)
	}
	xl := e.Do("GET", "/v1/org/surveys/"+id+"/export?kind=summary&format=xlsx&lang=en&level=90", nil, bearer(owner)...)
	if xl.Status != 200 {
		t.Fatalf("XLSX at 90 %%: %d", xl.Status)
	}
	f, err := excelize.OpenReader(bytes.NewReader(xl.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(f.GetSheetList()[0])
	header := false
	for _, r := range rows {
		header = header || slices.Contains(r, "Lower limit (90 % CI)")
	}
	if !header {
		t.Error("the XLSX's header does not say 90 %")
	}

	for _, bad := range []string{"80", "x", "95.5"} {
		for _, format := range []string{"json", "csv", "pdf"} {
			r := e.Do("GET", "/v1/org/surveys/"+id+"/export?kind=summary&format="+format+"&level="+bad, nil, append(bearer(owner), "Accept-Language", "sv")...)
			if got := pointers(t, r); r.Status != 422 || got["/level"] != "ci_level" {
				t.Errorf("%s level=%s: %d %v", format, bad, r.Status, got)
			}
		}
	}
}
