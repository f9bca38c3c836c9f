package surveys

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

const corpusPath = "testdata/contacts.tsv"

type corpusLine struct {
	lineNo   int
	lang     string
	text     string   // input with the braces stripped
	expected [][2]int // byte spans of the wrapped contact details in text
}

// readCorpus parses testdata/contacts.tsv: "lang<TAB>text" where every
// contact detail is wrapped in {{...}}.
func readCorpus(tb testing.TB) []corpusLine {
	tb.Helper()
	f, err := os.Open(filepath.FromSlash(corpusPath))
	if err != nil {
		tb.Fatalf("open corpus: %v", err)
	}
	defer f.Close()
	var lines []corpusLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		if strings.TrimSpace(raw) == "" || strings.HasPrefix(raw, "#") {
			continue
		}
		lang, labelled, ok := strings.Cut(raw, "\t")
		if !ok || lang == "" || strings.Contains(labelled, "\t") {
			tb.Fatalf("%s:%d: want lang<TAB>text, got %q", corpusPath, n, raw)
		}
		text, spans, err := stripLabels(labelled)
		if err != nil {
			tb.Fatalf("%s:%d: %v", corpusPath, n, err)
		}
		lines = append(lines, corpusLine{lineNo: n, lang: lang, text: text, expected: spans})
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("read corpus: %v", err)
	}
	return lines
}

func stripLabels(labelled string) (string, [][2]int, error) {
	var b strings.Builder
	var spans [][2]int
	rest := labelled
	for {
		i := strings.Index(rest, "{{")
		j := strings.Index(rest, "}}")
		if i < 0 {
			if j >= 0 {
				return "", nil, fmt.Errorf("unbalanced }} in %q", labelled)
			}
			b.WriteString(rest)
			return b.String(), spans, nil
		}
		if j >= 0 && j < i {
			return "", nil, fmt.Errorf("unbalanced }} in %q", labelled)
		}
		b.WriteString(rest[:i])
		rest = rest[i+2:]
		j = strings.Index(rest, "}}")
		if j <= 0 || strings.Contains(rest[:j], "{{") {
			return "", nil, fmt.Errorf("bad {{...}} in %q", labelled)
		}
		start := b.Len()
		b.WriteString(rest[:j])
		spans = append(spans, [2]int{start, b.Len()})
		rest = rest[j+2:]
	}
}

func overlapsAny(s [2]int, spans [][2]int) bool {
	for _, o := range spans {
		if s[0] < o[1] && o[0] < s[1] {
			return true
		}
	}
	return false
}

type tally struct{ expected, hit, found, correct int }

func TestScrubCorpus(t *testing.T) {
	lines := readCorpus(t)
	if len(lines) < 250 {
		t.Errorf("corpus has %d lines, want at least 250", len(lines))
	}
	var total tally
	byLang := map[string]*tally{}
	var misses, falsePositives []string
	for _, l := range lines {
		found := ContactSpans(l.text)
		lt := byLang[l.lang]
		if lt == nil {
			lt = &tally{}
			byLang[l.lang] = lt
		}
		for _, e := range l.expected {
			total.expected++
			lt.expected++
			if overlapsAny(e, found) {
				total.hit++
				lt.hit++
			} else {
				misses = append(misses, fmt.Sprintf("line %d [%s] missed %q in %q", l.lineNo, l.lang, l.text[e[0]:e[1]], l.text))
			}
		}
		for _, f := range found {
			total.found++
			lt.found++
			if overlapsAny(f, l.expected) {
				total.correct++
				lt.correct++
			} else {
				falsePositives = append(falsePositives, fmt.Sprintf("line %d [%s] wrongly removed %q in %q", l.lineNo, l.lang, l.text[f[0]:f[1]], l.text))
			}
		}
	}
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 1
		}
		return float64(a) / float64(b)
	}
	recall := ratio(total.hit, total.expected)
	precision := ratio(total.correct, total.found)
	t.Logf("corpus: %d lines, %d expected spans, %d found spans", len(lines), total.expected, total.found)
	t.Logf("recall    = %.4f (%d/%d expected spans found)", recall, total.hit, total.expected)
	t.Logf("precision = %.4f (%d/%d found spans expected)", precision, total.correct, total.found)
	langs := make([]string, 0, len(byLang))
	for lang := range byLang {
		langs = append(langs, lang)
	}
	sort.Strings(langs)
	for _, lang := range langs {
		lt := byLang[lang]
		t.Logf("  %s: recall %d/%d, precision %d/%d", lang, lt.hit, lt.expected, lt.correct, lt.found)
	}
	for _, m := range misses {
		t.Logf("MISS: %s", m)
	}
	for _, fp := range falsePositives {
		t.Logf("FALSE POSITIVE: %s", fp)
	}
	if recall < 0.98 {
		t.Errorf("recall %.4f < 0.98", recall)
	}
	if precision < 0.95 {
		t.Errorf("precision %.4f < 0.95", precision)
	}
}

func TestScrub(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		removed int
	}{
		{"empty", "", "", 0},
		{"no contact", "I am 14 and I feel safe at school.", "I am 14 and I feel safe at school.", 0},
		{"email", "mail me at lisa.k@gmail.com please", "mail me at [removed] please", 1},
		{"swedish mobile", "ring 070-123 45 67 efter skolan", "ring [removed] efter skolan", 1},
		{"international", "Call +44 20 7946 0958 now", "Call [removed] now", 1},
		{"whole text", "+46701234567", "[removed]", 1},
		{"personnummer", "mitt pnr är 090312-1234.", "mitt pnr är [removed].", 1},
		{"url at end of sentence", "Look at www.example.com.", "Look at [removed].", 1},
		{"handle", "snap: @emz.2010 ok", "snap: [removed] ok", 1},
		{"email not also a handle", "kurator@skolan.se", "[removed]", 1},
		{"obfuscated email", "noah at gmail dot com", "[removed]", 1},
		{"multiple", "a@b.se, 0701234567 och @kim_99", "[removed], [removed] och [removed]", 3},
		{"repeated", "ring 0701234567 eller 0701234567", "ring [removed] eller [removed]", 2},
		{"helplines kept", "Ring BRIS 116 111 eller 112.", "Ring BRIS 116 111 eller 112.", 0},
		{"dates and times kept", "Prov 2024-05-12 kl 14:30, 12.5.2024, 08.15-09.30", "Prov 2024-05-12 kl 14:30, 12.5.2024, 08.15-09.30", 0},
		{"prices and scores kept", "99 kr, 1 500 SEK, $20, 12,50 €, 3-2, 10/10, 30%", "99 kr, 1 500 SEK, $20, 12,50 €, 3-2, 10/10, 30%", 0},
		{"unicode around", "رقمي 0701234567 شكراً 😊", "رقمي [removed] شكراً 😊", 1},
		{"arabic-indic digits", "رقمي ٠٧٠١٢٣٤٥٦٧", "رقمي [removed]", 1},
		{"cyrillic around", "Мій номер +380 67 123 45 67, дякую", "Мій номер [removed], дякую", 1},
		{"marker text kept", "already [removed] here", "already [removed] here", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, n := Scrub(tc.in)
			if got != tc.want || n != tc.removed {
				t.Errorf("Scrub(%q) = %q, %d; want %q, %d", tc.in, got, n, tc.want, tc.removed)
			}
			if !utf8.ValidString(got) {
				t.Errorf("Scrub(%q) returned invalid UTF-8 %q", tc.in, got)
			}
		})
	}
}

func TestContactSpansShape(t *testing.T) {
	for _, l := range readCorpus(t) {
		checkSpans(t, l.text, ContactSpans(l.text))
	}
}

// checkSpans verifies the ContactSpans contract: in range, non-empty,
// sorted, non-overlapping, and on rune boundaries for valid UTF-8.
func checkSpans(t *testing.T, text string, spans [][2]int) {
	t.Helper()
	prevEnd := -1
	for _, s := range spans {
		if s[0] < 0 || s[1] > len(text) || s[0] >= s[1] {
			t.Fatalf("ContactSpans(%q): bad span %v", text, s)
		}
		if s[0] < prevEnd {
			t.Fatalf("ContactSpans(%q): spans %v not sorted or overlapping", text, spans)
		}
		prevEnd = s[1]
		if utf8.ValidString(text) && (!utf8.ValidString(text[s[0]:s[1]])) {
			t.Fatalf("ContactSpans(%q): span %v splits a rune", text, s)
		}
	}
}

func FuzzScrub(f *testing.F) {
	for _, s := range []string{
		"", "hej", "0701234567", "+46 70 123 45 67", "lisa@gmail.com", "noah at gmail dot com",
		"felix(at)hotmail.se", "www.example.com/x", "t.me/abc", "snap: @emz.2010", "my snap is carla.m10",
		"090312-1234", "20090312-1234", "116 111", "2024-05-12 14:30", "08.15-09.30", "5 000 people",
		"رقمي ٠٧٠١٢٣٤٥٦٧", "Мій номер +380 67 123 45 67", "[removed]", "sanna_2009 sanna_2009",
		"ring 123 45 67 och 123 45 67", "+1 (555) 123-4567", "0 800 500 225",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		spans := ContactSpans(text)
		checkSpans(t, text, spans)
		clean, removed := Scrub(text)
		if removed != len(spans) {
			t.Fatalf("Scrub(%q) removed %d, ContactSpans found %d", text, removed, len(spans))
		}
		for _, s := range spans {
			if found := text[s[0]:s[1]]; strings.Contains(clean, found) {
				t.Fatalf("Scrub(%q) = %q still contains %q", text, clean, found)
			}
		}
		if removed == 0 && clean != text {
			t.Fatalf("Scrub(%q) changed the text without removing anything: %q", text, clean)
		}
	})
}

func BenchmarkScrub(b *testing.B) {
	lines := readCorpus(b)
	var bytes int64
	for _, l := range lines {
		bytes += int64(len(l.text))
	}
	b.SetBytes(bytes)
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			Scrub(l.text)
		}
	}
}
