package xlsform

import (
	"archive/zip"
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// sheetRows is a sheet to build: its rows, the header first.
type sheetRows struct {
	name string
	rows [][]string
}

// workbook builds an .xlsx from sheets, as a spreadsheet program would
// save it.
func workbookBytes(t testing.TB, sheets ...sheetRows) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	for _, s := range sheets {
		if _, err := f.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		for i, r := range s.rows {
			vals := make([]any, len(r))
			for j, v := range r {
				vals[j] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(s.name, cell, &vals); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// read reads a built workbook.
func read(t testing.TB, b []byte) (*Result, error) {
	t.Helper()
	return Read(bytes.NewReader(b), int64(len(b)))
}

// mustRead reads a workbook that must convert.
func mustRead(t testing.TB, sheets ...sheetRows) *Result {
	t.Helper()
	res, err := read(t, workbookBytes(t, sheets...))
	if err != nil {
		if e, ok := err.(*Error); ok {
			for _, p := range e.Problems {
				t.Errorf("problem: %+v", p)
			}
		}
		t.Fatalf("Read: %v", err)
	}
	return res
}

// problems reads a workbook that must be refused, and its problems.
func problems(t testing.TB, sheets ...sheetRows) []Problem {
	t.Helper()
	_, err := read(t, workbookBytes(t, sheets...))
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("Read: %v, want *Error", err)
	}
	return e.Problems
}

// survey, choices and settings make the usual sheets; the survey's
// header is type, name, label::English (en) and the given columns.
func surveySheet(rows ...[]string) sheetRows { return sheetRows{name: "survey", rows: rows} }

func choicesSheet(rows ...[]string) sheetRows {
	return sheetRows{name: "choices", rows: append([][]string{{"list_name", "name", "label::English (en)"}}, rows...)}
}

func settingsSheet(header, values []string) sheetRows {
	return sheetRows{name: "settings", rows: [][]string{header, values}}
}

// titled is a settings sheet with a title in English, so that no
// warning about a missing title or language is given.
var titled = settingsSheet([]string{"form_title", "default_language"}, []string{"A survey", "English (en)"})

// hasProblem reports whether ps has a problem at the sheet, row and
// column with the code.
func hasProblem(ps []Problem, sheet string, row int, column string, code Code) bool {
	for _, p := range ps {
		if p.Sheet == sheet && p.Row == row && p.Column == column && p.Code == code {
			return true
		}
	}
	return false
}

func bytesOf(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// zipOf makes a zip file of the given files (name -> content).
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, content := range files {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
