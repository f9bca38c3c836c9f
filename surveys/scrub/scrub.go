package scrub

// Finding contact details: every detector on the text and on its normalised
// copy, spans merged, and every other occurrence of a found span removed too.

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Marker replaces every contact detail found in free text.
const Marker = "[removed]"

// ContactSpans returns the byte ranges [start,end) of contact details in text, sorted, non-overlapping.
//
// The detectors run twice: on the text as written, and on a normalised copy
// (normalise, normalise.go) in which the tricks people use to get a contact detail
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
