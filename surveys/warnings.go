package surveys

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/language"
)

// Warning is something an organiser should see before publishing: not an
// error (the survey is valid and may be published), but a choice that will
// likely hold results back, leave a young person without help, or be hard
// to read. Code names it and, prefixed with "warning.", its message;
// Pointer is a JSON pointer into the definition, with array indices.
type Warning struct {
	Pointer string
	Code    string
	Params  map[string]any
}

// Warning codes; each has a message "warning.<code>".
const (
	// WarnBreakdownNonAnswer: a breakdown question offers a non-answer
	// ("prefer not to say", "don't know", "other") as a group of its own.
	WarnBreakdownNonAnswer = "breakdown_non_answer"
	// WarnBreakdownGroups: a breakdown question has more groups than
	// ExpectedResponses can fill with k each.
	WarnBreakdownGroups = "breakdown_groups"
	// WarnSupportMissing: a sensitive survey's audience includes a
	// country for which it has no support resource.
	WarnSupportMissing = "support_missing_country"
	// WarnSupportInOrg: as WarnSupportMissing, but the organisation has a
	// default support resource for that country that the survey lacks.
	WarnSupportInOrg = "support_in_org"
	// WarnUntranslated: a question (or another text) lacks languages.
	WarnUntranslated = "untranslated"
	// WarnLongText: a text is long for young readers.
	WarnLongText = "long_text"
	// WarnLongSentence: a text has a sentence long for young readers.
	WarnLongSentence = "long_sentence"
	// WarnMore: MaxWarnings were listed and more were left out.
	WarnMore = "more_warnings"
)

// WarningCodes lists every warning code, for the check that each has a
// message in every language.
var WarningCodes = []string{
	WarnBreakdownNonAnswer, WarnBreakdownGroups, WarnSupportMissing, WarnSupportInOrg,
	WarnUntranslated, WarnLongText, WarnLongSentence, WarnMore,
}

// ExpectedResponses is the number of responses the breakdown warning
// assumes, since a definition does not say how many young people are
// expected to answer: about a few school classes, what many consultations
// collect. A breakdown question whose groups (its options and those who
// did not answer) times k exceed it cannot have every group shown even if
// the answers spread evenly, and they never do.
const ExpectedResponses = 100

// MaxWarnings bounds the warnings of one definition (each names one text,
// question or region, so a large survey could have thousands); the rest
// are counted in one WarnMore.
const MaxWarnings = 200

// Warnings lists what an organiser should see before publishing def, which
// must be valid (Validate). orgSupport is the organisation's default
// support resources: a sensitive survey that lacks one of them for a
// country of its audience is told so. The list is bounded (MaxWarnings)
// and in the order of the definition's fields.
func Warnings(def *Definition, orgSupport []SupportResource) []Warning {
	w := &warnings{}
	w.support(def, orgSupport)
	w.breakdowns(def)
	w.untranslated(def)
	w.readability(def)
	if w.dropped > 0 {
		w.list = append(w.list, Warning{Pointer: "", Code: WarnMore, Params: map[string]any{"Count": w.dropped}})
	}
	return w.list
}

type warnings struct {
	list    []Warning
	dropped int
}

func (w *warnings) add(ptr, code string, params map[string]any) {
	if len(w.list) >= MaxWarnings {
		w.dropped++
		return
	}
	w.list = append(w.list, Warning{Pointer: ptr, Code: code, Params: params})
}

// nonAnswerCodes and nonAnswerLabels recognise an option that is a way of
// not answering. Labels are matched in English only (the language organisers
// most often write codes and labels in); the codes catch the rest.
var (
	nonAnswerCodes = []string{
		"prefer_not", "prefer-not", "prefernot", "rather_not", "rather-not", "not_say", "not-say", "no_answer", "no-answer",
		"noanswer", "not_answer", "decline", "dont_know", "dont-know", "do_not_know", "unknown", "not_sure", "undisclosed",
		"pnts", "na", "n_a", "dk", "other",
	}
	nonAnswerLabels = []string{
		"prefer not", "rather not", "not to say", "don't know", "don’t know", "do not know", "no answer",
		"decline", "not sure", "don't want to", "do not want to",
	}
)

// isNonAnswer reports whether an option is a non-answer or an "other":
// few choose it, so as a breakdown group it likely stays below k, is
// hidden, and forces the next smallest group to be hidden too
// (docs/privacy.md, "Small groups are hidden").
func isNonAnswer(o Option) bool {
	if o.Other {
		return true
	}
	for _, c := range nonAnswerCodes {
		if o.Code == c || strings.HasPrefix(o.Code, c+"_") || strings.HasPrefix(o.Code, c+"-") ||
			(len(c) > 3 && strings.Contains(o.Code, c)) {
			return true
		}
	}
	for _, label := range o.Label {
		l := strings.ToLower(label)
		for _, n := range nonAnswerLabels {
			if strings.Contains(l, n) {
				return true
			}
		}
	}
	return false
}

// breakdowns warns about breakdown groups likely to stay below k.
func (w *warnings) breakdowns(def *Definition) {
	k := def.Threshold()
	for si, s := range def.Sections {
		for qi, q := range s.Questions {
			if !q.Breakdown || q.Type != SingleChoice {
				continue
			}
			qp := Pointer("sections", si, "questions", qi)
			for oi, o := range q.Options {
				if isNonAnswer(o) {
					w.add(qp+Pointer("options", oi), WarnBreakdownNonAnswer,
						map[string]any{"Question": q.ID, "Option": o.Code, "K": k})
				}
			}
			// Those who do not answer are a group too.
			if groups := len(q.Options) + 1; groups*k > ExpectedResponses {
				w.add(qp+"/options", WarnBreakdownGroups, map[string]any{
					"Question": q.ID, "Groups": groups, "K": k, "Needed": groups * k, "Expected": ExpectedResponses,
				})
			}
		}
	}
}

// support warns, for a sensitive survey, about each country of its
// audience without a support resource. A region is a country's code or
// one of its subdivisions' (ISO 3166-2: "SE-AB" is in "SE").
func (w *warnings) support(def *Definition, orgSupport []SupportResource) {
	if !def.Sensitive {
		return
	}
	has := func(rs []SupportResource, country string) bool {
		return slices.ContainsFunc(rs, func(r SupportResource) bool { return r.Country == country })
	}
	seen := map[string]bool{}
	for i, r := range def.Audience.Regions {
		country := regionCountry(r)
		if country == "" || seen[country] {
			continue
		}
		seen[country] = true
		if has(def.SupportResources, country) {
			continue
		}
		code := WarnSupportMissing
		if has(orgSupport, country) {
			code = WarnSupportInOrg
		}
		w.add(Pointer("audience", "regions", i), code, map[string]any{"Country": country})
	}
}

// regionCountry is the country of an audience region ("SE", "se-ab"), or
// "" when the region is not an ISO 3166 code.
func regionCountry(r string) string {
	if len(r) != 2 && (len(r) < 4 || r[2] != '-') {
		return ""
	}
	c := strings.ToUpper(r[:2])
	if !countryCode.MatchString(c) {
		return ""
	}
	// Only a country has support resources: "EU" or "ZZ" are no country.
	if reg, err := language.ParseRegion(c); err != nil || !reg.IsCountry() {
		return ""
	}
	return c
}

// untranslated warns once per question (whatever of its texts lacks a
// language) and once per other text that lacks languages, naming them.
// It reads the same report as the completeness report (/translations).
func (w *warnings) untranslated(def *Definition) {
	missing := map[string][]string{} // pointer -> languages
	var order []string
	for _, m := range def.MissingTranslations() {
		ptr := strings.TrimSuffix(m.Pointer, Pointer(m.Language))
		if q := questionPointer(ptr); q != "" {
			ptr = q
		}
		if _, ok := missing[ptr]; !ok {
			order = append(order, ptr)
		}
		if !slices.Contains(missing[ptr], m.Language) {
			missing[ptr] = append(missing[ptr], m.Language)
		}
	}
	for _, ptr := range order {
		w.add(ptr, WarnUntranslated, map[string]any{"Languages": strings.Join(missing[ptr], ", ")})
	}
}

// questionPointer is the pointer of the question a text pointer is in
// ("/sections/0/questions/2/options/1/label" is in
// "/sections/0/questions/2"), or "".
func questionPointer(ptr string) string {
	parts := strings.SplitN(ptr, "/", 6) // "", sections, i, questions, j, rest
	if len(parts) < 5 || parts[1] != "sections" || parts[3] != "questions" {
		return ""
	}
	return strings.Join(parts[:5], "/")
}

// textKind is a kind of text with the most words a young reader should
// meet in it.
type textKind struct {
	words int
}

// Reading limits, for readers from about 10 years old: a question or label
// is read many times over, so it should be short; an introduction can be
// longer. A sentence of more than LongSentenceWords words is hard for a
// young reader in any language. Words are counted between spaces
// (readingLength).
const (
	LongSentenceWords   = 25
	noSpaceRun          = 30
	noSpaceCharsPerWord = 3
)

var (
	kindTitle    = textKind{words: 15}
	kindQuestion = textKind{words: 40}
	kindHelp     = textKind{words: 60}
	kindLabel    = textKind{words: 15}
	kindLong     = textKind{words: 200} // description, introduction, content note
	kindThankYou = textKind{words: 80}
)

// readability warns about long texts and long sentences, when the survey
// is for young readers (its audience starts below 16, or is not given).
func (w *warnings) readability(def *Definition) {
	if def.Audience.MinAge >= 16 {
		return
	}
	check := func(ptr string, t Text, kind textKind) {
		var longLangs, sentenceLangs []string
		most, longest := 0, 0
		for _, l := range def.Languages { // the declared order, so the same every time
			s := t[l]
			if s == "" {
				continue
			}
			words, sentence := readingLength(s)
			if words > kind.words {
				longLangs = append(longLangs, l)
				most = max(most, words)
			}
			if sentence > LongSentenceWords {
				sentenceLangs = append(sentenceLangs, l)
				longest = max(longest, sentence)
			}
		}
		if len(longLangs) > 0 {
			w.add(ptr, WarnLongText, map[string]any{"Languages": strings.Join(longLangs, ", "), "Words": most, "Max": kind.words})
		}
		if len(sentenceLangs) > 0 {
			w.add(ptr, WarnLongSentence, map[string]any{"Languages": strings.Join(sentenceLangs, ", "), "Words": longest, "Max": LongSentenceWords})
		}
	}
	check("/title", def.Title, kindTitle)
	check("/description", def.Description, kindLong)
	check("/introduction", def.Introduction, kindLong)
	check("/content_note", def.ContentNote, kindLong)
	check("/thank_you", def.ThankYou, kindThankYou)
	for si, s := range def.Sections {
		check(Pointer("sections", si, "title"), s.Title, kindTitle)
		for qi, q := range s.Questions {
			qp := Pointer("sections", si, "questions", qi)
			check(qp+"/text", q.Text, kindQuestion)
			check(qp+"/help", q.Help, kindHelp)
			for oi, o := range q.Options {
				check(qp+Pointer("options", oi, "label"), o.Label, kindLabel)
			}
			for oi, o := range q.Statements {
				check(qp+Pointer("statements", oi, "label"), o.Label, kindQuestion)
			}
		}
	}
}

// readingLength returns a text's length in words and the length of its
// longest sentence in words. Sentences end at . ! ? and their Arabic,
// Devanagari and CJK forms, or at a line break. A run of more than
// noSpaceRun characters without a space is from a script written without
// spaces (Chinese, Japanese, Thai...), and counts as one word per
// noSpaceCharsPerWord characters. A text is at most MaxLongTextLength
// characters, so this is bounded.
func readingLength(s string) (words, longest int) {
	sentence, run := 0, 0
	word := func() {
		n := 0
		switch {
		case run > noSpaceRun:
			n = (run + noSpaceCharsPerWord - 1) / noSpaceCharsPerWord
		case run > 0:
			n = 1
		}
		words += n
		sentence += n
		run = 0
	}
	for _, r := range s {
		switch {
		case strings.ContainsRune(".!?؟।。！？\n", r):
			word()
			longest = max(longest, sentence)
			sentence = 0
		case unicode.IsSpace(r):
			word()
		default:
			run++
		}
	}
	word()
	return words, max(longest, sentence)
}
