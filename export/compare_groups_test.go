package export

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// groupedComparison compares by gender a release of 400 responses with
// one of 40, whose smaller groups are hidden.
func groupedComparison(t *testing.T, lang string) *ComparisonDocument {
	t.Helper()
	d := builtComparisonBy(t, lang, lang, "gender", 95, 400, 40)
	hidden, compared := 0, 0
	for _, g := range d.Groups {
		if g.Why != "" {
			hidden++
		} else if len(g.Questions) > 0 {
			compared++
		}
	}
	if d.By != "gender" || d.ByText == "" || hidden == 0 || compared == 0 {
		t.Fatalf("by %q (%q): %d groups hidden, %d compared: the test needs both", d.By, d.ByText, hidden, compared)
	}
	return d
}

// By a breakdown, the CSV has the overall rows (breakdown empty), then
// each group: its line of respondents (kind "_group"), then its rows with
// the breakdown, group code and label; a group a release hides is its
// line alone, saying why, with the hidden marker on the wave that hides
// it. The workbook has the same rows on one sheet, the group in the
// first column.
func TestComparisonByGroupFiles(t *testing.T) {
	d := groupedComparison(t, "en")
	if len(d.Notes) != 5 || len(d.Method) != 6 || !strings.Contains(strings.Join(d.Notes, " "), d.ByText) {
		t.Fatalf("notes %q, method %d paragraphs", d.Notes, len(d.Method))
	}
	var buf bytes.Buffer
	if err := WriteComparisonCSV(&buf, d); err != nil {
		t.Fatal(err)
	}
	lines, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range ComparisonCSVHeader {
		col[h] = i
	}
	i := 1
	for _, q := range d.Questions {
		for range q.Rows {
			if l := lines[i]; l[col["breakdown"]] != "" || l[col["group"]] != "" || l[col["question"]] != q.ID {
				t.Fatalf("line %d: %v, want an overall row of %s", i, l, q.ID)
			}
			i++
		}
	}
	groupRows := 0
	for _, g := range d.Groups {
		l := lines[i]
		i++
		if l[col["breakdown"]] != "gender" || l[col["group"]] != g.Code || l[col["group_label"]] != g.Label || l[col["kind"]] != "_group" || l[col["option"]] != "_n" {
			t.Fatalf("group %s: line %v", g.Code, l)
		}
		for k, w := range []struct {
			pre    string
			n      *int
			hidden bool
		}{
			{"current_", g.CurrentN, g.NotCompared == surveys.GroupHiddenInCurrent || g.NotCompared == surveys.GroupHiddenInBoth},
			{"previous_", g.PreviousN, g.NotCompared == surveys.GroupHiddenInPrevious || g.NotCompared == surveys.GroupHiddenInBoth},
		} {
			switch {
			case w.hidden && l[col[w.pre+"value"]] != d.Labels.Hidden:
				t.Errorf("group %s wave %d: hidden, the line says %v", g.Code, k, l)
			case !w.hidden && w.n != nil && l[col[w.pre+"n"]] != strconv.Itoa(*w.n):
				t.Errorf("group %s wave %d: %d respondents, the line says %v", g.Code, k, *w.n, l)
			}
		}
		if g.Why != "" {
			if l[col["option_label"]] != g.Why || len(g.Questions) != 0 {
				t.Errorf("group %s not compared: %v, %d questions", g.Code, l, len(g.Questions))
			}
			continue
		}
		for _, q := range g.Questions {
			for _, r := range q.Rows {
				l := lines[i]
				i++
				groupRows++
				if l[col["group"]] != g.Code || l[col["question"]] != q.ID || l[col["option"]] != r.Code {
					t.Fatalf("group %s %s/%s: line %v", g.Code, q.ID, r.Code, l)
				}
				if r.Difference != nil && l[col["difference"]] != strconv.FormatFloat(r.Difference.Value, 'f', comparePlaces(r), 64) {
					t.Errorf("group %s %s/%s: difference %v, want %v", g.Code, q.ID, r.Code, l[col["difference"]], r.Difference.Value)
				}
			}
		}
	}
	if l := lines[i]; l[col["kind"]] != "_left_out" && l[col["question"]] != "_method" {
		t.Errorf("after the groups: %v", l)
	}

	buf.Reset()
	if err := WriteComparisonXLSX(&buf, d); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	xrows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	first := 3 + len(d.Notes) + 3
	if xrows[first-1][0] != d.Labels.Group || xrows[first-1][1] != d.Labels.Question {
		t.Fatalf("header %v", xrows[first-1])
	}
	ri := first
	for _, q := range d.Questions {
		for _, r := range q.Rows {
			if x := xrows[ri]; x[0] != d.Labels.Everyone || x[1] != q.Text || x[3] != r.Label {
				t.Fatalf("row %d: %v", ri, x)
			}
			ri++
		}
	}
	xgroupRows := 0
	for _, g := range d.Groups {
		x := xrows[ri]
		ri++
		if x[0] != g.Label || x[1] != d.Labels.Responses || (g.Why != "" && x[3] != g.Why) {
			t.Fatalf("group %s: row %v", g.Code, x)
		}
		for _, q := range g.Questions {
			for range q.Rows {
				if x := xrows[ri]; x[0] != g.Label || x[1] != q.Text {
					t.Fatalf("group %s: row %v", g.Code, x)
				}
				ri++
				xgroupRows++
			}
		}
	}
	if ri != len(xrows) || xgroupRows != groupRows || groupRows == 0 {
		t.Errorf("workbook: %d rows read of %d; %d group rows, the CSV %d", ri, len(xrows), xgroupRows, groupRows)
	}
}
