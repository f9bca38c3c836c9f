package surveys

import (
	"strconv"
	"time"
)

// Localized is a survey revision in one language, as the app shows it.
// Each text is in the chosen language, or the survey's default language
// where the chosen one lacks it.
type Localized struct {
	ID               string                     `json:"id"`
	Revision         int                        `json:"revision"`
	Lang             string                     `json:"lang"`
	Dir              string                     `json:"dir"`
	Title            string                     `json:"title"`
	Description      string                     `json:"description,omitempty"`
	EstimatedMinutes int                        `json:"estimated_minutes,omitempty"`
	Introduction     string                     `json:"introduction,omitempty"`
	ThankYou         string                     `json:"thank_you"`
	Sensitive        bool                       `json:"sensitive"`
	ContentNote      string                     `json:"content_note,omitempty"`
	SupportResources []LocalizedSupportResource `json:"support_resources,omitempty"`
	AccessCodes      bool                       `json:"access_codes"`
	PublicResults    bool                       `json:"public_results"`
	ClosesAt         *time.Time                 `json:"closes_at,omitempty"`
	Languages        []string                   `json:"languages"`
	Sections         []LocalizedSection         `json:"sections"`
}

// LocalizedSupportResource is a support resource in one language.
type LocalizedSupportResource struct {
	Country string `json:"country"`
	Name    string `json:"name"`
	Phone   string `json:"phone,omitempty"`
	URL     string `json:"url,omitempty"`
	Hours   string `json:"hours,omitempty"`
}

// LocalizedSection is a section in one language.
type LocalizedSection struct {
	ID        string              `json:"id"`
	Title     string              `json:"title,omitempty"`
	Questions []LocalizedQuestion `json:"questions"`
}

// LocalizedQuestion is a question in one language. ShowIf is the
// definition's condition unchanged (it holds codes, not texts).
type LocalizedQuestion struct {
	ID            string            `json:"id"`
	Type          QuestionType      `json:"type"`
	Text          string            `json:"text"`
	Help          string            `json:"help,omitempty"`
	Required      bool              `json:"required"`
	Consent       bool              `json:"consent,omitempty"`
	ShowIf        *Condition        `json:"show_if,omitempty"`
	Options       []LocalizedOption `json:"options,omitempty"`
	MinSelections int               `json:"min_selections,omitempty"`
	MaxSelections int               `json:"max_selections,omitempty"`
	Points        int               `json:"points,omitempty"`
	Labels        map[string]string `json:"labels,omitempty"`
	DontKnow      bool              `json:"dont_know,omitempty"`
	DontKnowLabel string            `json:"dont_know_label,omitempty"`
	Statements    []LocalizedOption `json:"statements,omitempty"`
	Integer       bool              `json:"integer,omitempty"`
	Min           *float64          `json:"min,omitempty"`
	Max           *float64          `json:"max,omitempty"`
	Unit          string            `json:"unit,omitempty"`
	MaxLength     int               `json:"max_length,omitempty"`
}

// LocalizedOption is an option or statement in one language.
type LocalizedOption struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Other bool   `json:"other,omitempty"`
}

// Localize renders revision rev of survey id in lang, with text direction dir.
func (d *Definition) Localize(id string, rev int, lang, dir string) Localized {
	t := func(x Text) string { return x.In(lang, d.DefaultLanguage) }
	l := Localized{
		ID: id, Revision: rev, Lang: lang, Dir: dir,
		Title: t(d.Title), Description: t(d.Description), EstimatedMinutes: d.EstimatedMinutes,
		Introduction: t(d.Introduction), ThankYou: t(d.ThankYou), Sensitive: d.Sensitive,
		ContentNote: t(d.ContentNote), AccessCodes: d.AccessCodes, PublicResults: d.PublicResults,
		ClosesAt: d.ClosesAt, Languages: d.Languages, Sections: make([]LocalizedSection, len(d.Sections)),
	}
	l.SupportResources = d.LocalizeSupport(lang)
	for si, s := range d.Sections {
		ls := LocalizedSection{ID: s.ID, Title: t(s.Title), Questions: make([]LocalizedQuestion, len(s.Questions))}
		for qi, q := range s.Questions {
			lq := LocalizedQuestion{
				ID: q.ID, Type: q.Type, Text: t(q.Text), Help: t(q.Help), Required: q.Required, Consent: q.Consent,
				ShowIf: q.ShowIf, MinSelections: q.MinSelections, MaxSelections: q.MaxSelections,
				Points: q.Points, DontKnow: q.DontKnow, DontKnowLabel: t(q.DontKnowLabel),
				Integer: q.Integer, Min: q.Min, Max: q.Max, Unit: t(q.Unit), MaxLength: q.MaxLength,
			}
			if q.Type == FreeText && lq.MaxLength == 0 {
				lq.MaxLength = DefaultAnswerLength
			}
			lq.Options = localizeOptions(q.Options, t)
			lq.Statements = localizeOptions(q.Statements, t)
			if len(q.Labels) > 0 {
				lq.Labels = map[string]string{}
				for p := 1; p <= q.Points; p++ {
					if x, ok := q.Labels[strconv.Itoa(p)]; ok {
						lq.Labels[strconv.Itoa(p)] = t(x)
					}
				}
			}
			ls.Questions[qi] = lq
		}
		l.Sections[si] = ls
	}
	return l
}

// LocalizeSupport renders the support resources in lang.
func (d *Definition) LocalizeSupport(lang string) []LocalizedSupportResource {
	var out []LocalizedSupportResource
	for _, r := range d.SupportResources {
		out = append(out, LocalizedSupportResource{
			Country: r.Country, Name: r.Name.In(lang, d.DefaultLanguage), Phone: r.Phone, URL: r.URL,
			Hours: r.Hours.In(lang, d.DefaultLanguage),
		})
	}
	return out
}

func localizeOptions(opts []Option, t func(Text) string) []LocalizedOption {
	if len(opts) == 0 {
		return nil
	}
	out := make([]LocalizedOption, len(opts))
	for i, o := range opts {
		out[i] = LocalizedOption{Code: o.Code, Label: t(o.Label), Other: o.Other}
	}
	return out
}
