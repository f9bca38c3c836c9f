package surveys

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Field codes of a translator's file (ApplyTexts); each has a message
// "row.<code>" naming the row, besides "field.<code>".
const (
	// CodeUnknownKey: the row's key names no text of the survey.
	CodeUnknownKey Code = "unknown_key"
	// CodeSourceLanguage: the target is the survey's default language,
	// the source of every translation.
	CodeSourceLanguage Code = "source_language"
)

// MaxTextRows bounds the rows of a translator's file that are read. The
// largest valid survey has fewer texts: its summary limit (MaxSummaryCells)
// allows at most about 13,000 options and labels.
const MaxTextRows = 20000

// maxUnitLength is the longest unit of a number question.
const maxUnitLength = 40

// TextKind says what a translatable text is.
type TextKind string

// The kinds of translatable texts: every person-facing text a definition
// can have.
const (
	TextTitle        TextKind = "title"
	TextDescription  TextKind = "description"
	TextIntroduction TextKind = "introduction"
	TextThankYou     TextKind = "thank_you"
	TextContentNote  TextKind = "content_note"
	TextSupportName  TextKind = "support_name"
	TextSupportHours TextKind = "support_hours"
	TextSectionTitle TextKind = "section_title"
	TextQuestion     TextKind = "question"
	TextHelp         TextKind = "help"
	TextOption       TextKind = "option"
	TextStatement    TextKind = "statement"
	TextScaleLabel   TextKind = "scale_label"
	TextDontKnow     TextKind = "dont_know_label"
	TextUnit         TextKind = "unit"
)

// TranslatableText is one person-facing text of a definition as a
// translator sees it: a key that stays the same while the survey is
// edited (built from ids and codes, never from positions where an id
// exists), where it is, the text in the default language (the source),
// and its current translation into one language.
type TranslatableText struct {
	// Key is stable: "title", "section.<id>.title", "q.<id>.text",
	// "q.<id>.help", "q.<id>.opt.<code>.label", "q.<id>.stmt.<code>.label",
	// "q.<id>.labels.<point>", "q.<id>.dont_know_label", "q.<id>.unit",
	// "support.<n>.name" and "support.<n>.hours" (n counts from 1: a
	// support resource has no id).
	Key string `json:"key"`
	// Pointer is the text's JSON pointer in the definition, without the
	// language (as the completeness report names it).
	Pointer string   `json:"pointer"`
	Kind    TextKind `json:"kind"`
	// The context: the section (its title in the default language), the
	// question (its type and text in the default language), the option's
	// code, the scale point, the support resource's country.
	SectionID    string       `json:"section_id,omitempty"`
	SectionTitle string       `json:"section_title,omitempty"`
	QuestionID   string       `json:"question_id,omitempty"`
	QuestionType QuestionType `json:"question_type,omitempty"`
	QuestionText string       `json:"question_text,omitempty"`
	Code         string       `json:"code,omitempty"`
	Point        int          `json:"point,omitempty"`
	Country      string       `json:"country,omitempty"`
	// Source is the text in the default language; Translation in the
	// target language ("" when missing).
	Source      string `json:"source"`
	Translation string `json:"translation"`
	// MaxLength is the longest text allowed, in characters.
	MaxLength int `json:"max_length"`
	// Required: the text must exist in every language to publish.
	Required bool `json:"required"`
}

// textSlot is a translatable text and where its texts live: t reads them,
// set replaces them.
type textSlot struct {
	TranslatableText
	t   Text
	set func(Text)
}

// at is the slot of a text held in a field.
func at(e TranslatableText, p *Text) textSlot {
	return textSlot{e, *p, func(t Text) { *p = t }}
}

// walkTexts calls fn for every localized text of d, in the order and with
// the pointers of eachText (the completeness report), with its key and
// context. The context's texts are in the default language.
func (d *Definition) walkTexts(fn func(s textSlot)) {
	def := d.DefaultLanguage
	top := func(key string, kind TextKind, t *Text, limit int, required bool) {
		fn(at(TranslatableText{Key: key, Pointer: "/" + key, Kind: kind, MaxLength: limit, Required: required}, t))
	}
	top("title", TextTitle, &d.Title, MaxTextLength, true)
	top("description", TextDescription, &d.Description, MaxLongTextLength, false)
	top("introduction", TextIntroduction, &d.Introduction, MaxLongTextLength, false)
	top("thank_you", TextThankYou, &d.ThankYou, MaxTextLength, true)
	top("content_note", TextContentNote, &d.ContentNote, MaxLongTextLength, d.Sensitive)
	for i := range d.SupportResources {
		r := &d.SupportResources[i]
		key := "support." + strconv.Itoa(i+1)
		base := TranslatableText{Country: r.Country, MaxLength: MaxTextLength}
		name := base
		name.Key, name.Pointer, name.Kind, name.Required = key+".name", Pointer("support_resources", i, "name"), TextSupportName, true
		fn(at(name, &r.Name))
		hours := base
		hours.Key, hours.Pointer, hours.Kind = key+".hours", Pointer("support_resources", i, "hours"), TextSupportHours
		fn(at(hours, &r.Hours))
	}
	for si := range d.Sections {
		s := &d.Sections[si]
		section := TranslatableText{SectionID: s.ID, SectionTitle: s.Title[def], MaxLength: MaxTextLength}
		title := section
		title.Key, title.Pointer, title.Kind = "section."+s.ID+".title", Pointer("sections", si, "title"), TextSectionTitle
		fn(at(title, &s.Title))
		for qi := range s.Questions {
			q := &s.Questions[qi]
			ctx := section
			ctx.QuestionID, ctx.QuestionType, ctx.QuestionText = q.ID, q.Type, q.Text[def]
			q.walkTexts(ctx, Pointer("sections", si, "questions", qi), fn)
		}
	}
}

// walkTexts calls fn for every text of one question.
func (q *Question) walkTexts(ctx TranslatableText, qp string, fn func(s textSlot)) {
	key := "q." + q.ID + "."
	one := func(name string, kind TextKind, t *Text, limit int, required bool) {
		e := ctx
		e.Key, e.Pointer, e.Kind, e.MaxLength, e.Required = key+name, qp+"/"+name, kind, limit, required
		fn(at(e, t))
	}
	one("text", TextQuestion, &q.Text, MaxTextLength, true)
	one("help", TextHelp, &q.Help, MaxTextLength, false)
	options := func(list []Option, name, short string, kind TextKind) {
		for oi := range list {
			o := &list[oi]
			e := ctx
			e.Key, e.Pointer, e.Kind, e.Code = key+short+"."+o.Code+".label", qp+Pointer(name, oi, "label"), kind, o.Code
			e.MaxLength, e.Required = MaxTextLength, true
			fn(at(e, &o.Label))
		}
	}
	options(q.Options, "options", "opt", TextOption)
	options(q.Statements, "statements", "stmt", TextStatement)
	for p := 1; p <= q.Points && p <= MaxPoints; p++ {
		k := strconv.Itoa(p)
		t, ok := q.Labels[k]
		if !ok {
			continue
		}
		e := ctx
		e.Key, e.Pointer, e.Kind, e.Point, e.MaxLength, e.Required = key+"labels."+k, qp+Pointer("labels", k), TextScaleLabel, p, MaxTextLength, true
		// A map's values cannot be addressed: the slot writes the label
		// back into the map.
		fn(textSlot{e, t, func(t Text) { q.Labels[k] = t }})
	}
	one("dont_know_label", TextDontKnow, &q.DontKnowLabel, MaxTextLength, q.DontKnow)
	one("unit", TextUnit, &q.Unit, maxUnitLength, false)
}

// listed reports whether a text is one a translator sees: one that must
// exist, or an optional one given in some language. It is the rule of the
// completeness report (Translations).
func (s *textSlot) listed() bool { return s.Required || len(s.t) > 0 }

// Texts lists every person-facing text of the definition with its
// translation into lang (a code in any case), in survey order: the texts
// the completeness report counts, under the same pointers. lang may be a
// language the survey does not have yet; then every translation is empty.
func (d *Definition) Texts(lang string) []TranslatableText {
	lang = CanonicalLanguage(lang)
	var out []TranslatableText
	d.walkTexts(func(s textSlot) {
		if !s.listed() {
			return
		}
		e := s.TranslatableText
		e.Source, e.Translation = s.t[d.DefaultLanguage], s.t[lang]
		out = append(out, e)
	})
	return out
}

// MissingTextEntry is a text that a language lacks, as the completeness
// report names it: its key and its source text.
type MissingTextEntry struct {
	Key     string `json:"key"`
	Pointer string `json:"pointer"`
	Source  string `json:"source"`
}

// TranslationStatus is the completeness of one language
// (LanguageCompleteness, whose fields it keeps) with the key and source
// text of every missing text, in the order of Missing.
type TranslationStatus struct {
	LanguageCompleteness
	MissingTexts []MissingTextEntry `json:"missing_texts"`
}

// TranslationReport is Translations with each missing text's key and
// source text, so that a translator can find it in the translator's file.
func (d *Definition) TranslationReport() []TranslationStatus {
	byPointer := map[string]TranslatableText{}
	for _, e := range d.Texts(d.DefaultLanguage) {
		byPointer[e.Pointer] = e
	}
	report := d.Translations()
	out := make([]TranslationStatus, len(report))
	for i, r := range report {
		out[i] = TranslationStatus{LanguageCompleteness: r, MissingTexts: make([]MissingTextEntry, 0, len(r.Missing))}
		for _, p := range r.Missing {
			e := byPointer[p]
			out[i].MissingTexts = append(out[i].MissingTexts, MissingTextEntry{Key: e.Key, Pointer: p, Source: e.Source})
		}
	}
	return out
}

// TranslationTarget checks a language a translator's file is for and
// returns its canonical code: a valid language code that is not the
// survey's default language (the source). It need not be one of the
// survey's languages: ApplyTexts adds it. Problems point at /lang.
func (d *Definition) TranslationTarget(lang string) (string, error) {
	c := CanonicalLanguage(lang)
	switch {
	case !validLanguage(c):
		return "", &ValidationError{Errors: []FieldError{{Pointer: "/lang", Code: CodeUnknownLanguage, Params: map[string]any{"Language": lang}}}}
	case c == CanonicalLanguage(d.DefaultLanguage):
		return "", &ValidationError{Errors: []FieldError{{Pointer: "/lang", Code: CodeSourceLanguage, Params: map[string]any{"Language": c}}}}
	}
	return c, nil
}

// TextRow is one row of a translator's file: its row number in the file
// (1 is the first line), the key and the translation.
type TextRow struct {
	Row  int
	Key  string
	Text string
}

// TextProblem is a problem with one row of a translator's file (Row 0:
// the file as a whole).
type TextProblem struct {
	Row int
	Key string
	// Pointer is /rows/<row>/<column> ("key" or "translation"), or /rows.
	Pointer string
	Code    Code
	Params  map[string]any
}

// TextProblems lists every bad row of a translator's file; nothing of the
// file is applied when there is one.
type TextProblems struct {
	Problems []TextProblem
}

func (e *TextProblems) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = "row " + strconv.Itoa(p.Row) + " " + p.Key + ": " + string(p.Code)
	}
	return "translator's file: " + strings.Join(parts, ", ")
}

// rowProblem makes the problem of one row.
func rowProblem(r TextRow, column string, code Code, params map[string]any) TextProblem {
	if params == nil {
		params = map[string]any{}
	}
	params["Row"], params["Key"] = r.Row, r.Key
	return TextProblem{Row: r.Row, Key: r.Key, Pointer: Pointer("rows", r.Row, column), Code: code, Params: params}
}

// TooManyRows is the problem of a file with more than MaxTextRows rows.
func TooManyRows() *TextProblems {
	return &TextProblems{Problems: []TextProblem{{Pointer: "/rows", Code: CodeTooMany, Params: map[string]any{"Max": MaxTextRows}}}}
}

// TextsReport says what applying a translator's file changed, by key in
// survey order.
type TextsReport struct {
	Language string `json:"language"`
	// LanguageAdded: the language was not one of the survey's languages;
	// it is now.
	LanguageAdded bool       `json:"language_added"`
	Counts        TextCounts `json:"counts"`
	Added         []string   `json:"added"`
	Changed       []string   `json:"changed"`
	Cleared       []string   `json:"cleared"`
	Unchanged     []string   `json:"unchanged"`
}

// TextCounts counts the rows of a translator's file by what they did.
type TextCounts struct {
	Added     int `json:"added"`
	Changed   int `json:"changed"`
	Cleared   int `json:"cleared"`
	Unchanged int `json:"unchanged"`
}

// ApplyTexts returns a copy of the definition with the texts of one
// language (lang, see TranslationTarget) replaced by those of a
// translator's rows, and what changed. Only lang's texts change: a row
// whose text is empty clears the translation (the text becomes missing),
// and a text the rows do not name keeps its translation. Texts are trimmed
// of surrounding white space. When lang is not yet one of the survey's
// languages and a row gives it a text, it is added to Languages.
//
// A row naming no listed text (unknown_key), a key given twice
// (duplicate), a text longer than its limit (too_long) or a row with a text
// and no key (required) is refused: every such row is reported in a
// *TextProblems and nothing is applied. Then the new definition is
// validated (Validate); its problems are returned as a *ValidationError.
// d itself never changes.
func (d *Definition) ApplyTexts(lang string, rows []TextRow) (Definition, TextsReport, error) {
	lang, err := d.TranslationTarget(lang)
	if err != nil {
		return Definition{}, TextsReport{}, err
	}
	if len(rows) > MaxTextRows {
		return Definition{}, TextsReport{}, TooManyRows()
	}
	out, err := d.clone()
	if err != nil {
		return Definition{}, TextsReport{}, err
	}
	slots := map[string]textSlot{}
	var order []string
	out.walkTexts(func(s textSlot) {
		if _, dup := slots[s.Key]; s.listed() && !dup {
			slots[s.Key] = s
			order = append(order, s.Key)
		}
	})
	texts, err := checkRows(rows, slots)
	if err != nil {
		return Definition{}, TextsReport{}, err
	}
	report := TextsReport{Language: lang, Added: []string{}, Changed: []string{}, Cleared: []string{}, Unchanged: []string{}}
	for _, key := range order {
		text, given := texts[key]
		if !given {
			continue
		}
		s := slots[key]
		switch was := s.t[lang]; {
		case was == text:
			report.Unchanged = append(report.Unchanged, key)
			continue
		case text == "":
			report.Cleared = append(report.Cleared, key)
		case was == "":
			report.Added = append(report.Added, key)
		default:
			report.Changed = append(report.Changed, key)
		}
		s.set(withText(s.t, lang, text))
	}
	report.Counts = TextCounts{Added: len(report.Added), Changed: len(report.Changed), Cleared: len(report.Cleared), Unchanged: len(report.Unchanged)}
	if len(report.Added) > 0 && !slices.Contains(out.Languages, lang) {
		out.Languages = append(out.Languages, lang)
		report.LanguageAdded = true
	}
	if err := out.Validate(); err != nil {
		return Definition{}, TextsReport{}, err
	}
	return out, report, nil
}

// checkRows checks a translator's rows against the listed texts and
// returns each key's trimmed text.
func checkRows(rows []TextRow, slots map[string]textSlot) (map[string]string, error) {
	texts := map[string]string{}
	var bad []TextProblem
	for _, r := range rows {
		text := strings.TrimSpace(r.Text)
		s, ok := slots[r.Key]
		_, dup := texts[r.Key]
		switch {
		case r.Key == "" && text == "": // an empty row
		case r.Key == "":
			bad = append(bad, rowProblem(r, "key", CodeRequired, nil))
		case !ok:
			bad = append(bad, rowProblem(r, "key", CodeUnknownKey, nil))
		case dup:
			bad = append(bad, rowProblem(r, "key", CodeDuplicate, nil))
		case utf8.RuneCountInString(text) > s.MaxLength:
			bad = append(bad, rowProblem(r, "translation", CodeTooLong, map[string]any{
				"Max": s.MaxLength, "Length": utf8.RuneCountInString(text)}))
		default:
			texts[r.Key] = text
		}
	}
	if len(bad) > 0 {
		return nil, &TextProblems{Problems: bad}
	}
	return texts, nil
}

// withText is t with the text s in lang, or without lang when s is empty
// (an empty text counts as missing). t is copied, not changed: it may be
// shared.
func withText(t Text, lang, s string) Text {
	n := maps.Clone(t)
	if n == nil {
		n = Text{}
	}
	if s == "" {
		delete(n, lang)
	} else {
		n[lang] = s
	}
	return n
}

// clone is a deep copy of the definition: the copy shares no map or slice
// with d.
func (d *Definition) clone() (Definition, error) {
	var out Definition
	b, err := json.Marshal(d)
	if err != nil {
		return out, err
	}
	err = json.Unmarshal(b, &out)
	return out, err
}
