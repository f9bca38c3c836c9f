package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

func testSheet(rtl bool) app.TranslationSheet {
	return app.TranslationSheet{
		Title: "Fritid", Language: "ar", Sheet: "Översättningar", InstructionsSheet: "Instruktioner",
		Header:       [5]string{"Nyckel", "Sammanhang", "Källtext", "Översättning", "Högst antal tecken"},
		Instructions: []string{"Så översätter du", "Skriv i kolumn D."},
		Context:      func(e surveys.TranslatableText) string { return string(e.Kind) + " " + e.QuestionID },
		TargetRTL:    rtl,
	}
}

// The file written for a survey reads back as the rows it was written
// from, in both formats, texts a spreadsheet could take for formulas
// included.
func TestTranslationFilesReadBackAsWritten(t *testing.T) {
	def, err := surveystest.Load(surveystest.SmallSurvey)
	if err != nil {
		t.Fatal(err)
	}
	def.Question("why").Text["ar"] = "=1+1 لماذا؟"
	def.Question("hours").Unit["ar"] = "-ساعات"
	def.Question("agree").Text["ar"] = "سطر\nسطر آخر, \"مقتبس\"; نعم"
	texts := def.Texts("ar")
	var want []surveys.TextRow
	for i, e := range texts {
		want = append(want, surveys.TextRow{Row: i + 2, Key: e.Key, Text: e.Translation})
	}
	for _, format := range []string{app.TranslationCSV, app.TranslationXLSX} {
		var buf bytes.Buffer
		if err := app.WriteTranslations(&buf, format, texts, testSheet(true)); err != nil {
			t.Fatal(err)
		}
		got, err := app.ReadTranslations(buf.Bytes(), format)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", format, got, want)
		}
		if format == app.TranslationCSV {
			if !bytes.HasPrefix(buf.Bytes(), []byte("\ufeffNyckel,Sammanhang,")) {
				t.Errorf("csv starts %q", buf.Bytes()[:40])
			}
			if !strings.Contains(buf.String(), "'=1+1") || !strings.Contains(buf.String(), ",'-ساعات,") {
				t.Errorf("formula-like texts not defused:\n%s", buf.String())
			}
		}
	}
}

func TestTranslationWorkbookLayout(t *testing.T) {
	def, err := surveystest.Load(surveystest.SmallSurvey)
	if err != nil {
		t.Fatal(err)
	}
	for _, rtl := range []bool{true, false} {
		var buf bytes.Buffer
		if err := app.WriteTranslations(&buf, app.TranslationXLSX, def.Texts("ar"), testSheet(rtl)); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"Översättningar", "Instruktioner"}) {
			t.Errorf("sheets %q", got)
		}
		view, err := f.GetSheetView("Översättningar", 0)
		if err != nil || view.RightToLeft == nil || *view.RightToLeft != rtl {
			t.Errorf("rtl %v: view %+v %v", rtl, view, err)
		}
		panes, err := f.GetPanes("Översättningar")
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("frozen header: %+v %v", panes, err)
		}
		for col, min := range map[string]float64{"A": 20, "C": 50, "D": 50} {
			if w, _ := f.GetColWidth("Översättningar", col); w < min {
				t.Errorf("column %s width %v", col, w)
			}
		}
		style, _ := f.GetCellStyle("Översättningar", "D2")
		st, err := f.GetStyle(style)
		if err != nil || st.Alignment == nil || !st.Alignment.WrapText || (st.Alignment.ReadingOrder == 2) != rtl {
			t.Errorf("translation cells: %+v %v", st.Alignment, err)
		}
		if v, _ := f.GetCellValue("Översättningar", "A1"); v != "Nyckel" {
			t.Errorf("header %q", v)
		}
		if v, _ := f.GetCellValue("Översättningar", "E2"); v != "2000" {
			t.Errorf("max length %q", v)
		}
		if v, _ := f.GetCellValue("Instruktioner", "A2"); v != "Skriv i kolumn D." {
			t.Errorf("instructions %q", v)
		}
		f.Close()
	}
}

// A CSV saved by a spreadsheet in another locale: semicolons, no byte
// order mark, CRLF, a blank line, fewer columns on a row.
func TestTranslationCSVAsSpreadsheetsSaveIt(t *testing.T) {
	data := "Key;Context;Source;Translation;Max\r\ntitle;;Fritid;Vapaa-aika;2000\r\n;;;;\r\nq.why.text;x;Varför?;'-miksi;2000\r\nthank_you\r\n"
	got, err := app.ReadTranslations([]byte(data), app.TranslationCSV)
	if err != nil {
		t.Fatal(err)
	}
	want := []surveys.TextRow{{Row: 2, Key: "title", Text: "Vapaa-aika"}, {Row: 4, Key: "q.why.text", Text: "-miksi"}, {Row: 5, Key: "thank_you"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	tab := "Key\tContext\tSource\tTranslation\ntitle\t\tFritid\tVapaa-aika\n"
	if got, err := app.ReadTranslations([]byte(tab), app.TranslationCSV); err != nil || len(got) != 1 || got[0].Text != "Vapaa-aika" {
		t.Errorf("tabs: %+v %v", got, err)
	}
}

// zipOf makes a zip file of the given parts.
func zipOf(t *testing.T, parts map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Files that are not translator's files are refused with the error that
// says why, never read without bound.
func TestTranslationFilesRefused(t *testing.T) {
	racetest.SkipSingleFlow(t)
	manyParts := map[string][]byte{}
	for i := range 1001 {
		manyParts["p/"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strings.Repeat("y", i/26)] = nil
	}
	var tooMany strings.Builder
	tooMany.WriteString("key,context,source,translation\n")
	for range surveys.MaxTextRows + 1 {
		tooMany.WriteString("title,,,x\n")
	}
	var empty bytes.Buffer
	f := excelize.NewFile()
	if err := f.Write(&empty); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		data   []byte
		format string
		want   error
	}{
		{"not a zip", []byte("hello"), app.TranslationXLSX, app.ErrMalformedTranslationFile},
		{"a legacy xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), app.TranslationXLSX, app.ErrTranslationFileType},
		// 100 MiB of zeros packs into about 100 KB.
		{"a zip bomb", zipOf(t, map[string][]byte{"xl/worksheets/sheet1.xml": make([]byte, 100<<20)}), app.TranslationXLSX, app.ErrTranslationFileTooLarge},
		{"too many parts", zipOf(t, manyParts), app.TranslationXLSX, app.ErrTranslationFileTooLarge},
		{"a zip that is no workbook", zipOf(t, map[string][]byte{"a.txt": []byte("hi")}), app.TranslationXLSX, app.ErrMalformedTranslationFile},
		{"an empty workbook", empty.Bytes(), app.TranslationXLSX, app.ErrMalformedTranslationFile},
		{"not UTF-8", []byte("key,context,source,translation\ntitle,,,caf\xe9\n"), app.TranslationCSV, app.ErrMalformedTranslationFile},
		{"no header", []byte("title\n"), app.TranslationCSV, app.ErrMalformedTranslationFile},
		{"empty", nil, app.TranslationCSV, app.ErrMalformedTranslationFile},
		{"a broken quote", []byte("key,context,source,translation\n\"title\"x\"\n"), app.TranslationCSV, nil},
		{"another format", []byte("x"), "ods", app.ErrTranslationFileType},
	} {
		_, err := app.ReadTranslations(c.data, c.format)
		if c.want == nil {
			continue // lazy quotes read it; what matters is no panic
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	_, err := app.ReadTranslations([]byte(tooMany.String()), app.TranslationCSV)
	var tp *surveys.TextProblems
	if !errors.As(err, &tp) || tp.Problems[0].Code != surveys.CodeTooMany {
		t.Errorf("too many rows: %v", err)
	}
	if err := app.WriteTranslations(&bytes.Buffer{}, "ods", nil, testSheet(false)); !errors.Is(err, app.ErrTranslationFileType) {
		t.Errorf("write ods: %v", err)
	}
}

// A translator's file through the application layer on a real store: a
// dry run reports and stores nothing; an upload changes only its
// language, is saved and audited; a file with bad rows changes nothing;
// an open survey takes only a complete result, as a new revision; a stale
// copy cannot overwrite a newer survey.
func TestImportTranslations(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def, err := surveystest.Load(surveystest.SmallSurvey)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sv := &surveys.Survey{ID: "T", OrgID: "o", Status: surveys.Draft, Draft: *def, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Options{Store: st, Now: func() time.Time { return now }, HashKey: []byte("0123456789abcdef0123456789abcdef")})
	defer a.Shutdown(ctx)
	actor := surveys.Token{ID: "tok", OrgID: "o"}
	read := func() *surveys.Survey {
		t.Helper()
		got, err := st.Survey(ctx, "o", "T")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	audited := func() []string {
		t.Helper()
		entries, err := st.AuditLog(ctx, "o", time.Time{}, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Action+" "+e.Detail)
		}
		return out
	}
	file := func(rows ...[]string) []byte {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		_ = w.Write([]string{"key", "context", "source", "translation", "max"})
		for _, r := range rows {
			_ = w.Write([]string{r[0], "", "", r[1], ""})
		}
		w.Flush()
		return buf.Bytes()
	}
	good := file([]string{"title", "عنوان جديد"}, []string{"q.why.text", "لماذا؟"}, []string{"thank_you", ""})

	before := read()
	report, err := a.ImportTranslations(ctx, actor, read(), "ar", app.TranslationCSV, good, true)
	if err != nil || report.Counts.Changed != 1 || report.Counts.Cleared != 1 {
		t.Fatalf("dry run: %+v %v", report, err)
	}
	if got := read(); !reflect.DeepEqual(got, before) || len(audited()) != 0 {
		t.Fatalf("the dry run stored something: %v", audited())
	}

	bad := file([]string{"title", "عنوان"}, []string{"q.nope.text", "x"})
	if _, err := a.ImportTranslations(ctx, actor, read(), "ar", app.TranslationCSV, bad, false); !errors.As(err, new(*surveys.TextProblems)) {
		t.Fatalf("bad rows: %v", err)
	}
	if got := read(); !reflect.DeepEqual(got, before) || len(audited()) != 0 {
		t.Fatal("bad rows stored something")
	}

	stale := read()
	report, err = a.ImportTranslations(ctx, actor, read(), "ar", app.TranslationCSV, good, false)
	if err != nil || report.Counts.Changed != 1 || report.Counts.Cleared != 1 {
		t.Fatalf("upload: %+v %v", report, err)
	}
	got := read()
	if got.Draft.Title["ar"] != "عنوان جديد" || got.Draft.ThankYou["ar"] != "" || got.Draft.ThankYou["en"] != "Thank you!" ||
		got.Draft.Title["en"] != before.Draft.Title["en"] || got.Draft.Title["sv"] != before.Draft.Title["sv"] {
		t.Errorf("after the upload: title %v, thank you %v", got.Draft.Title, got.Draft.ThankYou)
	}
	if a := audited(); !reflect.DeepEqual(a, []string{"translations ar: 0 added, 1 changed, 1 cleared"}) {
		t.Errorf("audit %q", a)
	}
	if _, err := a.ImportTranslations(ctx, actor, stale, "ar", app.TranslationCSV, good, false); !errors.Is(err, surveys.ErrConflict) {
		t.Errorf("a stale copy: %v", err)
	}

	// Open: the file must leave the survey complete.
	fixed := file([]string{"thank_you", "شكراً!"})
	if _, err := a.ImportTranslations(ctx, actor, read(), "ar", app.TranslationCSV, fixed, false); err != nil {
		t.Fatal(err)
	}
	open := read()
	rev, err := open.Publish(now)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveSurvey(ctx, open, &rev); err != nil {
		t.Fatal(err)
	}
	var ve *surveys.ValidationError
	if _, err := a.ImportTranslations(ctx, actor, read(), "ar", app.TranslationCSV, good, false); !errors.As(err, &ve) || ve.Errors[0].Code != surveys.CodeMissingTranslation {
		t.Fatalf("an incomplete open survey: %v", err)
	}
	if _, err := a.ImportTranslations(ctx, actor, read(), "ar", app.TranslationCSV, file([]string{"title", "عنوان ثالث"}), false); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.Revision != 2 || got.Draft.Title["ar"] != "عنوان ثالث" {
		t.Errorf("open survey: revision %d, title %v", got.Revision, got.Draft.Title)
	}
	if _, err := a.ImportTranslations(ctx, actor, read(), "ar", app.TranslationCSV, []byte("\xff"), false); !errors.Is(err, app.ErrMalformedTranslationFile) {
		t.Errorf("a malformed file: %v", err)
	}
}
