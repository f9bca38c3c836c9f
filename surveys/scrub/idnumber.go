package scrub

// Personal identity numbers: the Swedish personnummer (which the phone
// number scanner, phone.go, finds with isPersonnummer), the Finnish
// henkilötunnus and the Spanish DNI and NIE.

import (
	"regexp"
	"strings"
	"unicode"
)

// isPersonnummer recognises Swedish personal identity and co-ordination
// numbers: YYMMDD-XXXX, YYMMDD+XXXX, YYYYMMDD-XXXX, YYMMDDXXXX and
// YYYYMMDDXXXX. With a dash or plus, a well-formed date is enough (a wrong
// check digit is still somebody's attempt at one); without, the Luhn check
// digit must be right.
func isPersonnummer(g []numGroup, s, e int) bool {
	var d string
	marked := false
	switch e - s {
	case 0:
		d = g[s].digits
		if len(d) != 10 && len(d) != 12 {
			return false
		}
	case 1:
		a, b := g[s].digits, g[e].digits
		if (len(a) != 6 && len(a) != 8) || len(b) != 4 {
			return false
		}
		switch g[e].sep {
		case "-", "+", "\u2010", "\u2011":
			marked = true
		case " ", "\u00a0":
		default:
			return false
		}
		d = a + b
	default:
		return false
	}
	if len(d) == 12 {
		if c := d[:2]; c != "18" && c != "19" && c != "20" {
			return false
		}
		d = d[2:]
	}
	month, day := atoi(d[2:4]), atoi(d[4:6])
	if month < 1 || month > 12 || !(day >= 1 && day <= 31 || day >= 61 && day <= 91) {
		return false
	}
	return marked || luhn(d)
}

// luhn checks the mod-10 check digit of a ten digit personnummer.
func luhn(d string) bool {
	sum := 0
	for i := 0; i < len(d); i++ {
		v := int(d[i] - '0')
		if i%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// The app is also used in Finland and Spain, where children may write their
// identity numbers: Finnish henkilötunnus (DDMMYY, century sign, three
// digits, check character) and Spanish DNI (eight digits and a check letter)
// or NIE (X/Y/Z, seven digits, check letter).
var (
	hetuRe   = regexp.MustCompile(`(?i)\b([0-9]{2})([0-9]{2})[0-9]{2}[-+A-FU-Y][0-9]{3}[0-9A-Y]\b`)
	dniNieRe = regexp.MustCompile(`(?i)\b([XYZ][- ]?)?([0-9]{7,8})[- ]?([A-Z])\b`)
)

// hasDigitRun reports whether text has n ASCII digits in a row.
func hasDigitRun(text string, n int) bool {
	run := 0
	for i := 0; i < len(text); i++ {
		if text[i] >= '0' && text[i] <= '9' {
			run++
			if run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

const dniLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

func appendNationalIDs(spans [][2]int, text string) [][2]int {
	if !hasDigitRun(text, 6) {
		return spans
	}
	for _, m := range hetuRe.FindAllStringSubmatchIndex(text, -1) {
		day, month := atoi(text[m[2]:m[3]]), atoi(text[m[4]:m[5]])
		if day >= 1 && day <= 31 && month >= 1 && month <= 12 {
			spans = append(spans, [2]int{m[0], m[1]})
		}
	}
	for _, m := range dniNieRe.FindAllStringSubmatchIndex(text, -1) {
		digits := text[m[4]:m[5]]
		n := atoi(digits)
		if m[2] >= 0 { // NIE: X=0, Y=1, Z=2 in front of seven digits
			if len(digits) != 7 {
				continue
			}
			n += int(strings.IndexByte("XYZ", byte(unicode.ToUpper(rune(text[m[2]]))))) * 10_000_000
		} else if len(digits) != 8 {
			continue
		}
		if byte(unicode.ToUpper(rune(text[m[6]]))) == dniLetters[n%23] {
			spans = append(spans, [2]int{m[0], m[1]})
		}
	}
	return spans
}
