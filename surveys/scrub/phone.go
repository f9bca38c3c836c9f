package scrub

// Phone numbers.
//
// Phone numbers and personal identity numbers are found by one scanner: it
// cuts the text into runs of digit groups joined by short separators
// ("+46 (0)70-123 45 67" is one run of six groups) and then looks, from left
// to right, for the longest stretch of groups that is a contact detail.
// Dates, time ranges and allow-listed service numbers inside a run are
// protected first, so they can neither match nor be part of a match.

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type numGroup struct {
	start, end int    // byte range of the digits
	digits     string // the digits, normalised to ASCII
	sep        string // separator before this group ("" for the first)
	phoneSep   bool   // sep is acceptable inside a phone number
}

// serviceNumbers are emergency, helpline and other service numbers that are
// not a child's personal contact details and are kept. Short service codes
// can never match the phone rules anyway; they are listed for the context
// rule ("ring 116 111"). Only numbers of organisations belong here.
var serviceNumbers = setOf(
	"112", "911", "999", "114", "1177", "11414", "11313", "90101",
	"116000", "116006", "116111", "116117", "116123",
	"08001111",   // Childline (UK)
	"0800500225", // La Strada Ukraine, children's line
	"0800500335", // La Strada Ukraine
	"900202010",  // Fundación ANAR (ES), children's line
	"020505050",  // Kvinnofridslinjen (SE)
	"0771505050", // BRIS adult line (SE)
	"0925250111", // MIELI crisis line (FI)
)

func appendNumbers(spans [][2]int, text string) [][2]int {
	var groups []numGroup
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		_, digit := digitValue(r)
		start := digit ||
			(r == '+' && (isDigitAt(text, i+1) || (runeAt(text, i+1) == '(' && isDigitAt(text, i+2)))) ||
			(r == '(' && isDigitAt(text, i+1))
		if !start {
			i += size
			continue
		}
		if prev := runeBefore(text, i); isAlnum(prev) || prev == '_' {
			// Digits inside a word ("B204", "GTA5", "x_09"): skip the word.
			for i += size; i < len(text); {
				r, size = utf8.DecodeRuneInString(text[i:])
				if !isAlnum(r) {
					break
				}
				i += size
			}
			continue
		}
		var end int
		groups, end = scanGroups(text, i, groups[:0])
		spans = classifyRun(spans, text, i, r == '+', groups)
		i = end
	}
	return spans
}

// scanGroups reads the run of digit groups that starts at i.
func scanGroups(text string, i int, groups []numGroup) ([]numGroup, int) {
	j := i
	if text[j] == '+' {
		j++
	}
	if text[j] == '(' {
		j++
	}
	sep := ""
	var d []byte
	for {
		gs := j
		d = d[:0]
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			v, ok := digitValue(r)
			if !ok {
				break
			}
			d = append(d, '0'+v)
			j += size
		}
		groups = append(groups, numGroup{start: gs, end: j, digits: string(d), sep: sep, phoneSep: validPhoneSep(sep)})
		k, n := j, 0
		for k < len(text) && n < 3 {
			r, size := utf8.DecodeRuneInString(text[k:])
			if !isSepRune(r) {
				break
			}
			k += size
			n++
		}
		if n == 0 || !isDigitAt(text, k) {
			return groups, j
		}
		sep = text[j:k]
		j = k
	}
}

func classifyRun(spans [][2]int, text string, runStart int, plus bool, g []numGroup) [][2]int {
	protected := protectGroups(g)
	const maxDigits = 17
	var digits [maxDigits + 16]byte
	for s := 0; s < len(g); {
		if protected[s] {
			s++
			continue
		}
		start := g[s].start
		if s == 0 {
			start = runStart
		}
		best, ctx := -1, 0 // ctx: 0 unknown, 1 yes, -1 no
		d := digits[:0:maxDigits]
		sepsOK := true
		for e := s; e < len(g) && !protected[e]; e++ {
			d = append(d, g[e].digits...)
			if len(d) > maxDigits {
				break
			}
			sepsOK = sepsOK && (e == s || g[e].phoneSep)
			match, needsContext := isContactNumber(g, s, e, d, sepsOK, plus && s == 0)
			if needsContext && ctx == 0 {
				ctx = -1
				if phoneContext(text, start) {
					ctx = 1
				}
			}
			if match || (needsContext && ctx == 1) {
				best = e
			}
		}
		if best < 0 {
			s++
			continue
		}
		end := g[best].end
		if strings.Count(text[start:end], "(") > strings.Count(text[start:end], ")") && runeAt(text, end) == ')' {
			end++
		}
		spans = append(spans, [2]int{start, end})
		s = best + 1
	}
	return spans
}

// protectGroups marks groups that belong to dates ("12.05.2024",
// "2024-05-12", "12/5/24"), time ranges ("08.15-09.30") or allow-listed
// service numbers ("0 800 500 225").
func protectGroups(g []numGroup) []bool {
	p := make([]bool, len(g))
	for s := 0; s+2 < len(g); s++ {
		if isDate(g[s], g[s+1], g[s+2]) {
			p[s], p[s+1], p[s+2] = true, true, true
		}
	}
	for s := 0; s+3 < len(g); s++ {
		if isTimeRange(g[s:]) {
			p[s], p[s+1], p[s+2], p[s+3] = true, true, true, true
		}
	}
	// "0800-1600" on its own (not "0701-23 45 67")
	if len(g) == 2 && strings.Trim(g[1].sep, " ") == "-" && isHHMM(g[0].digits) && isHHMM(g[1].digits) {
		p[0], p[1] = true, true
	}
	for s := 0; s < len(g); s++ {
		d := ""
		for e := s; e < len(g) && e-s < 5; e++ {
			if e > s && !g[e].phoneSep {
				break
			}
			d += g[e].digits
			if serviceNumbers[d] && (e+1 == len(g) || len(d) >= 8 || !g[e+1].phoneSep) {
				for k := s; k <= e; k++ {
					p[k] = true
				}
			}
		}
	}
	return p
}

func isDate(a, b, c numGroup) bool {
	if b.sep != c.sep {
		return false
	}
	la, lb, lc := len(a.digits), len(b.digits), len(c.digits)
	switch b.sep {
	case "-", ".", "/":
	default:
		return false
	}
	dayMonth := func(x, y string) bool {
		dx, dy := atoi(x), atoi(y)
		return (dx >= 1 && dx <= 31 && dy >= 1 && dy <= 12) || (dx >= 1 && dx <= 12 && dy >= 1 && dy <= 31)
	}
	// year first: 2024-05-12, 2024/5/12, 2024.05.12
	if la == 4 && lb <= 2 && lc <= 2 {
		y := atoi(a.digits)
		return y >= 1900 && y <= 2099 && dayMonth(c.digits, b.digits)
	}
	// year last: 12.05.2024, 12-05-2024, 12/5/24 (two-digit years not with
	// dashes: "031-12-03-05" is a phone number)
	if la <= 2 && lb <= 2 && (lc == 4 || (lc == 2 && b.sep != "-")) {
		return dayMonth(a.digits, b.digits)
	}
	return false
}

// isTimeRange recognises "08.15-09.30" and "8.00 - 16.30".
func isTimeRange(g []numGroup) bool {
	if g[1].sep != "." || g[3].sep != "." || strings.Trim(g[2].sep, " ") != "-" {
		return false
	}
	for _, k := range []int{0, 2} {
		h, m := g[k], g[k+1]
		if len(h.digits) > 2 || len(m.digits) != 2 || atoi(h.digits) > 24 || atoi(m.digits) > 59 {
			return false
		}
	}
	return true
}

func isHHMM(d string) bool {
	return len(d) == 4 && atoi(d[:2]) <= 24 && atoi(d[2:]) <= 59
}

// validPhoneSep accepts the separators people put inside phone numbers.
func validPhoneSep(sep string) bool {
	core := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u00a0', '\u2009', '\u202f':
			return -1
		case '\u2010', '\u2011':
			return '-'
		}
		return r
	}, sep)
	switch core {
	case "", "-", ".", "/", "(", ")", ")-", ").", ")/":
		return true
	}
	return false
}

// isContactNumber classifies the groups g[s..e]. When the digits could be a
// phone number written without prefix ("123 45 67", "555-0199") it reports
// that a phone keyword before the number would decide.
// d holds the digits of g[s..e]; sepsOK says whether all separators between
// them are phone separators.
func isContactNumber(g []numGroup, s, e int, d []byte, sepsOK, plus bool) (match, needsContext bool) {
	if isPersonnummer(g, s, e) {
		return true, false
	}
	if !sepsOK {
		return false, false
	}
	n := len(d)
	switch {
	case n < 7:
		return false, false
	case plus: // +46 70 123 45 67, +1 (555) 123-4567
		return n >= 8 && n <= 15 && d[0] != '0', false
	case strings.HasPrefix(g[s].digits, "00"): // 0046 70 123 45 67
		return n >= 10 && n <= 17 && d[2] != '0', false
	case d[0] == '0': // 070-123 45 67, 08-123 456 78, 040 123 4567, 07700 900123, 0151 12345678
		return n >= 8 && n <= 12, false
	case e == s && n >= 10 && n <= 15: // 46701234567, 5551234567
		return true, false
	case n == 9 && d[0] >= '6' && d[0] <= '9' && hasShape(g, s, e, shapesES): // 612 34 56 78, 91 123 45 67
		return true, false
	case n == 10 && d[0] >= '2' && hasShape(g, s, e, shapesNANP): // (555) 123-4567
		return true, false
	}
	// "my number is 123 45 67", "his number was 555-0199"
	return false, n <= 15 && !isThousands(g, s, e)
}

var (
	shapesES   = [][]int{{9}, {3, 2, 2, 2}, {3, 3, 3}, {2, 3, 2, 2}, {3, 6}, {2, 7}}
	shapesNANP = [][]int{{3, 3, 4}}
)

func hasShape(g []numGroup, s, e int, shapes [][]int) bool {
next:
	for _, shape := range shapes {
		if len(shape) != e-s+1 {
			continue
		}
		for k, l := range shape {
			if len(g[s+k].digits) != l {
				continue next
			}
		}
		return true
	}
	return false
}

// isThousands recognises quantities written with thousands separators:
// "1 000 000", "12.500.000".
func isThousands(g []numGroup, s, e int) bool {
	if e == s || len(g[s].digits) > 3 || g[s].digits[0] == '0' {
		return false
	}
	for k := s + 1; k <= e; k++ {
		if len(g[k].digits) != 3 || g[k].sep != g[s+1].sep {
			return false
		}
	}
	return true
}

var phoneKeywords = []string{"numb", "numm", "numr", "numer", "númer", "nr", "tel", "tfn", "phone", "mobil",
	"móvil", "movil", "cell", "call", "ring", "text", "sms", "whats", "viber", "signal", "puh", "soita", "llam",
	"lambar", "taleefan", "wac", "номер", "телефон", "дзвон", "رقم", "هاتف", "اتصل", "واتس"}

// phoneContext reports whether a phone keyword ("number", "ring", "puh",
// "номер", "رقم" ...) starts a word shortly before position i.
func phoneContext(text string, i int) bool {
	from := max(i-40, 0)
	for from < i && !utf8.RuneStart(text[from]) {
		from++
	}
	w := strings.ToLower(text[from:i])
	for _, k := range phoneKeywords {
		for off := 0; ; {
			j := strings.Index(w[off:], k)
			if j < 0 {
				break
			}
			j += off
			if !unicode.IsLetter(runeBefore(w, j)) && (k != "nr" || !unicode.IsLetter(runeAt(w, j+len(k)))) {
				return true
			}
			off = j + len(k)
		}
	}
	return false
}
