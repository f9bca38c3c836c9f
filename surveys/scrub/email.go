package scrub

// E-mail addresses, as written and obfuscated ("name at gmail dot com").

import (
	"regexp"
	"strings"
	"unicode"
)

var emailRe = regexp.MustCompile(`[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*`)

func appendEmails(spans [][2]int, text string) [][2]int {
	if !strings.Contains(text, "@") {
		return spans
	}
	for _, m := range emailRe.FindAllStringIndex(text, -1) {
		start, end := m[0], m[1]
		// Quotes, dots and dashes are allowed inside the local part only.
		for start < end && strings.ContainsRune(".'-+%", rune(text[start])) {
			start++
		}
		if start >= end || text[start] == '@' {
			continue
		}
		at := strings.IndexByte(text[start:end], '@') + start
		domain := text[at+1 : end]
		if !strings.ContainsFunc(domain, unicode.IsLetter) {
			continue // "3@5", "2@10"
		}
		spans = append(spans, [2]int{start, end})
	}
	return spans
}

// Obfuscated addresses: "name at gmail dot com", "name(at)hotmail.se",
// "name [at] gmail [dot] com", "name snabel-a gmail punkt com",
// "name arroba hotmail punto com", "name собака gmail крапка com".
// A plain " at " is also an English word ("look at www.example.com"), so
// after it the dot must be spelled out or the domain must be a mail provider.
var obfuscatedEmailRe = func() *regexp.Regexp {
	const (
		label      = `[\p{L}\p{N}](?:[\p{L}\p{N}_-]*[\p{L}\p{N}])?`
		dotWord    = `(?:dot|punkt|punto|piste|pist|krapka|крапка|точка|نقطة)`
		spelledDot = `(?:\s*[(\[{<]\s*(?:` + dotWord + `|\.)\s*[)\]}>]\s*|\s+` + dotWord + `\s+)`
		anyDot     = `(?:` + spelledDot + `|\.)`
		localPart  = label + `(?:(?:\.|\s+` + dotWord + `\s+)` + label + `)*`
		tld        = `(?:com|net|org|se|fi|es|ua|uk|so|nu|eu|de|info|io|me|co|edu|ru|no|dk|ee)`
		providers  = `(?:gmail|hotmail|outlook|yahoo|icloud|live|protonmail|proton|yandex|ukr|mail)`
		// bracketed "at" or @, words that only mean "@", or a spaced @
		strongAt = `(?:\s*[(\[{<]\s*(?:at|@|a|snabel-?a|arroba|собака|равлик)\s*[)\]}>]\s*` +
			`|\s+(?:snabel-?a|arroba|собака|равлик|ät)\s+|\s*@\s+|\s+@\s*)`
		weakAt        = `\s+at\s+`
		domainAny     = `(?:` + label + anyDot + `)+` + tld
		domainSpelled = `(?:` + label + anyDot + `)*` + label + spelledDot + tld
		providerTLD   = providers + anyDot + tld
	)
	return regexp.MustCompile(`(?i)` + localPart + `(?:` +
		strongAt + `(?:` + domainAny + `|` + providers + `)|` +
		weakAt + `(?:` + domainSpelled + `|` + providerTLD + `))(?:\b|$)`)
}()

// mayHaveObfuscatedEmail is a cheap pre-check for obfuscatedEmailRe, which
// is the most expensive expression.
func mayHaveObfuscatedEmail(text string) bool {
	lower := strings.ToLower(text)
	for _, w := range obfuscationHints {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

var obfuscationHints = []string{" at ", " ät ", "(at", "[at", "{at", "<at", "(a)", "[a]", "(@", "[@", " @", "@ ",
	"snabel", "arroba", "собака", "равлик"}

func appendObfuscatedEmails(spans [][2]int, text string) [][2]int {
	for _, m := range obfuscatedEmailRe.FindAllStringIndex(text, -1) {
		if isAlnum(runeAt(text, m[1])) {
			continue
		}
		spans = append(spans, [2]int{m[0], m[1]})
	}
	return spans
}
