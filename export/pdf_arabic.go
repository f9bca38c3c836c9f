package export

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Arabic shaping for the PDF report. fpdf draws one glyph per rune
// through the font's cmap and knows nothing of OpenType substitutions, so
// the contextual forms of Arabic letters (isolated, final, initial,
// medial) and the lam-alef ligatures are chosen here and written as the
// letters' presentation forms (Arabic Presentation Forms-A and -B), which
// the report's font maps to the right glyphs. Text extracted from the
// PDF then holds presentation forms, which NFKC turns back into the
// letters written. The text stays in logical order; pdfVisual (pdf_bidi.go)
// puts each line in visual order after it is wrapped.

// Joining types (Unicode's ArabicShaping.txt) of the letters shaped.
const (
	joinNone    = iota // U: joins neither side
	joinRight          // R: joins the letter before it only (alef, dal, reh, waw...)
	joinDual           // D: joins both sides
	joinCausing        // C: tatweel, zero width joiner
)

// arabicForms are a letter's presentation forms: isolated, final,
// initial, medial (0: the letter has no such form).
type arabicForms [4]rune

const (
	formIsolated = iota
	formFinal
	formInitial
	formMedial
)

// arabicLetter is a letter the report can shape.
type arabicLetter struct {
	join  int
	forms arabicForms
}

// pdfArabicLetters maps every letter the report shapes to its joining
// type and presentation forms. It is derived from Unicode's own data
// rather than typed in: each presentation form's compatibility
// normalisation (NFKC) is the letter it is a form of, and the forms of a
// letter follow one another in the order isolated, final, initial,
// medial, so a letter with four forms joins on both sides, one with two
// on the right only. The ranges are those of the letters of Arabic,
// Persian and Urdu that have such forms.
var pdfArabicLetters = sync.OnceValue(func() map[rune]arabicLetter {
	m := map[rune]arabicLetter{}
	add := func(lo, hi rune) {
		var base rune
		n := 0
		for c := lo; c <= hi; c++ {
			d := []rune(norm.NFKC.String(string(c)))
			if len(d) != 1 {
				continue // a ligature (lam-alef: pdfLamAlef)
			}
			if d[0] != base {
				base, n = d[0], 0
			}
			l := m[base]
			if n < 4 {
				l.forms[n] = c
			}
			n++
			switch {
			case n >= 3:
				l.join = joinDual
			case n == 2:
				l.join = joinRight
			}
			m[base] = l
		}
	}
	add(0xFE80, 0xFEF4) // Forms-B: the Arabic alphabet
	// Forms-A: Persian and Urdu letters and alef wasla, each range one
	// letter's forms.
	for _, r := range [][2]rune{
		{0xFB50, 0xFB51}, // alef wasla
		{0xFB56, 0xFB59}, // peh
		{0xFB66, 0xFB69}, // tteh
		{0xFB7A, 0xFB7D}, // tcheh
		{0xFB88, 0xFB89}, // ddal
		{0xFB8A, 0xFB8B}, // jeh
		{0xFB8C, 0xFB8D}, // rreh
		{0xFB8E, 0xFB91}, // keheh
		{0xFB92, 0xFB95}, // gaf
		{0xFBA6, 0xFBA9}, // heh goal
		{0xFBAA, 0xFBAD}, // heh doachashmee
		{0xFBAE, 0xFBAF}, // yeh barree
		{0xFBFC, 0xFBFF}, // farsi yeh
	} {
		add(r[0], r[1])
	}
	// Alef maksura joins on both sides, but Forms-B has only its isolated
	// and final forms; its initial and medial ones are in Forms-A.
	am := m['\u0649']
	am.join, am.forms[formInitial], am.forms[formMedial] = joinDual, 0xFBE8, 0xFBE9
	m['\u0649'] = am
	// Hamza stands alone; tatweel carries the joins of its neighbours.
	m['\u0621'] = arabicLetter{join: joinNone, forms: arabicForms{0xFE80}}
	m['\u0640'] = arabicLetter{join: joinCausing, forms: arabicForms{0x0640, 0x0640, 0x0640, 0x0640}}
	return m
})

// pdfLamAlef are the lam-alef ligatures, isolated and final, by the alef
// that follows the lam.
var pdfLamAlef = map[rune][2]rune{
	'\u0622': {0xFEF5, 0xFEF6}, // with madda
	'\u0623': {0xFEF7, 0xFEF8}, // with hamza above
	'\u0625': {0xFEF9, 0xFEFA}, // with hamza below
	'\u0627': {0xFEFB, 0xFEFC},
}

// pdfJoinType is the joining type of r: transparent (-1) for marks, which
// sit on a letter without breaking its joins.
func pdfJoinType(r rune) int {
	if r == '\u200D' {
		return joinCausing
	}
	if l, ok := pdfArabicLetters()[r]; ok {
		return l.join
	}
	if unicode.In(r, unicode.Mn, unicode.Me) {
		return -1
	}
	return joinNone
}

// pdfShapable reports whether the report can print r in Arabic script:
// a letter it shapes, a mark, a digit or punctuation (which need no
// shaping, but a glyph: the caller checks the font).
func pdfShapable(r rune) bool {
	if _, ok := pdfArabicLetters()[r]; ok {
		return true
	}
	return !unicode.IsLetter(r)
}

// pdfShapeArabic replaces the Arabic letters of s by the presentation
// forms their neighbours call for, and lam followed by alef by their
// ligature; other text is returned as it is. s is in logical order.
func pdfShapeArabic(s string) string {
	if !strings.ContainsFunc(s, func(c rune) bool { return c >= 0x0600 && c <= 0x06FF }) {
		return s
	}
	sh := pdfShaper{rs: []rune(s)}
	sh.types = make([]int, len(sh.rs))
	for i, c := range sh.rs {
		sh.types[i] = pdfJoinType(c)
	}
	out := make([]rune, 0, len(sh.rs))
	letters := pdfArabicLetters()
	for i := 0; i < len(sh.rs); i++ {
		c := sh.rs[i]
		l, ok := letters[c]
		if !ok || sh.types[i] == joinCausing {
			out = append(out, c)
			continue
		}
		prev, _ := sh.neighbour(i, -1)
		joinsPrev := (l.join == joinDual || l.join == joinRight) && (prev == joinDual || prev == joinCausing)
		if lig, j := sh.lamAlef(i, joinsPrev); lig != 0 {
			// The ligature takes the lam's place; marks between the two
			// follow it.
			out = append(append(out, lig), sh.rs[i+1:j]...)
			i = j
			continue
		}
		next, _ := sh.neighbour(i, 1)
		joinsNext := (l.join == joinDual || l.join == joinCausing) && (next == joinDual || next == joinRight || next == joinCausing)
		out = append(out, l.form(joinsPrev, joinsNext, c))
	}
	return string(out)
}

// pdfShaper is a text being shaped: its runes and their joining types.
type pdfShaper struct {
	rs    []rune
	types []int
}

// neighbour is the joining type and index of the next rune from i in
// the direction step that is not a mark (joinNone and -1 at an end).
func (sh *pdfShaper) neighbour(i, step int) (int, int) {
	for j := i + step; j >= 0 && j < len(sh.rs); j += step {
		if sh.types[j] != -1 {
			return sh.types[j], j
		}
	}
	return joinNone, -1
}

// lamAlef is the ligature of the lam at i with the alef after it (final
// if the lam joins the letter before it) and the alef's index; 0 if i is
// no lam followed by an alef.
func (sh *pdfShaper) lamAlef(i int, joinsPrev bool) (rune, int) {
	if sh.rs[i] != '\u0644' {
		return 0, 0
	}
	_, j := sh.neighbour(i, 1)
	if j < 0 {
		return 0, 0
	}
	lig, ok := pdfLamAlef[sh.rs[j]]
	if !ok {
		return 0, 0
	}
	if joinsPrev {
		return lig[1], j
	}
	return lig[0], j
}

// form is the letter's presentation form for its joins (the letter c
// itself if it has no such form).
func (l arabicLetter) form(joinsPrev, joinsNext bool, c rune) rune {
	form := formIsolated
	switch {
	case joinsPrev && joinsNext:
		form = formMedial
	case joinsPrev:
		form = formFinal
	case joinsNext:
		form = formInitial
	}
	if f := l.forms[form]; f != 0 {
		return f
	}
	return c
}
