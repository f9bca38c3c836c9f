package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

func exampleResponses(t *testing.T, n int) (*surveys.Definition, []*surveys.Response) {
	t.Helper()
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(17, 17))
	var rs []*surveys.Response
	for i := range n {
		raw := map[string]json.RawMessage{}
		for id, v := range simulate.Answers(def, rng) {
			raw[id], _ = json.Marshal(v)
		}
		answers, err := def.ParseAnswers(raw)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, &surveys.Response{Revision: 1, Lang: []string{"sv", "ar", "en"}[i%3], Day: "2026-11-27", Answers: answers})
	}
	// Free text that a spreadsheet could take for a formula.
	for _, q := range def.Questions() {
		if q.Type == surveys.FreeText {
			rs[0].Answers[q.ID] = surveys.Answer{Text: "=HYPERLINK(\"x\")"}
		}
	}
	return def, rs
}

func from(rs []*surveys.Response) func() (*surveys.Response, error) {
	i := 0
	return func() (*surveys.Response, error) {
		if i == len(rs) {
			return nil, io.EOF
		}
		i++
		return rs[i-1], nil
	}
}

// The response workbook holds the CSV's rows: numbers as numbers, text as
// written, over as many sheets as Excel's row limit needs.
func TestResponsesXLSXMatchesCSV(t *testing.T) {
	defer func(n int) { xlMaxRows = n }(xlMaxRows)
	xlMaxRows = 20 // a header and 19 responses per sheet
	def, rs := exampleResponses(t, 50)
	var csvBuf, xlBuf bytes.Buffer
	if n, err := ResponsesCSV(&csvBuf, def, from(rs)); err != nil || n != 50 {
		t.Fatalf("csv: %d %v", n, err)
	}
	if n, err := ResponsesXLSX(&xlBuf, def, from(rs)); err != nil || n != 50 {
		t.Fatalf("xlsx: %d %v", n, err)
	}
	csvRows, err := csv.NewReader(&csvBuf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&xlBuf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 3 || got[0] != "responses" || got[2] != "responses 3" {
		t.Fatalf("sheets %v", got)
	}
	numeric := numericColumns(def)
	header := csvRows[0]
	var rows [][]string
	for _, sheet := range f.GetSheetList() {
		sheetRows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(sheetRows) > xlMaxRows || !equalPadded(sheetRows[0], header) {
			t.Fatalf("sheet %s: %d rows, header %v", sheet, len(sheetRows), sheetRows[0])
		}
		panes, err := f.GetPanes(sheet)
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Fatalf("sheet %s: header not frozen: %+v %v", sheet, panes, err)
		}
		for r, row := range sheetRows[1:] {
			for c := range row {
				if row[c] == "" {
					continue
				}
				ref, _ := excelize.CoordinatesToCellName(c+1, r+2)
				typ, _ := f.GetCellType(sheet, ref)
				_, isNumber := strconv.ParseFloat(row[c], 64)
				if numeric[c] && isNumber == nil && typ == excelize.CellTypeInlineString {
					t.Fatalf("%s!%s %q is text, not a number", sheet, ref, row[c])
				}
			}
		}
		rows = append(rows, sheetRows[1:]...)
	}
	if len(rows) != 50 {
		t.Fatalf("%d rows in the workbook", len(rows))
	}
	for i, row := range rows {
		want := responseValues(def, rs[i], func(s string) string { return s })
		if !equalPadded(row, want) {
			t.Fatalf("row %d:\n xlsx %q\n want %q", i, row, want)
		}
		if i > 0 && !equalPadded(csvRows[i+1], want) {
			t.Fatalf("csv row %d differs: %q", i, csvRows[i+1])
		}
	}
	formulas := 0
	for c, v := range rows[0] {
		if v == "=HYPERLINK(\"x\")" {
			formulas++
			if csvRows[1][c] != "'"+v {
				t.Fatalf("csv does not defuse the formula: %q", csvRows[1][c])
			}
			ref, _ := excelize.CoordinatesToCellName(c+1, 2)
			if formula, _ := f.GetCellFormula("responses", ref); formula != "" {
				t.Fatalf("xlsx made text a formula: %q", formula)
			}
		}
	}
	if formulas == 0 {
		t.Fatal("no free text in the first row")
	}
}

// equalPadded compares rows, where excelize leaves out empty cells at the
// end of a row.
func equalPadded(got, want []string) bool {
	if len(got) > len(want) {
		return false
	}
	for i := range want {
		g := ""
		if i < len(got) {
			g = got[i]
		}
		if g != want[i] {
			return false
		}
	}
	return true
}
