package surveys

import (
	"time"
)

// Text is a text in several languages: language code -> text.
type Text map[string]string

// In returns the text in lang, falling back to fallback.
func (t Text) In(lang, fallback string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	return t[fallback]
}

// Definition is what an organiser designs: the whole survey, in every
// language it is offered in. It is the JSON body of POST and PUT
// /v1/org/surveys (see examples/surveys/ and docs/surveys.md).
type Definition struct {
	DefaultLanguage  string            `json:"default_language"`
	Languages        []string          `json:"languages"`
	Title            Text              `json:"title"`
	Description      Text              `json:"description,omitempty"`
	EstimatedMinutes int               `json:"estimated_minutes,omitempty"`
	Introduction     Text              `json:"introduction,omitempty"`
	ThankYou         Text              `json:"thank_you"`
	Sections         []Section         `json:"sections"`
	Audience         Audience          `json:"audience"`
	OpensAt          *time.Time        `json:"opens_at,omitempty"`
	ClosesAt         *time.Time        `json:"closes_at,omitempty"`
	K                int               `json:"k,omitempty"`
	PublicResults    bool              `json:"public_results,omitempty"`
	AccessCodes      bool              `json:"access_codes,omitempty"`
	Sensitive        bool              `json:"sensitive,omitempty"`
	ContentNote      Text              `json:"content_note,omitempty"`
	SupportResources []SupportResource `json:"support_resources,omitempty"`
}

// Audience says who a survey is for; the app's list is filtered by it.
type Audience struct {
	MinAge  int      `json:"min_age,omitempty"`
	MaxAge  int      `json:"max_age,omitempty"`
	Regions []string `json:"regions,omitempty"`
}

// SupportResource is somewhere a young person can get help, shown before a
// sensitive survey starts and after it is submitted.
type SupportResource struct {
	Country string `json:"country"` // ISO 3166-1 alpha-2, upper case
	Name    Text   `json:"name"`
	Phone   string `json:"phone,omitempty"`
	URL     string `json:"url,omitempty"`
	Hours   Text   `json:"hours,omitempty"`
}

// Section groups questions.
type Section struct {
	ID        string     `json:"id"`
	Title     Text       `json:"title,omitempty"`
	Questions []Question `json:"questions"`
}

// QuestionType is the kind of answer a question takes.
type QuestionType string

// The question types. There is deliberately no type for birth dates, names,
// e-mail, phone numbers, postcodes or free-form location.
const (
	SingleChoice   QuestionType = "single_choice"
	MultipleChoice QuestionType = "multiple_choice"
	Scale          QuestionType = "scale"
	Number         QuestionType = "number"
	FreeText       QuestionType = "text"
	Ranking        QuestionType = "ranking"
	Matrix         QuestionType = "matrix"
)

// QuestionTypes lists every question type.
var QuestionTypes = []QuestionType{SingleChoice, MultipleChoice, Scale, Number, FreeText, Ranking, Matrix}

// Question is one question. Which fields apply depends on Type:
//   - single_choice, multiple_choice, ranking: Options;
//     multiple_choice also MinSelections, MaxSelections;
//   - scale: Points, Labels (at least "1" and Points), DontKnow, DontKnowLabel;
//   - matrix: Statements answered on the scale given by Points, Labels, DontKnow;
//   - number: Integer, Min, Max, Unit;
//   - text: MaxLength.
type Question struct {
	ID       string       `json:"id"`
	Type     QuestionType `json:"type"`
	Text     Text         `json:"text"`
	Help     Text         `json:"help,omitempty"`
	Required bool         `json:"required,omitempty"`
	// Consent marks the question that asks for consent; in a sensitive
	// survey it is the only one that may be required.
	Consent bool `json:"consent,omitempty"`
	// Breakdown marks a dimension results are broken down by (age band,
	// gender, county...). Only single_choice questions can be one.
	Breakdown bool       `json:"breakdown,omitempty"`
	ShowIf    *Condition `json:"show_if,omitempty"`

	Options       []Option `json:"options,omitempty"`
	MinSelections int      `json:"min_selections,omitempty"`
	MaxSelections int      `json:"max_selections,omitempty"`

	Points        int             `json:"points,omitempty"`
	Labels        map[string]Text `json:"labels,omitempty"`
	DontKnow      bool            `json:"dont_know,omitempty"`
	DontKnowLabel Text            `json:"dont_know_label,omitempty"`
	Statements    []Option        `json:"statements,omitempty"`

	Integer bool     `json:"integer,omitempty"`
	Min     *float64 `json:"min,omitempty"`
	Max     *float64 `json:"max,omitempty"`
	Unit    Text     `json:"unit,omitempty"`

	MaxLength int `json:"max_length,omitempty"`
}

// Option is a choice (or a matrix statement) with a stable code.
type Option struct {
	Code  string `json:"code"`
	Label Text   `json:"label"`
	// Other asks for "other, please say" text when chosen.
	Other bool `json:"other,omitempty"`
}

// Condition decides whether a question is shown, from earlier answers. A
// condition is either a group (All or Any) or a test on one earlier
// question (Question plus exactly one operator). docs/surveys.md gives the
// exact rules.
type Condition struct {
	All []Condition `json:"all,omitempty"`
	Any []Condition `json:"any,omitempty"`

	Question string `json:"question,omitempty"`
	// Equals is an option code (string) or a number (scale point, number).
	Equals   any      `json:"equals,omitempty"`
	AnyOf    []string `json:"any_of,omitempty"`
	NoneOf   []string `json:"none_of,omitempty"`
	AtLeast  *float64 `json:"at_least,omitempty"`
	AtMost   *float64 `json:"at_most,omitempty"`
	Answered *bool    `json:"answered,omitempty"`
}

// Limits keep a definition small enough that no survey can become an outage.
const (
	MaxLanguages        = 20
	MaxSections         = 50
	MaxQuestions        = 200
	MaxOptions          = 60
	MaxStatements       = 40
	MaxPoints           = 11
	MaxTextLength       = 2000 // one text in one language, in characters
	MaxLongTextLength   = 8000 // introduction, description, content note
	MaxAnswerTextLength = 5000 // the largest max_length a text question may set
	DefaultAnswerLength = 1000
	MaxConditionDepth   = 4
	MaxConditionTests   = 1000 // show_if tests in the whole survey
	MaxSupportResources = 20
	DefaultK            = 10
	MinK                = 5

	// MaxNumber bounds every number in a definition (a number question's
	// min and max, a condition's value) and so every number answer:
	// |x| <= 1e9. Sums of millions of such answers, and their squares,
	// stay finite, and sums of whole numbers stay exact (below 2^53 for
	// up to 9 million answers), so no statistic can become Inf or NaN.
	MaxNumber = 1e9

	// The summary computes every count of every question for everyone and
	// again for each group of each breakdown question (its options and
	// "did not answer"). These limits keep the largest valid survey's
	// summary small and fast to compute (under 50 MB and 200 ms:
	// BenchmarkLargestSurvey, docs/performance.md).
	MaxBreakdowns       = 4     // breakdown questions per survey
	MaxBreakdownOptions = 12    // options of one breakdown question
	MaxSummaryCells     = 40000 // SummaryCells of a definition
)

// NumberBins is the most bins a number question's table can have; a number
// question counts as that many in SummaryCells, whatever its bounds.
const NumberBins = 10

// SummaryCells is the number of counts the summary of a survey computes:
// the counts of one group (QuestionCells of every question, plus the
// group's size) times the number of groups (everyone, and each option of
// each breakdown question plus those who did not answer it). Responses per
// day, shown only for everyone, are not included. Validation refuses a
// definition whose SummaryCells exceeds MaxSummaryCells.
func (d *Definition) SummaryCells() int {
	perGroup, groups := 1, 1
	for _, q := range d.Questions() {
		perGroup += q.QuestionCells()
		if q.Breakdown {
			groups += len(q.Options) + 1
		}
	}
	return perGroup * groups
}

// QuestionCells is the number of counts one question's table holds for one
// group: seen, hidden, answered and skipped; then one per option (two for
// multiple choice: chose it or not), one per scale point (and "don't
// know"), NumberBins + NumberLevels/10 for a number, and for each matrix statement its
// answered, skipped, points and "don't know".
func (q *Question) QuestionCells() int {
	n := 4
	dk := 0
	if q.DontKnow {
		dk = 1
	}
	switch q.Type {
	case SingleChoice, Ranking:
		n += len(q.Options)
	case MultipleChoice:
		n += 2 * len(q.Options)
	case Scale:
		n += q.Points + dk
	case Number:
		// Its bins, and the values its statistics are computed from: up to
		// NumberLevels per group, which cost about as much as 20 counts.
		n += NumberBins + NumberLevels/10
	case Matrix:
		n += len(q.Statements) * (2 + q.Points + dk)
	}
	return n
}

// Questions returns every question in order.
func (d *Definition) Questions() []*Question {
	var qs []*Question
	for si := range d.Sections {
		for qi := range d.Sections[si].Questions {
			qs = append(qs, &d.Sections[si].Questions[qi])
		}
	}
	return qs
}

// Question finds a question by id.
func (d *Definition) Question(id string) *Question {
	for si := range d.Sections {
		qs := d.Sections[si].Questions
		for qi := range qs {
			if qs[qi].ID == id {
				return &qs[qi]
			}
		}
	}
	return nil
}

// Threshold is the disclosure threshold k, with the default applied.
func (d *Definition) Threshold() int {
	if d.K == 0 {
		return DefaultK
	}
	return d.K
}

// Option finds an option by code.
func (q *Question) Option(code string) *Option {
	for i := range q.Options {
		if q.Options[i].Code == code {
			return &q.Options[i]
		}
	}
	return nil
}

// statement finds a matrix statement by code.
func (q *Question) statement(code string) *Option {
	for i := range q.Statements {
		if q.Statements[i].Code == code {
			return &q.Statements[i]
		}
	}
	return nil
}

// LanguagesDefaultFirst lists the survey's languages with its default
// first: the order of language negotiation, whose fallback is the first.
func (d *Definition) LanguagesDefaultFirst() []string {
	return defaultFirst(d.DefaultLanguage, d.Languages)
}

// defaultFirst is def followed by the other languages of langs.
func defaultFirst(def string, langs []string) []string {
	out := []string{def}
	for _, l := range langs {
		if l != def {
			out = append(out, l)
		}
	}
	return out
}
