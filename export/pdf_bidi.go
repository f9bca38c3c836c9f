package export

import (
	"slices"

	"golang.org/x/text/unicode/bidi"
)

// The bidirectional algorithm for one line of the PDF report. fpdf
// writes a line's characters left to right, so a line holding
// right-to-left text is put in visual order first: Unicode's algorithm
// (UAX #9) for text without explicit embeddings (the report strips
// format characters), with the paragraph direction set by the report's
// language (the higher-level protocol UAX #9 allows for a document of one
// direction): the weak types resolved (W1-W7, so numbers, dates and
// percentages stay left to right inside Arabic text), then neutrals
// (N1-N2), the implicit levels (I1-I2), trailing spaces (L1), runs
// reversed from the highest level (L2) and mirrored brackets (L4).
// golang.org/x/text/unicode/bidi gives the characters' classes; its
// Ordering keeps no levels and its Line chooses each line's direction
// again, so the reordering is done here.

// pdfVisual returns line, in logical order, in the order it is drawn left
// to right, for a paragraph of direction rtl.
func pdfVisual(line string, rtl bool) string {
	rs := []rune(line)
	if !rtl && !pdfHasRTL(rs) {
		return line
	}
	base := 0
	if rtl {
		base = 1
	}
	levels := pdfLevels(rs, base)
	// L2: from the highest level down to the lowest odd one, reverse
	// every run at that level or higher.
	maxL := 0
	for _, l := range levels {
		maxL = max(maxL, l)
	}
	out := append([]rune(nil), rs...)
	for lv := maxL; lv >= 1; lv-- {
		for i := 0; i < len(out); {
			if levels[i] < lv {
				i++
				continue
			}
			j := i
			for j < len(out) && levels[j] >= lv {
				j++
			}
			for a, b := i, j-1; a < b; a, b = a+1, b-1 {
				out[a], out[b] = out[b], out[a]
				levels[a], levels[b] = levels[b], levels[a]
			}
			i = j
		}
	}
	// L4: a mirrored character at an odd level shows its mirror.
	for i, c := range out {
		if levels[i]%2 == 1 {
			out[i] = pdfMirror(c)
		}
	}
	return string(out)
}

func pdfHasRTL(rs []rune) bool {
	for _, c := range rs {
		if p, _ := bidi.LookupRune(c); p.Class() == bidi.R || p.Class() == bidi.AL {
			return true
		}
	}
	return false
}

// pdfLevels resolves the embedding level of each rune of a line in a
// paragraph of level base (0 or 1).
func pdfLevels(rs []rune, base int) []int {
	n := len(rs)
	types := make([]bidi.Class, n)
	for i, c := range rs {
		p, _ := bidi.LookupRune(c)
		types[i] = p.Class()
	}
	sos := bidi.L
	if base == 1 {
		sos = bidi.R
	}
	orig := slices.Clone(types)
	pdfResolveWeak(types, sos)
	pdfResolveNeutral(types, sos, sos)
	levels := make([]int, n)
	for i, t := range types {
		l := base
		switch {
		case base%2 == 0 && t == bidi.R:
			l++
		case base%2 == 0 && (t == bidi.AN || t == bidi.EN):
			l += 2
		case base%2 == 1 && (t == bidi.L || t == bidi.AN || t == bidi.EN):
			l++
		}
		levels[i] = l
	}
	// L1: spaces at the end of the line go back to the paragraph level.
	for i := n - 1; i >= 0 && (orig[i] == bidi.WS || orig[i] == bidi.S || orig[i] == bidi.B); i-- {
		levels[i] = base
	}
	return levels
}

// pdfResolveWeak applies rules W1 to W7 to types, in place.
func pdfResolveWeak(types []bidi.Class, sos bidi.Class) {
	pdfWeakMarks(types, sos)
	pdfWeakArabic(types, sos)
	pdfWeakSeparators(types)
	pdfWeakTerminators(types)
	// W6: other separators and terminators are neutral.
	for i, t := range types {
		if t == bidi.ES || t == bidi.ET || t == bidi.CS {
			types[i] = bidi.ON
		}
	}
	// W7: European numbers after left-to-right text are left to right.
	last := sos
	for i, t := range types {
		switch t {
		case bidi.L, bidi.R:
			last = t
		case bidi.EN:
			if last == bidi.L {
				types[i] = bidi.L
			}
		}
	}
}

// pdfWeakMarks is W1: a mark takes the type of what it is on (sos at the
// start).
func pdfWeakMarks(types []bidi.Class, sos bidi.Class) {
	for i, t := range types {
		if t == bidi.NSM {
			if i == 0 {
				types[i] = sos
			} else {
				types[i] = types[i-1]
			}
		}
	}
}

// pdfWeakArabic is W2 and W3: European digits after Arabic letters are
// Arabic numbers, and Arabic letters are right to left.
func pdfWeakArabic(types []bidi.Class, sos bidi.Class) {
	last := sos
	for i, t := range types {
		switch t {
		case bidi.L, bidi.R, bidi.AL:
			last = t
		case bidi.EN:
			if last == bidi.AL {
				types[i] = bidi.AN
			}
		}
	}
	for i, t := range types {
		if t == bidi.AL {
			types[i] = bidi.R
		}
	}
}

// pdfWeakSeparators is W4: one separator between two numbers of a kind
// joins them.
func pdfWeakSeparators(types []bidi.Class) {
	for i := 1; i+1 < len(types); i++ {
		a, t, b := types[i-1], types[i], types[i+1]
		switch {
		case t == bidi.ES && a == bidi.EN && b == bidi.EN:
			types[i] = bidi.EN
		case t == bidi.CS && a == b && (a == bidi.EN || a == bidi.AN):
			types[i] = a
		}
	}
}

// pdfWeakTerminators is W5: terminators (%, currency signs) next to
// European numbers are part of them.
func pdfWeakTerminators(types []bidi.Class) {
	n := len(types)
	for i := 0; i < n; i++ {
		if types[i] != bidi.ET {
			continue
		}
		j := i
		for j < n && types[j] == bidi.ET {
			j++
		}
		if (i > 0 && types[i-1] == bidi.EN) || (j < n && types[j] == bidi.EN) {
			for k := i; k < j; k++ {
				types[k] = bidi.EN
			}
		}
		i = j
	}
}

// pdfNeutral reports whether t is resolved by the neutral rules.
func pdfNeutral(t bidi.Class) bool {
	switch t {
	case bidi.B, bidi.S, bidi.WS, bidi.ON, bidi.BN, bidi.LRI, bidi.RLI, bidi.FSI, bidi.PDI:
		return true
	}
	return false
}

// pdfResolveNeutral applies N1 and N2: a run of neutrals between text of
// one direction (numbers count as right to left) takes that direction,
// any other the embedding direction e.
func pdfResolveNeutral(types []bidi.Class, sos, e bidi.Class) {
	dir := func(t bidi.Class) bidi.Class {
		if t == bidi.EN || t == bidi.AN {
			return bidi.R
		}
		return t
	}
	n := len(types)
	for i := 0; i < n; i++ {
		if !pdfNeutral(types[i]) {
			continue
		}
		j := i
		for j < n && pdfNeutral(types[j]) {
			j++
		}
		before, after := sos, sos // eos is sos: one level, no embeddings
		if i > 0 {
			before = dir(types[i-1])
		}
		if j < n {
			after = dir(types[j])
		}
		t := e
		if before == after {
			t = before
		}
		for k := i; k < j; k++ {
			types[k] = t
		}
		i = j
	}
}

// pdfMirrors are mirrored characters that are not brackets (brackets
// are mirrored through x/text's bracket data).
var pdfMirrors = map[rune]rune{'<': '>', '>': '<', '«': '»', '»': '«', '‹': '›', '›': '‹', '≤': '≥', '≥': '≤'}

// pdfMirror is the glyph that c shows in right-to-left text.
func pdfMirror(c rune) rune {
	if m, ok := pdfMirrors[c]; ok {
		return m
	}
	if p, _ := bidi.LookupRune(c); p.IsBracket() {
		// ReverseString replaces a bracket by its pair.
		if m := []rune(bidi.ReverseString(string(c))); len(m) == 1 {
			return m[0]
		}
	}
	return c
}
