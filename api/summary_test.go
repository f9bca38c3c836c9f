package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/surveys"
)

// publishExample publishes an example survey and returns its id, owner
// token and definition.
func publishExample(t testing.TB, e *apitest.Env, file string) (string, string, *surveys.Definition) {
	t.Helper()
	_, owner := e.Org("Kommunen")
	p := createAndPublish(t, e, owner, file)
	return p.id, owner, p.def
}

type liveView struct {
	View    string
	Results surveys.Results
}

func getSummary(t *testing.T, e *apitest.Env, tok, id, query string) (*apitest.Response, liveView) {
	t.Helper()
	r := e.Do("GET", "/v1/org/surveys/"+id+"/summary"+query, nil, bearer(tok)...)
	var v liveView
	if r.Status == 200 {
		r.JSON(t, &v)
	}
	return r, v
}

// The "done when" of the results issue: after 1,000 generated responses,
// the summary equals a recount and a tally made independently from the
// submitted answers.
func TestSummaryIsExact(t *testing.T) {
	t.Parallel() // long, and mostly waiting on its own summarizer
	e := apitest.New(t)
	id, owner, def := publishExample(t, e, "youth-policy-consultation.json")
	rng := rand.New(rand.NewPCG(42, 1))
	// Counted independently, from the answers as sent.
	n := 1000
	if racetest.Enabled {
		n = 250 // the same proof, with a quarter of the requests
	}
	single := map[string]map[string]int{}
	subs := submissions(def, n, rng)
	e.Submit(id, subs) // eight clients at once
	for _, sub := range subs {
		for qid, v := range sub["answers"].(map[string]any) {
			if q := def.Question(qid); q.Type == surveys.SingleChoice {
				code, ok := v.(string)
				if !ok {
					code = v.(map[string]any)["choice"].(string)
				}
				if single[qid] == nil {
					single[qid] = map[string]int{}
				}
				single[qid][code]++
			}
		}
	}
	e.Server.FlushSummaries(context.Background())
	r, live := getSummary(t, e, owner, id, "?view=live&lang=en")
	if r.Status != 200 || live.View != "live" || *live.Results.N.N != n {
		t.Fatalf("live: %d %s", r.Status, r.Body[:min(300, len(r.Body))])
	}
	for _, q := range live.Results.Groups[0].Questions {
		for _, o := range q.Options {
			if want, ok := single[q.ID]; ok && *o.Count.N != want[o.Code] {
				t.Errorf("%s/%s: %d, independently %d", q.ID, o.Code, *o.Count.N, want[o.Code])
			}
		}
	}
	sum, err := e.Store.SummaryCells(context.Background(), id, true)
	if err != nil {
		t.Fatal(err)
	}
	recount, err := e.Store.Recount(context.Background(), id, e.Store.StoreDefinitions())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sum.Tally, recount) {
		t.Fatal("summary differs from a recount")
	}
	// The live view was recorded.
	docs, _ := e.Store.RawDocuments(context.Background(), "audit")
	liveViews := 0
	for _, d := range docs {
		if d["action"] == "live_view" {
			liveViews++
		}
	}
	if liveViews != 1 {
		t.Fatalf("audit: %v", docs)
	}
}

func TestAnalystsSeeOnlyTheProtectedRelease(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel() // waits on its own summarizer mostly
	e := apitest.New(t)
	id, owner, def := publishExample(t, e, "safety-online-offline.json")
	analyst := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "analyst"}, bearer(owner)...).Map(t)["token"].(string)
	rng := rand.New(rand.NewPCG(7, 7))
	post := func(n int) {
		e.Submit(id, submissions(def, n, rng))
		e.Server.FlushSummaries(context.Background())
		e.Clock.Advance(2 * time.Second) // past the second a rendered release is kept
	}
	post(9)
	_, v := getSummary(t, e, analyst, id, "")
	if !v.Results.Withheld || v.Results.N != nil || len(v.Results.Groups) != 0 {
		t.Fatalf("numbers before k responses: %+v", v.Results)
	}
	post(141)
	if r, _ := getSummary(t, e, analyst, id, "?view=live"); r.Status != 403 {
		t.Fatalf("analyst live view: %d", r.Status)
	}
	// The release moves only by k or more, overall and in every group (the
	// summarizer runs as responses arrive, so where it stands depends on
	// timing; the rule does not).
	_, v = getSummary(t, e, analyst, id, "")
	if v.Results.Withheld {
		t.Fatal("no release after 150 responses")
	}
	released := *v.Results.N.N
	if released < 10 || released > 150 {
		t.Fatalf("release after 150 responses: %d", released)
	}
	post(4)
	_, v2 := getSummary(t, e, analyst, id, "")
	if n := *v2.Results.N.N; n != released && n-released < 10 {
		t.Fatalf("release moved from %d to %d", released, n)
	}
	for _, q := range def.Questions() {
		if !q.Breakdown {
			continue
		}
		r, v := getSummary(t, e, analyst, id, "?by="+q.ID+"&lang=sv")
		if r.Status != 200 || len(v.Results.Groups) < 2 {
			t.Fatalf("by %s: %d", q.ID, r.Status)
		}
		for _, g := range v.Results.Groups {
			for _, qr := range g.Questions {
				for _, c := range append(append([]surveys.LabelledCount{}, qr.Options...), qr.Bins...) {
					if !c.Count.Suppressed && *c.Count.N > 0 && *c.Count.N < 10 {
						t.Fatalf("by %s, group %s, %s: %d shown", q.ID, g.Code, qr.ID, *c.Count.N)
					}
				}
			}
		}
	}
	if r, _ := getSummary(t, e, analyst, id, "?by=nope"); r.Status != 422 {
		t.Fatalf("unknown dimension: %d", r.Status)
	}
}

func TestPublicResultsInArabic(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel() // waits on its own summarizer mostly
	e := apitest.New(t)
	id, _, def := publishExample(t, e, "youth-policy-consultation.json")
	rng := rand.New(rand.NewPCG(3, 3))
	e.Submit(id, submissions(def, 150, rng))
	e.Server.FlushSummaries(context.Background())
	r := e.Do("GET", "/v1/surveys/"+id+"/results", nil, "Accept-Language", "ar")
	var v struct {
		Lang, Dir, View string
		Results         surveys.Results
	}
	r.JSON(t, &v)
	if r.Status != 200 || v.Dir != "rtl" || v.Lang != "ar" || v.View != "release" || r.Header.Get("Content-Language") != "ar" {
		t.Fatalf("%d %s", r.Status, r.Body[:min(400, len(r.Body))])
	}
	q := v.Results.Groups[0].Questions[0]
	if q.Text != def.Questions()[0].Text["ar"] || q.Options[0].Label != def.Questions()[0].Options[0].Label["ar"] {
		t.Fatalf("not in Arabic: %q %q", q.Text, q.Options[0].Label)
	}
	// Results of a survey that keeps them private are not public.
	_, owner := e.Org("x")
	priv := createSurvey(t, e, owner, smallSurvey(t))
	def2 := smallSurvey(t)
	def2["public_results"] = false
	e.Do("PUT", "/v1/org/surveys/"+priv, def2, bearer(owner)...)
	publishSurvey(t, e, owner, priv)
	if r := e.Do("GET", "/v1/surveys/"+priv+"/results", nil); r.Status != 404 {
		t.Fatalf("private results: %d", r.Status)
	}
}

// A crash between any two steps of bringing a batch into the summary
// leaves a state that recovery completes, exactly.
func TestSummaryRecoversFromACrashAtEveryStep(t *testing.T) {
	t.Parallel() // waits on its own summarizer mostly
	for _, step := range []string{"tallying", "paged", "applied", "dequeued"} {
		t.Run(step, func(t *testing.T) {
			t.Parallel() // each on a server and store of its own
			failing := true
			e := apitest.New(t, apitest.Options{Prepare: func(srv *api.Server) {
				api.SetSummaryFaults(srv, func(s string) error {
					if failing && s == step {
						return errors.New("injected crash at " + s)
					}
					return nil
				})
			}})
			id, _, def := publishExample(t, e, "youth-policy-consultation.json")
			rng := rand.New(rand.NewPCG(9, 9))
			e.Submit(id, submissions(def, 30, rng))
			e.Server.FlushSummaries(context.Background()) // fails at step
			failing = false
			api.RecoverSummaries(context.Background(), e.Server, 0)
			sum, _ := e.Store.SummaryCells(context.Background(), id, true)
			recount, _ := e.Store.Recount(context.Background(), id, e.Store.StoreDefinitions())
			if !reflect.DeepEqual(sum.Tally, recount) || recount.Responses != 30 {
				a, _ := json.Marshal(sum.Tally.Responses)
				t.Fatalf("after a crash at %s: summary n=%s, recount n=%d", step, a, recount.Responses)
			}
			queue, _ := e.Store.RawDocuments(context.Background(), "tally_queue")
			if len(queue) != 0 {
				t.Fatalf("%d batches left in the queue", len(queue))
			}
			if n := countPaged(t, e, id); n != 30 {
				t.Fatalf("%d responses in pages, want 30", n)
			}
			// Recovering again changes nothing.
			api.RecoverSummaries(context.Background(), e.Server, 0)
			again, _ := e.Store.SummaryCells(context.Background(), id, true)
			if !reflect.DeepEqual(again.Tally, recount) {
				t.Fatal("a second recovery changed the summary")
			}
		})
	}
}

func TestClosingRecountsAndFreezes(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	id, owner, def := publishExample(t, e, "youth-policy-consultation.json")
	rng := rand.New(rand.NewPCG(5, 5))
	e.Submit(id, submissions(def, 23, rng))
	if r := e.Do("POST", "/v1/org/surveys/"+id+"/close", nil, bearer(owner)...); r.Status != 200 {
		t.Fatal(r.Status)
	}
	sum, _ := e.Store.Summary(context.Background(), id)
	// The final release follows the rule of every release: what arrived
	// after the last one, fewer than k, stays out (a smaller step would
	// single out its newcomers), and the status says so.
	if !sum.Frozen || sum.Tally.Responses != 23 || sum.ReleaseN > 23 || 23-sum.ReleaseN >= 10 || (sum.ReleaseN > 0 && sum.ReleaseN < 10) {
		t.Fatalf("after close: frozen %v n %d release %d", sum.Frozen, sum.Tally.Responses, sum.ReleaseN)
	}
	var v struct {
		Status surveys.ReleaseStatus
		Notes  []string
	}
	e.Do("GET", "/v1/org/surveys/"+id+"/summary?lang=en", nil, bearer(owner)...).JSON(t, &v) // the survey is Swedish first
	if !v.Status.Final || v.Status.Unreleased != (sum.ReleaseN < 23) || v.Status.NextReleaseIn != 0 {
		t.Fatalf("status after close: %+v", v.Status)
	}
	t.Logf("release of %d after close, unreleased %v", sum.ReleaseN, v.Status.Unreleased)
	if v.Status.Unreleased && !strings.Contains(strings.Join(v.Notes, " "), "not in these figures") {
		t.Fatalf("notes after close: %q", v.Notes)
	}
}

// One recovery may find batches applied before a crash next to batches
// never applied: each is applied exactly once.
func TestSummaryRecoversAMixOfAppliedAndUnappliedBatches(t *testing.T) {
	t.Parallel()
	failAt := "applied"
	e := apitest.New(t, apitest.Options{Prepare: func(srv *api.Server) {
		api.SetSummaryFaults(srv, func(s string) error {
			if s == failAt {
				return errors.New("injected crash at " + s)
			}
			return nil
		})
	}})
	id, _, def := publishExample(t, e, "youth-policy-consultation.json")
	rng := rand.New(rand.NewPCG(21, 21))
	post := func(n int) {
		e.Submit(id, submissions(def, n, rng))
		e.Server.FlushSummaries(context.Background())
	}
	post(12) // applied to the summary, then a crash before dequeuing
	failAt = "tallying"
	post(9) // a crash before anything is applied
	failAt = ""
	api.RecoverSummaries(context.Background(), e.Server, 0)
	sum, _ := e.Store.SummaryCells(context.Background(), id, true)
	recount, _ := e.Store.Recount(context.Background(), id, e.Store.StoreDefinitions())
	if recount.Responses != 21 || !reflect.DeepEqual(sum.Tally, recount) {
		t.Fatalf("summary n=%d, recount n=%d", sum.Tally.Responses, recount.Responses)
	}
	if n := countPaged(t, e, id); n != 21 {
		t.Fatalf("%d responses in pages, want 21", n)
	}
}

// countPaged counts the responses in a survey's pages (what the response
// export reads).
func countPaged(t *testing.T, e *apitest.Env, id string) int {
	t.Helper()
	ctx := context.Background()
	cur, err := e.Store.Responses(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close(ctx)
	n := 0
	for {
		if _, err := cur.Next(ctx); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			return n
		}
		n++
	}
}
