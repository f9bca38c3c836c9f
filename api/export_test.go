package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
)

// submissions makes n simulated submissions to a survey's first revision,
// in order (e.Submit sends them).
func submissions(def *surveys.Definition, n int, rng *rand.Rand) []map[string]any {
	subs := make([]map[string]any, n)
	for i := range subs {
		subs[i] = simulate.Submission(def, 1, rng)
	}
	return subs
}

// surveyWithResponses publishes an example survey and submits n generated
// responses, with their release made.
func surveyWithResponses(t *testing.T, e *apitest.Env, n int) (string, string, *surveys.Definition) {
	t.Helper()
	id, owner, def := publishExample(t, e, "youth-policy-consultation.json")
	rng := rand.New(rand.NewPCG(11, 11))
	e.Submit(id, submissions(def, n, rng))
	e.Server.FlushSummaries(context.Background())
	e.Clock.Advance(2 * time.Second)
	return id, owner, def
}

// The CSV summary export holds exactly the numbers of the summary API.
func TestSummaryExportCSVMatchesTheAPI(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel()
	e := apitest.New(t)
	id, owner, _ := surveyWithResponses(t, e, 150)
	r := e.Do("GET", "/v1/org/surveys/"+id+"/export?kind=summary&format=csv&lang=sv", nil, bearer(owner)...)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("%d %v %s", r.Status, r.Header, r.Body[:min(200, len(r.Body))])
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil || len(rows) < 20 {
		t.Fatalf("csv: %v, %d rows", err, len(rows))
	}
	header := rows[0]
	col := func(name string) int {
		for i, h := range header {
			if strings.EqualFold(h, name) {
				return i
			}
		}
		t.Fatalf("no column %q in %v", name, header)
		return -1
	}
	_, summary := getSummary(t, e, owner, id, "?lang=sv")
	want := map[string]string{} // question/option -> count as shown by the API
	for _, q := range summary.Results.Groups[0].Questions {
		for _, o := range q.Options {
			if o.Count.Suppressed {
				want[q.ID+"/"+o.Code] = "suppressed"
			} else {
				want[q.ID+"/"+o.Code] = strconv.Itoa(*o.Count.N)
			}
		}
	}
	found := 0
	for _, row := range rows[1:] {
		if row[col("breakdown")] != "" {
			continue
		}
		if w, ok := want[row[col("question")]+"/"+row[col("option")]]; ok {
			found++
			got := row[col("count")]
			if w == "suppressed" && got == "" || w != "suppressed" && got != w {
				t.Errorf("%s/%s: csv %q, api %q", row[col("question")], row[col("option")], got, w)
			}
		}
	}
	if found != len(want) {
		t.Fatalf("csv has %d of %d option cells", found, len(want))
	}
}

func TestSummaryExportXLSXAndFormats(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel() // long, and mostly waiting on its own summarizer
	e := apitest.New(t)
	id, owner, _ := surveyWithResponses(t, e, 150)
	r := e.Do("GET", "/v1/org/surveys/"+id+"/export?format=xlsx&lang=en", nil, bearer(owner)...)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.GetSheetList()) < 3 {
		t.Fatalf("sheets: %v", f.GetSheetList())
	}
	// Every option count of the overview sheet is the summary API's.
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	sheet := map[string]string{} // question text + option label -> count cell
	for _, row := range rows {
		if len(row) >= 3 {
			sheet[row[0]+"|"+row[1]] = row[2]
		}
	}
	_, summary := getSummary(t, e, owner, id, "?lang=en")
	checked := 0
	for _, q := range summary.Results.Groups[0].Questions {
		for _, o := range q.Options {
			got, ok := sheet[q.Text+"|"+o.Label]
			if !ok {
				t.Errorf("xlsx lacks %s / %s", q.ID, o.Code)
				continue
			}
			want := "suppressed"
			if !o.Count.Suppressed {
				want = strconv.Itoa(*o.Count.N)
			}
			if got != want {
				t.Errorf("xlsx %s / %s: %q, api %q", q.ID, o.Code, got, want)
			}
			checked++
		}
	}
	if checked < 20 {
		t.Fatalf("compared only %d cells", checked)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/export?format=json&lang=en", nil, bearer(owner)...); r.Status != 200 || !strings.Contains(string(r.Body), `"survey_id"`) {
		t.Fatalf("json: %d", r.Status)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/export?format=pdf&lang=sv", nil, bearer(owner)...); r.Status != 200 || !bytes.HasPrefix(r.Body, []byte("%PDF")) {
		t.Fatalf("pdf: %d %s", r.Status, r.Body[:min(200, len(r.Body))])
	}
	// Arabic is shaped and laid out right to left (it was a 422
	// pdf_script; export_pdf_arabic_test.go reads the report back).
	r = e.Do("GET", "/v1/org/surveys/"+id+"/export?format=pdf&lang=ar", nil, append(bearer(owner), "Accept-Language", "sv")...)
	if r.Status != 200 || !bytes.HasPrefix(r.Body, []byte("%PDF")) {
		t.Fatalf("arabic pdf: %d %s", r.Status, r.Body[:min(200, len(r.Body))])
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/export?format=docx", nil, bearer(owner)...); r.Status != 422 {
		t.Fatalf("docx: %d", r.Status)
	}
}

// The JSON summary export is the summary API's release document, in the
// API's snake_case, plus every breakdown and the method note: one shape.
// Before, it was the Go struct (SurveyID, Overall, "Released": "").
func TestSummaryExportJSONIsTheSummaryDocument(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel()
	e := apitest.New(t)
	id, owner, def := surveyWithResponses(t, e, 60)
	getJSON := func(path string) map[string]any {
		t.Helper()
		r := e.Do("GET", path, nil, bearer(owner)...)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		var m map[string]any
		r.JSON(t, &m)
		return m
	}
	exp := getJSON("/v1/org/surveys/" + id + "/export?format=json&lang=en")
	var keys []string
	for k := range exp {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := "breakdowns dir lang method notes released results revision status survey_id title view"; strings.Join(keys, " ") != want {
		t.Fatalf("export keys %v, want %s", keys, want)
	}
	if exp["view"] != "release" || exp["released"] == "" {
		t.Errorf("view %v, released %v", exp["view"], exp["released"])
	}
	method, _ := exp["method"].([]any)
	if len(method) < 4 {
		t.Errorf("method note %v", exp["method"])
	}
	breakdowns, _ := exp["breakdowns"].([]any)
	var dims []string
	for _, q := range def.Questions() {
		if q.Breakdown {
			dims = append(dims, q.ID)
		}
	}
	if len(breakdowns) != len(dims) || len(dims) == 0 {
		t.Fatalf("%d breakdowns, want %d", len(breakdowns), len(dims))
	}
	// Each breakdown is the summary's results with ?by=.
	for i, b := range breakdowns {
		b := b.(map[string]any)
		if b["id"] != dims[i] || b["label"] == "" {
			t.Errorf("breakdown %d: id %v, label %v", i, b["id"], b["label"])
		}
		by := getJSON("/v1/org/surveys/" + id + "/summary?lang=en&by=" + dims[i])
		if !reflect.DeepEqual(b["results"], by["results"]) {
			t.Errorf("breakdown %s differs from the summary by it", dims[i])
		}
	}
	// Without its breakdowns and method note, it is the summary.
	delete(exp, "breakdowns")
	delete(exp, "method")
	if sum := getJSON("/v1/org/surveys/" + id + "/summary?lang=en"); !reflect.DeepEqual(exp, sum) {
		t.Errorf("export without breakdowns and method:\n%v\nsummary:\n%v", exp, sum)
	}

	// Before the first release nothing is an empty placeholder: no
	// "released", no "final".
	fresh, owner2, _ := publishExample(t, e, "youth-policy-consultation.json")
	r := e.Do("GET", "/v1/org/surveys/"+fresh+"/export?format=json&lang=en", nil, bearer(owner2)...)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var none map[string]any
	r.JSON(t, &none)
	for _, k := range []string{"released", "final", "Released", "SurveyID"} {
		if _, ok := none[k]; ok {
			t.Errorf("a survey without release: %q present in %s", k, r.Body)
		}
	}
	if res, _ := none["results"].(map[string]any); res["withheld"] != true {
		t.Errorf("results %v", none["results"])
	}
}

func TestResponseExport(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	id, owner, def := surveyWithResponses(t, e, 40)
	r := e.Do("GET", "/v1/org/surveys/"+id+"/export?kind=responses&format=csv", nil, bearer(owner)...)
	rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if r.Status != 200 || err != nil || len(rows) != 41 {
		t.Fatalf("%d %v %d rows", r.Status, err, len(rows))
	}
	if rows[0][0] != "day" || len(rows[0]) != len(rows[1]) {
		t.Fatalf("header %v", rows[0])
	}
	body := string(r.Body)
	for _, bad := range []string{"ung.person@example.com", "070-123 45 67"} {
		if strings.Contains(body, bad) {
			t.Errorf("export holds %q", bad)
		}
	}
	// The rows are exactly the stored responses, each once.
	var want []string
	err = e.Store.EachStoredResponse(context.Background(), id, func(resp *surveys.Response) error {
		want = append(want, strings.Join(export.ResponseRow(def, resp), "\x1f"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, row := range rows[1:] {
		got = append(got, strings.Join(row, "\x1f"))
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("exported rows differ from the stored responses (%d rows, %d stored)", len(got), len(want))
	}
	// The workbook holds the same rows.
	x := e.Do("GET", "/v1/org/surveys/"+id+"/export?kind=responses&format=xlsx", nil, bearer(owner)...)
	if x.Status != 200 || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheetml") || !strings.HasSuffix(x.Header.Get("Content-Disposition"), `.xlsx"`) {
		t.Fatalf("xlsx: %d %v", x.Status, x.Header)
	}
	book, err := excelize.OpenReader(bytes.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	xrows, err := book.GetRows("responses")
	if err != nil || len(xrows) != 41 || strings.Join(xrows[0], ",") != strings.Join(rows[0], ",") {
		t.Fatalf("xlsx: %v, %d rows", err, len(xrows))
	}
	// Gzip only for a client that asks for it.
	for _, accept := range []string{"", "identity", "gzip"} {
		req, _ := http.NewRequest("GET", e.URL+"/v1/org/surveys/"+id+"/export?kind=responses", nil)
		req.Header.Set("Authorization", "Bearer "+owner)
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		gzipped := resp.Header.Get("Content-Encoding") == "gzip"
		if gzipped != (accept == "gzip") || (!gzipped && !bytes.Equal(raw, r.Body)) {
			t.Fatalf("Accept-Encoding %q: Content-Encoding %q", accept, resp.Header.Get("Content-Encoding"))
		}
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/export?kind=responses&format=pdf", nil, bearer(owner)...); r.Status != 422 {
		t.Fatalf("responses as pdf: %d", r.Status)
	}
	analyst := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "analyst"}, bearer(owner)...).Map(t)["token"].(string)
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/export?kind=responses", nil, bearer(analyst)...); r.Status != 403 {
		t.Fatalf("analyst response export: %d", r.Status)
	}
}

// A ministry the survey is shared with reads and exports summaries, gets
// 404 for everything else, and loses access at once when unshared; every
// export shows in the audit log.
func TestSharingWithAMinistry(t *testing.T) {
	racetest.SkipSingleFlow(t) // requests in turn
	t.Parallel()               // waits on its own summarizer mostly
	e := apitest.New(t)
	id, owner, _ := surveyWithResponses(t, e, 150)
	ministry, ministryOwner := e.Org("Socialdepartementet")
	analyst := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "analyst"}, bearer(ministryOwner)...).Map(t)["token"].(string)
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/summary", nil, bearer(analyst)...); r.Status != 404 {
		t.Fatalf("before sharing: %d", r.Status)
	}
	if r := e.Do("POST", "/v1/org/surveys/"+id+"/shares", map[string]string{"org_id": ministry}, bearer(owner)...); r.Status != 201 {
		t.Fatalf("share: %d %s", r.Status, r.Body)
	}
	var shared struct{ Surveys []struct{ ID string } }
	e.Do("GET", "/v1/org/shared", nil, bearer(analyst)...).JSON(t, &shared)
	if len(shared.Surveys) != 1 || shared.Surveys[0].ID != id {
		t.Fatalf("shared list: %+v", shared)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/summary?by=age_band", nil, bearer(analyst)...); r.Status != 200 {
		t.Fatalf("shared summary: %d", r.Status)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/export?format=xlsx", nil, bearer(analyst)...); r.Status != 200 {
		t.Fatalf("shared export: %d", r.Status)
	}
	for _, path := range []string{"/export?kind=responses", "", "/translations", "/revisions/1"} {
		if r := e.Do("GET", "/v1/org/surveys/"+id+path, nil, bearer(analyst)...); r.Status != 404 {
			t.Errorf("ministry GET %s: %d", path, r.Status)
		}
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/summary?view=live", nil, bearer(ministryOwner)...); r.Status != 403 {
		t.Errorf("ministry live view: %d", r.Status)
	}
	if r := e.Do("DELETE", "/v1/org/surveys/"+id+"/shares/"+ministry, nil, bearer(owner)...); r.Status != 204 {
		t.Fatalf("unshare: %d", r.Status)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/summary", nil, bearer(analyst)...); r.Status != 404 {
		t.Fatalf("after unsharing: %d", r.Status)
	}
	// The owner's audit log has the publication, the share, the exports.
	var log struct {
		Entries []struct{ Action, Detail string }
	}
	e.Do("GET", "/v1/org/audit?limit=100", nil, bearer(owner)...).JSON(t, &log)
	actions := map[string]int{}
	for _, en := range log.Entries {
		actions[en.Action]++
	}
	if actions["publish"] != 1 || actions["share"] != 1 || actions["unshare"] != 1 || actions["export"] != 1 || actions["token_create"] != 0 {
		t.Errorf("owner's audit: %v", actions)
	}
	var mlog struct {
		Entries []struct{ Action, Detail string }
	}
	e.Do("GET", "/v1/org/audit", nil, bearer(ministryOwner)...).JSON(t, &mlog)
	exports := 0
	for _, en := range mlog.Entries {
		if en.Action == "export" {
			exports++
		}
	}
	if exports != 1 {
		t.Errorf("ministry's audit: %+v", mlog.Entries)
	}
	// Paging one entry at a time gives every entry once.
	var paged []string
	query := "?limit=1"
	for range 50 {
		var page struct {
			Entries               []struct{ ID string }
			NextBefore, NextAfter string `json:"-"`
		}
		r := e.Do("GET", "/v1/org/audit"+query, nil, bearer(owner)...)
		m := r.Map(t)
		r.JSON(t, &page)
		for _, en := range page.Entries {
			paged = append(paged, en.ID)
		}
		nb, ok := m["next_before"].(string)
		if !ok {
			break
		}
		query = "?limit=1&before=" + url.QueryEscape(nb) + "&after=" + m["next_after"].(string)
	}
	if len(paged) != len(log.Entries) {
		t.Errorf("paging gave %d entries of %d", len(paged), len(log.Entries))
	}
	if r := e.Do("GET", "/v1/org/audit", nil, bearer(analyst)...); r.Status != 403 {
		t.Errorf("analyst audit: %d", r.Status)
	}
}

// A response export that fails half-way is a failed download, never a
// complete-looking shorter file.
func TestResponseExportFailingHalfWay(t *testing.T) {
	t.Parallel()
	var rows atomic.Int64 // counted by the server's goroutines
	e := apitest.New(t, apitest.Options{Prepare: func(s *api.Server) {
		api.SetFaults(s, func(step string) error {
			if step == "exporting" && rows.Add(1) > 25 {
				return errors.New("injected failure")
			}
			return nil
		})
	}})
	id, owner, _ := surveyWithResponses(t, e, 40)
	for _, format := range []string{"csv", "xlsx"} {
		rows.Store(0)
		req, _ := http.NewRequest("GET", e.URL+"/v1/org/surveys/"+id+"/export?kind=responses&format="+format, nil)
		req.Header.Set("Authorization", "Bearer "+owner)
		resp, err := e.Client.Do(req)
		if err != nil {
			continue // the XLSX is written at the end: nothing was sent yet
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || err == nil {
			t.Fatalf("%s: status %d, %d bytes read without error", format, resp.StatusCode, len(body))
		}
	}
	if !strings.Contains(e.Logs.String(), "response export failed") {
		t.Fatal("the failure is not logged")
	}
}

// A client that goes away in the middle of a response export, or only
// asks for its headers, leaves the server running and its connections
// sound.
func TestResponseExportAbandoned(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.Options{Prepare: func(s *api.Server) {
		api.SetFaults(s, func(step string) error {
			if step == "exporting" {
				time.Sleep(2 * time.Millisecond) // a slow stream
			}
			return nil
		})
	}})
	id, owner, _ := surveyWithResponses(t, e, 60)
	host := strings.TrimPrefix(e.URL, "http://")
	for range 3 {
		conn, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET /v1/org/surveys/%s/export?kind=responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", id, owner)
		buf := make([]byte, 512)
		if _, err := conn.Read(buf); err != nil {
			t.Fatal(err)
		}
		conn.Close()
	}
	head, _ := http.NewRequest("HEAD", e.URL+"/v1/org/surveys/"+id+"/export?kind=responses", nil)
	head.Header.Set("Authorization", "Bearer "+owner)
	if resp, err := e.Client.Do(head); err != nil || resp.StatusCode != 200 {
		t.Fatalf("HEAD: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // the abandoned streams notice
	if r := e.Do("GET", "/healthz", nil); r.Status != 200 {
		t.Fatalf("healthz after abandoned exports: %d", r.Status)
	}
	r := e.Do("GET", "/v1/org/surveys/"+id+"/export?kind=responses", nil, bearer(owner)...)
	if rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll(); r.Status != 200 || err != nil || len(rows) != 61 {
		t.Fatalf("export after abandoned ones: %d %v %d rows", r.Status, err, len(rows))
	}
}

// ?by= a question that exists but is not a breakdown question says so,
// translated, naming the questions that are; an unknown id is still
// unknown_question. Before, both said "There is no question with this
// id". The summary and the public results take ?by= (the export has
// every breakdown at once).
func TestByAQuestionThatIsNotABreakdown(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	id, owner, _ := publishExample(t, e, "youth-policy-consultation.json")
	for _, path := range []string{"/v1/org/surveys/" + id + "/summary", "/v1/surveys/" + id + "/results"} {
		r := e.Do("GET", path+"?by=wellbeing", nil, append(bearer(owner), "Accept-Language", "sv")...)
		if r.Status != 422 {
			t.Fatalf("%s?by=wellbeing: %d %s", path, r.Status, r.Body)
		}
		p := problemOf(t, r)
		if len(p.Errors) != 1 || p.Errors[0].Pointer != "/by" || p.Errors[0].Code != "not_breakdown" ||
			!strings.Contains(p.Errors[0].Message, "wellbeing") || !strings.Contains(p.Errors[0].Message, "age_band, gender, area") ||
			!strings.Contains(p.Errors[0].Message, "Frågan") {
			t.Errorf("%s?by=wellbeing: %+v", path, p.Errors)
		}
		r = e.Do("GET", path+"?by=nope", nil, bearer(owner)...)
		if p := problemOf(t, r); r.Status != 422 || len(p.Errors) != 1 || p.Errors[0].Code != "unknown_question" {
			t.Errorf("%s?by=nope: %d %+v", path, r.Status, p.Errors)
		}
		if r := e.Do("GET", path+"?by=gender", nil, bearer(owner)...); r.Status != 200 {
			t.Errorf("%s?by=gender: %d %s", path, r.Status, r.Body)
		}
	}
}

// A survey written with its language codes in upper case ("SV", "EN",
// "AR") is accepted, stored under the canonical codes, and every text is
// found by them: the app's survey, its summary and its export in Arabic.
// Before, each code was an unknown_language and every text an
// undeclared_language.
func TestSurveyWithUpperCaseLanguageCodes(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Kommunen")
	b, err := examples.Survey("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	langs := map[string]bool{"sv": true, "en": true, "ar": true}
	var upper func(v any) any
	upper = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, x := range v {
				if langs[k] {
					k = strings.ToUpper(k)
				}
				out[k] = upper(x)
			}
			return out
		case []any:
			for i := range v {
				v[i] = upper(v[i])
			}
			return v
		case string:
			if langs[v] {
				return strings.ToUpper(v)
			}
		}
		return v
	}
	r := e.Do("POST", "/v1/org/surveys", upper(doc), bearer(owner)...)
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var created struct {
		ID         string             `json:"id"`
		Definition surveys.Definition `json:"definition"`
	}
	r.JSON(t, &created)
	if got := strings.Join(created.Definition.Languages, " "); got != "sv en ar" || created.Definition.DefaultLanguage != "sv" ||
		created.Definition.Title["ar"] == "" || created.Definition.Title["AR"] != "" {
		t.Fatalf("stored languages %q, default %q, title %v", got, created.Definition.DefaultLanguage, created.Definition.Title)
	}
	if r := e.Do("POST", "/v1/org/surveys/"+created.ID+"/publish", nil, bearer(owner)...); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	var app struct {
		Lang, Title string
	}
	r = e.Do("GET", "/v1/surveys/"+created.ID+"?lang=AR", nil)
	r.JSON(t, &app)
	if r.Status != 200 || app.Lang != "ar" || app.Title != created.Definition.Title["ar"] {
		t.Fatalf("app survey in AR: %d %+v", r.Status, app)
	}
	exp := e.Do("GET", "/v1/org/surveys/"+created.ID+"/export?format=json&lang=ar", nil, bearer(owner)...)
	var d export.Document
	exp.JSON(t, &d)
	if exp.Status != 200 || d.Lang != "ar" || d.Title != created.Definition.Title["ar"] {
		t.Fatalf("export in ar: %d %s %q", exp.Status, d.Lang, d.Title)
	}
}
