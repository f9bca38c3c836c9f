package surveys

import "strconv"

// MissingText is a text that lacks one language.
type MissingText struct {
	Pointer  string // the text, e.g. /sections/0/questions/2/text
	Language string
}

// LanguageCompleteness says how much of a survey is translated into one
// language.
type LanguageCompleteness struct {
	Language   string   `json:"language"`
	Texts      int      `json:"texts"`
	Translated int      `json:"translated"`
	Complete   bool     `json:"complete"`
	Missing    []string `json:"missing"` // JSON pointers of the texts
}

// eachText calls fn for every localized text a definition has, with its
// pointer and whether it must exist. An optional text that is given in any
// language must be given in every language.
func (d *Definition) eachText(fn func(ptr string, t Text, required bool)) {
	fn("/title", d.Title, true)
	fn("/description", d.Description, false)
	fn("/introduction", d.Introduction, false)
	fn("/thank_you", d.ThankYou, true)
	fn("/content_note", d.ContentNote, d.Sensitive)
	for i, r := range d.SupportResources {
		fn(Pointer("support_resources", i, "name"), r.Name, true)
		fn(Pointer("support_resources", i, "hours"), r.Hours, false)
	}
	for si, s := range d.Sections {
		fn(Pointer("sections", si, "title"), s.Title, false)
		for qi, q := range s.Questions {
			qp := Pointer("sections", si, "questions", qi)
			fn(qp+"/text", q.Text, true)
			fn(qp+"/help", q.Help, false)
			for oi, o := range q.Options {
				fn(qp+Pointer("options", oi, "label"), o.Label, true)
			}
			for oi, o := range q.Statements {
				fn(qp+Pointer("statements", oi, "label"), o.Label, true)
			}
			for p := 1; p <= q.Points && p <= MaxPoints; p++ {
				k := strconv.Itoa(p)
				if t, ok := q.Labels[k]; ok {
					fn(qp+Pointer("labels", k), t, true)
				}
			}
			fn(qp+"/dont_know_label", q.DontKnowLabel, q.DontKnow)
			fn(qp+"/unit", q.Unit, false)
		}
	}
}

// MissingTranslations lists every text that lacks a declared language.
func (d *Definition) MissingTranslations() []MissingText {
	var out []MissingText
	d.eachText(func(ptr string, t Text, required bool) {
		if !required && len(t) == 0 {
			return
		}
		for _, l := range d.Languages {
			if t[l] == "" {
				out = append(out, MissingText{Pointer: ptr + Pointer(l), Language: l})
			}
		}
	})
	return out
}

// Translations reports, for each declared language, how many of the
// survey's texts it has and which are missing.
func (d *Definition) Translations() []LanguageCompleteness {
	report := make([]LanguageCompleteness, len(d.Languages))
	index := map[string]int{}
	for i, l := range d.Languages {
		report[i] = LanguageCompleteness{Language: l, Missing: []string{}}
		index[l] = i
	}
	d.eachText(func(ptr string, t Text, required bool) {
		if !required && len(t) == 0 {
			return
		}
		for _, l := range d.Languages {
			r := &report[index[l]]
			r.Texts++
			if t[l] == "" {
				r.Missing = append(r.Missing, ptr)
			} else {
				r.Translated++
			}
		}
	})
	for i := range report {
		report[i].Complete = len(report[i].Missing) == 0
	}
	return report
}
