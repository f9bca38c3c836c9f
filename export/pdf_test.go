package export

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"codeberg.org/go-pdf/fpdf"

	"github.com/youthvoice/youthvoice/surveys"
)

func pdfN(n int) *int { return &n }

func pdfCount(n int, pct float64) surveys.Count {
	return surveys.Count{N: pdfN(n), Pct: &pct}
}

func pdfSup() surveys.Count { return surveys.Count{Suppressed: true} }

// pdfQuestions are the overall (or one group's) tables; scale multiplies
// the counts so groups differ.
func pdfQuestions(scale int) []surveys.QuestionResults {
	c := func(n int, pct float64) surveys.Count { return pdfCount(n*scale, pct) }
	return []surveys.QuestionResults{
		{ID: "age", Type: surveys.SingleChoice, Text: "Hur gammal är du?",
			Seen: c(60, 100), Answered: c(55, 91.7), Skipped: c(5, 8.3),
			Options: []surveys.LabelledCount{
				{Code: "a", Label: "13–15 år", Count: c(25, 45.5)},
				{Code: "b", Label: "16–18 år", Count: c(20, 36.4)},
				{Code: "c", Label: "19–25 år", Count: c(10, 18.2)},
			}},
		{ID: "mood", Type: surveys.Scale, Text: "Як ти почуваєшся в школі? (Hur mår du i skolan?)",
			Seen: c(60, 100), Answered: c(52, 86.7), Skipped: c(8, 13.3),
			Bins: []surveys.LabelledCount{
				{Code: "1", Label: "1 Mycket dåligt", Count: pdfSup()},
				{Code: "2", Label: "2", Count: c(8, 15.4)},
				{Code: "3", Label: "3", Count: c(14, 26.9)},
				{Code: "4", Label: "4", Count: pdfSup()},
				{Code: "5", Label: "5 Дуже добре", Count: c(15, 28.8)},
			},
			DontKnow: func() *surveys.Count { x := c(6, 11.5); return &x }(),
			Stats:    &surveys.Stats{Mean: 3.62, Median: 4, Q1: 3, Q3: 5, SD: 1.08}},
		{ID: "activities", Type: surveys.MultipleChoice, Text: "Vad gör du på fritiden? Välj alla som passar (Mitä teet vapaa-ajalla? ¿Qué haces?)",
			Seen: c(60, 100), Answered: c(50, 83.3), Skipped: c(10, 16.7),
			Options: []surveys.LabelledCount{
				{Code: "sport", Label: "Idrott och träning", Count: c(30, 60)},
				{Code: "music", Label: "Musik, körsång eller spela i band", Count: c(18, 36)},
				{Code: "games", Label: "Datorspel", Count: c(22, 44)},
				{Code: "club", Label: "Fritidsgård / Ururka dhalinyarada", Count: pdfSup()},
				{Code: "other", Label: "Något annat – Інше", Count: pdfSup()},
			}},
		{ID: "school", Type: surveys.Matrix, Text: "Hur väl stämmer påståendena?",
			Seen: c(60, 100), Answered: c(49, 81.7), Skipped: c(11, 18.3),
			Statements: []surveys.StatementResults{
				{Code: "safe", Label: "Jag känner mig trygg i skolan", Answered: c(49, 81.7),
					Bins: []surveys.LabelledCount{
						{Code: "1", Label: "1 Stämmer inte", Count: c(9, 18.4)},
						{Code: "2", Label: "2", Count: c(15, 30.6)},
						{Code: "3", Label: "3 Stämmer helt", Count: c(25, 51)},
					},
					Stats: &surveys.Stats{Mean: 2.33, Median: 3, Q1: 2, Q3: 3, SD: 0.77}},
				{Code: "heard", Label: "Vuxna lyssnar på mig", Answered: c(47, 78.3),
					Bins: []surveys.LabelledCount{
						{Code: "1", Label: "1 Stämmer inte", Count: pdfSup()},
						{Code: "2", Label: "2", Count: pdfSup()},
						{Code: "3", Label: "3 Stämmer helt", Count: c(39, 83)},
					},
					StatsWithheld: true},
			}},
		{ID: "wish", Type: surveys.FreeText, Text: "Vad önskar du dig av kommunen?",
			Seen: c(60, 100), Answered: c(31, 51.7), Skipped: c(29, 48.3)},
		{ID: "rank", Type: surveys.Ranking, Text: "Rangordna: vad är viktigast?",
			Seen: c(60, 100), Answered: c(40, 66.7), Skipped: c(20, 33.3),
			Options: []surveys.LabelledCount{
				{Code: "a", Label: "Bostäder", Count: c(40, 100)},
				{Code: "b", Label: "Jobb", Count: c(40, 100)},
				{Code: "c", Label: "Kollektivtrafik", Count: c(38, 95)},
			},
			MeanRanks: []surveys.MeanRank{{Code: "a", Label: "Bostäder", MeanRank: 1.6},
				{Code: "b", Label: "Jobb", MeanRank: 1.9}, {Code: "c", Label: "Kollektivtrafik", MeanRank: 2.5}}},
	}
}

// pdfChartedQuestions is how many of pdfQuestions get a chart.
const pdfChartedQuestions = 5

// pdfWantBars is how many filled rectangles the charts of the overall
// results must draw: a bar per shown, non-zero count of a choice, scale
// or number question; a part per shown, non-zero count of a matrix
// statement, and a legend swatch per point (and "don't know"). Nothing
// else in the report is a filled rectangle without a border.
func pdfWantBars(s *Summary) (bars, charts int) {
	on := func(c *surveys.Count) bool { return c != nil && !c.Suppressed && c.N != nil && *c.N > 0 }
	for _, g := range s.Overall.Groups {
		if g.Code != "" {
			continue
		}
		for _, q := range g.Questions {
			if len(q.Statements) > 0 {
				charts++
				hasDK := false
				for _, st := range q.Statements {
					for i := range st.Bins {
						if on(&st.Bins[i].Count) {
							bars++
						}
					}
					if on(st.DontKnow) {
						bars++
					}
					hasDK = hasDK || st.DontKnow != nil
				}
				bars += len(q.Statements[0].Bins)
				if hasDK {
					bars++
				}
				continue
			}
			if len(q.Options) == 0 && len(q.Bins) == 0 {
				continue
			}
			charts++
			for _, c := range append(append([]surveys.LabelledCount(nil), q.Options...), q.Bins...) {
				if on(&c.Count) {
					bars++
				}
			}
			if on(q.DontKnow) {
				bars++
			}
		}
	}
	return bars, charts
}

// pdfCheckCharts checks that the charts of the overall results are in the
// page content as vector graphics: no image, a bar for every shown count,
// the count and percentage at the end of each bar of a choice or scale
// question, and every suppressed category named as such.
func pdfCheckCharts(t testing.TB, s *Summary, in pdfInfo) {
	t.Helper()
	if in.images != 0 {
		t.Errorf("%d images: the charts are to be vector graphics", in.images)
	}
	bars, charts := pdfWantBars(s)
	if got := strings.Count(in.content, " re f\n"); got != bars {
		t.Errorf("%d filled rectangles in the charts, want %d (%d charts)", got, bars, charts)
	}
	dec := "."
	if s.Lang == "sv" {
		dec = ","
	}
	missing := 0
	for _, g := range s.Overall.Groups {
		if g.Code != "" {
			continue
		}
		for _, q := range g.Questions {
			for _, c := range append(append([]surveys.LabelledCount(nil), q.Options...), q.Bins...) {
				var want string
				switch {
				case c.Count.Suppressed:
					// The chart's own label: the name, then the mark.
					want = c.Label + " (" + s.Labels.Suppressed + ")"
				case c.Count.N != nil && c.Count.Pct != nil:
					want = strconv.Itoa(*c.Count.N) + " (" + strings.Replace(strconv.FormatFloat(*c.Count.Pct, 'f', 1, 64), ".", dec, 1) + "%)"
				default:
					continue
				}
				if !strings.Contains(in.content, "("+pdfEncoded(want, false)+")") && missing < 5 {
					missing++
					t.Errorf("question %s: chart text %q not found", q.ID, want)
				}
			}
		}
	}
}

func pdfTestSummary() *Summary {
	overall := surveys.Results{K: 5, N: func() *surveys.Count { x := pdfCount(60, 100); return &x }(),
		Groups: []surveys.GroupResults{{Code: "", Questions: pdfQuestions(1)}}}
	groupN := func(n int) *surveys.Count { x := pdfCount(n, 0); x.Pct = nil; return &x }
	by := surveys.Results{K: 5, N: groupN(60), By: "age", Groups: []surveys.GroupResults{
		{Code: "", N: groupN(60), Questions: pdfQuestions(1)},
		{Code: "a", Label: "13–15 år", N: groupN(25), Questions: pdfQuestions(1)},
		{Code: "b", Label: "16–18 år", N: groupN(20), Questions: pdfQuestions(1)},
		{Code: "c", Label: "19–25 år", Hidden: true},
		{Code: surveys.NoGroup, Label: "Svarade inte", Hidden: true},
	}}
	return &Summary{
		SurveyID: "s1", Title: "Ungas röster 2025: fritid och hälsa", Lang: "sv", Dir: "ltr",
		Revision: 3, K: 5, Released: "2025-05-12", Final: true,
		Overall:    overall,
		Breakdowns: []Breakdown{{ID: "age", Label: "Ålder", Results: by}},
		Method: []string{
			"Siffrorna bygger på anonyma svar. Tal mellan 1 och k−1 visas inte, och fler tal döljs där de annars kunde räknas fram.",
			"Українською: відповіді анонімні; малі числа приховано.",
		},
		Labels: labelsSV,
	}
}

// pdfInfo is what the tests read back from a PDF.
type pdfInfo struct {
	pages, count, images int
	content              string // the inflated streams
}

var (
	pdfPageRe  = regexp.MustCompile(`/Type /Page\b[^s]`)
	pdfCountRe = regexp.MustCompile(`/Type /Pages\s*/Kids \[[^\]]*\]\s*/Count (\d+)`)
	pdfCount2  = regexp.MustCompile(`/Count (\d+)`)
)

func pdfInspect(t testing.TB, data []byte) pdfInfo {
	t.Helper()
	var in pdfInfo
	in.pages = len(pdfPageRe.FindAll(data, -1))
	if m := pdfCountRe.FindSubmatch(data); m != nil {
		in.count, _ = strconv.Atoi(string(m[1]))
	} else if m := pdfCount2.FindSubmatch(data); m != nil {
		in.count, _ = strconv.Atoi(string(m[1]))
	}
	in.images = bytes.Count(data, []byte("/Subtype /Image"))
	var sb strings.Builder
	rest := data
	for {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			break
		}
		rest = rest[i+len("stream\n"):]
		j := bytes.Index(rest, []byte("endstream"))
		if j < 0 {
			break
		}
		if zr, err := zlib.NewReader(bytes.NewReader(rest[:j])); err == nil {
			b, _ := io.ReadAll(zr)
			sb.Write(b)
		}
		rest = rest[j+len("endstream"):]
	}
	in.content = sb.String()
	return in
}

// pdfHasText reports whether every word of s is in the page streams
// (a cell may wrap between words).
func pdfHasText(content, s string) bool {
	for _, w := range strings.Fields(s) {
		if !strings.Contains(content, pdfEncoded(w, false)) {
			return false
		}
	}
	return true
}

// pdfEncoded is s as fpdf writes it in a text string: UTF-16BE, escaped.
func pdfEncoded(s string, bom bool) string {
	var b []byte
	if bom {
		b = append(b, 0xfe, 0xff)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`, "\r", `\r`)
	return r.Replace(string(b))
}

func TestWritePDF(t *testing.T) {
	s := pdfTestSummary()
	var buf bytes.Buffer
	if err := WritePDF(&buf, s); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", data[:min(len(data), 16)])
	}
	if !bytes.Contains(data[max(0, len(data)-1024):], []byte("%%EOF")) {
		t.Error("no end-of-file marker")
	}
	in := pdfInspect(t, data)
	t.Logf("%d pages, %d bytes, %d images", in.pages, len(data), in.images)
	if in.pages < 4 || in.pages != in.count {
		t.Errorf("pages: %d page objects, /Count %d; want the same, at least 4", in.pages, in.count)
	}
	if _, charts := pdfWantBars(s); charts != pdfChartedQuestions {
		t.Errorf("%d charted questions, want %d", charts, pdfChartedQuestions)
	}
	pdfCheckCharts(t, s, in)
	pdfCheckStructure(t, data)
	if !bytes.Contains(data, []byte("/Title ("+pdfEncoded(s.Title, true)+")")) {
		t.Error("no /Title metadata with the title")
	}
	if !bytes.Contains(data, []byte("/Lang (sv)")) {
		t.Error("no /Lang")
	}
	// fpdf writes text as UTF-16BE code units mapped to the subset font's
	// glyphs, so the page streams hold the text in that encoding.
	for _, want := range []string{"Ungas röster 2025: fritid och hälsa", "Ålder", "dolt", "gruppen visas inte",
		"Як ти почуваєшся в школі?", "Metod", "1 / " + strconv.Itoa(in.pages)} {
		if !pdfHasText(in.content, want) {
			t.Errorf("page text %q not found", want)
		}
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		dir := t.TempDir()
		f := filepath.Join(dir, "r.pdf")
		if err := os.WriteFile(f, data, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", f, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		text := strings.Join(strings.Fields(string(out)), " ")
		for _, want := range []string{s.Title, "Як ти почуваєшся в школі?", "Hur väl stämmer påståendena?", "gruppen visas inte"} {
			if !strings.Contains(text, want) {
				t.Errorf("pdftotext: %q not found", want)
			}
		}
	} else {
		t.Log("pdftotext not installed: text extraction not checked")
	}
	if os.Getenv("PDF_OUT") != "" {
		_ = os.WriteFile(os.Getenv("PDF_OUT"), data, 0o600)
	}

	// The same release gives the same file.
	var again bytes.Buffer
	if err := WritePDF(&again, pdfTestSummary()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again.Bytes()) {
		t.Error("two runs gave different files")
	}
}

func TestWritePDFUkrainian(t *testing.T) {
	s := pdfTestSummary()
	s.Lang, s.Title = "uk", "Голос молоді 2025: дозвілля і здоров'я"
	s.Labels.Suppressed, s.Labels.Hidden = "приховано", "група не показана"
	var buf bytes.Buffer
	if err := WritePDF(&buf, s); err != nil {
		t.Fatal(err)
	}
	in := pdfInspect(t, buf.Bytes())
	for _, want := range []string{s.Title, "приховано", "група не показана", "українська (uk)"} {
		if !pdfHasText(in.content, want) {
			t.Errorf("page text %q not found", want)
		}
	}
}

func TestWritePDFWithheld(t *testing.T) {
	s := pdfTestSummary()
	s.Overall = surveys.Results{K: 5, Withheld: true}
	s.Breakdowns[0].Results = surveys.Results{K: 5, Withheld: true}
	var buf bytes.Buffer
	if err := WritePDF(&buf, s); err != nil {
		t.Fatal(err)
	}
	in := pdfInspect(t, buf.Bytes())
	if in.images != 0 {
		t.Errorf("withheld release has %d charts", in.images)
	}
	if !pdfHasText(in.content, s.Labels.Withheld) {
		t.Error("withheld label not printed")
	}
}

func TestWritePDFScript(t *testing.T) {
	// Arabic is shaped and printed right to left (pdf_rtl_test.go); an
	// Arabic letter the report cannot shape, scripts that need more
	// shaping, and scripts the font lacks are refused.
	cases := map[string]*Summary{
		"arabic letter without presentation forms": func() *Summary {
			s := pdfTestSummary()
			s.Overall.Groups[0].Questions[2].Options[1].Label = "ڭ"
			return s
		}(),
		"hebrew group": func() *Summary {
			s := pdfTestSummary()
			s.Breakdowns[0].Results.Groups[1].Label = "עברית"
			return s
		}(),
		"devanagari method": func() *Summary { s := pdfTestSummary(); s.Method = append(s.Method, "हिन्दी"); return s }(),
		"thaana label":      func() *Summary { s := pdfTestSummary(); s.Labels.Count = "ދިވެހި"; return s }(),
		"no glyphs (han)":   func() *Summary { s := pdfTestSummary(); s.Title = "青年之声"; return s }(),
	}
	for name, s := range cases {
		var buf bytes.Buffer
		err := WritePDF(&buf, s)
		if !errors.Is(err, ErrScript) {
			t.Errorf("%s: err %v, want ErrScript", name, err)
		}
		if buf.Len() != 0 {
			t.Errorf("%s: wrote %d bytes", name, buf.Len())
		}
	}

	// Symbols the font lacks (emoji) are left out, not refused (and the
	// spaces around them wrap as one).
	s := pdfTestSummary()
	s.Title = "Hur mår du? 😊 Ça va – Ñandú"
	var buf bytes.Buffer
	if err := WritePDF(&buf, s); err != nil {
		t.Fatalf("emoji: %v", err)
	}
	if !strings.Contains(pdfInspect(t, buf.Bytes()).content, pdfEncoded("Hur mår du? Ça va – Ñandú", false)) {
		t.Error("emoji title not printed without the emoji")
	}
}

func BenchmarkWritePDF(b *testing.B) {
	s := pdfTestSummary()
	for b.Loop() {
		var buf bytes.Buffer
		if err := WritePDF(&buf, s); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(buf.Len()))
	}
}

// TestWritePDFLargestSurvey writes the report of the largest survey the
// definition limits allow (attack k of scripts/attacks: 200 questions of
// 60 options, 300 responses; and the most matrix questions of 40
// statements). Its charts used to be one PNG image per question: 52 MB
// for 200 questions, 23 s and 5 GB of allocations to make
// (BenchmarkLargestSurveyPDF measures the time and memory).
func TestWritePDFLargestSurvey(t *testing.T) {
	for _, c := range []struct {
		name    string
		matrix  bool
		n       int
		maxSize int
	}{{"200x60", false, 300, 3 << 20}, {"matrix", true, 300, 3 << 20}} {
		t.Run(c.name, func(t *testing.T) {
			s := largestSummary(t, c.matrix, c.n)
			var buf bytes.Buffer
			if err := WritePDF(&buf, s); err != nil {
				t.Fatal(err)
			}
			in := pdfInspect(t, buf.Bytes())
			t.Logf("%d pages, %d bytes", in.pages, buf.Len())
			if buf.Len() > c.maxSize {
				t.Errorf("%d bytes, want at most %d", buf.Len(), c.maxSize)
			}
			pdfCheckCharts(t, s, in)
			pdfCheckStructure(t, buf.Bytes())
		})
	}
}

// pdfCheckStructure checks what pdfCompressPages makes of fpdf's output:
// every entry of the cross-reference table points at its object,
// startxref at the table, and no stream is left uncompressed.
func pdfCheckStructure(t testing.TB, data []byte) {
	t.Helper()
	objs, _, ok := pdfObjects(data)
	if !ok {
		t.Fatal("the cross-reference table does not match the objects")
	}
	for _, o := range objs {
		if !bytes.HasPrefix(data[o.start:], []byte(strconv.Itoa(o.num)+" 0 obj\n")) {
			t.Errorf("object %d is not at %d", o.num, o.start)
		}
	}
	if m := regexp.MustCompile(`<</Length \d+>>\nstream`).FindAll(data, -1); len(m) > 0 {
		t.Errorf("%d streams left uncompressed", len(m))
	}
	if n := bytes.Count(data, []byte(" 0 obj\n")); n != len(objs) {
		t.Errorf("%d objects in the file, %d in its table", n, len(objs))
	}
}

// TestPDFCompressPages compresses the pages of a document fpdf wrote
// without compression: the page contents inflate to what they were, the
// rest is unchanged, and a document of another shape is copied as it is.
func TestPDFCompressPages(t *testing.T) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(false)
	p.SetFont("Helvetica", "", 12)
	for i := range 3 {
		p.AddPage()
		p.Text(20, 20, "page "+strconv.Itoa(i+1)+" endstream endobj xref")
		p.Rect(20, 30, 50, 10, "F")
	}
	var raw bytes.Buffer
	if err := p.Output(&raw); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := pdfCompressPages(&out, raw.Bytes()); err != nil {
		t.Fatal(err)
	}
	pdfCheckStructure(t, out.Bytes())
	var pages []string
	for _, m := range regexp.MustCompile(`<</Length (\d+)>>\nstream\n`).FindAllSubmatchIndex(raw.Bytes(), -1) {
		n, _ := strconv.Atoi(string(raw.Bytes()[m[2]:m[3]]))
		pages = append(pages, string(raw.Bytes()[m[1]:m[1]+n]))
	}
	if len(pages) != 3 {
		t.Fatalf("%d uncompressed streams in fpdf's output, want 3", len(pages))
	}
	if got := pdfInspect(t, out.Bytes()).content; got != strings.Join(pages, "") {
		t.Errorf("pages inflate to\n%q\nwant\n%q", got, strings.Join(pages, ""))
	}
	if out.Len() >= raw.Len() {
		t.Errorf("%d bytes compressed, %d before", out.Len(), raw.Len())
	}
	// The rest of the file is as fpdf wrote it: the header, and the
	// trailer with its /Root and /Info.
	for _, part := range []string{"%PDF-1.3\n", "trailer\n<<\n/Size "} {
		if !bytes.Contains(out.Bytes(), []byte(part)) || !bytes.Contains(raw.Bytes(), []byte(part)) {
			t.Errorf("%q not in both files", part)
		}
	}

	// Any other shape is written unchanged.
	broken := bytes.Replace(raw.Bytes(), []byte("\n3 0 obj\n"), []byte("\n3 0 obj \n"), 1)
	for name, doc := range map[string][]byte{
		"not a pdf":           []byte("hello"),
		"no startxref":        raw.Bytes()[:raw.Len()-20],
		"offset off by one":   broken,
		"empty":               nil,
		"startxref past end":  []byte("%PDF-1.3\nstartxref\n99999\n%%EOF\n"),
		"startxref before it": []byte("%PDF-1.3\nstartxref\n0\n%%EOF\n"),
	} {
		var b bytes.Buffer
		if err := pdfCompressPages(&b, doc); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if !bytes.Equal(b.Bytes(), doc) {
			t.Errorf("%s: changed", name)
		}
	}
}
