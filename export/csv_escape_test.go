package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// hostile holds texts that a spreadsheet could run or that break a CSV
// reader, and what a CSV cell must hold for each. The first group was
// found in the security review of issue 10 (written raw or not escaped).
var hostile = []struct{ in, csv string }{
	{"a\x00b", "ab"},
	{"\x00=1+1", "'=1+1"},
	{"-Inf", "'-Inf"},
	{"＝1+1", "'＝1+1"},
	{"﹦1+1", "'﹦1+1"},
	{"\u200b=1+1", "'\u200b=1+1"},

	{"=HYPERLINK(\"http://x\",\"click\")", "'=HYPERLINK(\"http://x\",\"click\")"},
	{"+Inf", "'+Inf"},
	{"-NaN", "'-NaN"},
	{"-0x1p-2", "'-0x1p-2"},
	{"\ufeff@SUM(A1:A2)", "'\ufeff@SUM(A1:A2)"},
	{"\u00ad+1+1", "'\u00ad+1+1"},
	{"\u202e-1+1", "'\u202e-1+1"},
	{"\u2060\u200d=1", "'\u2060\u200d=1"},
	{"\u0301=1", "'\u0301=1"},
	{" =1+1", "' =1+1"},
	{"\u3000=1+1", "'\u3000=1+1"},
	{"\t=1+1", "'\t=1+1"},
	{"\r=1+1", "'\r=1+1"},
	{"\tabc", "'\tabc"},
	{"＠cmd", "'＠cmd"},
	{"﹢1", "'﹢1"},
	{"﹣1", "'﹣1"},
	{"\u2212" + "1+1", "'\u22121+1"},
	{"x\x01\x1b[31my\x7f", "x[31my"},
	{"\u0085next line", "next line"},
	{"caf\xe9", "caf\ufffd"},
	{"\xff=1", "\ufffd=1"},

	// kept as written
	{"-3", "-3"},
	{"12.5", "12.5"},
	{"-0.25", "-0.25"},
	{"+7", "+7"},
	{"-", "-"},
	{"=", "="},
	{"undertryckt", "undertryckt"},
	{"line 1\nline 2", "line 1\nline 2"},
	{"a\tb\nc", "a\tb\nc"},
	{"Hej = hallå, 1+1", "Hej = hallå, 1+1"},
	{"O'Brien", "O'Brien"},
	{"لم يُجب", "لم يُجب"},
	{"\u200bhej", "\u200bhej"},
}

func TestCSVText(t *testing.T) {
	for _, tc := range hostile {
		if got := csvText(tc.in); got != tc.csv {
			t.Errorf("csvText(%q) = %q, want %q", tc.in, got, tc.csv)
		}
		if got := csvText(tc.csv); got != tc.csv && !strings.HasPrefix(tc.csv, "'") {
			t.Errorf("csvText(%q) is not stable: %q", tc.csv, got)
		}
	}
}

// checkCSVBytes fails if the file holds a control character other than
// tab, line feed and carriage return, or bytes that are not UTF-8.
func checkCSVBytes(t *testing.T, data []byte) {
	t.Helper()
	if !utf8.Valid(data) {
		t.Error("CSV is not UTF-8")
	}
	for i, r := range string(data) {
		if (r < ' ' && r != '\t' && r != '\n' && r != '\r') || (r >= 0x7f && r <= 0x9f) {
			t.Errorf("CSV: control character %U at byte %d", r, i)
		}
	}
}

// checkNoFormulas fails if any cell of any sheet is a formula.
func checkNoFormulas(t *testing.T, f *excelize.File) {
	t.Helper()
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, raw)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c := range row {
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if formula, err := f.GetCellFormula(sheet, ref); err != nil || formula != "" {
					t.Errorf("%s!%s is a formula: %q %v", sheet, ref, formula, err)
				}
			}
		}
	}
}

// The summary CSV escapes labels and texts from the definition, and drops
// control characters; the workbook keeps them as text, never a formula.
func TestSummaryHostileLabels(t *testing.T) {
	n := func(v int) *int { return &v }
	pct := func(v float64) *float64 { return &v }
	q := surveys.QuestionResults{ID: "q1", Type: surveys.SingleChoice, Text: "=1+1\x00?",
		Seen: surveys.Count{N: n(40), Pct: pct(100)}, Answered: surveys.Count{N: n(40), Pct: pct(100)}, Skipped: surveys.Count{N: n(0), Pct: pct(0)}}
	for i, h := range hostile {
		q.Options = append(q.Options, surveys.LabelledCount{Code: fmt.Sprintf("o%d", i), Label: h.in, Count: surveys.Count{N: n(i)}})
	}
	everyone := surveys.GroupResults{N: &surveys.Count{N: n(40)}, Questions: []surveys.QuestionResults{q}}
	g := everyone
	g.Code, g.Label = "g1", "\u200b-Inf"
	l := labelsSV
	l.Suppressed = "-"
	s := &Summary{SurveyID: "x", Title: "＝1+1", Lang: "sv", Dir: "ltr", Revision: 1, K: 10, Released: "2025-05-01",
		Overall: surveys.Results{K: 10, N: &surveys.Count{N: n(40)}, Groups: []surveys.GroupResults{everyone}},
		Breakdowns: []Breakdown{{ID: "b1", Label: "﹦1+1", Results: surveys.Results{K: 10, N: &surveys.Count{N: n(40)}, By: "b1",
			Groups: []surveys.GroupResults{everyone, g}}}},
		Labels: l, Method: []string{"=1+1", "a\x00b"},
	}
	c, x := write(t, s)
	checkCSVBytes(t, c)
	rows, err := csv.NewReader(bytes.NewReader(c[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, r := range rows[1:] {
		if r[3] == "q1" && r[4] != "'=1+1?" {
			t.Errorf("question text %q", r[4])
		}
		if r[1] == "g1" && r[2] != "'\u200b-Inf" {
			t.Errorf("group label %q", r[2])
		}
		var i int
		if _, err := fmt.Sscanf(r[5], "o%d", &i); err == nil {
			seen++
			if r[6] != hostile[i].csv {
				t.Errorf("option label %q: CSV %q, want %q", hostile[i].in, r[6], hostile[i].csv)
			}
		}
	}
	if seen != 2*len(hostile) {
		t.Errorf("%d option rows, want %d", seen, 2*len(hostile))
	}
	var notes []string
	for _, r := range rows[1:] {
		if strings.HasPrefix(r[5], "_note:") {
			notes = append(notes, r[6])
		}
	}
	if strings.Join(notes, "|") != "'=1+1|ab" {
		t.Errorf("method notes %q, want the formula escaped and the NUL dropped", notes)
	}

	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checkNoFormulas(t, f)
}

// The response CSV escapes free text; the response workbook stores it as
// text, never as a formula, and in valid XML (a NUL becomes U+FFFD).
func TestResponsesHostileText(t *testing.T) {
	def, rs := exampleResponses(t, len(hostile))
	var textCols []int
	for c, h := range ResponsesHeader(def) {
		if !numericColumns(def)[c] && h != "day" && h != "lang" {
			textCols = append(textCols, c)
		}
	}
	var free []string
	for _, q := range def.Questions() {
		if q.Type == surveys.FreeText {
			free = append(free, q.ID)
		}
	}
	if len(free) == 0 {
		t.Fatal("the example has no free-text question")
	}
	for i, h := range hostile {
		for _, id := range free {
			rs[i].Answers[id] = surveys.Answer{Text: h.in}
		}
	}

	var buf bytes.Buffer
	if _, err := ResponsesCSV(&buf, def, from(rs)); err != nil {
		t.Fatal(err)
	}
	checkCSVBytes(t, buf.Bytes())
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := rows[0]
	for i, h := range hostile {
		for c, name := range header {
			for _, id := range free {
				if name == id && rows[i+1][c] != h.csv {
					t.Errorf("response %d %s: CSV %q, want %q", i, id, rows[i+1][c], h.csv)
				}
			}
		}
	}

	buf.Reset()
	if _, err := ResponsesXLSX(&buf, def, from(rs)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checkNoFormulas(t, f)
	for i, h := range hostile {
		for c, name := range header {
			if !strings.Contains(strings.Join(free, "|"), name) || name == "" {
				continue
			}
			ref, _ := excelize.CoordinatesToCellName(c+1, i+2)
			typ, err := f.GetCellType("responses", ref)
			if err != nil || typ != excelize.CellTypeInlineString {
				t.Errorf("responses!%s (%q): type %v %v, want text", ref, h.in, typ, err)
			}
			v, _ := f.GetCellValue("responses", ref, raw)
			if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\t' && r != '\n' && r != '\r' }) || !utf8.ValidString(v) {
				t.Errorf("responses!%s: %q has a control character or is not UTF-8", ref, v)
			}
		}
	}
}
