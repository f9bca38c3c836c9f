package export

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// A mean's, median's, quartile's and mean rank's interval is in the XLSX
// beside the statistic (the limits' columns of its row; none beside the
// SD) and in the PDF's tables.
func TestMeanIntervalsInTheFiles(t *testing.T) {
	s := release(t, "sv", labelsSV, 300)
	_, data := write(t, s)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	x := xl{t: t, f: f}
	overview := f.GetSheetList()[0]
	rows := x.index(overview, 9)
	checked, medians, ranks := 0, 0, 0
	for _, q := range s.Overall.Groups[0].Questions {
		for _, m := range q.MeanRanks {
			r, ok := rows[[2]string{q.Text, labelsSV.MeanRank + ": " + m.Label}]
			if !ok || m.CILow == nil {
				t.Fatalf("%s %s: no mean rank row (%v) or no interval", q.ID, m.Code, ok)
			}
			x.number(overview, fmt.Sprintf("E%d", r), *m.CILow)
			x.number(overview, fmt.Sprintf("F%d", r), *m.CIHigh)
			ranks++
		}
		if q.Stats == nil {
			continue
		}
		r, ok := rows[[2]string{q.Text, labelsSV.Mean}]
		if !ok {
			t.Fatalf("no mean row for %s", q.ID)
		}
		if q.MeanCILow == nil {
			t.Errorf("%s: a mean without its interval", q.ID)
			continue
		}
		x.number(overview, fmt.Sprintf("E%d", r), *q.MeanCILow)
		x.number(overview, fmt.Sprintf("F%d", r), *q.MeanCIHigh)
		mr := rows[[2]string{q.Text, labelsSV.Median}]
		if q.Stats.MedianCILow != nil {
			x.number(overview, fmt.Sprintf("E%d", mr), *q.Stats.MedianCILow)
			x.number(overview, fmt.Sprintf("F%d", mr), *q.Stats.MedianCIHigh)
			medians++
		} else if v := x.value(overview, fmt.Sprintf("E%d", mr)); v != "" {
			t.Errorf("%s: a median without an interval has %q in the interval's column", q.ID, v)
		}
		if v := x.value(overview, fmt.Sprintf("E%d", rows[[2]string{q.Text, labelsSV.SD}])); v != "" {
			t.Errorf("%s: the SD's row has %q in the interval's column", q.ID, v)
		}
		checked++
	}
	if checked == 0 || medians == 0 || ranks == 0 {
		t.Fatalf("%d means, %d medians, %d mean ranks in the release: nothing checked", checked, medians, ranks)
	}

	t.Run("pdf", func(t *testing.T) {
		var pdf bytes.Buffer
		if err := WritePDF(&pdf, s); err != nil {
			t.Fatal(err)
		}
		text := pdfToText(t, pdf.Bytes())
		for _, q := range s.Overall.Groups[0].Questions {
			if q.MeanCILow == nil {
				continue
			}
			want := strings.ReplaceAll(fmt.Sprintf("%.2f–%.2f", *q.MeanCILow, *q.MeanCIHigh), ".", ",")
			if !strings.Contains(text, want) {
				t.Errorf("%s: the PDF lacks the mean's interval %s", q.ID, want)
			}
			if st := q.Stats; st.MedianCILow != nil {
				want := strings.ReplaceAll(fmt.Sprintf("%.2f (%.2f–%.2f)", st.Median, *st.MedianCILow, *st.MedianCIHigh), ".", ",")
				if !strings.Contains(text, want) {
					t.Errorf("%s: the PDF lacks the median's interval %s", q.ID, want)
				}
			}
		}
		for _, q := range s.Overall.Groups[0].Questions {
			for _, m := range q.MeanRanks {
				want := strings.ReplaceAll(fmt.Sprintf("%.2f (%.2f–%.2f)", m.MeanRank, *m.CILow, *m.CIHigh), ".", ",")
				if !strings.Contains(text, want) {
					t.Errorf("%s %s: the PDF lacks the mean rank's interval %s", q.ID, m.Code, want)
				}
			}
		}
	})
}

// A bar's error bar is its interval in counts: around the count, from
// the published base; a count not cut from a release has none.
func TestPDFErrorBars(t *testing.T) {
	s := release(t, "en", labelsSV, 300)
	bars := 0
	for _, q := range s.Overall.Groups[0].Questions {
		for _, o := range q.Options {
			lo, hi, ok := pdfErrorBar(o.Count)
			if !ok {
				if o.Count.CILow != nil && !o.Count.Suppressed {
					t.Errorf("%s %s: an interval without its error bar", q.ID, o.Code)
				}
				continue
			}
			n := float64(*o.Count.N)
			if lo > n+0.5 || hi < n-0.5 || lo < 0 || hi > float64(*q.Answered.N)+1e-9 {
				t.Errorf("%s %s: %v of %d: error bar %v..%v", q.ID, o.Code, n, *q.Answered.N, lo, hi)
			}
			if want := *o.Count.CIHigh / 100 * float64(*q.Answered.N); math.Abs(hi-want) > 1e-9 {
				t.Errorf("%s %s: error bar to %v, want %v", q.ID, o.Code, hi, want)
			}
			bars++
		}
	}
	if bars < 10 {
		t.Errorf("only %d error bars", bars)
	}
	n, pct, lo, hi := 5, 50.0, 20.0, 80.0
	if _, _, ok := pdfErrorBar(surveys.Count{N: &n, Pct: &pct, CILow: &lo, CIHigh: &hi}); ok {
		t.Error("an error bar for a count without its base")
	}
}

// A summary built at another level has every interval at it, says so in
// the column headers, the notes and the method note, and its files carry
// those intervals; an invalid level is the default.
func TestSummaryAtLevel(t *testing.T) {
	cat, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	rel := builtRelease(t, 300)
	at95 := BuildSummary(rel, "en", "en", cat)
	rel.Level = 99
	s := BuildSummary(rel, "en", "en", cat)
	if s.Overall.Level != 99 || len(s.Breakdowns) == 0 || s.Breakdowns[0].Results.Level != 99 {
		t.Fatalf("levels: overall %d, breakdowns %v", s.Overall.Level, s.Breakdowns)
	}
	for _, l := range []string{s.Labels.CILow, s.Labels.CIHigh, s.Labels.CI} {
		if !strings.Contains(l, "99") || strings.Contains(l, "95") {
			t.Errorf("label %q", l)
		}
	}
	note := strings.Join(s.methodNote(), " ")
	if !strings.Contains(note, "99 % confidence interval") || strings.Contains(note, "95 %") {
		t.Errorf("method note: %q", note)
	}
	wider, medians := 0, 0
	for qi, q := range s.Overall.Groups[0].Questions {
		q95 := at95.Overall.Groups[0].Questions[qi]
		for oi, o := range q.Options {
			if o.Count.CILow == nil {
				continue
			}
			lo, hi, _ := surveys.Wilson(*o.Count.N, *q.Answered.N, 99)
			if *o.Count.CILow != math.Round(1000*lo)/10 || *o.Count.CIHigh != math.Round(1000*hi)/10 {
				t.Errorf("%s %s: [%v, %v] is not the 99 %% interval", q.ID, o.Code, *o.Count.CILow, *o.Count.CIHigh)
			}
			if w := q95.Options[oi].Count; *o.Count.CIHigh-*o.Count.CILow > *w.CIHigh-*w.CILow {
				wider++
			}
		}
		if q.Stats != nil && q.Stats.MedianCILow != nil {
			medians++
		}
	}
	if wider < 10 || medians == 0 {
		t.Errorf("%d intervals wider at 99 %% than at 95 %%, %d medians with intervals", wider, medians)
	}
	_, data := write(t, s)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(rows[xlOverviewHeaderRow-1], "|"), "Lower limit (99 % CI)") {
		t.Errorf("XLSX header %q", rows[xlOverviewHeaderRow-1])
	}
	csvData, _ := write(t, s)
	if !strings.Contains(string(csvData), "99 % confidence interval") {
		t.Error("the CSV's method note does not say 99 %")
	}
	rel.Level = 80
	if s := BuildSummary(rel, "en", "en", cat); s.Overall.Level != 95 {
		t.Errorf("level 80 gave %d", s.Overall.Level)
	}
}
