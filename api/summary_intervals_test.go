package api_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

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
