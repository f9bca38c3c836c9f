package scrub

// Links: with a scheme or "www.", and bare domains ("bris.se", "t.me/name").

import (
	"regexp"
	"strings"
)

var (
	schemeURLRe = regexp.MustCompile(`(?i)(?:https?://|www\.)[^\s<>"“”«»]+`)
	bareURLRe   = regexp.MustCompile(`(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+([a-z]{2,12})`)
	pathRe      = regexp.MustCompile(`^[/?#][^\s<>"“”«»]*`)
)

// strongTLDs may appear without a path ("bris.se"). weakTLDs are also
// ordinary words or abbreviations in the supported languages ("so", "no",
// "me", "to") and only count when followed by a path ("t.me/name").
var (
	strongTLDs = setOf("com", "net", "org", "se", "fi", "es", "ua", "uk", "ru", "de", "eu", "nu", "info",
		"io", "gg", "tv", "app", "dev", "xyz", "edu", "gov", "biz", "online", "site", "ly", "link",
		"shop", "store", "club", "top", "dk", "ee", "pl", "fr", "nl", "tk", "cc", "ws", "su")
	weakTLDs = setOf("me", "co", "so", "to", "be", "at", "it", "is", "no", "us", "ai", "am", "fm", "la",
		"ch", "li", "gl", "gd", "sh", "sy", "iq", "sa", "ae", "eg", "tr", "ir", "af", "er", "et")
)

func appendURLs(spans [][2]int, text string) [][2]int {
	if !strings.Contains(text, ".") {
		return spans
	}
	if strings.Contains(text, "://") || strings.Contains(strings.ToLower(text), "www.") {
		spans = appendSchemeURLs(spans, text)
	}
	if hasDotLetter(text) {
		spans = appendBareURLs(spans, text)
	}
	return spans
}

// hasDotLetter reports whether a dot is followed by a lower-case ASCII
// letter, which every bare domain needs ("bris.se").
func hasDotLetter(text string) bool {
	for i := strings.IndexByte(text, '.'); i >= 0 && i+1 < len(text); {
		if c := text[i+1]; c >= 'a' && c <= 'z' {
			return true
		}
		j := strings.IndexByte(text[i+1:], '.')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

func appendSchemeURLs(spans [][2]int, text string) [][2]int {
	for _, m := range schemeURLRe.FindAllStringIndex(text, -1) {
		if isAlnum(runeBefore(text, m[0])) {
			continue // "awww.", "xhttp://"
		}
		end := trimTrailing(text, m[0], m[1])
		if end-m[0] <= len("www.") {
			continue
		}
		spans = append(spans, [2]int{m[0], end})
	}
	return spans
}

func appendBareURLs(spans [][2]int, text string) [][2]int {
	for _, m := range bareURLRe.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[0], m[1]
		tld := text[m[2]:m[3]]
		if r := runeAt(text, end); isAlnum(r) || r == '_' {
			continue // "example.Community", "file.txt2"
		}
		if r := runeBefore(text, start); r == '.' || r == '_' {
			continue
		}
		path := pathRe.FindStringIndex(text[end:])
		hasPath := path != nil && path[1] > 1
		switch {
		case strongTLDs[tld]:
		case weakTLDs[tld] && hasPath:
		default:
			continue
		}
		if path != nil {
			end = trimTrailing(text, start, end+path[1])
		}
		spans = append(spans, [2]int{start, end})
	}
	return spans
}
