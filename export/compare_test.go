package export

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// builtComparison compares two releases of the example consultation (60
// and 200 random responses) in lang with the words of uiLang.
func builtComparison(t *testing.T, lang, uiLang string, level int) *ComparisonDocument {
	t.Helper()
	return builtComparisonBy(t, lang, uiLang, "", level, 200, 60)
}

// builtComparisonBy is builtComparison by breakdown question by, of
// releases of cur and prev responses.
func builtComparisonBy(t testing.TB, lang, uiLang, by string, level, cur, prev int) *ComparisonDocument {
	t.Helper()
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	wave := func(r Release, id string) surveys.Wave {
		return surveys.Wave{Survey: id, Title: r.Def.Title.In(lang, r.Def.DefaultLanguage), Revision: r.Revision, Day: r.Day,
			Results: r.Protected.Results(lang, by, "-")}
	}
	c, err := surveys.CompareBy(wave(builtRelease(t, cur), "this"), wave(builtRelease(t, prev), "last"), by, level)
	if err != nil {
		t.Fatal(err)
	}
	return BuildComparison(c, lang, uiLang, cat)
}

// The CSV holds one line per compared estimate with the comparison's
// numbers as they are, the suppressed marker and nothing else for an
// estimate a release does not publish, no difference beside it, a line
// per question left out with why, and the method; the workbook holds the
// same rows, percentages as fractions and differences in points, and
// the same marker.
func TestComparisonFiles(t *testing.T) {
	d := builtComparison(t, "sv", "sv", 90)
	if d.Labels.Sheet != "Jämförelse" || !strings.Contains(d.Labels.Significant, "90") || len(d.Method) != 5 || len(d.Notes) != 3 || d.Groups != nil {
		t.Fatalf("labels %+v, notes %q", d.Labels, d.Notes)
	}
	var rows, suppressed, flagged int
	for _, q := range d.Questions {
		for _, r := range q.Rows {
			rows++
			if r.Label == "" {
				t.Errorf("%s/%s: no label", q.ID, r.Code)
			}
			if r.Current.Suppressed || r.Previous.Suppressed {
				suppressed++
			}
			if r.Difference != nil && r.Difference.Significant {
				flagged++
			}
		}
	}
	if suppressed == 0 || rows < 100 {
		t.Fatalf("%d rows, %d with a number not published: the test needs both", rows, suppressed)
	}
	var buf bytes.Buffer
	if err := WriteComparisonCSV(&buf, d); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if !bytes.HasPrefix(data, []byte("\ufeff")) {
		t.Fatal("no byte order mark")
	}
	lines, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(lines[0], ",") != strings.Join(ComparisonCSVHeader, ",") {
		t.Fatalf("header %v", lines[0])
	}
	col := map[string]int{}
	for i, h := range ComparisonCSVHeader {
		col[h] = i
	}
	i := 1
	for _, q := range d.Questions {
		for _, r := range q.Rows {
			l := lines[i]
			i++
			if l[col["question"]] != q.ID || l[col["option"]] != r.Code || l[col["kind"]] != r.Kind {
				t.Fatalf("line %d: %v for %s/%s", i, l, q.ID, r.Code)
			}
			places := 1
			if r.Kind == surveys.CompareRowMean {
				places = 2
			}
			for _, side := range []struct {
				pre string
				e   surveys.Estimate
			}{{"current_", r.Current}, {"previous_", r.Previous}} {
				if side.e.Suppressed {
					if l[col[side.pre+"value"]] != d.Labels.Suppressed || l[col[side.pre+"n"]] != "" || l[col[side.pre+"ci_low"]] != "" {
						t.Errorf("%s/%s %s: %v beside a number not published", q.ID, r.Code, side.pre, l)
					}
					continue
				}
				if l[col[side.pre+"n"]] != strconv.Itoa(*side.e.N) || l[col[side.pre+"value"]] != strconv.FormatFloat(*side.e.Value, 'f', places, 64) ||
					l[col[side.pre+"ci_high"]] != strconv.FormatFloat(*side.e.CIHigh, 'f', places, 64) {
					t.Errorf("%s/%s %s: %v, want %+v", q.ID, r.Code, side.pre, l, side.e)
				}
			}
			diff := l[col["difference"]]
			switch {
			case r.Difference == nil:
				if diff != "" || l[col["significant"]] != "" {
					t.Errorf("%s/%s: a difference %q in the file, none in the comparison", q.ID, r.Code, diff)
				}
			case diff != strconv.FormatFloat(r.Difference.Value, 'f', places, 64) || (r.Difference.CILow != nil && l[col["significant"]] != strconv.FormatBool(r.Difference.Significant)):
				t.Errorf("%s/%s: %v, want %+v", q.ID, r.Code, l, *r.Difference)
			}
		}
	}
	for _, lo := range d.LeftOut {
		if l := lines[i]; l[col["question"]] != lo.ID || l[col["kind"]] != "_left_out" || l[col["option"]] != lo.Reason || l[col["option_label"]] != lo.Why || lo.Why == "" {
			t.Errorf("left out: %v, want %+v", l, lo)
		}
		i++
	}
	if rest := lines[i:]; len(rest) != 2+len(d.Notes)+len(d.Method) || rest[0][col["question"]] != "_method" || rest[0][col["current_n"]] != strconv.Itoa(d.Current.Responses) {
		t.Errorf("method lines %v", rest)
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
	if len(sheets) != 3 || sheets[0] != "Jämförelse" {
		t.Fatalf("sheets %v", sheets)
	}
	xrows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	first := 3 + len(d.Notes) + 3 // the first row of numbers
	cell := func(r []string, c int) string {
		if c < len(r) {
			return r[c]
		}
		return ""
	}
	ri, xflagged := first, 0
	for _, q := range d.Questions {
		for _, r := range q.Rows {
			x := xrows[ri]
			ri++
			if cell(x, 0) != q.Text || cell(x, 2) != r.Label {
				t.Fatalf("row %d: %v for %s/%s", ri, x, q.ID, r.Code)
			}
			for k, e := range []surveys.Estimate{r.Current, r.Previous} {
				c := 3 + 5*k
				if e.Suppressed {
					if cell(x, c) != "" || cell(x, c+2) != d.Labels.Suppressed || cell(x, c+3) != "" {
						t.Errorf("%s/%s: %v beside a number not published", q.ID, r.Code, x)
					}
					continue
				}
				want := *e.Value
				if r.Kind == surveys.CompareRowProportion {
					want /= 100
				}
				if got, err := strconv.ParseFloat(cell(x, c+2), 64); err != nil || cell(x, c) != strconv.Itoa(*e.N) || !near(got, want) {
					t.Errorf("%s/%s: %v, want %+v", q.ID, r.Code, x, e)
				}
			}
			if r.Difference == nil {
				if cell(x, 13) != "" {
					t.Errorf("%s/%s: a difference in the workbook", q.ID, r.Code)
				}
				continue
			}
			if got, err := strconv.ParseFloat(cell(x, 13), 64); err != nil || !near(got, r.Difference.Value) {
				t.Errorf("%s/%s: difference %q, want %v", q.ID, r.Code, cell(x, 13), r.Difference.Value)
			}
			if cell(x, 16) == d.Labels.Yes {
				xflagged++
			}
		}
	}
	if xflagged != flagged {
		t.Errorf("%d rows flagged in the workbook, %d in the comparison", xflagged, flagged)
	}
	left, _ := f.GetRows(sheets[1])
	if len(left) != 1+len(d.LeftOut) {
		t.Errorf("left out sheet: %d rows for %d questions", len(left), len(d.LeftOut))
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// Arabic: the workbook's sheets are right-to-left; every message is
// there.
func TestComparisonArabic(t *testing.T) {
	d := builtComparison(t, "ar", "ar", 95)
	var buf bytes.Buffer
	if err := WriteComparisonXLSX(&buf, d); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, s := range f.GetSheetList() {
		v, err := f.GetSheetView(s, 0)
		if err != nil || v.RightToLeft == nil || !*v.RightToLeft {
			t.Errorf("sheet %s is not right-to-left", s)
		}
	}
	for _, s := range append(append([]string{d.Labels.Sheet, d.Labels.Current, d.Labels.Yes}, d.Notes...), d.Method...) {
		if s == "" || strings.Contains(s, "compare.") || strings.Contains(s, "<no value>") {
			t.Errorf("a message missing: %q", s)
		}
	}
}
