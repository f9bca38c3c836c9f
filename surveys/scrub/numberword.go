package scrub

// Numbers written as words.
//
// "zero seven zero one two three four five six seven" is a common way to get
// a phone number past a filter. Seven or more digits in a row, at least four
// of them written as words, are removed (plain digits are left to the number
// scanner).

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

var digitWords = setOf(
	// en
	"zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
	// sv
	"noll", "ett", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio",
	// fi
	"nolla", "yksi", "kaksi", "kolme", "neljä", "viisi", "kuusi", "seitsemän", "kahdeksan", "yhdeksän",
	// es
	"cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
	// so
	"eber", "kow", "laba", "saddex", "afar", "shan", "lix", "toddoba", "siddeed", "sagaal",
	// uk
	"нуль", "один", "одна", "два", "дві", "три", "чотири", "пʼять", "шість", "сім", "вісім", "девʼять",
	// ar
	"صفر", "واحد", "اثنان", "اثنين", "ثلاثة", "اربعة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة",
)

var apostrophes = strings.NewReplacer("'", "ʼ", "’", "ʼ")

func isDigitWord(w string) bool {
	if len(w) < 2 || len(w) > 20 {
		return false
	}
	if digitWords[w] {
		return true
	}
	lower := strings.ToLower(w)
	if strings.ContainsAny(lower, "'’") {
		lower = apostrophes.Replace(lower)
	}
	return lower != w && digitWords[lower]
}

func appendNumberWords(spans [][2]int, text string) [][2]int {
	runStart, runEnd, count, words := -1, -1, 0, 0
	flush := func() {
		if count >= 7 && words >= 4 {
			spans = append(spans, [2]int{runStart, runEnd})
		}
		runStart, count, words = -1, 0, 0
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		_, digit := digitValue(r)
		if !unicode.IsLetter(r) && !digit {
			if runStart >= 0 && !unicode.IsSpace(r) && !strings.ContainsRune(",-.", r) {
				flush()
			}
			i += size
			continue
		}
		// read a word: letters and apostrophes, or digits
		j := i
		n := 0
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if _, d := digitValue(r); d != digit {
				break
			}
			if !digit && !unicode.IsLetter(r) && !strings.ContainsRune("'’ʼ", r) {
				break
			}
			if digit {
				n++
			}
			j += size
		}
		if j == i { // a letter-like rune that is neither (should not happen)
			j = i + size
		}
		word := text[i:j]
		if !digit {
			if isDigitWord(word) {
				n = 1
				words++
			}
		}
		if n == 0 {
			flush()
		} else {
			if runStart < 0 {
				runStart = i
			}
			runEnd = j
			count += n
		}
		i = j
	}
	flush()
	return spans
}
