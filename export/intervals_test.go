package export

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// A mean's interval is in the XLSX beside the mean (the limits' columns
// of its row, none elsewhere among the statistics) and in the PDF's
// statistics table.
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
	checked := 0
	for _, q := range s.Overall.Groups[0].Questions {
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
		if v := x.value(overview, fmt.Sprintf("E%d", rows[[2]string{q.Text, labelsSV.Median}])); v != "" {
			t.Errorf("%s: median row has %q in the interval's column", q.ID, v)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no mean in the release: nothing checked")
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
