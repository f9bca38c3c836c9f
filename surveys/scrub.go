package surveys

// Free-text scrubbing: removal of contact details from survey answers before
// they are stored. See docs/privacy.md ("Free-text scrubbing") for the rules,
// the labelled corpus and the measured recall/precision.
//
// The detectors are deliberately biased towards recall: the people writing
// these answers are children, some of them answering questions about sexual
// exploitation, and a contact detail that slips through is far worse than an
// innocent number that is replaced by the marker.

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Marker replaces every contact detail found in free text.
const Marker = "[removed]"

// ContactSpans returns the byte ranges [start,end) of contact details in text, sorted, non-overlapping.
//
// The detectors run twice: on the text as written, and on a normalised copy
// (normalise, below) in which the tricks people use to get a contact detail
// past a filter are undone. Spans found in the copy are mapped back to the
// text as written, so what is removed is always the original characters,
// and text around them is kept exactly. Then the text is rendered with the
// markers and scanned again, until nothing more is found (removing a span
// can bring a context word closer to a number, for example), so that
// scrubbing the result again removes nothing more.
func ContactSpans(text string) [][2]int {
	spans := findContacts(text)
	for round := 0; len(spans) > 0 && round < 4; round++ {
		clean := render(text, spans)
		more := findContacts(clean.s)
		if len(more) == 0 {
			break
		}
		for _, m := range more {
			a, b := clean.orig(m[0], m[1])
			spans = append(spans, [2]int{a, b})
		}
		spans = propagate(mergeSpans(spans), text)
	}
	return spans
}

// findContacts unites the spans found in text and in its normalised copy.
func findContacts(text string) [][2]int {
	if text == "" {
		return nil
	}
	spans := detect(text)
	if folded, changed := normalise(text); changed {
		for _, m := range detect(folded.s) {
			a, b := folded.orig(m[0], m[1])
			spans = append(spans, [2]int{a, b})
		}
	}
	if len(spans) == 0 {
		return nil
	}
	for i := range spans {
		spans[i] = widenInvisible(text, spans[i])
	}
	return propagate(mergeSpans(spans), text)
}

// widenInvisible widens a span over the invisible characters around it and
// the marks after it, which the normalised copy dropped: the keycap of a
// last "7️⃣" and a bidi override before an address go with it.
func widenInvisible(text string, s [2]int) [2]int {
	for s[0] > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:s[0]])
		if r < utf8.RuneSelf || !isInvisible(r) {
			break
		}
		s[0] -= size
	}
	for s[1] < len(text) {
		r, size := utf8.DecodeRuneInString(text[s[1]:])
		if r < utf8.RuneSelf || !(isInvisible(r) || isMark(r)) {
			break
		}
		s[1] += size
	}
	return s
}

// detect runs every detector on text as it is.
func detect(text string) [][2]int {
	var spans [][2]int
	spans = appendEmails(spans, text)
	if mayHaveObfuscatedEmail(text) {
		spans = appendObfuscatedEmails(spans, text)
	}
	spans = appendURLs(spans, text)
	spans = appendHandles(spans, text)
	spans = appendUnderscoreNames(spans, text)
	spans = appendPlatformNames(spans, text)
	spans = appendNumbers(spans, text)
	spans = appendNationalIDs(spans, text)
	spans = appendNumberWords(spans, text)
	if len(spans) == 0 {
		return nil
	}
	spans = mergeSpans(spans)
	return propagate(spans, text)
}

// Scrub replaces each contact detail with Marker and returns the clean text and how many were removed.
func Scrub(text string) (clean string, removed int) {
	spans := ContactSpans(text)
	if len(spans) == 0 {
		return text, 0
	}
	return render(text, spans).s, len(spans)
}

// render replaces each span (sorted, non-overlapping) with Marker; the
// bytes of a marker map back to the whole span it replaced.
func render(text string, spans [][2]int) mapped {
	edits := make([]edit, len(spans))
	for i, s := range spans {
		edits[i] = edit{s[0], s[1], Marker}
	}
	return identity(text).apply(edits)
}

// mergeSpans sorts spans and unites the ones that overlap or touch.
func mergeSpans(spans [][2]int) [][2]int {
	sort.Slice(spans, func(i, j int) bool {
		if spans[i][0] != spans[j][0] {
			return spans[i][0] < spans[j][0]
		}
		return spans[i][1] > spans[j][1]
	})
	out := spans[:1]
	for _, s := range spans[1:] {
		last := &out[len(out)-1]
		if s[0] <= last[1] {
			if s[1] > last[1] {
				last[1] = s[1]
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// propagate also removes every other occurrence of a text that was found to
// be a contact detail. Some detectors depend on context ("my snap is x_y",
// "number: 123 45 67"); once a string is known to be a contact detail it must
// not survive elsewhere in the same answer. It repeats until nothing changes
// (merging can create a longer span whose text occurs elsewhere).
func propagate(spans [][2]int, text string) [][2]int {
	for round := 0; round < 8; round++ {
		seen := make(map[string]bool, len(spans))
		extra := append([][2]int(nil), spans...)
		for _, s := range spans {
			needle := text[s[0]:s[1]]
			if needle == "" || seen[needle] {
				continue
			}
			seen[needle] = true
			for from := 0; from < len(text); {
				i := strings.Index(text[from:], needle)
				if i < 0 {
					break
				}
				start := from + i
				extra = append(extra, [2]int{start, start + len(needle)})
				from = start + len(needle)
			}
		}
		merged := mergeSpans(extra)
		if sameSpans(merged, spans) {
			return merged
		}
		spans = merged
	}
	return spans
}

func sameSpans(a, b [][2]int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------- helpers

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

// ---------------------------------------------------------------- normalisation
//
// A contact detail can be written so that a person still reads it and a
// pattern does not: "07O1234567" (a letter O), a soft hyphen or a
// zero-width space inside a number or an address, full-width characters
// ("lisa＠gmail.com"), letters spaced out ("l i s a @ g m a i l . c o m"),
// keycap emoji digits, and links "defanged" the way security people write
// them ("hxxps://bit[.]ly/abc", "bit . ly / 3xYz"). normalise undoes these
// tricks in a copy of the text that remembers, for every byte, where in the
// original it came from; the detectors run on the copy as well as on the
// original (see findContacts), and what they find in the copy is removed
// from the original.
//
// Every step is narrow, because the copy must not turn ordinary sentences
// into contact details: a letter becomes a digit only inside a word that
// already has digits, spaces are closed up only around an @ or a dot that
// ends in a known top-level domain, and so on. The precision on the corpus
// is measured before and after (docs/privacy.md).

// mapped is a text derived from an original one: src[i] is the range of
// the original that byte i of s came from. A nil src means s is the
// original (most answers need no change, and then cost no map).
type mapped struct {
	s   string
	src []srcRange
}

type srcRange struct{ start, end int32 }

// edit replaces s[start:end] of a mapped text with repl.
type edit struct {
	start, end int
	repl       string
}

func identity(text string) mapped { return mapped{s: text} }

func (m mapped) at(i int) srcRange {
	if m.src == nil {
		return srcRange{int32(i), int32(i + 1)}
	}
	return m.src[i]
}

// orig maps the range [a,b) of m.s to the original text.
func (m mapped) orig(a, b int) (int, int) {
	return int(m.at(a).start), int(m.at(b - 1).end)
}

// apply makes the edits (sorted, non-overlapping, none empty); the bytes of
// a replacement come from the whole range it replaced.
func (m mapped) apply(edits []edit) mapped {
	if len(edits) == 0 {
		return m
	}
	var b strings.Builder
	b.Grow(len(m.s))
	src := make([]srcRange, 0, len(m.s))
	copySrc := func(from, to int) {
		if m.src != nil {
			src = append(src, m.src[from:to]...)
			return
		}
		for i := from; i < to; i++ {
			src = append(src, srcRange{int32(i), int32(i + 1)})
		}
	}
	prev := 0
	for _, e := range edits {
		b.WriteString(m.s[prev:e.start])
		copySrc(prev, e.start)
		r := srcRange{m.at(e.start).start, m.at(e.end - 1).end}
		b.WriteString(e.repl)
		for range len(e.repl) {
			src = append(src, r)
		}
		prev = e.end
	}
	b.WriteString(m.s[prev:])
	copySrc(prev, len(m.s))
	return mapped{s: b.String(), src: src}
}

// normalise returns the normalised copy of text, and whether it differs.
func normalise(text string) (mapped, bool) {
	m := fold(text)
	m = m.apply(defangEdits(m.s))
	m = m.apply(spacedOutEdits(m.s))
	m = m.apply(spacedPunctEdits(m.s))
	m = m.apply(digitLookalikeEdits(m.s))
	return m, m.s != text
}

// fold applies NFKC (full-width and small-form letters, digits and
// punctuation become ASCII, "①" becomes "1", odd spaces become spaces) and
// drops characters that are invisible: format characters (soft hyphen,
// zero-width space and joiners, word joiner, BOM, bidi controls), fillers
// that render as nothing, variation selectors, and marks drawn on an ASCII
// character (keycaps: "0️⃣", combining strokes: "0̸").
func fold(text string) mapped {
	if isPlainASCII(text) || (norm.NFKC.IsNormalString(text) && !hasHidden(text)) {
		return identity(text)
	}
	var it norm.Iter
	it.InitString(norm.NFKC, text)
	var b strings.Builder
	b.Grow(len(text))
	src := make([]srcRange, 0, len(text))
	last := rune(0)
	// A long decomposition ("½" is "1⁄2") can come in several pieces before
	// the iterator moves on in the input: the bytes since the last move
	// all come from the input between the two positions.
	start, pending := 0, 0
	for !it.Done() {
		seg := it.Next()
		for len(seg) > 0 {
			r, size := utf8.DecodeRune(seg)
			if !isInvisible(r) && !(isMark(r) && last > ' ' && last < utf8.RuneSelf) {
				b.Write(seg[:size])
				for range size {
					src = append(src, srcRange{})
				}
				last = r
			}
			seg = seg[size:]
		}
		if end := it.Pos(); end > start || it.Done() {
			r := srcRange{int32(start), int32(end)}
			if end <= start { // the input's end: cannot happen, but keep the ranges non-empty
				r = srcRange{int32(max(len(text)-1, 0)), int32(len(text))}
			}
			for i := pending; i < len(src); i++ {
				src[i] = r
			}
			start, pending = end, len(src)
		}
	}
	return mapped{s: b.String(), src: src}
}

// isPlainASCII reports whether text is printable ASCII and spaces, which
// fold leaves as it is.
func isPlainASCII(text string) bool {
	for i := 0; i < len(text); i++ {
		if c := text[i]; c >= utf8.RuneSelf || (c < ' ' && c != '\t' && c != '\n' && c != '\r') {
			return false
		}
	}
	return true
}

// hasHidden reports whether fold would drop anything from text.
func hasHidden(text string) bool {
	last := rune(0)
	for _, r := range text {
		if isInvisible(r) || (isMark(r) && last > ' ' && last < utf8.RuneSelf) {
			return true
		}
		last = r
	}
	return false
}

func isInvisible(r rune) bool {
	switch {
	case r < 0x80:
		return r < ' ' && r != '\t' && r != '\n' && r != '\r'
	case unicode.Is(unicode.Cf, r):
		return true
	case r == 0x034F, r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0: // grapheme joiner, Hangul fillers
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF: // variation selectors
		return true
	}
	return false
}

func isMark(r rune) bool { return unicode.In(r, unicode.Mn, unicode.Me) }

// Defanged links and addresses: "hxxps://", "h**p://", "bit[.]ly",
// "example(dot)com", "name(@)mail.se".
var (
	defangSchemeRe  = regexp.MustCompile(`(?i)h(?:xx|\*\*|\[tt\]|tt)p(s?)(?:\[:\]|\(:\)|\{:\}|:)//`)
	defangBracketRe = regexp.MustCompile(`^(?i)\s*(?:(\.|dot|punkt|punto|piste|krapka|крапка|точка|نقطة)|@)\s*[\])}>]`)
)

func defangEdits(text string) []edit {
	var edits []edit
	if strings.Contains(text, "//") {
		for _, m := range defangSchemeRe.FindAllStringSubmatchIndex(text, -1) {
			start, end := m[0], m[1]
			if isAlnum(runeBefore(text, start)) || text[start:end] == "http://" || text[start:end] == "https://" {
				continue
			}
			edits = append(edits, edit{start, end, "http" + text[m[2]:m[3]] + "://"})
		}
	}
	// A bracketed dot or @ between two words, with any spaces around it.
	scheme := len(edits)
	for from := 0; from < len(text); {
		k := strings.IndexAny(text[from:], "[({<")
		if k < 0 {
			break
		}
		p := from + k
		from = p + 1
		m := defangBracketRe.FindStringSubmatchIndex(text[p+1:])
		if m == nil {
			continue
		}
		start, end := p, p+1+m[1]
		for start > 0 && (text[start-1] == ' ' || text[start-1] == '\t') {
			start--
		}
		for end < len(text) && (text[end] == ' ' || text[end] == '\t') {
			end++
		}
		if !isAlnum(runeBefore(text, start)) || !isAlnum(runeAt(text, end)) {
			continue
		}
		repl := "@"
		if m[2] >= 0 {
			repl = "."
		}
		edits = append(edits, edit{start, end, repl})
		from = end
	}
	if scheme > 0 && len(edits) > scheme {
		sort.Slice(edits, func(a, b int) bool { return edits[a].start < edits[b].start })
	}
	return edits
}

// Letters spaced out: "l i s a @ g m a i l . c o m", "k y l e _ 2 0 0 9".
// Five or more single characters, each followed by one space; only a run
// that holds an @, a dot, an underscore or a slash is closed up, so "a b c
// d e" and spaced-out digits (left to the number scanner) stay as they are.
func spacedOutEdits(text string) []edit {
	var edits []edit
	for i := 0; i < len(text); {
		// i starts a word: read single characters, each followed by one space.
		j, last, count, special := i, i, 0, false
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if !isAlnum(r) && !strings.ContainsRune("@._/+-", r) {
				break
			}
			end := j + size
			if end < len(text) && !unicode.IsSpace(runeAt(text, end)) {
				break // a longer word
			}
			count++
			special = special || strings.ContainsRune("@._/", r)
			last = end
			if end+1 >= len(text) || text[end] != ' ' {
				break
			}
			j = end + 1
		}
		if count >= 5 && special {
			for k := i; k < last; k++ {
				if text[k] == ' ' {
					edits = append(edits, edit{k, k + 1, ""})
				}
			}
		}
		// on to the next word
		k := max(last, i+1)
		for k < len(text) && !unicode.IsSpace(runeAt(text, k)) {
			k++
		}
		for k < len(text) && unicode.IsSpace(runeAt(text, k)) {
			k++
		}
		i = k
	}
	return edits
}

// Spaces around the dots of a domain and the @ of an address: "bit . ly /
// 3xYz", "lisa . berg @ gmail . com". A sentence can also end with " . "
// before a word that is a top-level domain ("el punto es", "OK . se till
// att"), so without an @ the last word must be a domain that is no word in
// the supported languages (spacedTLDs) or be followed by a path; with an @
// it must be a top-level domain of strongTLDs or come after a mail
// provider.
var (
	spacedPunctRe = regexp.MustCompile(`[\p{L}\p{N}_%+-]+(?:\s*[.@]\s*[\p{L}\p{N}_%+-]+)+(\s*/\s*[\p{L}\p{N}_@.=?&%+-]+)?`)
	spacedTLDs    = setOf("com", "net", "org", "ly", "gg", "io", "xyz", "ru", "ua", "uk", "fi", "tk", "biz", "info", "dk", "ee", "pl")
	mailProviders = setOf("gmail", "hotmail", "outlook", "yahoo", "icloud", "live", "protonmail", "proton", "yandex", "ukr", "mail")
)

func spacedPunctEdits(text string) []edit {
	// A space before a dot, @ or slash, or after an @: ". " alone ends
	// every sentence and is no reason to look further.
	if !strings.Contains(text, " .") && !strings.Contains(text, " @") && !strings.Contains(text, "@ ") &&
		!strings.Contains(text, " /") {
		return nil
	}
	var edits []edit
	for _, m := range spacedPunctRe.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[0], m[1]
		if isAlnum(runeBefore(text, start)) || !strings.ContainsFunc(text[start:end], unicode.IsSpace) {
			continue
		}
		domainEnd := end
		if m[2] >= 0 {
			domainEnd = m[2]
		}
		if !spacedDomain(text[start:domainEnd], m[2] >= 0) {
			continue
		}
		for i := start; i < end; {
			r, size := utf8.DecodeRuneInString(text[i:])
			if unicode.IsSpace(r) {
				edits = append(edits, edit{i, i + size, ""})
			}
			i += size
		}
	}
	return edits
}

// spacedDomain decides whether s ("bit . ly", "lisa @ gmail . com") is an
// address or a domain written with spaces; path says whether "/ x" follows.
func spacedDomain(s string, path bool) bool {
	words := strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '@' || unicode.IsSpace(r) })
	if len(words) < 2 {
		return false
	}
	tld := words[len(words)-1]
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return spacedTLDs[tld] || (path && (strongTLDs[tld] || weakTLDs[tld]))
	}
	if strings.Count(s, "@") > 1 {
		return false
	}
	domain := strings.FieldsFunc(s[at+1:], func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
	if len(domain) < 2 {
		return false
	}
	return strongTLDs[tld] || mailProviders[strings.ToLower(domain[0])]
}

// Letters that look like digits, inside a word that has digits: "07O1234567",
// "6l2 34 56 78", "О67" (Cyrillic О), "12З" (Cyrillic З). A word of such
// letters alone ("I", "o", "lol") is never changed; a capital O standing
// alone between two digits is ("070 O12 ..." is rarely typed, but
// "0 7 O 1 2 ..." is), while the "o" of "1 o 2" ("1 or 2" in Spanish) is
// kept.
func digitLookalike(r rune) (byte, bool) {
	switch r {
	case 'O', 'o', 'О', 'о', 'Ο', 'ο':
		return '0', true
	case 'l', 'I', 'І', 'і', 'Ι':
		return '1', true
	case 'З':
		return '3', true
	}
	return 0, false
}

func digitLookalikeEdits(text string) []edit {
	if !strings.ContainsFunc(text, func(r rune) bool { _, ok := digitValue(r); return ok }) {
		return nil
	}
	var edits []edit
	for ws := 0; ws < len(text); {
		r, size := utf8.DecodeRuneInString(text[ws:])
		if !isAlnum(r) {
			ws += size
			continue
		}
		we, digits, lookalikes := ws, 0, 0
		for we < len(text) {
			r, size := utf8.DecodeRuneInString(text[we:])
			if !isAlnum(r) {
				break
			}
			if _, ok := digitValue(r); ok {
				digits++
			} else if _, ok := digitLookalike(r); ok {
				lookalikes++
			} else {
				digits, lookalikes = -1, -1 // a word with other letters
			}
			we += size
			if digits < 0 {
				for we < len(text) {
					r, size := utf8.DecodeRuneInString(text[we:])
					if !isAlnum(r) {
						break
					}
					we += size
				}
				break
			}
		}
		standalone := digits == 0 && lookalikes == 1 && (r == 'O' || r == 'О') &&
			digitNear(text, ws, -1) && digitNear(text, we, +1)
		if (digits > 0 && lookalikes > 0) || standalone {
			for i := ws; i < we; {
				r, size := utf8.DecodeRuneInString(text[i:])
				if d, ok := digitLookalike(r); ok {
					edits = append(edits, edit{i, i + size, string(rune(d))})
				}
				i += size
			}
		}
		ws = we
	}
	return edits
}

// digitNear reports whether a digit is found from i in direction dir (-1:
// before i, +1: at or after i) past at most two separators.
func digitNear(text string, i, dir int) bool {
	for n := 0; n < 3; n++ {
		var r rune
		var size int
		if dir < 0 {
			r, size = utf8.DecodeLastRuneInString(text[:i])
			i -= size
		} else {
			r, size = utf8.DecodeRuneInString(text[i:])
			i += size
		}
		if size == 0 {
			return false
		}
		if _, ok := digitValue(r); ok {
			return true
		}
		if !isSepRune(r) {
			return false
		}
	}
	return false
}

// ---------------------------------------------------------------- e-mail

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

// ---------------------------------------------------------------- URLs

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

func setOf(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

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

// ---------------------------------------------------------------- handles

var (
	handleRe         = regexp.MustCompile(`@[\p{L}\p{N}_](?:[\p{L}\p{N}_.]*[\p{L}\p{N}_])?(?:#[0-9]{4})?`)
	underscoreNameRe = regexp.MustCompile(`[\p{L}\p{N}_.]*_[\p{L}\p{N}_.]*(?:#[0-9]{4})?`)
)

// appendHandles finds @handles. An @ preceded by something that can end the
// local part of an e-mail address is left to the e-mail detector.
func appendHandles(spans [][2]int, text string) [][2]int {
	if !strings.Contains(text, "@") {
		return spans
	}
	for _, m := range handleRe.FindAllStringIndex(text, -1) {
		prev := runeBefore(text, m[0])
		if isAlnum(prev) || strings.ContainsRune("_.-+%", prev) {
			continue
		}
		if utf8.RuneCountInString(text[m[0]:m[1]]) < 3 {
			continue // "@a"
		}
		spans = append(spans, [2]int{m[0], m[1]})
	}
	return spans
}

// appendUnderscoreNames finds user names such as "sanna_2009" or
// "pablo_gamer#1234": ordinary prose in the supported languages never joins
// letters and digits with an underscore.
func appendUnderscoreNames(spans [][2]int, text string) [][2]int {
	if !strings.Contains(text, "_") {
		return spans
	}
	for _, m := range underscoreNameRe.FindAllStringIndex(text, -1) {
		start, end := m[0], m[1]
		for start < end && text[start] == '.' {
			start++
		}
		end = trimTrailing(text, start, end)
		tok := text[start:end]
		if !strings.ContainsFunc(tok, isAlnum) || utf8.RuneCountInString(tok) < 3 {
			continue
		}
		spans = append(spans, [2]int{start, end})
	}
	return spans
}

// User names next to a platform name: "my snap is carla.m10", "her discord
// is shadowcat#4821", "Lisää mut snapissa: venla_2008", "emma.lind on insta".
// platformPrefixes start a word that names a platform ("snapissa",
// "Snapchat-kayga", "instan"); platformWords must be the whole word ("ig"
// but not "igual"). "add me" works like a platform name.
var (
	platformPrefixes = []string{"snap", "snäp", "insta", "tiktok", "discord", "telegram", "roblox", "steam",
		"xbox", "twitch", "twitter", "yubo", "bereal", "username", "användarnamn", "gamertag", "usuario",
		"käyttäjä", "снеп", "снап", "інста", "инста", "телеграм", "тікток", "тикток", "додай",
		"agrega", "agrégame", "añade", "añádeme",
		"سناب", "انستا", "انستغرام", "انستقرام", "تلغرام", "تيليجرام"}
	platformWords = setOf("ig", "tg", "kik", "psn", "tik", "user", "тик", "нік", "ник", "تيك",
		"add", "adda", "addaa") // "add me lisa.k2009"
)

// platformFirst maps the first letter (lower case) of each platform name to
// the prefixes that start with it, so most words need a single map lookup.
var platformFirst = func() map[rune][]string {
	m := map[rune][]string{}
	for _, p := range platformPrefixes {
		r, _ := utf8.DecodeRuneInString(p)
		m[r] = append(m[r], p)
	}
	for w := range platformWords {
		r, _ := utf8.DecodeRuneInString(w)
		if _, ok := m[r]; !ok {
			m[r] = nil
		}
	}
	return m
}()

func isPlatformWord(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	prefixes, ok := platformFirst[unicode.ToLower(r)]
	if !ok {
		return false
	}
	if len(w) <= 6 && platformWords[strings.ToLower(w)] {
		return true
	}
	for _, p := range prefixes {
		if len(w) >= len(p) && strings.EqualFold(w[:len(p)], p) {
			return true
		}
	}
	return false
}

var userTokenRe = regexp.MustCompile(`^[\p{L}\p{N}_.#-]+`)

var unitSuffixRe = regexp.MustCompile(`^[0-9]+(?:[.,][0-9]+)?\p{L}{1,5}$`)

func appendPlatformNames(spans [][2]int, text string) [][2]int {
	for ws := 0; ws < len(text); {
		r, size := utf8.DecodeRuneInString(text[ws:])
		if !unicode.IsLetter(r) {
			ws += size
			continue
		}
		we := ws + size
		for we < len(text) {
			r, size = utf8.DecodeRuneInString(text[we:])
			if !unicode.IsLetter(r) {
				break
			}
			we += size
		}
		word := text[ws:we]
		wordStart := ws
		ws = we
		if !isPlatformWord(word) {
			continue
		}
		spans = appendPlatformName(spans, text, wordStart, we)
	}
	return spans
}

// appendPlatformName looks for a user name next to the platform name at
// text[start:end]: "emma.lind on insta", "my snap is carla.m10".
func appendPlatformName(spans [][2]int, text string, start, end int) [][2]int {
	if s, e, ok := userNameBefore(text, start); ok {
		spans = append(spans, [2]int{s, e})
	}
	i := end
	// Compounds: "Snapchat-kayga".
	for n := 0; n < 16 && i < len(text); n++ {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) && r != '-' {
			break
		}
		i += size
	}
	// Up to three short filler words ("is", "är", "on", "es", "waa") before
	// the name.
	for words := 0; words < 4; words++ {
		for i < len(text) {
			r, size := utf8.DecodeRuneInString(text[i:])
			if !unicode.IsSpace(r) && !strings.ContainsRune(":=-–—", r) {
				break
			}
			i += size
		}
		loc := userTokenRe.FindStringIndex(text[i:])
		if loc == nil {
			break
		}
		te := trimTrailing(text, i, i+loc[1])
		tok := text[i:te]
		if looksLikeUserName(tok) {
			return append(spans, [2]int{i, te})
		}
		if utf8.RuneCountInString(tok) > 6 {
			break
		}
		i += loc[1]
	}
	return spans
}

// looksLikeUserName accepts tokens that mix letters with digits, an
// underscore, an inner dot or a "#1234" tag, and rejects ordinary words,
// numbers and quantities with units ("10min", "5h").
func looksLikeUserName(tok string) bool {
	n := utf8.RuneCountInString(tok)
	if n < 3 || n > 40 {
		return false
	}
	if !strings.ContainsFunc(tok, unicode.IsLetter) {
		return false
	}
	if unitSuffixRe.MatchString(tok) {
		return false
	}
	if strings.ContainsAny(tok, "_#") || strings.ContainsFunc(tok, unicode.IsDigit) {
		return true
	}
	if i := strings.IndexByte(tok, '.'); i > 0 && i < len(tok)-1 {
		return !isAbbreviation(tok)
	}
	return false
}

// isAbbreviation recognises dotted abbreviations such as "t.ex", "bl.a",
// "e.g" and "p.g.a": every part has at most two letters.
func isAbbreviation(tok string) bool {
	for part := range strings.SplitSeq(tok, ".") {
		if utf8.RuneCountInString(part) > 2 {
			return false
		}
	}
	return true
}

// userNameBefore finds a user name written before the platform name that
// starts at i: "emma.lind on insta", "wilma.s på snap".
func userNameBefore(text string, i int) (int, int, bool) {
	for words := 0; words < 2; words++ {
		j := i
		for j > 0 {
			r, size := utf8.DecodeLastRuneInString(text[:j])
			if !unicode.IsSpace(r) && !strings.ContainsRune(",:-–—", r) {
				break
			}
			j -= size
		}
		k := j
		for k > 0 {
			r, size := utf8.DecodeLastRuneInString(text[:k])
			if !isAlnum(r) && !strings.ContainsRune("_.#", r) {
				break
			}
			k -= size
		}
		if k == j || runeBefore(text, k) == '@' {
			return 0, 0, false
		}
		start := k
		for start < j && text[start] == '.' {
			start++
		}
		end := trimTrailing(text, start, j)
		if tok := text[start:end]; looksLikeUserName(tok) {
			return start, end, true
		} else if utf8.RuneCountInString(tok) > 3 {
			return 0, 0, false
		}
		i = k // skip a short word such as "on", "på", "en", "i"
	}
	return 0, 0, false
}

// ---------------------------------------------------------------- numbers
//
// Phone numbers and personal identity numbers are found by one scanner: it
// cuts the text into runs of digit groups joined by short separators
// ("+46 (0)70-123 45 67" is one run of six groups) and then looks, from left
// to right, for the longest stretch of groups that is a contact detail.
// Dates, time ranges and allow-listed service numbers inside a run are
// protected first, so they can neither match nor be part of a match.

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

// ---------------------------------------------------------------- other national identity numbers
//
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

// ---------------------------------------------------------------- numbers written as words
//
// "zero seven zero one two three four five six seven" is a common way to get
// a phone number past a filter. Seven or more digits in a row, at least four
// of them written as words, are removed (plain digits are left to the number
// scanner).

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
