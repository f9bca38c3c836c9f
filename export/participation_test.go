package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// participationRelease is a release of n simulated responses to an
// example survey.
func participationRelease(tb testing.TB, name, id string, n int) Release {
	tb.Helper()
	def, err := surveystest.Example(name)
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, uint64(n)))
	tally := surveys.NewTally()
	for range n {
		raw := map[string]json.RawMessage{}
		for q, v := range simulate.Answers(def, rng) {
			if raw[q], err = json.Marshal(v); err != nil {
				tb.Fatal(err)
			}
		}
		answers, err := def.ParseAnswers(raw)
		if err != nil {
			tb.Fatal(err)
		}
		tally.Add(def, &surveys.Response{Revision: 1, Lang: "sv", Day: "2027-03-20", Answers: answers})
	}
	k := def.Threshold()
	return Release{SurveyID: id, Revision: 1, Def: def, Protected: surveys.Disclose(def, tally, k), K: k, N: n, Day: "2027-03-31", Final: true, Collected: n}
}

// participationSource is the example consultation, decided, with a
// release of its first survey (the second has none yet) and an outcome
// citing it, updated once.
func participationSource(t *testing.T) ParticipationSource {
	t.Helper()
	ids := map[string]string{"youth-policy-consultation.json": "s1", "safety-online-offline.json": "s2"}
	b, err := examples.Consultation("youth-plan-2027.json", ids)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) *time.Time {
		d, _ := time.Parse(time.RFC3339, s)
		return &d
	}
	c := &surveys.Consultation{ID: "c1", OrgID: "o", State: surveys.ConsultationDecided, CreatedAt: *at("2027-01-10T09:00:00Z"),
		UpdatedAt: *at("2027-06-20T09:00:00Z"), OpenedAt: at("2027-02-01T07:00:00Z"), AnalysingAt: at("2027-04-01T07:00:00Z"),
		DecidedAt: at("2027-06-15T07:00:00Z")}
	if err := json.Unmarshal(b, &c.Definition); err != nil {
		t.Fatal(err)
	}
	rel := participationRelease(t, "youth-policy-consultation.json", "s1", 400)
	rs := &surveys.ReleasedSurvey{Ref: surveys.ReleaseRef{Survey: "s1", Revision: 1, Responses: 400, Day: "2027-03-31", Final: true},
		Title: rel.Def.Title, Protected: rel.Protected}
	cited, fe := rs.Cite("/f", surveys.Citation{Survey: "s1", Question: "places_wanted", Option: "youth_centre"}, c.Definition.Languages)
	if fe != nil {
		t.Fatalf("cite: %+v", fe)
	}
	pub, updates, err := examples.Outcome("youth-plan-2027.json", ids)
	if err != nil {
		t.Fatal(err)
	}
	var in surveys.OutcomeInput
	var up surveys.OutcomeUpdateInput
	if err := json.Unmarshal(pub, &in); err != nil || json.Unmarshal(updates[0], &up) != nil {
		t.Fatal(err)
	}
	o := surveys.NewOutcome(c, &in, []surveys.Finding{{Text: in.Findings[0].Text, Cites: []surveys.CitedNumber{cited}}}, *at("2027-06-18T10:00:00Z"))
	if err := o.Append(&up, nil, *at("2027-11-21T10:00:00Z")); err != nil {
		t.Fatal(err)
	}
	return ParticipationSource{Consultation: c, Outcome: o, Releases: []Release{rel, {SurveyID: "s2"}}}
}

// The report holds each survey's released counts by age band and region
// as the release shows them (never summed), a survey without a release
// as such, the findings' stored numbers, the decisions as they stand and
// the timeline.
func TestBuildParticipation(t *testing.T) {
	src := participationSource(t)
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	p := BuildParticipation(src, "ar", "ar", cat)
	if p.Dir != "rtl" || len(p.Surveys) != 2 || p.Surveys[0].Responses != 400 || !p.Surveys[1].Withheld || p.Day != "2027-11-21" {
		t.Fatalf("%+v", p)
	}
	rel := src.Releases[0]
	for _, b := range []struct {
		got *ParticipationBreakdown
		by  string
	}{{p.Surveys[0].AgeBand, "age_band"}, {p.Surveys[0].Region, "area"}} {
		want := rel.Protected.Results("ar", b.by, cat.Message("ar", "text.not_answered", nil)).Groups[1:]
		if b.got == nil || len(b.got.Groups) != len(want) {
			t.Fatalf("%s: %+v", b.by, b.got)
		}
		for i, g := range want {
			got := b.got.Groups[i]
			if got.Label != g.Label || got.Hidden != g.Hidden || (g.N != nil && g.N.N != nil && (got.Count.N == nil || *got.Count.N != *g.N.N)) {
				t.Fatalf("%s group %d: %+v, released %+v", b.by, i, got, g)
			}
		}
	}
	c := p.Findings[0].Cites[0]
	if c.Count != src.Outcome.Findings[0].Cites[0].Count || c.Option != "مراكز شباب تبقى مفتوحة لوقت أطول" || c.N != 400 {
		t.Fatalf("cite %+v", c)
	}
	if len(p.Decisions) != 5 || p.Decisions[4].Status != cat.Message("ar", "decision.status.adopted", nil) || len(p.Updates) != 1 || len(p.Updates[0].Changes) != 1 {
		t.Fatalf("decisions %+v updates %+v", p.Decisions, p.Updates)
	}
	var labels []string
	for _, e := range p.Timeline {
		labels = append(labels, e.Label+" "+e.Day)
	}
	if !slices.Contains(labels, cat.Message("ar", "participation.timeline.outcome", nil)+" 2027-06-18") || len(labels) != 8 {
		t.Fatalf("timeline %v", labels)
	}
}

// The PDF in Arabic reads back with pdftotext: the title, the headings
// and a decision's words; a script the report cannot print is ErrScript
// and nothing is written.
func TestWriteParticipationPDF(t *testing.T) {
	src := participationSource(t)
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"ar", "sv"} {
		p := BuildParticipation(src, lang, lang, cat)
		var buf bytes.Buffer
		if err := WriteParticipationPDF(&buf, p); err != nil {
			t.Fatal(err)
		}
		pdfCheckStructure(t, buf.Bytes())
		words, numbers := pdfLetterWords(pdfToText(t, buf.Bytes()))
		read := " " + strings.Join(words, " ") + " "
		for _, want := range []string{p.Title, p.Labels.TakingPart, p.Labels.Findings, p.Labels.Decisions, p.Decisions[1].Reason, p.Timeline[0].Label} {
			w, _ := pdfLetterWords(want)
			if !strings.Contains(read, " "+strings.Join(w, " ")+" ") {
				t.Errorf("%s: %q not read back", lang, want)
			}
		}
		if !slices.Contains(numbers, "400") || !slices.Contains(numbers, strconv.Itoa(p.Findings[0].Cites[0].Count)) {
			t.Errorf("%s: the numbers not read back: %v", lang, numbers)
		}
	}
	p := BuildParticipation(src, "en", "en", cat)
	p.Decisions[0].Proposal = "नमस्ते"
	var buf bytes.Buffer
	if err := WriteParticipationPDF(&buf, p); !errors.Is(err, ErrScript) || buf.Len() != 0 {
		t.Fatalf("Devanagari: %v, %d bytes", err, buf.Len())
	}
}

// The XLSX: right to left in Arabic, counts as numbers, one findings row
// per cited number, the decisions as they stand.
func TestWriteParticipationXLSX(t *testing.T) {
	src := participationSource(t)
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	p := BuildParticipation(src, "ar", "ar", cat)
	var buf bytes.Buffer
	if err := WriteParticipationXLSX(&buf, p); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) != 4 || sheets[0] != p.Labels.TakingPart {
		t.Fatalf("sheets %v", sheets)
	}
	for _, s := range sheets {
		if v, err := f.GetSheetView(s, 0); err != nil || v.RightToLeft == nil || !*v.RightToLeft {
			t.Fatalf("%s is not right to left: %v", s, err)
		}
	}
	rows, _ := f.GetRows(sheets[0])
	found := false
	for i, r := range rows {
		if len(r) >= 3 && r[1] == p.Labels.Responses && r[2] == "400" {
			cell, _ := excelize.CoordinatesToCellName(3, i+1)
			if typ, _ := f.GetCellType(sheets[0], cell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Fatalf("responses cell is %v", typ)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("no responses row: %v", rows)
	}
	findings, _ := f.GetRows(sheets[1])
	if len(findings) != 5 || findings[3][2] != p.Labels.SurveyQuestion || findings[4][5] != strconv.Itoa(p.Findings[0].Cites[0].Count) {
		t.Fatalf("findings %v", findings)
	}
	decisions, _ := f.GetRows(sheets[2])
	if decisions[4+4][1] != cat.Message("ar", "decision.status.adopted", nil) {
		t.Fatalf("decisions %v", decisions)
	}
}
