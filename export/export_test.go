package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

var labelsSV = Labels{
	Overview: "Översikt", Method: "Metod", Question: "Fråga", Type: "Typ", Option: "Svarsalternativ",
	Group: "Grupp", Everyone: "Alla", Count: "Antal", Percent: "Andel", Suppressed: "dolt",
	Hidden: "gruppen visas inte", Withheld: "färre än k svar – inget visas", Responses: "Svar",
	Threshold: "Tröskelvärde (k)", Revision: "Version", Released: "Publicerad", Final: "Slutlig",
	Answered: "Besvarade", Skipped: "Hoppade över", Seen: "Såg frågan", DontKnow: "Vet inte",
	Mean: "Medelvärde", Median: "Median", Q1: "Första kvartil", Q3: "Tredje kvartil",
	SD: "Standardavvikelse", MeanRank: "Genomsnittlig placering", Statement: "Påstående", KeyFigures: "Nyckeltal",
	Legend: "dolt: ett antal som är för litet för att visas, eller ett mått där för få svarade",
}

var labelsAR = Labels{
	Overview: "نظرة عامة", Method: "المنهجية", Question: "السؤال", Type: "النوع", Option: "الخيار",
	Group: "المجموعة", Everyone: "الجميع", Count: "العدد", Percent: "النسبة", Suppressed: "محجوب",
	Hidden: "المجموعة غير معروضة", Withheld: "أقل من k إجابات – لا يُعرض شيء", Responses: "الإجابات",
	Threshold: "حد الإفصاح (k)", Revision: "المراجعة", Released: "تاريخ النشر", Final: "نهائي",
	Answered: "أجابوا", Skipped: "تخطّوا", Seen: "شاهدوا السؤال", DontKnow: "لا أعرف",
	Mean: "المتوسط", Median: "الوسيط", Q1: "الربيع الأول", Q3: "الربيع الثالث",
	SD: "الانحراف المعياري", MeanRank: "متوسط الترتيب", Statement: "العبارة", KeyFigures: "أرقام رئيسية",
	Legend: "محجوب: عدد أصغر من أن يُعرض، أو مقياس أجاب عنه عدد قليل جدًا",
}

var methodText = map[string][]string{
	"sv": {
		"Siffrorna kommer från anonyma svar. Grupper med färre än 10 svar visas inte.",
		"Antal mellan 1 och 9 döljs, och fler antal döljs där de annars skulle kunna räknas fram.\nProcent är andelen av dem som besvarade frågan.",
	},
	"ar": {
		"تأتي الأرقام من إجابات مجهولة الهوية. لا تُعرض المجموعات التي تقل إجاباتها عن 10.",
		"تُحجب الأعداد من 1 إلى 9، وتُحجب أعداد أخرى حيث يمكن حسابها بطريقة أخرى.",
	},
}

// release tallies n random answers to the example consultation (three
// respondents aged 10-12, so that age group is hidden) and cuts a
// disclosure-controlled summary in lang.
func release(tb testing.TB, lang string, l Labels, n int) *Summary {
	tb.Helper()
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	t := surveys.NewTally()
	for i := range n {
		raw := map[string]json.RawMessage{}
		for id, v := range simulate.Answers(def, rng) {
			if raw[id], err = json.Marshal(v); err != nil {
				tb.Fatal(err)
			}
		}
		answers, err := def.ParseAnswers(raw)
		if err != nil {
			tb.Fatal(err)
		}
		if i < 3 {
			answers["age_band"] = surveys.Answer{Choice: "10-12"}
		} else if answers["age_band"].Choice == "10-12" {
			answers["age_band"] = surveys.Answer{Choice: "16-18"}
		}
		t.Add(def, &surveys.Response{Revision: 3, Lang: lang, Day: fmt.Sprintf("2025-03-%02d", 1+i%20), Answers: answers})
	}
	k := def.Threshold()
	p := surveys.Disclose(def, t, k)
	notAnswered := map[string]string{"sv": "Svarade inte", "ar": "لم يُجب"}[lang]
	s := &Summary{
		SurveyID: "s1", Title: def.Title.In(lang, def.DefaultLanguage), Lang: lang, Dir: "ltr",
		Revision: 3, K: k, Released: "2025-03-21", Final: true,
		Overall: p.Results(lang, "", notAnswered), Method: methodText[lang], Labels: l,
	}
	if lang == "ar" {
		s.Dir = "rtl"
	}
	for _, q := range def.Questions() {
		if q.Breakdown {
			s.Breakdowns = append(s.Breakdowns, Breakdown{ID: q.ID, Label: q.Text.In(lang, def.DefaultLanguage),
				Results: p.Results(lang, q.ID, notAnswered)})
		}
	}
	return s
}

// want is one published count as the writers must print it.
type want struct {
	qid, qtext, code, label string
	c                       surveys.Count
}

// wantStat is one statistic: its value, or nil when withheld.
type wantStat struct {
	qtext, label string
	v            *float64
}

// cellsOf lists a question's published counts (independently of the
// writers' own flattening).
func cellsOf(q surveys.QuestionResults, l Labels) []want {
	var out []want
	add := func(code, label string, c surveys.Count) {
		out = append(out, want{q.ID, q.Text, code, label, c})
	}
	for _, o := range append(append([]surveys.LabelledCount{}, q.Options...), q.Bins...) {
		add(o.Code, o.Label, o.Count)
	}
	if q.DontKnow != nil {
		add("_dont_know", l.DontKnow, *q.DontKnow)
	}
	for _, st := range q.Statements {
		for _, b := range st.Bins {
			add(st.Code+":"+b.Code, st.Label+": "+b.Label, b.Count)
		}
		if st.DontKnow != nil {
			add(st.Code+":_dont_know", st.Label+": "+l.DontKnow, *st.DontKnow)
		}
		add(st.Code+":_answered", st.Label+": "+l.Answered, st.Answered)
	}
	add("_seen", l.Seen, q.Seen)
	add("_answered", l.Answered, q.Answered)
	add("_skipped", l.Skipped, q.Skipped)
	return out
}

func statsOf(q surveys.QuestionResults, l Labels) []wantStat {
	var out []wantStat
	five := func(prefix string, st *surveys.Stats, withheld bool) {
		labels := []string{l.Mean, l.Median, l.Q1, l.Q3, l.SD}
		for i, lab := range labels {
			w := wantStat{q.Text, prefix + lab, nil}
			if st != nil {
				v := []float64{st.Mean, st.Median, st.Q1, st.Q3, st.SD}[i]
				w.v = &v
			} else if !withheld {
				continue
			}
			out = append(out, w)
		}
	}
	switch q.Type {
	case surveys.Scale, surveys.Number:
		five("", q.Stats, q.StatsWithheld)
	case surveys.Ranking:
		for _, mr := range q.MeanRanks {
			v := mr.MeanRank
			out = append(out, wantStat{q.Text, l.MeanRank + ": " + mr.Label, &v})
		}
		if q.StatsWithheld {
			for _, o := range q.Options {
				out = append(out, wantStat{q.Text, l.MeanRank + ": " + o.Label, nil})
			}
		}
	case surveys.Matrix:
		for _, st := range q.Statements {
			five(st.Label+": ", st.Stats, st.StatsWithheld)
		}
	}
	return out
}

func shown(c surveys.Count) bool { return !c.Suppressed && c.N != nil }

var oneDecimal = regexp.MustCompile(`^[0-9]+\.[0-9]$`)

// checkCSV parses a summary CSV and checks every published count of s.
func checkCSV(t *testing.T, s *Summary, data []byte) {
	t.Helper()
	l := s.Labels
	if !bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		t.Fatal("CSV: no UTF-8 byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "breakdown,group,group_label,question,question_text,option,option_label,count,percent,ci_low,ci_high,value" {
		t.Fatalf("CSV header %q", rows[0])
	}
	rows = rows[1:]
	// The method note comes last: the responses collected and released,
	// then each paragraph.
	var method [][]string
	for len(rows) > 0 && rows[len(rows)-1][0] == "_method" {
		method = append([][]string{rows[len(rows)-1]}, method...)
		rows = rows[:len(rows)-1]
	}
	if len(method) != 2+len(s.Method) || method[0][5] != "_collected" || method[0][7] != strconv.Itoa(s.Status.Collected) ||
		method[1][5] != "_released" || method[1][7] != strconv.Itoa(s.Status.Released) {
		t.Fatalf("CSV method rows %q", method)
	}
	for i, p := range s.Method {
		if r := method[2+i]; r[5] != "_note:"+strconv.Itoa(i+1) || r[6] != csvText(p) {
			t.Errorf("CSV method paragraph %d: %q", i+1, r)
		}
	}
	if s.Overall.Withheld {
		if len(rows) != 1 || rows[0][7] != l.Withheld || rows[0][8] != "" {
			t.Fatalf("withheld CSV: %q", rows)
		}
		return
	}
	byKey := map[string][]string{}
	for _, r := range rows {
		if len(r) != 12 {
			t.Fatalf("CSV row %q has %d columns", r, len(r))
		}
		key := strings.Join([]string{r[0], r[1], r[3], r[5]}, "|")
		if byKey[key] != nil {
			t.Fatalf("CSV: two rows for %s", key)
		}
		byKey[key] = r
	}
	expected, stats := 0, 0
	check := func(bd string, g surveys.GroupResults, w want) {
		t.Helper()
		expected++
		r := byKey[strings.Join([]string{bd, g.Code, w.qid, w.code}, "|")]
		if r == nil {
			t.Errorf("CSV: no row for %s/%s %s %s", bd, g.Code, w.qid, w.code)
			return
		}
		glabel := g.Label
		if g.Code == "" {
			glabel = l.Everyone
		}
		if r[2] != csvText(glabel) || r[4] != csvText(w.qtext) || r[6] != csvText(w.label) {
			t.Errorf("CSV row %q: labels, want %q %q %q", r, glabel, w.qtext, w.label)
		}
		if !shown(w.c) {
			if r[7] != l.Suppressed || r[8] != "" {
				t.Errorf("CSV row %q: want suppressed", r)
			}
			return
		}
		if r[7] != strconv.Itoa(*w.c.N) {
			t.Errorf("CSV row %q: count, want %d", r, *w.c.N)
		}
		if w.c.Pct == nil {
			if r[8] != "" {
				t.Errorf("CSV row %q: percent, want none", r)
			}
		} else if p, err := strconv.ParseFloat(r[8], 64); err != nil || !oneDecimal.MatchString(r[8]) || math.Abs(p-*w.c.Pct) > 1e-9 {
			t.Errorf("CSV row %q: percent, want %.1f", r, *w.c.Pct)
		}
		// The interval's limits, as the release gives them (none without).
		for i, lim := range []*float64{w.c.CILow, w.c.CIHigh} {
			if want := ""; lim != nil && w.c.Pct != nil {
				if want = strconv.FormatFloat(*lim, 'f', 1, 64); r[9+i] != want {
					t.Errorf("CSV row %q: interval limit %d, want %s", r, i, want)
				}
			} else if r[9+i] != want {
				t.Errorf("CSV row %q: interval limit %d, want none", r, i)
			}
		}
	}
	groups := func(bd string, res surveys.Results, skipEveryone bool) {
		for _, g := range res.Groups {
			if skipEveryone && g.Code == "" {
				continue
			}
			if g.Hidden {
				expected++
				r := byKey[bd+"|"+g.Code+"||_n"]
				if r == nil || r[7] != l.Hidden {
					t.Errorf("CSV: hidden group %s/%s: %q", bd, g.Code, r)
				}
				continue
			}
			check(bd, g, want{"", "", "_n", l.Responses, *g.N})
			for _, q := range g.Questions {
				for _, w := range cellsOf(q, l) {
					check(bd, g, w)
				}
				stats += checkCSVStats(t, byKey, bd, g, q, l)
			}
		}
	}
	groups("", s.Overall, false)
	for _, b := range s.Breakdowns {
		groups(b.ID, b.Results, true)
	}
	if expected+stats != len(rows) {
		t.Errorf("CSV: %d rows, want %d counts and %d statistics", len(rows), expected, stats)
	}
}

// checkCSVStats checks the CSV's statistics rows of question q of group g
// against the release (values and intervals with two decimals, the
// suppressed text for a withheld statistic, count and percent empty) and
// returns how many there are.
func checkCSVStats(t *testing.T, byKey map[string][]string, bd string, g surveys.GroupResults, q surveys.QuestionResults, l Labels) int {
	t.Helper()
	type stat struct {
		code     string
		v        float64
		lo, hi   *float64
		withheld bool
	}
	var want []stat
	add := func(pre string, st *surveys.Stats, withheld bool, mlo, mhi *float64) {
		if st == nil {
			if withheld {
				for _, c := range []string{"_mean", "_median", "_q1", "_q3", "_sd"} {
					want = append(want, stat{code: pre + c, withheld: true})
				}
			}
			return
		}
		want = append(want, stat{pre + "_mean", st.Mean, mlo, mhi, false}, stat{pre + "_median", st.Median, st.MedianCILow, st.MedianCIHigh, false},
			stat{pre + "_q1", st.Q1, st.Q1CILow, st.Q1CIHigh, false}, stat{pre + "_q3", st.Q3, st.Q3CILow, st.Q3CIHigh, false}, stat{pre + "_sd", st.SD, nil, nil, false})
	}
	if q.Type != surveys.Matrix {
		add("", q.Stats, q.StatsWithheld && q.Type != surveys.Ranking, q.MeanCILow, q.MeanCIHigh)
	}
	for _, m := range q.MeanRanks {
		want = append(want, stat{"_mean_rank:" + m.Code, m.MeanRank, m.CILow, m.CIHigh, false})
	}
	if q.Type == surveys.Ranking && q.StatsWithheld && len(q.MeanRanks) == 0 {
		for _, o := range q.Options {
			want = append(want, stat{code: "_mean_rank:" + o.Code, withheld: true})
		}
	}
	for _, st := range q.Statements {
		add(st.Code+":", st.Stats, st.StatsWithheld, st.MeanCILow, st.MeanCIHigh)
	}
	f := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', 2, 64)
	}
	for _, w := range want {
		r := byKey[strings.Join([]string{bd, g.Code, q.ID, w.code}, "|")]
		value := l.Suppressed
		if !w.withheld {
			value = strconv.FormatFloat(w.v, 'f', 2, 64)
		}
		if r == nil || r[7] != "" || r[8] != "" || r[11] != value || r[9] != f(w.lo) || r[10] != f(w.hi) {
			t.Errorf("CSV: %s/%s %s %s: %q, want value %s, interval %q %q", bd, g.Code, q.ID, w.code, r, value, f(w.lo), f(w.hi))
		}
	}
	return len(want)
}

// xl wraps a workbook read back, with helpers that fail the test.
type xl struct {
	t *testing.T
	f *excelize.File
}

var raw = excelize.Options{RawCellValue: true}

func (x xl) value(sheet, ref string) string {
	x.t.Helper()
	v, err := x.f.GetCellValue(sheet, ref, raw)
	if err != nil {
		x.t.Fatal(err)
	}
	return v
}

func (x xl) number(sheet, ref string, want float64) {
	x.t.Helper()
	typ, err := x.f.GetCellType(sheet, ref)
	if err != nil {
		x.t.Fatal(err)
	}
	if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		x.t.Errorf("%s!%s: cell type %v, want a number", sheet, ref, typ)
	}
	v := x.value(sheet, ref)
	if got, err := strconv.ParseFloat(v, 64); err != nil || math.Abs(got-want) > 1e-9 {
		x.t.Errorf("%s!%s = %q, want %v", sheet, ref, v, want)
	}
}

func (x xl) numFmt(sheet, ref string) string {
	x.t.Helper()
	id, err := x.f.GetCellStyle(sheet, ref)
	if err != nil {
		x.t.Fatal(err)
	}
	st, err := x.f.GetStyle(id)
	if err != nil {
		x.t.Fatal(err)
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	return strconv.Itoa(st.NumFmt)
}

// count checks a count cell and its percentage cell to its right.
func (x xl) count(sheet string, col, row int, c surveys.Count, l Labels) {
	x.t.Helper()
	ref, _ := excelize.CoordinatesToCellName(col, row)
	pref, _ := excelize.CoordinatesToCellName(col+1, row)
	if !shown(c) {
		if v := x.value(sheet, ref); v != l.Suppressed {
			x.t.Errorf("%s!%s = %q, want suppressed", sheet, ref, v)
		}
		if v := x.value(sheet, pref); v != "" {
			x.t.Errorf("%s!%s = %q, want empty", sheet, pref, v)
		}
		return
	}
	x.number(sheet, ref, float64(*c.N))
	if c.Pct == nil {
		if v := x.value(sheet, pref); v != "" {
			x.t.Errorf("%s!%s = %q, want empty", sheet, pref, v)
		}
		return
	}
	x.number(sheet, pref, *c.Pct/100)
	if f := x.numFmt(sheet, pref); f != "0.0%" {
		x.t.Errorf("%s!%s: number format %q, want 0.0%%", sheet, pref, f)
	}
	// The interval's limits beside the percentage, formatted as it is.
	for i, lim := range []*float64{c.CILow, c.CIHigh} {
		ref, _ := excelize.CoordinatesToCellName(col+2+i, row)
		if lim == nil {
			if v := x.value(sheet, ref); v != "" {
				x.t.Errorf("%s!%s = %q, want empty", sheet, ref, v)
			}
			continue
		}
		x.number(sheet, ref, *lim/100)
		if f := x.numFmt(sheet, ref); f != "0.0%" {
			x.t.Errorf("%s!%s: number format %q, want 0.0%%", sheet, ref, f)
		}
	}
}

func (x xl) stat(sheet string, col, row int, w wantStat, l Labels) {
	x.t.Helper()
	ref, _ := excelize.CoordinatesToCellName(col, row)
	if w.v == nil {
		// A withheld statistic has the suppressed marker, as a
		// suppressed count: not the withheld release's sentence.
		if v := x.value(sheet, ref); v != l.Suppressed {
			x.t.Errorf("%s!%s = %q, want %q", sheet, ref, v, l.Suppressed)
		}
		return
	}
	x.number(sheet, ref, *w.v)
}

// index maps (column A, column B) to row numbers from row from on.
func (x xl) index(sheet string, from int) map[[2]string]int {
	x.t.Helper()
	rows, err := x.f.GetRows(sheet, raw)
	if err != nil {
		x.t.Fatal(err)
	}
	out := map[[2]string]int{}
	for i := from - 1; i < len(rows); i++ {
		var a, b string
		if len(rows[i]) > 0 {
			a = rows[i][0]
		}
		if len(rows[i]) > 1 {
			b = rows[i][1]
		}
		if _, dup := out[[2]string{a, b}]; dup {
			x.t.Fatalf("%s: two rows %q %q", sheet, a, b)
		}
		out[[2]string{a, b}] = i + 1
	}
	return out
}

func validSheetName(name string) bool {
	n := len(utf16.Encode([]rune(name)))
	return n > 0 && n <= 31 && !strings.ContainsAny(name, `[]:*?/\`) &&
		!strings.HasPrefix(name, "'") && !strings.HasSuffix(name, "'") && !strings.EqualFold(name, "History")
}

// checkXLSX reads a summary workbook back and checks every published
// number of s, the sheets, panes and direction.
func checkXLSX(t *testing.T, s *Summary, data []byte) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	x := xl{t, f}
	l := s.Labels
	sheets := f.GetSheetList()
	wantSheets := 2 + len(s.Breakdowns)
	if s.Overall.Withheld {
		wantSheets = 2
	}
	if len(sheets) != wantSheets {
		t.Fatalf("sheets %q, want %d", sheets, wantSheets)
	}
	for i, name := range sheets {
		if !validSheetName(name) {
			t.Errorf("sheet name %q is not valid", name)
		}
		for _, other := range sheets[:i] {
			if strings.EqualFold(name, other) {
				t.Errorf("sheet name %q twice", name)
			}
		}
		view, err := f.GetSheetView(name, 0)
		if err != nil {
			t.Fatal(err)
		}
		if *view.RightToLeft != (s.Dir == "rtl") {
			t.Errorf("sheet %q: right-to-left %v, direction %s", name, *view.RightToLeft, s.Dir)
		}
	}
	overview, method := sheets[0], sheets[len(sheets)-1]
	if i, _ := f.GetSheetIndex("Sheet1"); i >= 0 && overview != "Sheet1" {
		t.Error("Sheet1 is left over")
	}
	if f.GetActiveSheetIndex() != 0 {
		t.Errorf("active sheet %d", f.GetActiveSheetIndex())
	}

	// Method.
	if v := x.value(method, "A1"); v != l.Method {
		t.Errorf("method title %q", v)
	}
	for i, p := range s.Method {
		if v := x.value(method, fmt.Sprintf("A%d", i+2)); v != p {
			t.Errorf("method paragraph %d = %q", i, v)
		}
	}

	// Overview: key facts, frozen header, overall tables.
	if v := x.value(overview, "A1"); v != s.Title {
		t.Errorf("title %q", v)
	}
	for ref, want := range map[string]string{"A2": l.Revision, "A3": l.Released, "A4": l.Final, "A5": l.Threshold, "A6": l.Responses,
		"A8": l.Question, "B8": l.Option, "C8": l.Count, "D8": l.Percent, "E8": l.CILow, "F8": l.CIHigh, "B3": s.Released} {
		if v := x.value(overview, ref); v != want {
			t.Errorf("overview %s = %q, want %q", ref, v, want)
		}
	}
	x.number(overview, "B2", float64(s.Revision))
	x.number(overview, "B5", float64(s.K))
	if v := x.value(overview, "B4"); v != map[bool]string{true: "1", false: "0"}[s.Final] {
		t.Errorf("final %q", v)
	}
	panes, err := f.GetPanes(overview)
	if err != nil || !panes.Freeze || panes.YSplit != 8 || panes.XSplit != 0 {
		t.Errorf("overview panes %+v %v", panes, err)
	}
	if w, _ := f.GetColWidth(overview, "A"); w < 30 {
		t.Errorf("overview column A width %v", w)
	}
	if s.Overall.Withheld {
		if v := x.value(overview, "B6"); v != l.Withheld {
			t.Errorf("withheld N %q", v)
		}
		if v := x.value(overview, "A9"); v != l.Withheld {
			t.Errorf("withheld A9 %q", v)
		}
		return
	}
	x.count(overview, 2, 6, *s.Overall.N, l)
	if v := x.value(overview, "A7"); v != l.Legend {
		t.Errorf("overview legend %q, want %q", v, l.Legend)
	}
	rows := x.index(overview, 9)
	overall := s.Overall.Groups[0]
	for _, q := range overall.Questions {
		for _, w := range cellsOf(q, l) {
			r, ok := rows[[2]string{w.qtext, w.label}]
			if !ok {
				t.Errorf("overview: no row %q %q", w.qtext, w.label)
				continue
			}
			x.count(overview, 3, r, w.c, l)
		}
		for _, w := range statsOf(q, l) {
			r, ok := rows[[2]string{w.qtext, w.label}]
			if !ok {
				t.Errorf("overview: no row %q %q", w.qtext, w.label)
				continue
			}
			x.stat(overview, 3, r, w, l)
		}
	}

	// Breakdowns: a count and a percentage column per group.
	for bi, b := range s.Breakdowns {
		sheet := sheets[1+bi]
		panes, err := f.GetPanes(sheet)
		if err != nil || !panes.Freeze || panes.YSplit != 2 || panes.XSplit != 2 {
			t.Errorf("%s: panes %+v %v", sheet, panes, err)
		}
		if v := x.value(sheet, "A1"); v != b.Label {
			t.Errorf("%s!A1 = %q", sheet, v)
		}
		if v := x.value(sheet, "B3"); v != l.Responses {
			t.Errorf("%s!B3 = %q", sheet, v)
		}
		rows := x.index(sheet, 4)
		for gi, g := range b.Results.Groups {
			col := 3 + 4*gi
			head, _ := excelize.CoordinatesToCellName(col, 1)
			label := g.Label
			if g.Code == "" {
				label = l.Everyone
			}
			if v := x.value(sheet, head); v != label {
				t.Errorf("%s!%s = %q, want group %q", sheet, head, v, label)
			}
			for i, name := range []string{l.Count, l.Percent, l.CILow, l.CIHigh} {
				ref, _ := excelize.CoordinatesToCellName(col+i, 2)
				if v := x.value(sheet, ref); v != name {
					t.Errorf("%s!%s = %q, want %q", sheet, ref, v, name)
				}
			}
			if g.Hidden {
				for r := 3; r <= 3+len(rows); r++ {
					ref, _ := excelize.CoordinatesToCellName(col, r)
					if v := x.value(sheet, ref); v != l.Hidden {
						t.Errorf("%s!%s = %q, want hidden", sheet, ref, v)
					}
				}
				continue
			}
			x.count(sheet, col, 3, *g.N, l)
			for _, q := range g.Questions {
				for _, w := range cellsOf(q, l) {
					r, ok := rows[[2]string{w.qtext, w.label}]
					if !ok {
						t.Errorf("%s: no row %q %q", sheet, w.qtext, w.label)
						continue
					}
					x.count(sheet, col, r, w.c, l)
				}
				for _, w := range statsOf(q, l) {
					r, ok := rows[[2]string{w.qtext, w.label}]
					if !ok {
						t.Errorf("%s: no row %q %q", sheet, w.qtext, w.label)
						continue
					}
					x.stat(sheet, col, r, w, l)
				}
			}
		}
	}
}

func write(t testing.TB, s *Summary) (csvData, xlsxData []byte) {
	t.Helper()
	var c, x bytes.Buffer
	if err := WriteCSV(&c, s); err != nil {
		t.Fatal(err)
	}
	if err := WriteXLSX(&x, s); err != nil {
		t.Fatal(err)
	}
	return c.Bytes(), x.Bytes()
}

// TestSwedishAndArabic writes the same release in Swedish (left to right)
// and Arabic (right to left) and reads both files back.
func TestSwedishAndArabic(t *testing.T) {
	for _, tc := range []struct {
		lang string
		l    Labels
	}{{"sv", labelsSV}, {"ar", labelsAR}} {
		t.Run(tc.lang, func(t *testing.T) {
			s := release(t, tc.lang, tc.l, 300)
			// The release must exercise what is checked.
			var suppressed, hidden, stats, withheld int
			for _, res := range append([]surveys.Results{s.Overall}, s.Breakdowns[0].Results, s.Breakdowns[1].Results) {
				for _, g := range res.Groups {
					if g.Hidden {
						hidden++
					}
					for _, q := range g.Questions {
						for _, w := range cellsOf(q, tc.l) {
							if !shown(w.c) {
								suppressed++
							}
						}
						for _, w := range statsOf(q, tc.l) {
							if w.v == nil {
								withheld++
							} else {
								stats++
							}
						}
					}
				}
			}
			if suppressed == 0 || hidden == 0 || stats == 0 || withheld == 0 {
				t.Fatalf("release too plain: %d suppressed, %d hidden groups, %d statistics, %d withheld", suppressed, hidden, stats, withheld)
			}
			c, x := write(t, s)
			checkCSV(t, s, c)
			checkXLSX(t, s, x)
			if tc.lang == "ar" && !bytes.Contains(c, []byte("الجميع")) {
				t.Error("CSV lacks the Arabic labels")
			}
		})
	}
}

// TestHandMade checks the edge cases on a small summary: awkward sheet
// names, a formula-like label, a count without a percentage, a hidden
// group and withheld statistics.
func TestHandMade(t *testing.T) {
	n := func(v int) *int { return &v }
	pct := func(v float64) *float64 { return &v }
	sup := surveys.Count{Suppressed: true}
	l := labelsSV
	l.Overview = "Översikt: [alla]/*?"
	q := surveys.QuestionResults{ID: "q1", Type: surveys.SingleChoice, Text: "Vad tycker du om skolan?",
		Seen: surveys.Count{N: n(40), Pct: pct(100)}, Answered: surveys.Count{N: n(40), Pct: pct(100)}, Skipped: surveys.Count{N: n(0), Pct: pct(0)},
		Options: []surveys.LabelledCount{
			{Code: "a", Label: "=SUM(A1:A9)", Count: surveys.Count{N: n(25), Pct: pct(62.5)}},
			{Code: "b", Label: "Bra", Count: surveys.Count{N: n(15)}},
			{Code: "c", Label: "Dålig", Count: sup},
		}}
	scale := surveys.QuestionResults{ID: "q2", Type: surveys.Scale, Text: "Hur mår du?",
		Seen: surveys.Count{N: n(40), Pct: pct(100)}, Answered: sup, Skipped: sup, StatsWithheld: true,
		Bins:     []surveys.LabelledCount{{Code: "1", Label: "1 Dåligt", Count: sup}, {Code: "2", Label: "2", Count: surveys.Count{N: n(30), Pct: pct(75)}}},
		DontKnow: &surveys.Count{N: n(0), Pct: pct(0)}}
	everyone := surveys.GroupResults{N: &surveys.Count{N: n(40)}, Questions: []surveys.QuestionResults{q, scale}}
	group := func(code, label string) surveys.GroupResults {
		g := everyone
		g.Code, g.Label = code, label
		return g
	}
	long := "Vilken gymnasieskola eller annan skola går du i just nu?"
	s := &Summary{SurveyID: "x", Title: "Skolenkät 2025", Lang: "sv", Dir: "ltr", Revision: 1, K: 10, Released: "2025-05-01",
		Overall: surveys.Results{K: 10, N: &surveys.Count{N: n(40)}, Groups: []surveys.GroupResults{everyone}},
		Labels:  l, Method: []string{"Kort."},
	}
	for i, label := range []string{long, long, "History", "history", "'Kön'", ""} {
		s.Breakdowns = append(s.Breakdowns, Breakdown{ID: fmt.Sprintf("b%d", i+1), Label: label, Results: surveys.Results{K: 10, N: &surveys.Count{N: n(40)}, By: "b",
			Groups: []surveys.GroupResults{everyone, group("g1", "Flickor"), {Code: "_none", Label: "Svarade inte", Hidden: true}}}})
	}
	c, x := write(t, s)
	checkCSV(t, s, c)
	checkXLSX(t, s, x)

	if !bytes.Contains(c, []byte(",'=SUM(A1:A9),25,62.5,,,\n")) {
		t.Errorf("CSV: formula-like label not escaped:\n%s", c)
	}
	if !bytes.Contains(c, []byte(",b,Bra,15,,,,\n")) {
		t.Errorf("CSV: count without a percentage:\n%s", c)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := f.GetSheetList()
	want := []string{"Översikt alla", "Vilken gymnasieskola eller anna", "Vilken gymnasieskola eller (2)", "History (2)", "history (3)", "Kön", "b6", "Metod"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sheets %q, want %q", got, want)
	}
	if formula, _ := f.GetCellFormula(got[0], "B9"); formula != "" {
		t.Errorf("a label became a formula: %q", formula)
	}
}

func TestWithheld(t *testing.T) {
	s := &Summary{SurveyID: "x", Title: "تجربة", Lang: "ar", Dir: "rtl", Revision: 2, K: 10, Released: "2025-05-01",
		Overall:    surveys.Results{K: 10, Withheld: true},
		Breakdowns: []Breakdown{{ID: "age", Label: "كم عمرك؟", Results: surveys.Results{K: 10, Withheld: true}}},
		Labels:     labelsAR, Method: methodText["ar"],
	}
	c, x := write(t, s)
	checkCSV(t, s, c)
	checkXLSX(t, s, x)
}

func TestSheetName(t *testing.T) {
	for _, tc := range []struct {
		want string
		used []string
		name string
	}{
		{"Översikt", nil, "Översikt"},
		{"a/b\\c?d*e[f]g:h", nil, "a b c d e f g h"},
		{"  ''  ", nil, "fallback"},
		{strings.Repeat("😀", 20), nil, strings.Repeat("😀", 15)},
		{"Alla", []string{"ALLA"}, "Alla (2)"},
		{"Alla", []string{"alla", "Alla (2)"}, "Alla (3)"},
		{"rad1\nrad2", nil, "rad1 rad2"},
	} {
		name := xlSheetName(tc.want, "fallback", tc.used)
		if name != tc.name || !validSheetName(name) {
			t.Errorf("xlSheetName(%q, %q) = %q, want %q", tc.want, tc.used, name, tc.name)
		}
	}
}

func BenchmarkWriteXLSX(b *testing.B) {
	s := release(b, "sv", labelsSV, 2000)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteXLSX(io.Discard, s); err != nil {
			b.Fatal(err)
		}
	}
}
