package app_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// withPart copies a workbook with one part replaced (or added) by what
// gen writes.
func withPart(t *testing.T, base []byte, name string, gen func(io.Writer)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if f.Name == name {
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
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
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	gen(w)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// times writes head, item n times, then tail.
func times(head, item string, n int, tail string) func(io.Writer) {
	return func(w io.Writer) {
		_, _ = io.WriteString(w, head)
		chunk := strings.Repeat(item, 1000)
		for i := 0; i < n/1000; i++ {
			_, _ = io.WriteString(w, chunk)
		}
		_, _ = io.WriteString(w, strings.Repeat(item, n%1000)+tail)
	}
}

// A translator's workbook is bounded by what its XML holds, not only by
// its unpacked size. Before, 5,000,000 "<xf/>" (a zip file of tens of
// kilobytes) were decoded whole: 4.4 GB allocated in 11 s; 4,000,000
// empty cells took 1.7 GB and 3 s, a text of 40 MiB 248 MB, and a million
// empty rows were read one by one (10 MB) before the row bound; a part
// over 16 MiB went to a temporary file first.
func TestTranslationWorkbookPartsAreBounded(t *testing.T) {
	racetest.SkipSingleFlow(t)
	def, err := surveystest.Load(surveystest.SmallSurvey)
	if err != nil {
		t.Fatal(err)
	}
	var base bytes.Buffer
	if err := app.WriteTranslations(&base, app.TranslationXLSX, def.Texts("ar"), testSheet(true)); err != nil {
		t.Fatal(err)
	}
	if _, err := app.ReadTranslations(base.Bytes(), app.TranslationXLSX); err != nil {
		t.Fatalf("the file as written: %v", err)
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	sheet := `<?xml version="1.0" encoding="UTF-8"?><worksheet ` + ns + `><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>key</t></is></c><c r="D1" t="inlineStr"><is><t>translation</t></is></c></row>`
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"5,000,000 shared strings", withPart(t, base.Bytes(), "xl/sharedStrings.xml",
			times(`<?xml version="1.0" encoding="UTF-8"?><sst `+ns+`>`, `<si/>`, 5000000, `</sst>`)), app.ErrTranslationFileTooLarge},
		{"5,000,000 cell formats", withPart(t, base.Bytes(), "xl/styles.xml",
			times(`<?xml version="1.0" encoding="UTF-8"?><styleSheet `+ns+`><cellXfs>`, `<xf/>`, 5000000, `</cellXfs></styleSheet>`)), app.ErrTranslationFileTooLarge},
		{"4,000,000 empty cells", withPart(t, base.Bytes(), "xl/worksheets/sheet1.xml",
			times(sheet+`<row r="2">`, `<c/>`, 4000000, `</row></sheetData></worksheet>`)), app.ErrTranslationFileTooLarge},
		{"a text of 40 MiB", withPart(t, base.Bytes(), "xl/worksheets/sheet1.xml",
			times(sheet+`<row r="2"><c r="A2" t="inlineStr"><is><t>title</t></is></c><c r="D2" t="inlineStr"><is><t>`, `x`, 40<<20, `</t></is></c></row></sheetData></worksheet>`)), app.ErrTranslationFileTooLarge},
		{"a million empty rows", withPart(t, base.Bytes(), "xl/worksheets/sheet1.xml",
			times(sheet, `<row/>`, 1000000, `</sheetData></worksheet>`)), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err = app.ReadTranslations(c.data, app.TranslationXLSX)
			runtime.ReadMemStats(&after)
			var tp *surveys.TextProblems
			switch {
			case c.want == nil && !(errors.As(err, &tp) && tp.Problems[0].Code == surveys.CodeTooMany):
				t.Errorf("got %v, want too many rows", err)
			case c.want != nil && !errors.Is(err, c.want):
				t.Errorf("got %v, want %v", err, c.want)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
				t.Errorf("reading it allocated %d MB, want at most 4 MiB", got>>20)
			}
		})
	}
}
