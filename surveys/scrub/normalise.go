package scrub

// Normalisation.
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

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

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
