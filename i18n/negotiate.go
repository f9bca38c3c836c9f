package i18n

import (
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/language"
)

// Language negotiation: one rule, the same for a survey's languages and
// for the server's own messages (docs/surveys.md, "Which language"):
//
//  1. The languages the client asks for, in order: `?lang=` first, then
//     Accept-Language by its q-values (equal q-values keep their order;
//     q=0, "*" and malformed entries are skipped, the rest still count).
//  2. Each of them matches a supported language exactly, or else one of
//     the same base language and script: sv-FI and sv-SE find sv,
//     zh-TW finds zh-Hant, but zh-Hant never finds zh-Hans (nor zh, which
//     is written in Hans), and sr-Latn never finds sr (Cyrillic). Among
//     several of the same language and script, the one of the same region
//     wins, then one without a region, then the first listed.
//  3. Nothing asked for is supported: the first supported language (a
//     survey's default language; English for the server's messages).
//
// Different languages never stand in for each other: unlike x/text's
// CLDR-based matcher, Finnish does not find Swedish, Ukrainian does not
// find Russian or English, and Somali does not find English. A survey is
// shown in what its organiser chose as default, which is predictable and
// written in the survey, rather than in a language that CLDR data deems
// close enough.

// maxPrefs bounds the languages read from one request: a real client
// sends a handful; a header of thousands must not cost thousands of
// parses.
const maxPrefs = 16

// maxPrefEntries bounds the entries scanned for them (malformed or
// wildcard entries are skipped, so a few more than maxPrefs are read).
const maxPrefEntries = 64

// Prefs is a client's languages in order of preference.
type Prefs struct {
	tags []language.Tag
}

// ParsePrefs reads the languages a request asks for: explicit (a `?lang=`
// value, may be empty) first, then acceptLanguage (an Accept-Language
// header, may be empty).
func ParsePrefs(explicit, acceptLanguage string) Prefs {
	var p Prefs
	p.tags = appendPrefs(p.tags, explicit)
	p.tags = appendPrefs(p.tags, acceptLanguage)
	return p
}

// appendPrefs appends the valid tags of one list (an Accept-Language
// header, or a single code), ordered by their q-values.
func appendPrefs(tags []language.Tag, list string) []language.Tag {
	type weighted struct {
		tag language.Tag
		q   float64
	}
	var ws []weighted
	entries := 0
	for list != "" && entries < maxPrefEntries && len(tags)+len(ws) < maxPrefs {
		var entry string
		entry, list, _ = strings.Cut(list, ",")
		entries++
		code, params, _ := strings.Cut(entry, ";")
		code = strings.TrimSpace(code)
		if code == "" || code == "*" {
			continue
		}
		q := 1.0
		if params = strings.TrimSpace(params); params != "" {
			v, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
			n, err := strconv.ParseFloat(v, 64)
			if !ok || err != nil || n < 0 || n > 1 {
				continue
			}
			q = n
		}
		if q == 0 {
			continue
		}
		t, err := language.Parse(code)
		if err != nil || t.IsRoot() {
			continue
		}
		ws = append(ws, weighted{t, q})
	}
	slices.SortStableFunc(ws, func(a, b weighted) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	for _, w := range ws {
		tags = append(tags, w.tag)
	}
	return tags
}

// Matcher chooses among a fixed list of languages (BCP 47 codes), the
// first of which is the fallback.
type Matcher struct {
	codes []string
	langs []supported
}

// supported is one language a matcher may choose, taken apart once.
type supported struct {
	tag       language.Tag
	base      language.Base
	script    language.Script // inferred when not written (sv: Latn, zh: Hans)
	region    language.Region
	hasRegion bool
}

// NewMatcher makes a matcher over codes; the first code is the fallback.
// A code that does not parse is never matched (but still the fallback if
// first).
func NewMatcher(codes []string) Matcher {
	m := Matcher{codes: codes, langs: make([]supported, len(codes))}
	for i, c := range codes {
		t, err := language.Parse(c)
		if err != nil {
			t = language.Und // matches nothing: requests with und are skipped
		}
		m.langs[i] = takeApart(t)
	}
	return m
}

func takeApart(t language.Tag) supported {
	b, _ := t.Base()
	s, _ := t.Script()
	r, conf := t.Region()
	return supported{tag: t, base: b, script: s, region: r, hasRegion: conf == language.Exact}
}

// Codes lists the matcher's languages, the fallback first.
func (m Matcher) Codes() []string { return m.codes }

// Best returns the code chosen for explicit (a `?lang=` value, may be
// empty) and then acceptLanguage (an Accept-Language header, may be
// empty), by the rule above.
func (m Matcher) Best(explicit, acceptLanguage string) string {
	return m.Pick(ParsePrefs(explicit, acceptLanguage))
}

// Pick returns the code chosen for the client's preferences p: the first
// preference that matches a supported language, else the first code.
func (m Matcher) Pick(p Prefs) string {
	if len(m.codes) == 0 {
		return ""
	}
	for _, want := range p.tags {
		if i := m.match(want); i >= 0 {
			return m.codes[i]
		}
	}
	return m.codes[0]
}

// match returns the index of the supported language that serves want, or
// -1: an exact match, else the best of the same base language and script.
func (m Matcher) match(want language.Tag) int {
	for i, l := range m.langs {
		if l.tag == want {
			return i
		}
	}
	w := takeApart(want)
	best, bestScore := -1, -1
	for i, l := range m.langs {
		if l.base != w.base || l.script != w.script || l.tag == language.Und {
			continue
		}
		score := 0
		switch {
		case w.hasRegion && l.hasRegion && l.region == w.region:
			score = 2
		case !l.hasRegion:
			score = 1
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	}
	return best
}
