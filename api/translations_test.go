package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"mime/multipart"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/internal/racetest"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// translationsResult is the answer to an upload of a translator's file.
type translationsResult struct {
	SurveyID      string         `json:"survey_id"`
	Status        string         `json:"status"`
	Revision      int            `json:"revision"`
	DryRun        bool           `json:"dry_run"`
	Language      string         `json:"language"`
	LanguageAdded bool           `json:"language_added"`
	Counts        map[string]int `json:"counts"`
	Added         []string       `json:"added"`
	Changed       []string       `json:"changed"`
	Cleared       []string       `json:"cleared"`
	Unchanged     []string       `json:"unchanged"`
}

// definitionOf reads a survey's definition.
func definitionOf(t *testing.T, e *apitest.Env, tok, id string) map[string]any {
	t.Helper()
	r := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(tok)...)
	if r.Status != 200 {
		t.Fatalf("get survey: %d %s", r.Status, r.Body)
	}
	return r.Map(t)["definition"].(map[string]any)
}

// without removes one language from every text of a definition (a JSON
// tree), and the language from its list, so that two definitions can be
// compared in every other language.
func without(v any, lang string) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			if k == lang {
				if _, text := x.(string); text {
					continue
				}
			}
			out[k] = without(x, lang)
		}
		return out
	case []any:
		var out []any
		for _, x := range v {
			if x != lang {
				out = append(out, without(x, lang))
			}
		}
		return out
	}
	return v
}

// textIn reads the text of a key from a definition (JSON) in lang.
func textIn(def map[string]any, lang string, path ...any) string {
	var v any = def
	for _, p := range path {
		switch p := p.(type) {
		case string:
			v = v.(map[string]any)[p]
		case int:
			v = v.([]any)[p]
		}
	}
	s, _ := v.(map[string]any)[lang].(string)
	return s
}

// sheetRows maps the keys of a translator's workbook to their row numbers.
func sheetRows(t *testing.T, f *excelize.File) map[string]int {
	t.Helper()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for i, r := range rows[1:] {
		out[r[0]] = i + 2
	}
	return out
}

// The case: an Arabic translator's workbook goes out, some Arabic
// cells are filled in, and it comes back changing only Arabic.
func TestArabicTranslatorsWorkbookRoundTrip(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Ungdomsrådet")
	id := createSurvey(t, e, owner, smallSurvey(t))
	before := definitionOf(t, e, owner, id)

	r := e.Do("GET", "/v1/org/surveys/"+id+"/translations/ar?lang=sv", nil, bearer(owner)...)
	if r.Status != 200 || r.Header.Get("Content-Type") != xlsxType ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "-translations-ar.xlsx") || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("download: %d %v %s", r.Status, r.Header, r.Body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetList()[0]
	if sheet != "Översättningar" || f.GetSheetList()[1] != "Instruktioner" {
		t.Errorf("sheets %q: not in the organiser's language", f.GetSheetList())
	}
	if view, err := f.GetSheetView(sheet, 0); err != nil || view.RightToLeft == nil || !*view.RightToLeft {
		t.Errorf("the Arabic sheet is not right to left: %+v %v", view, err)
	}
	if panes, err := f.GetPanes(sheet); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}
	header, _ := f.GetRows(sheet)
	if want := []string{"Nyckel (ändra inte)", "Sammanhang", "Källtext (sv)", "Översättning (ar)", "Högst antal tecken"}; !reflect.DeepEqual(header[0], want) {
		t.Errorf("header %q", header[0])
	}
	rows := sheetRows(t, f)
	at := func(key, col string) string {
		v, _ := f.GetCellValue(sheet, col+strconv.Itoa(rows[key]))
		return v
	}
	if at("q.age_band.opt.16-19.label", "C") != "16–19 år" || at("q.age_band.opt.16-19.label", "D") != "16–19 سنة" ||
		at("q.age_band.opt.16-19.label", "E") != "2000" || !strings.Contains(at("q.age_band.opt.16-19.label", "B"), "Hur gammal är du?") {
		t.Errorf("option row: %q %q %q %q", at("q.age_band.opt.16-19.label", "B"), at("q.age_band.opt.16-19.label", "C"),
			at("q.age_band.opt.16-19.label", "D"), at("q.age_band.opt.16-19.label", "E"))
	}
	if got := at("q.hours.unit", "E"); got != "40" {
		t.Errorf("unit limit %q", got)
	}

	// The translator changes two texts, clears one and leaves the rest.
	set := func(key, text string) {
		if err := f.SetCellValue(sheet, "D"+strconv.Itoa(rows[key]), text); err != nil {
			t.Fatal(err)
		}
	}
	set("title", "الترفيه في البلدية")
	set("q.satisfied.labels.5", "راضٍ جداً جداً")
	set("q.why.text", "")
	var file bytes.Buffer
	if err := f.Write(&file); err != nil {
		t.Fatal(err)
	}

	// A dry run reports and stores nothing.
	r = e.Do("PUT", "/v1/org/surveys/"+id+"/translations/ar?dry_run=true", file.Bytes(), append(bearer(owner), "Content-Type", xlsxType)...)
	var res translationsResult
	if r.Status != 200 {
		t.Fatalf("dry run: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &res)
	if !res.DryRun || res.Counts["changed"] != 2 || !reflect.DeepEqual(definitionOf(t, e, owner, id), before) {
		t.Fatalf("dry run: %+v, or it stored something", res)
	}

	r = e.Do("PUT", "/v1/org/surveys/"+id+"/translations/ar", file.Bytes(), append(bearer(owner), "Content-Type", xlsxType)...)
	if r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	res = translationsResult{}
	r.JSON(t, &res)
	if res.SurveyID != id || res.DryRun || res.Language != "ar" || res.LanguageAdded || res.Status != "draft" ||
		!reflect.DeepEqual(res.Changed, []string{"title", "q.satisfied.labels.5"}) || !reflect.DeepEqual(res.Cleared, []string{"q.why.text"}) ||
		len(res.Added) != 0 || res.Counts["changed"] != 2 || res.Counts["cleared"] != 1 || res.Counts["added"] != 0 ||
		res.Counts["unchanged"] != len(rows)-3 || len(res.Unchanged) != len(rows)-3 {
		t.Errorf("report %+v (%d rows)", res, len(rows))
	}
	after := definitionOf(t, e, owner, id)
	if !reflect.DeepEqual(without(after, "ar"), without(before, "ar")) {
		t.Errorf("another language changed:\n%v\n%v", without(after, "ar"), without(before, "ar"))
	}
	if got := textIn(after, "ar", "title"); got != "الترفيه في البلدية" {
		t.Errorf("title %q", got)
	}
	if got := textIn(after, "ar", "sections", 0, "questions", 2, "labels", "5"); got != "راضٍ جداً جداً" {
		t.Errorf("label %q", got)
	}
	if got := textIn(after, "ar", "sections", 0, "questions", 3, "text"); got != "" {
		t.Errorf("cleared text %q", got)
	}
	if got := textIn(after, "ar", "thank_you"); got != "شكراً!" {
		t.Errorf("an untouched Arabic text changed: %q", got)
	}
	// The completeness report names the cleared text by key, with its source.
	r = e.Do("GET", "/v1/org/surveys/"+id+"/translations", nil, bearer(owner)...)
	var report struct {
		Complete  bool `json:"complete"`
		Languages []struct {
			Language     string   `json:"language"`
			Missing      []string `json:"missing"`
			MissingTexts []struct {
				Key, Pointer, Source string
			} `json:"missing_texts"`
		} `json:"languages"`
	}
	r.JSON(t, &report)
	ar := report.Languages[2]
	if report.Complete || ar.Language != "ar" || !reflect.DeepEqual(ar.Missing, []string{"/sections/0/questions/3/text"}) ||
		len(ar.MissingTexts) != 1 || ar.MissingTexts[0].Key != "q.why.text" || ar.MissingTexts[0].Source != "Varför?" {
		t.Errorf("completeness report %+v", report)
	}
	if len(report.Languages[0].MissingTexts) != 0 || report.Languages[0].MissingTexts == nil {
		t.Errorf("sv missing texts %v: want an empty list", report.Languages[0].MissingTexts)
	}
	// The upload is in the audit log.
	r = e.Do("GET", "/v1/org/audit", nil, bearer(owner)...)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"action":"translations"`) || !strings.Contains(string(r.Body), "ar: 0 added, 2 changed, 1 cleared") {
		t.Errorf("audit: %d %s", r.Status, r.Body)
	}
}

// The CSV file: UTF-8 with a byte order mark, the same columns; back as
// text/csv or as a multipart form's file; a new language is added.
func TestTranslatorsCSVRoundTrip(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Ungdomsrådet")
	id := createSurvey(t, e, owner, smallSurvey(t))
	before := definitionOf(t, e, owner, id)

	r := e.Do("GET", "/v1/org/surveys/"+id+"/translations/FI?format=csv", nil, append(bearer(owner), "Accept-Language", "en")...)
	if r.Status != 200 || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !bytes.HasPrefix(r.Body, []byte("\ufeffKey (do not change),Context,Source text (sv),Translation (fi),")) {
		t.Fatalf("download: %d %v %q", r.Status, r.Header, r.Body[:min(len(r.Body), 80)])
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range records[1:] {
		if len(rec) != 5 || rec[3] != "" {
			t.Fatalf("a new language's row %q", rec)
		}
		switch rec[0] {
		case "title":
			rec[3] = "Vapaa-aika kunnassa"
		case "q.hours.unit":
			rec[3] = "tuntia"
		}
	}
	var file bytes.Buffer
	w := csv.NewWriter(&file)
	w.Comma = ';' // as Excel saves it in Finland
	if err := w.WriteAll(records); err != nil {
		t.Fatal(err)
	}
	// As a multipart form's file, first as a dry run.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	part, _ := mw.CreateFormFile("file", "kaannokset.csv")
	part.Write(file.Bytes())
	mw.Close()
	r = e.Do("PUT", "/v1/org/surveys/"+id+"/translations/fi?dry_run=true", form.Bytes(), append(bearer(owner), "Content-Type", mw.FormDataContentType())...)
	var res translationsResult
	if r.Status != 200 {
		t.Fatalf("multipart dry run: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &res)
	if !res.DryRun || !res.LanguageAdded || !reflect.DeepEqual(res.Added, []string{"title", "q.hours.unit"}) || !reflect.DeepEqual(definitionOf(t, e, owner, id), before) {
		t.Fatalf("dry run %+v, or it stored something", res)
	}
	r = e.Do("PUT", "/v1/org/surveys/"+id+"/translations/fi", file.Bytes(), append(bearer(owner), "Content-Type", "text/csv; charset=utf-8")...)
	if r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	after := definitionOf(t, e, owner, id)
	if !reflect.DeepEqual(without(after, "fi"), without(before, "fi")) {
		t.Error("another language changed")
	}
	if langs := after["languages"].([]any); len(langs) != 4 || langs[3] != "fi" || textIn(after, "fi", "title") != "Vapaa-aika kunnassa" ||
		textIn(after, "fi", "sections", 0, "questions", 4, "unit") != "tuntia" {
		t.Errorf("after: languages %v, title %v", after["languages"], after["title"])
	}
}

// Unknown keys and texts over their limits are refused, each with its row
// and key, and nothing is stored.
func TestTranslatorsFileBadRowsAreRefused(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Ungdomsrådet")
	id := createSurvey(t, e, owner, smallSurvey(t))
	before := definitionOf(t, e, owner, id)
	file := "key,context,source,translation,max\n" +
		"title,,,عنوان جديد,2000\n" +
		"q.nope.text,,,نص,2000\n" +
		"q.hours.unit,,,\"" + strings.Repeat("س", 41) + "\",40\n" +
		"title,,,مرة أخرى,2000\n"
	r := e.Do("PUT", "/v1/org/surveys/"+id+"/translations/ar?lang=en", file, append(bearer(owner), "Content-Type", "text/csv")...)
	if r.Status != 422 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	p := problemOf(t, r)
	type row struct {
		Row            int
		Key, Code, Ptr string
	}
	var got []row
	for _, f := range p.Errors {
		got = append(got, row{f.Row, f.Key, f.Code, f.Pointer})
		if f.Message == "" || strings.HasPrefix(f.Message, "row.") || !strings.Contains(f.Message, strconv.Itoa(f.Row)) {
			t.Errorf("message %q", f.Message)
		}
	}
	want := []row{{3, "q.nope.text", "unknown_key", "/rows/3/key"}, {4, "q.hours.unit", "too_long", "/rows/4/translation"}, {5, "title", "duplicate", "/rows/5/key"}}
	if p.Type != "urn:youthvoice:problem:translation_rows" || !reflect.DeepEqual(got, want) {
		t.Errorf("problem %s %+v", p.Type, got)
	}
	if !strings.Contains(p.Errors[1].Message, "41") || !strings.Contains(p.Errors[1].Message, "40") {
		t.Errorf("too long: %q", p.Errors[1].Message)
	}
	if !reflect.DeepEqual(definitionOf(t, e, owner, id), before) {
		t.Error("a refused file changed the survey")
	}
}

// Who may download and upload, and what each language may be.
func TestTranslatorsFileRolesAndLanguages(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("mine")
	_, other := e.Org("theirs")
	id := createSurvey(t, e, owner, smallSurvey(t))
	r := e.Do("POST", "/v1/org/tokens", map[string]string{"role": "analyst"}, bearer(owner)...)
	analyst := r.Map(t)["token"].(string)
	r = e.Do("POST", "/v1/org/tokens", map[string]string{"role": "editor"}, bearer(owner)...)
	editor := r.Map(t)["token"].(string)
	csvFile := "key,context,source,translation\ntitle,,,عنوان\n"
	upload := func(tok, path string) int {
		return e.Do("PUT", path, csvFile, append(bearer(tok), "Content-Type", "text/csv")...).Status
	}
	base := "/v1/org/surveys/" + id + "/translations/"
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"analyst downloads", e.Do("GET", base+"ar?format=csv", nil, bearer(analyst)...).Status, 200},
		{"analyst uploads", upload(analyst, base+"ar"), 403},
		{"editor uploads", upload(editor, base+"ar"), 200},
		{"another organisation downloads", e.Do("GET", base+"ar", nil, bearer(other)...).Status, 404},
		{"another organisation uploads", upload(other, base+"ar"), 404},
		{"no token", e.Do("GET", base+"ar", nil).Status, 401},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	for _, c := range []struct {
		method, path, code, ptr string
	}{
		{"GET", base + "sv", "source_language", "/lang"},
		{"PUT", base + "SV", "source_language", "/lang"},
		{"GET", base + "not_a_language", "unknown_language", "/lang"},
		{"GET", base + "ar?format=pdf", "unsupported_format", "/format"},
		{"PUT", base + "ar?dry_run=yes", "not_boolean", "/dry_run"},
	} {
		r := e.Do(c.method, c.path, csvFile, append(bearer(owner), "Content-Type", "text/csv")...)
		if r.Status != 422 || pointers(t, r)[c.ptr] != c.code {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.Status, r.Body)
		}
	}
}

// Files that are no translator's files get a clear problem, never a 500.
func TestTranslatorsFileBounds(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel()
	e := apitest.New(t, apitest.Options{Configure: func(o *api.Options) { o.BodyLimit = 256 << 10 }})
	_, owner := e.Org("mine")
	id := createSurvey(t, e, owner, smallSurvey(t))
	before := definitionOf(t, e, owner, id)
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	w.Write(make([]byte, 100<<20))
	zw.Close()
	var noFile bytes.Buffer
	mw := multipart.NewWriter(&noFile)
	mw.WriteField("other", "x")
	mw.Close()
	var pdfForm bytes.Buffer
	pw := multipart.NewWriter(&pdfForm)
	part, _ := pw.CreateFormFile("file", "survey.pdf")
	part.Write([]byte("%PDF-1.4"))
	pw.Close()
	for _, c := range []struct {
		name        string
		body        []byte
		contentType string
		status      int
		kind        string
	}{
		// Over the body limit of other requests: a file may be up to the
		// workbook bound (5 MiB), so this one is read, and is no CSV.
		{"over the body limit", bytes.Repeat([]byte("a"), 300<<10), "text/csv", 422, "malformed_translation_file"},
		{"a zip bomb", bomb.Bytes(), xlsxType, 413, "translation_file_too_large"},
		{"not a workbook", []byte("PK\x03\x04 but not really"), xlsxType, 422, "malformed_translation_file"},
		{"random bytes", []byte{0, 1, 2, 3, 4, 5}, xlsxType, 422, "malformed_translation_file"},
		{"a legacy xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...), xlsxType, 415, "translation_file_type"},
		{"JSON", []byte(`{"title": "x"}`), "application/json", 415, "translation_file_type"},
		{"no content type", []byte("x"), "", 415, "translation_file_type"},
		{"CSV not in UTF-8", []byte("key,context,source,translation\ntitle,,,caf\xe9\n"), "text/csv", 422, "malformed_translation_file"},
		{"CSV in Latin-1", []byte("key,context,source,translation\n"), "text/csv; charset=iso-8859-1", 422, "malformed_translation_file"},
		{"an empty CSV", nil, "text/csv", 422, "malformed_translation_file"},
		{"a form without the file", noFile.Bytes(), mw.FormDataContentType(), 422, "validation"},
		{"a form with a PDF", pdfForm.Bytes(), pw.FormDataContentType(), 415, "translation_file_type"},
		// The handler reads the form (the server does not parse forms
		// before it): a broken one is a file that cannot be read.
		{"a broken form", []byte("--x\r\nnothing"), "multipart/form-data; boundary=x", 422, "malformed_translation_file"},
	} {
		headers := bearer(owner)
		if c.contentType != "" {
			headers = append(headers, "Content-Type", c.contentType)
		}
		r := e.Do("PUT", "/v1/org/surveys/"+id+"/translations/ar", c.body, headers...)
		if r.Status != c.status {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
			continue
		}
		if p := problemOf(t, r); p.Type != "urn:youthvoice:problem:"+c.kind {
			t.Errorf("%s: %s", c.name, p.Type)
		}
	}
	if !reflect.DeepEqual(definitionOf(t, e, owner, id), before) {
		t.Error("a refused file changed the survey")
	}
}

// An open survey takes a translator's file only when the survey stays
// complete, as a new revision.
func TestTranslatorsFileOnAnOpenSurvey(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("mine")
	id := createSurvey(t, e, owner, smallSurvey(t))
	publishSurvey(t, e, owner, id)
	put := func(file string) *apitest.Response {
		return e.Do("PUT", "/v1/org/surveys/"+id+"/translations/ar", file, append(bearer(owner), "Content-Type", "text/csv")...)
	}
	r := put("key,context,source,translation\nthank_you,,,\n")
	if r.Status != 422 || pointers(t, r)["/thank_you/ar"] != "missing_translation" {
		t.Fatalf("an incomplete open survey: %d %s", r.Status, r.Body)
	}
	r = put("key,context,source,translation\nthank_you,,,شكراً جزيلاً!\n")
	var res translationsResult
	r.JSON(t, &res)
	if r.Status != 200 || res.Revision != 2 || res.Status != "open" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	r = e.Do("GET", "/v1/surveys/"+id+"?lang=ar", nil)
	if r.Status != 200 || r.Map(t)["thank_you"] != "شكراً جزيلاً!" || r.Map(t)["revision"] != float64(2) {
		t.Errorf("the app's survey: %d %s", r.Status, r.Body)
	}
	e.Do("POST", "/v1/org/surveys/"+id+"/close", nil, bearer(owner)...)
	if r := put("key,context,source,translation\nthank_you,,,شكراً\n"); r.Status != 409 {
		t.Errorf("a closed survey: %d %s", r.Status, r.Body)
	}
}
