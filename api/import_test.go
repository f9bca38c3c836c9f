package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/api"
	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
	"github.com/youthvoice/youthvoice/xlsform"
)

// workbookOf writes def as an XLSForm workbook.
func workbookOf(t *testing.T, def *surveys.Definition) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := xlsform.Write(&b, def); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// exampleWorkbook is the example survey name as a workbook.
func exampleWorkbook(t *testing.T, name string) []byte {
	t.Helper()
	def, err := surveystest.Example(name)
	if err != nil {
		t.Fatal(err)
	}
	return workbookOf(t, def)
}

// multipartBody is a multipart/form-data body with the given files (field,
// file name, content type, content) and its Content-Type.
func multipartBody(t *testing.T, files ...[4]any) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f[0], f[1]))
		h.Set("Content-Type", f[2].(string))
		p, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		p.Write(f[3].([]byte))
	}
	if err := w.WriteField("note", "a text field is ignored"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func importWorkbook(e *apitest.Env, tok, query string, body []byte, contentType string, headers ...string) *apitest.Response {
	e.T.Helper()
	return e.Do("POST", "/v1/org/surveys/import"+query, body, append(append(bearer(tok), "Content-Type", contentType), headers...)...)
}

// importedSurvey is the answer to an import.
type importedSurvey struct {
	ID         string             `json:"id"`
	Status     string             `json:"status"`
	Definition surveys.Definition `json:"definition"`
	Warnings   []struct {
		Pointer, Code, Message, Sheet, Column, Cell string
		Row                                         int
	} `json:"warnings"`
}

func surveyCount(t *testing.T, e *apitest.Env, tok string) int {
	t.Helper()
	var l struct{ Surveys []struct{ ID string } }
	e.Do("GET", "/v1/org/surveys", nil, bearer(tok)...).JSON(t, &l)
	return len(l.Surveys)
}

// definitionJSON is a definition as the API shows it, to compare two.
func definitionJSON(t *testing.T, e *apitest.Env, tok, id string) string {
	t.Helper()
	var v struct {
		Definition json.RawMessage `json:"definition"`
	}
	r := e.Do("GET", "/v1/org/surveys/"+id, nil, bearer(tok)...)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d %s", id, r.Status, r.Body)
	}
	r.JSON(t, &v)
	var out bytes.Buffer
	if err := json.Indent(&out, v.Definition, "", " "); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// An example survey written as a workbook imports as the body and as a
// multipart form: a draft, answered as GET shows it with the warnings,
// audited; then each example created from JSON round-trips through GET
// .../xlsform and the import into the same definition.
func TestImportXLSForm(t *testing.T) {
	racetest.SkipSingleFlow(t)
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Ungdomsrådet")
	for _, name := range examples.Names() {
		t.Run(name, func(t *testing.T) {
			def, err := surveystest.Example(name)
			if err != nil {
				t.Fatal(err)
			}
			wb := workbookOf(t, def)
			r := importWorkbook(e, owner, "", wb, xlsxType)
			if r.Status != 201 {
				t.Fatalf("import: %d %s", r.Status, r.Body)
			}
			var imp importedSurvey
			r.JSON(t, &imp)
			if imp.Status != "draft" || r.Header.Get("Location") != "/v1/org/surveys/"+imp.ID || imp.Warnings == nil {
				t.Fatalf("import answered %s", r.Body)
			}
			if !reflect.DeepEqual(imp.Definition.Title, def.Title) || len(imp.Definition.Sections) != len(def.Sections) {
				t.Errorf("imported title %v, %d sections; want %v, %d", imp.Definition.Title, len(imp.Definition.Sections), def.Title, len(def.Sections))
			}
			// As a multipart form, its file named as a browser names it.
			body, ct := multipartBody(t, [4]any{"file", name + ".xlsx", xlsxType, wb})
			if r := importWorkbook(e, owner, "", body, ct); r.Status != 201 {
				t.Fatalf("multipart import: %d %s", r.Status, r.Body)
			}

			// The round trip: created from JSON, exported, imported.
			src, _ := examples.Survey(name)
			id := createSurvey(t, e, owner, json.RawMessage(src))
			x := e.Do("GET", "/v1/org/surveys/"+id+"/xlsform", nil, bearer(owner)...)
			if x.Status != 200 || x.Header.Get("Content-Type") != xlsxType ||
				!strings.HasPrefix(x.Header.Get("Content-Disposition"), `attachment; filename="youthvoice-`+id[:8]) {
				t.Fatalf("export: %d %v %.200s", x.Status, x.Header, x.Body)
			}
			if x.Header.Get("Content-Encoding") != "" {
				t.Errorf("an xlsx is zipped already, yet sent with Content-Encoding %q", x.Header.Get("Content-Encoding"))
			}
			r = importWorkbook(e, owner, "", x.Body, xlsxType)
			if r.Status != 201 {
				t.Fatalf("import of the export: %d %s", r.Status, r.Body)
			}
			r.JSON(t, &imp)
			if got, want := definitionJSON(t, e, owner, imp.ID), definitionJSON(t, e, owner, id); got != want {
				t.Errorf("import(export(x)) differs from x:\n%s\nwant\n%s", got, want)
			}
		})
	}
	var log struct {
		Entries []struct{ Action, SurveyID, Detail string }
	}
	e.Do("GET", "/v1/org/audit?limit=100", nil, bearer(owner)...).JSON(t, &log)
	imports := 0
	for _, en := range log.Entries {
		if en.Action == "survey_import" {
			imports++
		}
	}
	if want := 3 * len(examples.Names()); imports != want {
		t.Errorf("%d imports audited, want %d: %+v", imports, want, log.Entries)
	}
}

// withRow inserts a row into a workbook's survey sheet, after its header,
// with the given cells by header: the row is number 2.
func withRow(t *testing.T, wb []byte, cells map[string]string) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(wb))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("survey")
	if err != nil || len(rows) == 0 {
		t.Fatalf("survey sheet: %v", err)
	}
	if err := f.InsertRows("survey", 2, 1); err != nil {
		t.Fatal(err)
	}
	for i, h := range rows[0] {
		if v, ok := cells[h]; ok {
			ref, _ := excelize.CoordinatesToCellName(i+1, 2)
			if err := f.SetCellStr("survey", ref, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// What is not an XLSForm workbook, or one with a row that has no
// equivalent, is refused with a translated problem, and nothing is stored.
func TestImportRefusals(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.Options{Configure: func(o *api.Options) { o.BodyLimit = 4 << 20 }})
	_, owner := e.Org("Refusals")
	wb := exampleWorkbook(t, "youth-policy-consultation.json")
	ole2 := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 4096)...)
	garbage := bytes.Repeat([]byte("not a workbook, "), 2<<20/16) // 2 MiB
	xls, xlsCT := multipartBody(t, [4]any{"file", "form.xls", "application/vnd.ms-excel", ole2})
	xlsNamed, xlsNamedCT := multipartBody(t, [4]any{"file", "form.xlsx", "application/octet-stream", ole2})
	two, twoCT := multipartBody(t, [4]any{"file", "a.xlsx", xlsxType, wb}, [4]any{"file", "b.xlsx", xlsxType, wb})
	other, otherCT := multipartBody(t, [4]any{"upload", "a.xlsx", xlsxType, wb})
	extra, extraCT := multipartBody(t, [4]any{"file", "a.xlsx", xlsxType, wb}, [4]any{"logo", "logo.png", "image/png", []byte("png")})
	for _, c := range []struct {
		name        string
		body        []byte
		contentType string
		status      int
		kind        string
	}{
		{"xls media type", ole2, "application/vnd.ms-excel", 415, "legacy_xls"},
		{"xls as octet-stream", ole2, "application/octet-stream", 415, "legacy_xls"},
		{"xls sent as xlsx", ole2, xlsxType, 415, "legacy_xls"},
		{"xls in a form", xls, xlsCT, 415, "legacy_xls"},
		{"xls named xlsx in a form", xlsNamed, xlsNamedCT, 415, "legacy_xls"},
		{"json", []byte(`{"title":{"en":"x"}}`), "application/json", 415, "unsupported_workbook_type"},
		{"csv", []byte("type,name,label\n"), "text/csv", 415, "unsupported_workbook_type"},
		{"2 MB of garbage", garbage, xlsxType, 415, "not_workbook"},
		{"2 MB of garbage in a form", nil, "", 415, "not_workbook"},
		{"two files", two, twoCT, 400, "workbook_form"},
		{"another field", other, otherCT, 400, "workbook_form"},
		{"a second file", extra, extraCT, 400, "workbook_form"},
		{"broken form", []byte("--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end"), "multipart/form-data; boundary=x", 400, "malformed_multipart"},
		{"form without boundary", []byte("x"), "multipart/form-data", 400, "malformed_multipart"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body, ct := c.body, c.contentType
			if body == nil {
				body, ct = multipartBody(t, [4]any{"file", "form.xlsx", xlsxType, garbage})
			}
			r := importWorkbook(e, owner, "", body, ct, "Accept-Language", "sv")
			if r.Status != c.status {
				t.Fatalf("%d, want %d: %s", r.Status, c.status, r.Body)
			}
			p := problemOf(t, r)
			if p.Type != "urn:youthvoice:problem:"+c.kind || r.Header.Get("Content-Language") != "sv" || strings.Contains(p.Detail, "problem.") {
				t.Errorf("problem %+v", p)
			}
			if c.kind == "unsupported_workbook_type" && !strings.Contains(r.Header.Get("Accept-Post"), xlsxType) {
				t.Errorf("Accept-Post %q", r.Header.Get("Accept-Post"))
			}
		})
	}
	// A workbook is bounded by its own limit (5 MiB), not by the server's
	// body limit for other requests (--body-limit): under a 16 KB body
	// limit, a 64 KB workbook reaches the import (and is read, here as the
	// garbage it is), on the API and in the console, while a 64 KB
	// definition, or a console form that takes no file, is a 413 (small
	// sizes, so that the whole body fits in the socket's buffers and the
	// client reads the 413 instead of a reset connection).
	e2 := apitest.New(t, apitest.Options{Configure: func(o *api.Options) { o.BodyLimit = 16 << 10 }})
	_, owner2 := e2.Org("Small limit")
	if r := importWorkbook(e2, owner2, "", garbage[:64<<10], xlsxType); r.Status == 413 {
		t.Errorf("a 64 KB workbook over a 16 KB body limit: %d %s", r.Status, r.Body)
	}
	form, formType := multipartBody(t, [4]any{"file", "form.xlsx", xlsxType, garbage[:64<<10]})
	for _, route := range [][2]string{{"PUT", "/v1/org/surveys/x/translations/sv"}, {"POST", "/console/new"}, {"POST", "/console/surveys/x/translations"}} {
		if r := e2.Do(route[0], route[1], form, append(bearer(owner2), "Content-Type", formType)...); r.Status == 413 {
			t.Errorf("a 64 KB workbook to %v over a 16 KB body limit: %d %s", route, r.Status, r.Body)
		}
	}
	big := append([]byte(`{"title": "`), bytes.Repeat([]byte("x"), 64<<10)...)
	for _, route := range [][2]string{{"POST", "/v1/org/surveys"}, {"POST", "/console/signin"}, {"POST", "/console/new/example"}, {"PUT", "/v1/org/surveys/x/translations"}} {
		r := e2.Do(route[0], route[1], big, append(bearer(owner2), "Content-Type", "application/json")...)
		if r.Status != 413 || problemOf(t, r).Type != "urn:youthvoice:problem:body_too_large" {
			t.Errorf("64 KB to %v over a 16 KB limit: %d %s", route, r.Status, r.Body)
		}
	}

	// A row XLSForm has but YouthVoice has no equivalent for: a 422 naming
	// its sheet, row, column and cell, translated, and nothing stored.
	bad := withRow(t, wb, map[string]string{"type": "geopoint", "name": "where", "label::English (en)": "Where are you?", "label": "Where are you?"})
	for _, ct := range []string{xlsxType, "form"} {
		body := bad
		if ct == "form" {
			body, ct = multipartBody(t, [4]any{"file", "bad.xlsx", xlsxType, bad})
		}
		r := importWorkbook(e, owner, "", body, ct, "Accept-Language", "sv")
		if r.Status != 422 {
			t.Fatalf("unsupported row: %d %s", r.Status, r.Body)
		}
		p := problemOf(t, r)
		if p.Type != "urn:youthvoice:problem:xlsform" || len(p.Errors) == 0 {
			t.Fatalf("problem %s", r.Body)
		}
		found := false
		for _, f := range p.Errors {
			if f.Message == "" || strings.HasPrefix(f.Message, "field.") || f.Sheet == "" {
				t.Errorf("field error without a translated message or a sheet: %+v", f)
			}
			if f.Sheet == "survey" && f.Row == 2 && f.Column == "type" && f.Cell == "geopoint" && f.Pointer == "/survey/2/type" {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem at survey row 2, column type: %s", r.Body)
		}
	}
	if n := surveyCount(t, e, owner); n != 0 {
		t.Errorf("%d surveys stored after refusals", n)
	}
}

// ?dry_run=true converts and validates, answers what a dry run of create
// answers, and stores nothing.
func TestImportDryRun(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Dry")
	wb := exampleWorkbook(t, "safety-online-offline.json")
	r := importWorkbook(e, owner, "?dry_run=true", wb, xlsxType)
	if r.Status != 200 {
		t.Fatalf("dry run: %d %s", r.Status, r.Body)
	}
	var dry struct {
		DryRun   bool                       `json:"dry_run"`
		Survey   surveys.Definition         `json:"survey"`
		Preview  map[string]json.RawMessage `json:"preview"`
		Warnings []map[string]any           `json:"warnings"`
	}
	r.JSON(t, &dry)
	if !dry.DryRun || len(dry.Survey.Sections) == 0 || len(dry.Preview) != len(dry.Survey.Languages) || dry.Warnings == nil {
		t.Fatalf("dry run answered %.500s", r.Body)
	}
	// The same keys as create's dry run of the same definition.
	src, _ := examples.Survey("safety-online-offline.json")
	cr := e.Do("POST", "/v1/org/surveys?dry_run=true", json.RawMessage(src), bearer(owner)...)
	var a, b map[string]json.RawMessage
	r.JSON(t, &a)
	cr.JSON(t, &b)
	if cr.Status != 200 || !reflect.DeepEqual(keys(a), keys(b)) {
		t.Errorf("import's dry run has %v, create's %v (%d)", keys(a), keys(b), cr.Status)
	}
	if r := importWorkbook(e, owner, "?dry_run=yes", wb, xlsxType); r.Status != 422 || pointers(t, r)["/dry_run"] == "" {
		t.Errorf("dry_run=yes: %d %s", r.Status, r.Body)
	}
	bad := withRow(t, wb, map[string]string{"type": "image", "name": "photo"})
	if r := importWorkbook(e, owner, "?dry_run=true", bad, xlsxType); r.Status != 422 {
		t.Errorf("a dry run of a workbook with problems: %d %s", r.Status, r.Body)
	}
	if n := surveyCount(t, e, owner); n != 0 {
		t.Errorf("%d surveys stored by dry runs", n)
	}
	var log struct{ Entries []struct{ Action string } }
	e.Do("GET", "/v1/org/audit", nil, bearer(owner)...).JSON(t, &log)
	if len(log.Entries) != 0 {
		t.Errorf("dry runs audited: %+v", log.Entries)
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Importing is for the roles that create surveys; exporting a workbook for
// every role that reads the survey, within its organisation.
func TestImportAndExportRoles(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Roles")
	_, other := e.Org("Another")
	tokens := map[string]string{"owner": owner}
	for _, role := range []string{"editor", "analyst"} {
		r := e.Do("POST", "/v1/org/tokens", map[string]string{"role": role}, bearer(owner)...)
		if r.Status != 201 {
			t.Fatalf("token: %d %s", r.Status, r.Body)
		}
		tokens[role] = r.Map(t)["token"].(string)
	}
	wb := exampleWorkbook(t, "youth-policy-consultation.json")
	id := createSurvey(t, e, owner, smallSurvey(t))
	for role, want := range map[string]int{"owner": 201, "editor": 201, "analyst": 403} {
		if r := importWorkbook(e, tokens[role], "", wb, xlsxType); r.Status != want {
			t.Errorf("import as %s: %d, want %d: %s", role, r.Status, want, r.Body)
		}
		if r := e.Do("GET", "/v1/org/surveys/"+id+"/xlsform", nil, bearer(tokens[role])...); r.Status != 200 {
			t.Errorf("export as %s: %d %s", role, r.Status, r.Body)
		}
	}
	if r := importWorkbook(e, "nope", "", wb, xlsxType); r.Status != 401 {
		t.Errorf("import without a valid token: %d", r.Status)
	}
	if r := e.Do("GET", "/v1/org/surveys/"+id+"/xlsform", nil, bearer(other)...); r.Status != 404 {
		t.Errorf("another organisation's export: %d", r.Status)
	}
	if n := surveyCount(t, e, owner); n != 3 {
		t.Errorf("%d surveys, want the created one and two imports", n)
	}
}

// A multipart form is parsed in memory: a file larger than what fasthttp
// keeps in memory when it parses forms itself (16 MiB), within a body
// limit raised above it, leaves no temporary file behind. Not parallel: it points TMPDIR at a directory of its own.
func TestImportFormLeavesNoTemporaryFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	e := apitest.New(t, apitest.Options{Configure: func(o *api.Options) { o.BodyLimit = 24 << 20 }})
	_, owner := e.Org("Temp")
	before, _ := os.ReadDir(tmp)
	big := bytes.Repeat([]byte{'x'}, 17<<20)
	body, ct := multipartBody(t, [4]any{"file", "big.xlsx", xlsxType, big})
	// The directory is watched while the request runs: a temporary file
	// removed when the request ends would not show afterwards.
	seen := make(chan int, 1)
	stop := make(chan struct{})
	go func() {
		most := len(before)
		defer func() { seen <- most }()
		for {
			if entries, _ := os.ReadDir(tmp); len(entries) > most {
				most = len(entries)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	r := importWorkbook(e, owner, "", body, ct)
	close(stop)
	if r.Status != 413 || problemOf(t, r).Type != "urn:youthvoice:problem:workbook_too_large" {
		t.Fatalf("17 MB of garbage in a form: %d %s", r.Status, r.Body)
	}
	if most := <-seen; most != len(before) {
		t.Errorf("%d temporary files while the form was read", most-len(before))
	}
	if after, _ := os.ReadDir(tmp); len(after) != len(before) {
		t.Errorf("temporary files: %v, before %v", after, before)
	}
}

// XLSForms no one on the project wrote (pyxform's test forms, in
// xlsform/testdata): one that uses only what YouthVoice has imports as a
// draft with the conversion's warnings; one with a repeat is refused at its
// rows; the real legacy .xls is a 415 whichever way it is sent.
func TestImportPublicForms(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	_, owner := e.Org("Public forms")
	read := func(name string) []byte {
		t.Helper()
		b, err := os.ReadFile("../xlsform/testdata/pyxform/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	body, ct := multipartBody(t, [4]any{"file", "field-list.xlsx", xlsxType, read("field-list.xlsx")})
	r := importWorkbook(e, owner, "", body, ct)
	if r.Status != 201 {
		t.Fatalf("field-list.xlsx: %d %s", r.Status, r.Body)
	}
	var imp importedSurvey
	r.JSON(t, &imp)
	if len(imp.Definition.Sections) == 0 || imp.Warnings == nil {
		t.Errorf("field-list.xlsx imported as %s", r.Body)
	}
	for _, w := range imp.Warnings {
		if strings.HasPrefix(w.Code, "xlsform_") && (w.Sheet == "" || w.Pointer == "" || w.Message == "" || strings.HasPrefix(w.Message, "field.")) {
			t.Errorf("a conversion warning without its cell or message: %+v", w)
		}
	}
	r = importWorkbook(e, owner, "", read("loop.xlsx"), xlsxType, "Accept-Language", "ar")
	if r.Status != 422 {
		t.Fatalf("loop.xlsx: %d %s", r.Status, r.Body)
	}
	repeat := false
	for _, f := range problemOf(t, r).Errors {
		if f.Sheet == "" || f.Row == 0 && f.Code != "xlsform_no_questions" || f.Message == "" || strings.HasPrefix(f.Message, "field.") {
			t.Errorf("a problem not at a row, or untranslated: %+v", f)
		}
		repeat = repeat || f.Code == "xlsform_type_repeat" && f.Sheet == "survey" && f.Row > 1 && f.Column == "type"
	}
	if !repeat || r.Header.Get("Content-Language") != "ar" {
		t.Errorf("loop.xlsx refused with %s", r.Body)
	}
	xls := read("yes_or_no_question.xls")
	form, formCT := multipartBody(t, [4]any{"file", "yes_or_no_question.xls", "application/octet-stream", xls})
	for _, c := range []struct {
		body []byte
		ct   string
	}{{xls, "application/vnd.ms-excel"}, {xls, xlsxType}, {xls, "application/octet-stream"}, {form, formCT}} {
		if r := importWorkbook(e, owner, "", c.body, c.ct); r.Status != 415 || problemOf(t, r).Type != "urn:youthvoice:problem:legacy_xls" {
			t.Errorf("the .xls as %s: %d %s", c.ct, r.Status, r.Body)
		}
	}
	if n := surveyCount(t, e, owner); n != 1 {
		t.Errorf("%d surveys, want the one imported", n)
	}
}
