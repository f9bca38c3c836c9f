package export

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
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
