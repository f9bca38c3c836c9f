package scrub

// Small helpers on text and digits that every detector uses.

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

func runeBefore(text string, i int) rune {
	if i <= 0 {
		return 0
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return r
}

func runeAt(text string, i int) rune {
	if i >= len(text) {
		return 0
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return r
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// trimTrailing drops trailing punctuation that ends a sentence rather than a
// link or address. A closing bracket is kept when the span opened one.
func trimTrailing(text string, start, end int) int {
	for end > start {
		r, size := utf8.DecodeLastRuneInString(text[start:end])
		switch r {
		case '.', ',', ';', ':', '!', '?', '\'', '"', '»', '”', '’', '…', '-', '*', '>':
			end -= size
			continue
		case ')', ']', '}':
			open := "("
			if r == ']' {
				open = "["
			} else if r == '}' {
				open = "{"
			}
			if strings.Count(text[start:end], open) >= strings.Count(text[start:end], string(r)) {
				return end
			}
			end -= size
			continue
		}
		return end
	}
	return end
}

func setOf(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

func digitValue(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r - '0'), true
	case r >= 0x0660 && r <= 0x0669: // Arabic-Indic
		return byte(r - 0x0660), true
	case r >= 0x06F0 && r <= 0x06F9: // Extended Arabic-Indic (Persian, Urdu)
		return byte(r - 0x06F0), true
	case r >= 0xFF10 && r <= 0xFF19: // full-width
		return byte(r - 0xFF10), true
	}
	return 0, false
}

func isDigitAt(text string, i int) bool {
	_, ok := digitValue(runeAt(text, i))
	return ok
}

func isSepRune(r rune) bool {
	switch r {
	case ' ', '-', '.', '/', '(', ')', '+', '\u00a0', '\u2009', '\u202f', '\u2010', '\u2011':
		return true
	}
	return false
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
		if n > 1e15 {
			return n // long enough for every caller, and no overflow
		}
	}
	return n
}
