package xlsform

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// withSheetXML replaces the survey sheet of a workbook built by
// workbookBytes with XML written by gen: the way to make workbooks no
// spreadsheet program would (a zip bomb, a million rows).
func withSheetXML(t testing.TB, gen func(w io.Writer)) []byte {
	t.Helper()
	base := workbookBytes(t, surveySheet([]string{"type"}))
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(f.Name, "xl/worksheets/sheet") {
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+
				`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
			gen(w)
			_, _ = io.WriteString(w, `</sheetData></worksheet>`)
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, r); err != nil {
			t.Fatal(err)
		}
		_ = r.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// cellXML is an inline string cell.
func cellXML(ref, text string) string {
	return `<c r="` + ref + `" t="inlineStr"><is><t>` + text + `</t></is></c>`
}

// headerXML is the row type | name | label.
var headerXML = `<row r="1">` + cellXML("A1", "type") + cellXML("B1", "name") + cellXML("C1", "label") + `</row>`

// zipBomb is a sheet that uncompresses to 64 MiB from about 70 KB.
func zipBomb(w io.Writer) {
	_, _ = io.WriteString(w, headerXML)
	filler := strings.Repeat("x", 1<<20)
	for i := 0; i < 64; i++ {
		_, _ = io.WriteString(w, fmt.Sprintf(`<row r="%d">%s</row>`, i+2, cellXML(fmt.Sprintf("C%d", i+2), filler)))
	}
}

// manyRows is a sheet of 100,000 question rows (11 MB of XML, inside
// the unzip bound): only the row bound stops it.
func manyRows(w io.Writer) {
	_, _ = io.WriteString(w, headerXML)
	for i := 2; i <= 100001; i++ {
		_, _ = fmt.Fprintf(w, `<row r="%d">%s%s</row>`, i, cellXML(fmt.Sprintf("A%d", i), "text"), cellXML(fmt.Sprintf("B%d", i), "q"))
	}
}

// millionRows is a sheet of a million empty row elements (6 MB of XML),
// then one that is not empty.
func millionRows(w io.Writer) {
	_, _ = io.WriteString(w, headerXML)
	for i := 2; i < 1000000; i++ {
		_, _ = io.WriteString(w, `<row/>`)
	}
	_, _ = io.WriteString(w, `<row>`+cellXML("A1000000", "text")+`</row>`)
}

// formattedRows is one question, then 65,534 formatted empty rows, as an
// old .xls converted to .xlsx may have.
func formattedRows(w io.Writer) {
	_, _ = io.WriteString(w, headerXML+`<row r="2">`+cellXML("A2", "text")+cellXML("B2", "q")+cellXML("C2", "Q?")+`</row>`)
	for i := 3; i <= 65536; i++ {
		_, _ = fmt.Fprintf(w, `<row r="%d" s="1" customFormat="1"/>`, i)
	}
}

// lastRow has one question, then a row at the sheet's very end
// (1,048,576): empty, as spreadsheets write a formatted column, or not.
func lastRow(content bool) func(w io.Writer) {
	return func(w io.Writer) {
		_, _ = io.WriteString(w, headerXML+`<row r="2">`+cellXML("A2", "text")+cellXML("B2", "q")+cellXML("C2", "Q?")+`</row>`)
		if content {
			_, _ = io.WriteString(w, `<row r="1048576">`+cellXML("A1048576", "text")+`</row>`)
		} else {
			_, _ = io.WriteString(w, `<row r="1048576" s="1" customFormat="1"><c r="A1048576" s="1"/></row>`)
		}
	}
}

// wideRow has a header row 16,384 cells wide.
func wideRow(w io.Writer) {
	_, _ = io.WriteString(w, `<row r="1">`+cellXML("A1", "type")+cellXML("B1", "name")+cellXML("C1", "label")+cellXML("XFD1", "far")+`</row>`)
	_, _ = io.WriteString(w, `<row r="2">`+cellXML("A2", "text")+cellXML("B2", "q")+cellXML("C2", "Q?")+`</row>`)
}

// allocated runs f and reports the bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestBounds: hostile workbooks are refused with bounded memory. The
// figures are BenchmarkReadHostile's (docs/surveys.md, 9.1).
func TestBounds(t *testing.T) {
	for _, tc := range []struct {
		name string
		gen  func(io.Writer)
		// check the outcome
		want func(*Result, error) bool
		// most bytes allocated
		most uint64
	}{
		{"zip bomb", zipBomb, func(_ *Result, err error) bool { return errors.Is(err, ErrTooLarge) }, 64 << 20},
		{"100,000 rows", manyRows, func(_ *Result, err error) bool { return isProblem(err, CodeTooManyRows) }, 200 << 20},
		{"a million rows", millionRows, func(_ *Result, err error) bool { return isProblem(err, CodeTooManyRows) }, 200 << 20},
		{"a row at the last row", lastRow(true), func(_ *Result, err error) bool { return isProblem(err, CodeTooManyRows) }, 64 << 20},
		{"an empty formatted last row", lastRow(false), func(r *Result, err error) bool { return err == nil && len(r.Definition.Questions()) == 1 }, 64 << 20},
		{"65,534 formatted rows", formattedRows, func(r *Result, err error) bool { return err == nil && len(r.Definition.Questions()) == 1 }, 200 << 20},
		{"16,384 columns", wideRow, func(_ *Result, err error) bool { return isProblem(err, CodeTooManyColumns) }, 64 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := withSheetXML(t, tc.gen)
			if len(b) > MaxWorkbookBytes {
				t.Fatalf("the workbook is %d bytes: the test must pass the size check", len(b))
			}
			var res *Result
			var err error
			n := allocated(func() { res, err = read(t, b) })
			if !tc.want(res, err) {
				t.Errorf("%d bytes compressed: got %v", len(b), err)
			}
			if n > tc.most {
				t.Errorf("allocated %d MB, at most %d MB", n>>20, tc.most>>20)
			}
			t.Logf("%d KB compressed, %d MB allocated", len(b)>>10, n>>20)
		})
	}
}

// isProblem reports whether err has a problem with the code, naming the
// survey sheet.
func isProblem(err error, code Code) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	for _, p := range e.Problems {
		if p.Code == code && p.Sheet == "survey" {
			return true
		}
	}
	return false
}

func TestLongCell(t *testing.T) {
	ps := problems(t, sheetRows{name: "survey", rows: [][]string{surveyHeader, r("text", "q", strings.Repeat("é", maxCellRunes+1))}}, titled)
	if !hasProblem(ps, "survey", 2, "label::English (en)", CodeCellTooLong) {
		t.Errorf("%+v", ps)
	}
	if len([]rune(ps[0].Cell)) != cellShown+1 {
		t.Errorf("the cell is quoted with %d characters", len([]rune(ps[0].Cell)))
	}
}

// BenchmarkReadHostile measures what refusing each hostile workbook
// costs (B/op is the memory bound TestBounds checks).
func BenchmarkReadHostile(b *testing.B) {
	for _, bc := range []struct {
		name string
		gen  func(io.Writer)
	}{{"zipbomb", zipBomb}, {"rows100k", manyRows}, {"rows1m", millionRows}, {"lastrow", lastRow(true)}, {"formatted65k", formattedRows}, {"columns16k", wideRow}} {
		wb := withSheetXML(b, bc.gen)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				_, _ = Read(bytes.NewReader(wb), int64(len(wb)))
			}
		})
	}
}

// BenchmarkReadExample measures reading the larger example survey's
// workbook, the size of a real survey.
func BenchmarkReadExample(b *testing.B) {
	d := example(b, "safety-online-offline.json")
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
			b.Fatal(err)
		}
	}
}

// TestProblemsAreCapped: a workbook with more problems than anyone reads
// lists 1000 and says how many more there are.
func TestProblemsAreCapped(t *testing.T) {
	rows := [][]string{surveyHeader}
	for i := 0; i < 1500; i++ {
		rows = append(rows, r("geopoint", fmt.Sprintf("g%d", i), "Where?"))
	}
	ps := problems(t, sheetRows{name: "survey", rows: rows}, titled)
	if len(ps) != maxProblems+1 {
		t.Fatalf("%d problems", len(ps))
	}
	last := ps[len(ps)-1]
	// 1500 rows refused, and no question left: 1501 problems.
	if last.Code != CodeMore || last.Params["Count"] != 501 || ps[0].Row != 2 {
		t.Errorf("first %+v, last %+v", ps[0], last)
	}
}
