package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// The comparison workflow on a real embedded store: who may compare what
// (the summary's rule: the organisation's own surveys, and those shared
// with it), its refusals in order, a wave without a release, and the
// files audited as exports of both surveys, in the owner's log too for a
// shared one.
func TestCompareWorkflow(t *testing.T) {
	racetest.SkipSingleFlow(t)
	ctx := context.Background()
	st := storetest.Open(t)
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	owner, _, err := st.CreateOrg(ctx, "Kommunen", now)
	if err != nil {
		t.Fatal(err)
	}
	ministry, _, err := st.CreateOrg(ctx, "Departementet", now)
	if err != nil {
		t.Fatal(err)
	}
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	a := app.New(app.Options{Store: st, HashKey: []byte("0123456789abcdef0123456789abcdef"), Metrics: app.NewMetrics(reg)})
	defer a.Shutdown(ctx)
	rng := rand.New(rand.NewPCG(2, 2))
	waveOf := func(id string, n int, def *surveys.Definition) *surveys.Survey {
		sv := &surveys.Survey{ID: id, OrgID: owner.ID, Status: surveys.Draft, Draft: *def, CreatedAt: now, UpdatedAt: now}
		if err := st.CreateSurvey(ctx, sv); err != nil {
			t.Fatal(err)
		}
		rev, err := sv.Publish(now)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SaveSurvey(ctx, sv, &rev); err != nil {
			t.Fatal(err)
		}
		revisions := func(_ context.Context, sv *surveys.Survey, _ int) (*surveys.Definition, error) { return &sv.Draft, nil }
		for range n {
			var sub surveys.Submission
			b, _ := json.Marshal(simulate.Submission(def, 1, rng))
			if err := json.Unmarshal(b, &sub); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Submit(ctx, sv, &sub, revisions); err != nil {
				t.Fatal(err)
			}
		}
		// Closing freezes the release: the numbers compared.
		if err := sv.Close(now); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveSurvey(ctx, sv, nil); err != nil {
			t.Fatal(err)
		}
		if err := a.AfterClose(ctx, sv); err != nil {
			t.Fatal(err)
		}
		return sv
	}
	wave := func(id string, n int) *surveys.Survey { return waveOf(id, n, def) }
	this, last := wave("this", 30), wave("last", 20)
	wave("empty", 0)
	// Last year's survey without gender as a breakdown question, and one
	// with another gender code.
	noGender, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	noGender.Question("gender").Breakdown = false
	waveOf("nogender", 20, noGender)
	otherCodes, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	g := otherCodes.Question("gender")
	g.Options[len(g.Options)-1].Code = "prefer_not"
	waveOf("othercodes", 20, otherCodes)
	mine := surveys.Token{ID: "t1", OrgID: owner.ID, Role: surveys.Analyst}
	theirs := surveys.Token{ID: "t2", OrgID: ministry.ID, Role: surveys.Analyst}
	req := func(cur, prev string, level int) app.CompareRequest {
		return app.CompareRequest{Current: cur, Previous: prev, Level: level, Lang: "en"}
	}
	by := func(cur, prev, by string) app.CompareRequest {
		return app.CompareRequest{Current: cur, Previous: prev, Level: 95, Lang: "en", By: by}
	}
	pointer := func(err error) string {
		var ve *surveys.ValidationError
		if !errors.As(err, &ve) {
			return ""
		}
		return ve.Errors[0].Pointer + " " + string(ve.Errors[0].Code)
	}
	for _, c := range []struct {
		who  surveys.Token
		r    app.CompareRequest
		want string
	}{
		{theirs, req("this", "last", 95), "not found"},
		{mine, req("nosuch", "last", 95), "not found"},
		{mine, req("this", "", 95), "/with required"},
		{mine, req("this", "this", 95), "/with same_survey"},
		{mine, req("this", "nosuch", 95), "/with unknown_survey"},
		{mine, req("this", "last", 80), "/level ci_level"},
		{mine, req("this", "empty", 95), "withheld empty"},
		{mine, by("this", "last", "nosuch"), "/by unknown_question"},
		{mine, by("this", "last", "wellbeing"), "/by not_breakdown"},
		{mine, by("this", "nogender", "gender"), "/by by_not_in_previous"},
		{mine, by("this", "othercodes", "gender"), "/by by_codes_differ"},
		{mine, by("nogender", "this", "gender"), "/by not_breakdown"},
		{theirs, by("this", "last", "nosuch"), "not found"},
	} {
		_, err := a.Compare(ctx, c.who, c.r, nil, cat)
		var we *surveys.WithheldError
		got := pointer(err)
		switch {
		case errors.Is(err, surveys.ErrNotFound):
			got = "not found"
		case errors.As(err, &we):
			got = "withheld " + we.Survey
		}
		if got != c.want {
			t.Errorf("%+v: %v, want %s", c.r, err, c.want)
		}
	}

	cmp, err := a.Compare(ctx, mine, req("this", "last", 99), nil, cat)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Doc.Level != 99 || cmp.Doc.Current.Responses != 30 || cmp.Doc.Previous.Responses != 20 || cmp.Doc.Lang != "en" || len(cmp.Doc.Questions) == 0 {
		t.Fatalf("comparison %+v %+v level %d lang %s", cmp.Doc.Current, cmp.Doc.Previous, cmp.Doc.Level, cmp.Doc.Lang)
	}
	if _, err := a.ComparisonFile(ctx, mine, cmp, "ods"); !errors.Is(err, app.ErrUnsupportedFormat) {
		t.Errorf("ods: %v", err)
	}
	// By gender: the groups of both waves, the groups' words.
	grouped, err := a.Compare(ctx, mine, by("this", "last", "gender"), nil, cat)
	if err != nil {
		t.Fatal(err)
	}
	if grouped.Doc.By != "gender" || len(grouped.Doc.Groups) != len(def.Question("gender").Options)+1 || grouped.Doc.Groups[0].Label == "" {
		t.Fatalf("by gender: %q, %d groups", grouped.Doc.By, len(grouped.Doc.Groups))
	}
	for _, g := range grouped.Doc.Groups {
		if (g.NotCompared != "") != (g.Why != "") {
			t.Errorf("group %s: not compared %q, why %q", g.Code, g.NotCompared, g.Why)
		}
	}
	if b, err := a.ComparisonFile(ctx, mine, grouped, "pdf"); err != nil || !strings.HasPrefix(string(b), "%PDF-") {
		t.Fatalf("pdf: %v", err)
	}
	if b, err := a.ComparisonFile(ctx, mine, cmp, "csv"); err != nil || !strings.Contains(string(b), "_left_out") {
		t.Fatalf("csv: %v", err)
	}
	// Shared with the ministry, this year only, then last year too.
	if _, err := a.Share(ctx, surveys.Token{ID: "o", OrgID: owner.ID, Role: surveys.Owner}, this, ministry.ID, "/org_id"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Compare(ctx, theirs, req("this", "last", 95), nil, cat); pointer(err) != "/with unknown_survey" {
		t.Errorf("last year not shared: %v", err)
	}
	if _, err := a.Share(ctx, surveys.Token{ID: "o", OrgID: owner.ID, Role: surveys.Owner}, last, ministry.ID, "/org_id"); err != nil {
		t.Fatal(err)
	}
	shared, err := a.Compare(ctx, theirs, req("this", "last", 95), nil, cat)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ComparisonFile(ctx, theirs, shared, "xlsx"); err != nil {
		t.Fatal(err)
	}
	// Each file is counted in the export metrics, a refused format not.
	exported := map[string]uint64{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "youthvoice_export_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			exported[labels["kind"]+"/"+labels["format"]] += m.GetHistogram().GetSampleCount()
		}
	}
	if exported["comparison/csv"] != 1 || exported["comparison/xlsx"] != 1 || exported["comparison/pdf"] != 1 || exported["comparison/ods"] != 0 {
		t.Errorf("comparison exports counted %v, want one csv, xlsx and pdf each", exported)
	}
	details := func(org string) map[string]int {
		entries, err := st.AuditLog(ctx, org, time.Time{}, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, e := range entries {
			if e.Action == "export" {
				out[e.SurveyID+" "+e.Detail]++
			}
		}
		return out
	}
	wantOwner := map[string]int{
		"this compare/this/last/csv/en": 1, "last compare/this/last/csv/en": 1,
		"this compare/this/last/pdf/en": 1, "last compare/this/last/pdf/en": 1,
		"this compare/this/last/xlsx/en/by/" + ministry.ID: 1, "last compare/this/last/xlsx/en/by/" + ministry.ID: 1,
	}
	wantMinistry := map[string]int{"this compare/this/last/xlsx/en": 1, "last compare/this/last/xlsx/en": 1}
	for _, c := range []struct {
		org  string
		want map[string]int
	}{{owner.ID, wantOwner}, {ministry.ID, wantMinistry}} {
		got := details(c.org)
		if len(got) != len(c.want) {
			t.Errorf("%s: audited %v, want %v", c.org, got, c.want)
		}
		for k, n := range c.want {
			if got[k] != n {
				t.Errorf("%s: %q audited %d times", c.org, k, got[k])
			}
		}
	}
}
