package surveys

import (
	"errors"
	"fmt"
	"time"
)

// A consultation asks young people about a decision that is being made:
// it informs them (background written for them, in their languages), it
// includes one or more surveys (each with its own lifecycle), it names the
// question being decided and who decides, and it moves through states
// until the decision is made and told back (docs/consultations.md). The
// outcome ("you said, we did") is kept apart, keyed by the consultation's
// id; the consultation records only when it was last published
// (OutcomeAt), which the app's updates feed reports.

// ConsultationState is where a consultation is in its life.
type ConsultationState string

// The states, in order. A consultation moves forward only:
//
//	draft -> open -> analysing -> decided -> closed
//
// and may also be closed from open or analysing (given up, or ended
// without a decision, which the app then shows as such). Nothing goes
// back; a closed consultation no longer changes.
const (
	ConsultationDraft     ConsultationState = "draft"
	ConsultationOpen      ConsultationState = "open"
	ConsultationAnalysing ConsultationState = "analysing"
	ConsultationDecided   ConsultationState = "decided"
	ConsultationClosed    ConsultationState = "closed"
)

// ConsultationStates lists every state in order.
var ConsultationStates = []ConsultationState{ConsultationDraft, ConsultationOpen, ConsultationAnalysing, ConsultationDecided, ConsultationClosed}

// consultationMoves are the allowed transitions: from -> the states it
// may move to.
var consultationMoves = map[ConsultationState][]ConsultationState{
	ConsultationDraft:     {ConsultationOpen},
	ConsultationOpen:      {ConsultationAnalysing, ConsultationClosed},
	ConsultationAnalysing: {ConsultationDecided, ConsultationClosed},
	ConsultationDecided:   {ConsultationClosed},
}

// CanMove reports whether a consultation in state from may move to state to.
func CanMove(from, to ConsultationState) bool {
	for _, s := range consultationMoves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Valid reports whether s is one of the states.
func (s ConsultationState) Valid() bool {
	for _, x := range ConsultationStates {
		if s == x {
			return true
		}
	}
	return false
}

// Public reports whether the app may show a consultation in this state
// (every state but draft: a closed one stays readable by its id, so that
// an app that remembers it can show how it ended).
func (s ConsultationState) Public() bool { return s.Valid() && s != ConsultationDraft }

// Listed reports whether the app's list shows a consultation in this
// state: open (young people can take part), analysing (their answers are
// being read: the decision date is what they wait for) and decided (the
// answer back). Closed ones leave the list.
func (s ConsultationState) Listed() bool {
	return s == ConsultationOpen || s == ConsultationAnalysing || s == ConsultationDecided
}

// Consultation errors.
var (
	// ErrConsultationTransition: the state change is not allowed from
	// the current state (a *TransitionError says which).
	ErrConsultationTransition = errors.New("consultation state change not allowed")
	// ErrConsultationNotEditable: a closed consultation cannot change.
	ErrConsultationNotEditable = errors.New("consultation can no longer be changed")
)

// TransitionError is a refused state change.
type TransitionError struct {
	From, To ConsultationState
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("consultation cannot move from %s to %s", e.From, e.To)
}

// Unwrap makes errors.Is(err, ErrConsultationTransition) hold.
func (e *TransitionError) Unwrap() error { return ErrConsultationTransition }

// ConsultationDefinition is what an organiser writes: the JSON body of
// POST and PUT /v1/org/consultations (examples/consultations/). Texts are
// localized as a survey's are (the same Text type, languages and rules);
// Background and the easy version's texts are Markdown (docs/consultations.md
// names the subset), rendered and sanitised by package markdown.
type ConsultationDefinition struct {
	DefaultLanguage string   `json:"default_language"`
	Languages       []string `json:"languages"`
	Title           Text     `json:"title"`
	// Summary is a short plain text for lists.
	Summary Text `json:"summary"`
	// Background is the information page, in Markdown.
	Background Text `json:"background"`
	// Question is the question being decided.
	Question Text `json:"question"`
	// DecisionMaker says who decides (a ministry, a municipal board).
	DecisionMaker Text `json:"decision_maker"`
	// Easy is an easier version for the youngest, optional.
	Easy *EasyVersion `json:"easy,omitempty"`
	// The timeline: when young people can take part, and when the
	// decision is expected. The state, not the timeline, decides what
	// the app shows: the organiser moves the consultation on.
	OpensAt            *time.Time `json:"opens_at,omitempty"`
	ClosesAt           *time.Time `json:"closes_at,omitempty"`
	DecisionExpectedBy *time.Time `json:"decision_expected_by,omitempty"`
	// Surveys are the ids of the organisation's surveys it includes.
	Surveys  []string `json:"surveys"`
	Audience Audience `json:"audience"`
	// Participation names, per linked survey, its breakdown questions
	// that are the age band and the region, which the participation
	// report counts by (outcome_participation.go).
	Participation []ParticipationLink `json:"participation,omitempty"`
}

// EasyVersion is a consultation's summary and background in easier
// words, for young people up to MaxAge.
type EasyVersion struct {
	MaxAge     int  `json:"max_age"`
	Summary    Text `json:"summary"`
	Background Text `json:"background"`
}

// Limits of a consultation definition.
const (
	MaxConsultationSurveys = 10
	MaxSummaryLength       = 1000  // characters of a summary in one language
	MaxMarkdownLength      = 20000 // characters of an information page in one language
	MaxSurveyIDLength      = 64
)

// Consultation is a consultation with its state. Version increases with
// every change; saves are conditional on it.
type Consultation struct {
	ID         string
	OrgID      string
	State      ConsultationState
	Definition ConsultationDefinition
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// When each state was entered (nil: not yet).
	OpenedAt    *time.Time
	AnalysingAt *time.Time
	DecidedAt   *time.Time
	ClosedAt    *time.Time
	// PublicAt is when what the app shows last changed: publication, a
	// state change or an update of a public consultation, the outcome's
	// publication. nil for a draft. The updates feed is ordered by it.
	PublicAt *time.Time
	// OutcomeAt is when the outcome was last published (nil: never). The
	// outcome itself is stored apart, keyed by the consultation's id.
	OutcomeAt *time.Time
	Version   int
}

// Move changes the consultation's state to target at now, if allowed.
// Publishing (draft -> open) requires a complete definition: every text
// in every language, at least one survey, the closing date and the date
// of the decision.
func (c *Consultation) Move(target ConsultationState, now time.Time) error {
	if !CanMove(c.State, target) {
		return &TransitionError{From: c.State, To: target}
	}
	if target == ConsultationOpen {
		if err := c.Definition.Complete(); err != nil {
			return err
		}
	}
	at := now
	switch target {
	case ConsultationOpen:
		c.OpenedAt = &at
	case ConsultationAnalysing:
		c.AnalysingAt = &at
	case ConsultationDecided:
		c.DecidedAt = &at
	case ConsultationClosed:
		c.ClosedAt = &at
	}
	c.State = target
	c.UpdatedAt = now
	c.PublicAt = &at
	return nil
}

// Update replaces the definition. A draft takes any valid definition; a
// public consultation only a complete one (young people are reading it),
// and the change is reported by the updates feed; a closed one none.
func (c *Consultation) Update(def ConsultationDefinition, now time.Time) error {
	switch {
	case c.State == ConsultationClosed:
		return ErrConsultationNotEditable
	case c.State == ConsultationDraft:
		if err := def.Validate(); err != nil {
			return err
		}
	default:
		if err := def.Complete(); err != nil {
			return err
		}
		at := now
		c.PublicAt = &at
	}
	c.Definition, c.UpdatedAt = def, now
	return nil
}

// NoteOutcome records that the outcome was published or updated at now:
// the updates feed reports it. The outcome's own workflow calls it.
func (c *Consultation) NoteOutcome(now time.Time) {
	at := now
	c.OutcomeAt, c.PublicAt, c.UpdatedAt = &at, &at, now
}

// Text returns t in lang, else in the default language.
func (d *ConsultationDefinition) Text(t Text, lang string) string {
	return t.In(lang, d.DefaultLanguage)
}

// EasyFor reports whether a young person of this age (0: not given) should be
// shown the easy version.
func (d *ConsultationDefinition) EasyFor(age int) bool {
	return d.Easy != nil && age > 0 && age <= d.Easy.MaxAge
}

// LanguagesDefaultFirst lists the consultation's languages with its
// default first (as Definition.LanguagesDefaultFirst).
func (d *ConsultationDefinition) LanguagesDefaultFirst() []string {
	return defaultFirst(d.DefaultLanguage, d.Languages)
}
