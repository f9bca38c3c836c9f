package app_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// The test files below are made by the tests themselves: workbooks with
// excelize (as any other program would write them, not through
// WriteMarginsTemplate), CSV files as text in the forms spreadsheets save
// them (a byte order mark, semicolons where the decimal mark is a comma).

// safetyMargins are valid margins for the example survey
// safety-online-offline (breakdowns age_band, gender, county), gender
// first: the template keeps the margins' order, not the survey's.
func safetyMargins() *surveys.Margins {
	return &surveys.Margins{Missing: surveys.MissingExclude, Dimensions: []surveys.Dimension{
		{Question: "gender", Totals: map[string]float64{"girl": 251234, "boy": 262000.5, "nonbinary": 1.25},
			NotStated: []string{"no_answer"}},
		{Question: "age_band", Totals: map[string]float64{"13-15": 170000, "16-18": 160000.125, "19-25": 184235.625}},
	}}
}

func safetyDef(t *testing.T) *surveys.Definition {
	t.Helper()
	def, err := surveystest.Example("safety-online-offline.json")
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func marginsSheet(t *testing.T, def *surveys.Definition, ui string) app.MarginsSheet {
	t.Helper()
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	return app.NewMarginsSheet(cat, def, ui)
}

// wantProblems checks that err is a validation error with exactly these
// pointers and codes, in order.
func wantProblems(t *testing.T, name string, err error, want ...string) []surveys.FieldError {
	t.Helper()
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("%s: %v, want a validation error %v", name, err, want)
		return nil
	}
	var got []string
	for _, f := range ve.Errors {
		got = append(got, f.Pointer+" "+string(f.Code))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", name, got, want)
	}
	return ve.Errors
}

// A template written from margins reads back as those margins, in both
// formats, and they lay out against the survey; the breakdown question
// the margins leave out is in the template with empty totals, and is
// left out again when read.
func TestMarginsTemplateRoundTrip(t *testing.T) {
	racetest.SkipSingleFlow(t)
	def := safetyDef(t)
	m := safetyMargins()
	// A decimal part of exactly three digits would read as thousands
	// ("12.345"): the template writes it so that it does not.
	m.Dimensions[0].Totals["nonbinary"] = 12.345
	if _, err := m.Frame(def); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{app.MarginsCSV, app.MarginsXLSX} {
		var buf bytes.Buffer
		if err := app.WriteMarginsTemplate(&buf, format, def, m, marginsSheet(t, def, "sv")); err != nil {
			t.Fatal(err)
		}
		got, err := app.ReadMargins(buf.Bytes(), format, surveys.MissingExclude)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("%s:\n got %+v\nwant %+v", format, got, m)
		}
		if _, err := got.Frame(def); err != nil {
			t.Errorf("%s: %v", format, err)
		}
		// The empty template (no margins yet) has no totals to read.
		buf.Reset()
		if err := app.WriteMarginsTemplate(&buf, format, def, nil, marginsSheet(t, def, "en")); err != nil {
			t.Fatal(err)
		}
		_, err = app.ReadMargins(buf.Bytes(), format, surveys.MissingExclude)
		wantProblems(t, format+" empty", err, "/rows "+string(app.CodeMarginsEmpty))
	}
	if err := app.WriteMarginsTemplate(&bytes.Buffer{}, "ods", def, m, marginsSheet(t, def, "sv")); !errors.Is(err, app.ErrMarginsFileType) {
		t.Errorf("write ods: %v", err)
	}
}

// The CSV template: a byte order mark, the header, every option of every
// breakdown question (the margins' first), labels in the sheet's language
// and defused where a spreadsheet could take them for a formula.
func TestMarginsTemplateCSV(t *testing.T) {
	def := safetyDef(t)
	def.Question("county").Options[0].Label["en"] = "=HYPERLINK(\"x\")"
	var buf bytes.Buffer
	if err := app.WriteMarginsTemplate(&buf, app.MarginsCSV, def, safetyMargins(), marginsSheet(t, def, "en")); err != nil {
		t.Fatal(err)
	}
	want := "\ufeffquestion,code,label,total\n" +
		"gender,girl,Girl,251234\n"
	if !strings.HasPrefix(buf.String(), want) {
		t.Errorf("starts %q, want %q", buf.String()[:60], want)
	}
	for _, line := range []string{
		"gender,no_answer,Prefer not to say,not stated\n",
		"age_band,16-18,16–18,160000.125\n",
		"gender,nonbinary,Non-binary or another way,1.25\n",
		"county,stockholm,\"'=HYPERLINK(\"\"x\"\")\",\n",
		"county,no_answer,Prefer not to say,\n",
	} {
		if !strings.Contains(buf.String(), line) {
			t.Errorf("no line %q in\n%s", line, buf.String())
		}
	}
	if n := strings.Count(buf.String(), "\n"); n != 1+3+4+6 {
		t.Errorf("%d lines, want a header and 13 options:\n%s", n, buf.String())
	}
}

// The workbook template: the totals sheet first (its header frozen, the
// totals number cells), the instructions in the organiser's language
// second, right to left for Arabic.
func TestMarginsTemplateWorkbook(t *testing.T) {
	racetest.SkipSingleFlow(t)
	def := safetyDef(t)
	var buf bytes.Buffer
	if err := app.WriteMarginsTemplate(&buf, app.MarginsXLSX, def, safetyMargins(), marginsSheet(t, def, "ar")); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"أعداد السكان", "التعليمات"}) {
		t.Fatalf("sheets %q", got)
	}
	rows, err := f.GetRows("أعداد السكان")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows[0], []string{"question", "code", "label", "total"}) || len(rows) != 14 {
		t.Errorf("header %q, %d rows", rows[0], len(rows))
	}
	if rows[1][0] != "gender" || rows[1][1] != "girl" || rows[1][2] != def.Question("gender").Options[0].Label["ar"] {
		t.Errorf("row 2 %q", rows[1])
	}
	if typ, _ := f.GetCellType("أعداد السكان", "D2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("a total is a text cell (%v)", typ)
	}
	if v, _ := f.GetCellValue("أعداد السكان", "D5"); v != "not stated" {
		t.Errorf("D5 %q", v)
	}
	notes, err := f.GetRows("التعليمات")
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 7 || !strings.Contains(notes[0][0], "«") || strings.Contains(strings.Join(notes[3], ""), "{{") {
		t.Errorf("instructions %q", notes)
	}
	if !strings.Contains(notes[3][0], "not stated") {
		t.Errorf("the instructions do not name the words to write: %q", notes[3][0])
	}
	view, err := f.GetSheetView("التعليمات", 0)
	if err != nil || view.RightToLeft == nil || !*view.RightToLeft {
		t.Errorf("instructions not right to left: %+v %v", view, err)
	}
	panes, err := f.GetPanes("أعداد السكان")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}
}

// CSV files as spreadsheets save them in different locales: a byte order
// mark, semicolons or tabs, the columns in another order and case, extra
// columns, blank rows, totals with thousands separators or a decimal
// part, and "not stated" in its spellings.
func TestMarginsCSVAsSpreadsheetsSaveIt(t *testing.T) {
	racetest.SkipSingleFlow(t)
	data := "\ufeff;;;\r\nTotal;Label;QUESTION;Code;Note\r\n" +
		"12 345;Flicka;gender;girl;from SCB\r\n" +
		"12\u00a0346,0;Pojke;gender;boy\r\n" +
		";;;\r\n" +
		"NOT_STATED;Vill inte säga;gender;no_answer\r\n" +
		"Not Stated;;gender;nonbinary\r\n" +
		"\"8,230\";;age_band;13-15\r\n" +
		"8.230;;age_band;16-18\r\n" +
		"8 231,5;;age_band;19-25\r\n" +
		";;county;stockholm\r\n"
	got, err := app.ReadMargins([]byte(data), app.MarginsCSV, "exclude")
	if err != nil {
		t.Fatal(err)
	}
	want := &surveys.Margins{Missing: "exclude", Dimensions: []surveys.Dimension{
		{Question: "gender", Totals: map[string]float64{"girl": 12345, "boy": 12346}, NotStated: []string{"no_answer", "nonbinary"}},
		{Question: "age_band", Totals: map[string]float64{"13-15": 8230, "16-18": 8230, "19-25": 8231.5}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	tab := "question\tcode\ttotal\ngender\tgirl\t1,234,567.5\n"
	got, err = app.ReadMargins([]byte(tab), app.MarginsCSV, "")
	if err != nil || got.Dimensions[0].Totals["girl"] != 1234567.5 || got.Missing != "" {
		t.Errorf("tabs: %+v %v", got, err)
	}
}

// Totals are read as people write them in any locale, and refused where
// they cannot be read without guessing.
func TestMarginsTotals(t *testing.T) {
	racetest.SkipSingleFlow(t)
	for s, want := range map[string]float64{
		"12345": 12345, "12 345": 12345, "12\u202f345": 12345, "12'345": 12345, "12,345": 12345, "12.345": 12345,
		"1,234,567": 1234567, "1.234.567": 1234567, "12345.0": 12345, "12345,00": 12345, "12,5": 12.5, "12.25": 12.25,
		"1,234.567": 1234.567, "1.234,5": 1234.5, "1234.567": 1234.567, "+7": 7, "1": 1, "10000000000": 1e10, "12.": 12,
	} {
		got, err := app.ReadMargins([]byte("question,code,total\nq,c,\""+s+"\"\n"), app.MarginsCSV, "exclude")
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if v := got.Dimensions[0].Totals["c"]; v != want {
			t.Errorf("%q: %v, want %v", s, v, want)
		}
	}
	for s, code := range map[string]surveys.Code{
		"1,23,456": app.CodeMarginsTotal, "12.34.5": app.CodeMarginsTotal, "1.234,5.6": app.CodeMarginsTotal,
		"1,234,5": app.CodeMarginsTotal, "12345,678.5": app.CodeMarginsTotal, ".5": app.CodeMarginsTotal,
		"twelve": app.CodeMarginsTotal, "1e4": app.CodeMarginsTotal, "12 %": app.CodeMarginsTotal, "-": app.CodeMarginsTotal,
		"not": app.CodeMarginsTotal, "NaN": app.CodeMarginsTotal, "Inf": app.CodeMarginsTotal,
		"0": surveys.CodeOutOfRange, "0.5": surveys.CodeOutOfRange, "0,999": surveys.CodeOutOfRange, "-5": surveys.CodeOutOfRange,
		"\u221212": surveys.CodeOutOfRange, "10000000001": surveys.CodeOutOfRange,
	} {
		_, err := app.ReadMargins([]byte("question,code,total\nq,c,\""+s+"\"\n"), app.MarginsCSV, "exclude")
		fe := wantProblems(t, s, err, "/rows/2/total "+string(code))
		if code == app.CodeMarginsTotal && len(fe) == 1 && fe[0].Params["Value"] != s {
			t.Errorf("%q: params %v", s, fe[0].Params)
		}
	}
}

// A workbook as written by another program (excelize here, not the
// template): the header below a title row, a gap, number cells whose
// format shows them otherwise than they are, numbers typed as text, a
// formula's cached number, and cells on the right it does not read.
func TestMarginsWorkbookAsWritten(t *testing.T) {
	racetest.SkipSingleFlow(t)
	f := excelize.NewFile()
	defer f.Close()
	s := f.GetSheetName(0)
	thousands, err := f.NewStyle(&excelize.Style{NumFmt: 3}) // #,##0: 12345.5 shows as 12,346
	if err != nil {
		t.Fatal(err)
	}
	set := func(ref string, v any) {
		if err := f.SetCellValue(s, ref, v); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", "Befolkning 31 december")
	set("B3", "Code")
	set("A3", "Question")
	set("D3", "TOTAL")
	set("C3", "label")
	set("A4", "gender")
	set("B4", "girl")
	set("D4", 12345.5)
	if err := f.SetCellStyle(s, "D4", "D4", thousands); err != nil {
		t.Fatal(err)
	}
	set("A5", "gender")
	set("B5", "boy")
	set("D5", "12.345") // typed as text in a Spanish sheet: thousands
	set("A7", "gender")
	set("B7", "no_answer")
	set("D7", "not stated")
	set("A8", "age_band")
	set("B8", "13-15")
	set("D8", 12.345) // a number cell is its value, whatever it looks like
	set("Z8", "a note")
	set("A9", "age_band")
	set("B9", "16-18")
	if err := f.SetCellFormula(s, "D9", "D8*2"); err != nil {
		t.Fatal(err)
	}
	set("D9", 24.69) // the formula's cached value, as a spreadsheet saves it
	if err := f.SetCellFormula(s, "D9", "D8*2"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("Notes"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := app.ReadMargins(buf.Bytes(), app.MarginsXLSX, "exclude")
	if err != nil {
		t.Fatal(err)
	}
	want := &surveys.Margins{Missing: "exclude", Dimensions: []surveys.Dimension{
		{Question: "gender", Totals: map[string]float64{"girl": 12345.5, "boy": 12345}, NotStated: []string{"no_answer"}},
		{Question: "age_band", Totals: map[string]float64{"13-15": 12.345, "16-18": 24.69}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	// A problem's row is the one the spreadsheet shows.
	set("D5", "12,5,0")
	buf.Reset()
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	_, err = app.ReadMargins(buf.Bytes(), app.MarginsXLSX, "exclude")
	wantProblems(t, "bad cell", err, "/rows/5/total "+string(app.CodeMarginsTotal))
}

// Every problem of a file's rows has its pointer, the row numbered as a
// spreadsheet shows it and the column named; all are reported at once.
func TestMarginsFileProblems(t *testing.T) {
	racetest.SkipSingleFlow(t)
	long := strings.Repeat("x", 101)
	for _, c := range []struct {
		name, csv string
		want      []string
	}{
		{"no total column", "question,code,label\ngender,girl,Girl\n",
			[]string{"/rows/1/total margins_column"}},
		{"no header", "\n\ngender,girl,12\n",
			[]string{"/rows/3/question margins_column", "/rows/3/code margins_column", "/rows/3/total margins_column"}},
		{"a column twice", "question,code,total,Total\n",
			[]string{"/rows/1/total duplicate"}},
		{"bad rows", "question,code,total\n" +
			"gender,girl,100\n" + // 2
			",boy,100\n" + // 3
			"gender,,100\n" + // 4
			"gender,girl,90\n" + // 5
			"gender,nonbinary,\n" + // 6
			"gender,no_answer,many\n" + // 7
			long + ",x,1\n" + // 8
			"age_band," + long + ",1\n" + // 9
			"age_band,13-15," + long + "\n" + // 10
			"age_band,16-18,0\n" + // 11
			"county,stockholm,\n", // 12: every total of county empty: left out
			[]string{"/rows/3/question required", "/rows/4/code required", "/rows/5/code duplicate",
				"/rows/6/total required", "/rows/7/total margins_total", "/rows/8/question too_long",
				"/rows/9/code too_long", "/rows/10/total too_long", "/rows/11/total out_of_range"}},
		{"five dimensions", "question,code,total\na,x,1\nb,x,1\nc,x,1\nd,x,1\ne,x,1\ne,y,1\nf,x,\n",
			[]string{"/rows/6/question too_many"}},
		{"only empty totals", "question,code,total\ngender,girl,\n",
			[]string{"/rows margins_empty"}},
		{"only a header", "question,code,total\n",
			[]string{"/rows margins_empty"}},
		{"blank lines above", "\r\n\r\nquestion;code;total\r\n\r\ngender;girl;1\r\ngender;boy;x\r\n",
			[]string{"/rows/6/total margins_total"}},
		{"a quoted line break", "question,code,label,total\ngender,girl,\"two\nlines\",1\n\ngender,boy,,x\n",
			[]string{"/rows/4/total margins_total"}},
	} {
		_, err := app.ReadMargins([]byte(c.csv), app.MarginsCSV, "exclude")
		wantProblems(t, c.name, err, c.want...)
	}
	var many strings.Builder
	many.WriteString("question,code,total\n")
	for i := range surveys.MaxOptions + 1 {
		fmt.Fprintf(&many, "q,c%d,1\n", i)
	}
	_, err := app.ReadMargins([]byte(many.String()), app.MarginsCSV, "exclude")
	fe := wantProblems(t, "too many codes", err, fmt.Sprintf("/rows/%d/code too_many", surveys.MaxOptions+2))
	if len(fe) == 1 && fe[0].Params["Max"] != surveys.MaxOptions {
		t.Errorf("params %v", fe[0].Params)
	}
}

// The rows read are bounded: more rows with content than any weighting
// has, or more blank rows than any file needs, are refused at /rows
// before the rest is read, in a CSV file and in a workbook.
func TestMarginsFileBounds(t *testing.T) {
	racetest.SkipSingleFlow(t)
	var full, fits, blank strings.Builder
	for _, b := range []*strings.Builder{&full, &fits, &blank} {
		b.WriteString("question,code,total\n")
	}
	for i := range app.MaxMarginsRows + 1 {
		fmt.Fprintf(&full, "q%d,c%d,1\n", i/surveys.MaxOptions, i%surveys.MaxOptions)
		if i < app.MaxMarginsRows {
			fmt.Fprintf(&fits, "q%d,c%d,1\n", i/surveys.MaxOptions, i%surveys.MaxOptions)
		}
	}
	blank.WriteString(strings.Repeat(",,\n", 10*(app.MaxMarginsRows+1)))
	blank.WriteString("q,c,1\n")
	for name, data := range map[string]string{"too many rows": full.String(), "too many blank rows": blank.String()} {
		_, err := app.ReadMargins([]byte(data), app.MarginsCSV, "exclude")
		fe := wantProblems(t, name, err, "/rows too_many")
		if len(fe) == 1 && fe[0].Params["Max"] != app.MaxMarginsRows {
			t.Errorf("%s: params %v", name, fe[0].Params)
		}
	}
	if m, err := app.ReadMargins([]byte(fits.String()), app.MarginsCSV, "exclude"); err != nil || len(m.Dimensions) != surveys.MaxWeightingDimensions {
		t.Errorf("the most rows: %v", err)
	}
	// A workbook: too many rows, or one far down.
	for name, rows := range map[string][]int{"too many rows": nil, "a row far down": {2, 100000}} {
		f := excelize.NewFile()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		if rows == nil {
			for r := 2; r <= 10*(app.MaxMarginsRows+1)+1; r++ {
				rows = append(rows, r)
			}
		}
		_ = sw.SetRow("A1", []any{"question", "code", "total"})
		for _, r := range rows {
			_ = sw.SetRow(fmt.Sprintf("A%d", r), []any{"q", fmt.Sprintf("c%d", r), 1})
		}
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		_ = f.Close()
		_, err = app.ReadMargins(buf.Bytes(), app.MarginsXLSX, "exclude")
		wantProblems(t, "workbook with "+name, err, "/rows too_many")
	}
}

// Files that are not population totals files are refused with the error
// that says why, never read without bound.
func TestMarginsFilesRefused(t *testing.T) {
	racetest.SkipSingleFlow(t)
	manyParts := map[string][]byte{}
	for i := range 1001 {
		manyParts[fmt.Sprintf("p/%d", i)] = nil
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
		{"not a zip", []byte("question,code,total\n"), app.MarginsXLSX, app.ErrMalformedMarginsFile},
		{"a legacy xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), app.MarginsXLSX, app.ErrMarginsFileType},
		// 100 MiB of zeros packs into about 100 KB.
		{"a zip bomb", zipOf(t, map[string][]byte{"xl/worksheets/sheet1.xml": make([]byte, 100<<20)}), app.MarginsXLSX, app.ErrMarginsFileTooLarge},
		// 5 MiB of "<xf/>": small unpacked, but gigabytes decoded.
		{"an element bomb", zipOf(t, map[string][]byte{"xl/styles.xml": bytes.Repeat([]byte("<xf/>"), 1<<20)}), app.MarginsXLSX, app.ErrMarginsFileTooLarge},
		{"too many parts", zipOf(t, manyParts), app.MarginsXLSX, app.ErrMarginsFileTooLarge},
		{"a zip that is no workbook", zipOf(t, map[string][]byte{"a.txt": []byte("hi")}), app.MarginsXLSX, app.ErrMalformedMarginsFile},
		{"an empty workbook", empty.Bytes(), app.MarginsXLSX, app.ErrMalformedMarginsFile},
		{"not UTF-8", []byte("question,code,total\ngender,fl\xe4cka,1\n"), app.MarginsCSV, app.ErrMalformedMarginsFile},
		{"empty", nil, app.MarginsCSV, app.ErrMalformedMarginsFile},
		{"blank rows only", []byte("\n,,\n\r\n"), app.MarginsCSV, app.ErrMalformedMarginsFile},
		{"another format", []byte("x"), "ods", app.ErrMarginsFileType},
	} {
		_, err := app.ReadMargins(c.data, c.format, "exclude")
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// The instructions are translated into every language of the server: no
// line falls back to English or shows a template.
func TestMarginsInstructionsTranslated(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	def := safetyDef(t)
	en := app.NewMarginsSheet(cat, def, "en")
	for _, lang := range cat.Languages() {
		sh := app.NewMarginsSheet(cat, def, lang)
		if len(sh.Instructions) != 7 || sh.Sheet == "" || sh.InstructionsSheet == "" {
			t.Errorf("%s: %+v", lang, sh)
		}
		for i, line := range sh.Instructions {
			if strings.Contains(line, "{{") || strings.Contains(line, "<no value>") || strings.HasPrefix(line, "margins.") {
				t.Errorf("%s: line %d %q", lang, i, line)
			}
			if lang != "en" && line == en.Instructions[i] {
				t.Errorf("%s: line %d is English", lang, i)
			}
		}
		wantLang := lang
		if lang != "sv" && lang != "en" && lang != "ar" {
			wantLang = "sv" // the survey's default language
		}
		if sh.Language != wantLang || sh.LabelsRTL != (wantLang == "ar") || sh.InstructionsRTL != (lang == "ar") {
			t.Errorf("%s: language %q, rtl %v %v", lang, sh.Language, sh.LabelsRTL, sh.InstructionsRTL)
		}
	}
}

// CheckMarginsFile checks the margins against the survey and reports
// Margins.Frame's problems at the file's rows: a code or question the
// survey lacks at its cell, totals of another population at the
// question's first total; a code the file has no row for keeps Frame's
// pointer, which names it.
func TestCheckMarginsFile(t *testing.T) {
	racetest.SkipSingleFlow(t)
	def := safetyDef(t)
	bad := "question,code,total\n" +
		"gender,girl,100\n" + // 2
		"gender,grl,100\n" + // 3
		"gender,boy,100\n" + // 4
		"gender,no_answer,not stated\n" + // 5
		"region,north,1\n" + // 6
		"gender,nb,not stated\n" // 7
	_, err := app.CheckMarginsFile(def, []byte(bad), app.MarginsCSV, "exclude")
	wantProblems(t, "codes", err, "/rows/7/code unknown_option", "/rows/3/code unknown_option", "/dimensions/0/totals/nonbinary required", "/rows/6/question unknown_question")
	good := "question,code,total\n" +
		"gender,girl,100\n" + // 2
		"gender,boy,100\n" + // 3
		"gender,nonbinary,1\n" + // 4
		"gender,no_answer,not stated\n" + // 5
		"age_band,13-15,100\n" + // 6
		"age_band,16-18,100\n" + // 7
		"age_band,19-25,1\n" // 8
	m, err := app.CheckMarginsFile(def, []byte(good), app.MarginsCSV, "exclude")
	if err != nil || len(m.Dimensions) != 2 {
		t.Fatalf("%+v %v", m, err)
	}
	_, err = app.CheckMarginsFile(def, []byte(strings.Replace(good, "19-25,1\n", "19-25,300\n", 1)), app.MarginsCSV, "exclude")
	wantProblems(t, "another population", err, "/rows/6/total weighting_totals")
	_, err = app.CheckMarginsFile(def, []byte(good), app.MarginsCSV, "spread")
	wantProblems(t, "rule", err, "/missing invalid")
	// A file that cannot be read says so before any check.
	_, err = app.CheckMarginsFile(def, []byte("question,code,total\ngender,girl,x\n"), app.MarginsCSV, "exclude")
	wantProblems(t, "unreadable", err, "/rows/2/total margins_total")
	if _, err := app.CheckMarginsFile(def, nil, "ods", "exclude"); !errors.Is(err, app.ErrMarginsFileType) {
		t.Errorf("ods: %v", err)
	}
}
