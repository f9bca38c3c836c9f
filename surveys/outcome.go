package surveys

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The outcome of a consultation: "you said, we did" (docs/consultations.md,
// "The answer back"). What young people said is a list of findings, each
// in plain words and citing numbers of the linked surveys' releases; the
// numbers are never typed in: the server takes them from the current
// disclosure-controlled release (outcome_cite.go) and stores them with the
// release they came from, so a finding reads the same after any later
// release. What was done is one decision per proposal or recommendation,
// with its status, the reason in plain words, who decided and when, and
// what happens next. Once published, an outcome is only added to: each
// update is appended with its time, and may change a decision's status
// (the earlier status stays in the history) or add findings.

// DecisionStatus is what became of a proposal or recommendation.
type DecisionStatus string

// The statuses of a decision.
const (
	DecisionAdopted     DecisionStatus = "adopted"
	DecisionPartly      DecisionStatus = "partly_adopted"
	DecisionNotAdopted  DecisionStatus = "not_adopted"
	DecisionConsidering DecisionStatus = "considering" // still being considered
)

// DecisionStatuses lists every status.
var DecisionStatuses = []DecisionStatus{DecisionAdopted, DecisionPartly, DecisionNotAdopted, DecisionConsidering}

// Valid reports whether s is one of the statuses.
func (s DecisionStatus) Valid() bool { return slices.Contains(DecisionStatuses, s) }

// Decided reports whether the status is a decision (anything but still
// being considered).
func (s DecisionStatus) Decided() bool { return s.Valid() && s != DecisionConsidering }

// Limits of an outcome: every list and text is bounded, so that neither a
// request nor the stored outcome grows without end.
const (
	MaxFindings       = 20   // findings in one publication or update
	MaxCitations      = 5    // numbers one finding cites
	MaxDecisions      = 50   // proposals or recommendations
	MaxOutcomeUpdates = 100  // updates appended to one outcome
	MaxDecisionText   = 2000 // characters of a finding, proposal, reason, next step or update, in one language
	MaxCodeLength     = 64   // a question, statement, group or option code cited
)

// Outcome problems.
var (
	// ErrOutcomePublished: the outcome is published already; it is added
	// to with updates, never replaced.
	ErrOutcomePublished = errors.New("the outcome is published already")
	// ErrNoOutcome: an update of an outcome not published yet.
	ErrNoOutcome = errors.New("no outcome is published yet")
	// ErrTooManyUpdates: the outcome holds MaxOutcomeUpdates updates.
	ErrTooManyUpdates = errors.New("the outcome holds the most updates it may")
	// ErrOutcomeTooLarge: the outcome, with the texts its citations keep
	// in every language, would be larger than MaxOutcomeBytes.
	ErrOutcomeTooLarge = errors.New("the outcome would be too large")
)

// MaxOutcomeBytes bounds an outcome as stored (its JSON): every citation
// keeps its texts in every language of the consultation, so a long
// outcome in many languages, updated many times, could otherwise outgrow
// a database document (16 MiB on MongoDB).
const MaxOutcomeBytes = 8 << 20

// CheckSize returns ErrOutcomeTooLarge if the outcome's JSON is larger
// than MaxOutcomeBytes.
func (o *Outcome) CheckSize() error {
	n := 0
	for _, v := range []any{o.Summary, o.Findings, o.Decisions, o.Updates} {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		n += len(b)
	}
	if n > MaxOutcomeBytes {
		return ErrOutcomeTooLarge
	}
	return nil
}

// OutcomeStateError: the consultation's state does not allow publishing
// or updating its outcome.
type OutcomeStateError struct {
	State ConsultationState
}

func (e *OutcomeStateError) Error() string {
	return "a consultation that is " + string(e.State) + " cannot publish or update an outcome"
}

// OutcomeAllowed reports whether a consultation in state s may publish or
// update its outcome: once young people's answers are being read
// (analysing) or the decision is made (decided). A draft or an open
// consultation has no results to answer with yet; a closed one no longer
// changes.
func OutcomeAllowed(s ConsultationState) bool {
	return s == ConsultationAnalysing || s == ConsultationDecided
}

// Field codes of outcome problems; each has a message "field.<code>".
const (
	// CodeNotReleased: the survey has no release with numbers yet (fewer
	// than k responses released), so nothing of it can be cited.
	CodeNotReleased Code = "not_released"
	// CodeSuppressedNumber: the cited number is suppressed (or its group
	// is held back) by disclosure control, so it cannot be quoted.
	CodeSuppressedNumber Code = "suppressed_number"
	// CodeNotLinked: the survey is not one of the consultation's.
	CodeNotLinked Code = "not_linked"
	// CodeUnknownDecision: an update names a decision that does not exist.
	CodeUnknownDecision Code = "unknown_decision"
	// CodeConsultationLanguage: a report asked for in a language the
	// consultation is not written in.
	CodeConsultationLanguage Code = "consultation_language"
)

// Citation names one released number: a question of a linked survey, for
// everyone or for one group of a breakdown, and optionally one option
// (scale point, number range or, with Statement, a matrix statement's
// point). Without an option, it cites how many answered the question.
type Citation struct {
	Survey    string `json:"survey"`
	Question  string `json:"question"`
	Statement string `json:"statement,omitempty"`
	By        string `json:"by,omitempty"`
	Group     string `json:"group,omitempty"`
	Option    string `json:"option,omitempty"`
}

// FindingInput is a finding as the organiser writes it: the words, and
// what it cites (the numbers are the server's to fill in).
type FindingInput struct {
	Text  Text       `json:"text"`
	Cites []Citation `json:"cites"`
}

// DecisionInput is one proposal or recommendation and what became of it.
type DecisionInput struct {
	Proposal Text           `json:"proposal"`
	Status   DecisionStatus `json:"status"`
	// Reason in plain words: why it was (or was not) adopted.
	Reason Text `json:"reason,omitempty"`
	// DecidedBy and DecidedOn: who decided, and the day ("2006-01-02");
	// required once the status is a decision.
	DecidedBy Text   `json:"decided_by,omitempty"`
	DecidedOn string `json:"decided_on,omitempty"`
	// Next is what happens next.
	Next Text `json:"next,omitempty"`
}

// OutcomeInput is the body that publishes an outcome.
type OutcomeInput struct {
	// Summary is a short introduction, optional.
	Summary   Text            `json:"summary,omitempty"`
	Findings  []FindingInput  `json:"findings"`
	Decisions []DecisionInput `json:"decisions"`
}

// DecisionChange is an update's new status of one decision (by its
// position in the outcome's decisions, from 0), with its reason.
type DecisionChange struct {
	Decision  int            `json:"decision"`
	Status    DecisionStatus `json:"status"`
	Reason    Text           `json:"reason,omitempty"`
	DecidedBy Text           `json:"decided_by,omitempty"`
	DecidedOn string         `json:"decided_on,omitempty"`
	Next      Text           `json:"next,omitempty"`
}

// OutcomeUpdateInput is the body of an update: what is new, in plain
// words, and optionally decisions that changed and new findings.
type OutcomeUpdateInput struct {
	Text      Text             `json:"text"`
	Decisions []DecisionChange `json:"decisions,omitempty"`
	Findings  []FindingInput   `json:"findings,omitempty"`
}

// ReleaseRef names the release a number was taken from: the survey, its
// revision, how many responses the release held, the day it was made,
// and whether it was the survey's final one.
type ReleaseRef struct {
	Survey    string `json:"survey"`
	Revision  int    `json:"revision"`
	Responses int    `json:"responses"`
	Day       string `json:"day"`
	Final     bool   `json:"final"`
}

// CitedNumber is a citation resolved at publication: the number as the
// release showed it, and the texts it was shown with, in every language
// of the consultation, so that it reads the same however the survey and
// its releases change later.
type CitedNumber struct {
	Citation
	Release      ReleaseRef `json:"release"`
	SurveyTitle  Text       `json:"survey_title"`
	QuestionText Text       `json:"question_text"`
	// StatementLabel, ByText, GroupLabel, OptionLabel: empty when not cited.
	StatementLabel Text `json:"statement_label,omitempty"`
	ByText         Text `json:"by_text,omitempty"`
	GroupLabel     Text `json:"group_label,omitempty"`
	OptionLabel    Text `json:"option_label,omitempty"`
	// Count is the cited count (the option's, or how many answered); Pct
	// its share of those who answered, when the release shows it; Of how
	// many answered (nil when suppressed, or when the count is that).
	Count int      `json:"count"`
	Pct   *float64 `json:"pct,omitempty"`
	Of    *int     `json:"of,omitempty"`
	// Mean of a scale or number question's answers, when released.
	Mean *float64 `json:"mean,omitempty"`
}

// Finding is a published finding.
type Finding struct {
	Text  Text          `json:"text"`
	Cites []CitedNumber `json:"cites"`
}

// Decision is a published decision.
type Decision = DecisionInput

// OutcomeUpdate is an update appended to an outcome.
type OutcomeUpdate struct {
	At        time.Time        `json:"at"`
	Text      Text             `json:"text"`
	Decisions []DecisionChange `json:"decisions,omitempty"`
	Findings  []Finding        `json:"findings,omitempty"`
}

// Outcome is a consultation's published outcome. Version increases with
// every update; saves are conditional on it.
type Outcome struct {
	ConsultationID string
	OrgID          string
	PublishedAt    time.Time
	Summary        Text
	Findings       []Finding
	Decisions      []Decision
	Updates        []OutcomeUpdate
	Version        int
}

// LastAt is when the outcome last changed: its publication or its last
// update.
func (o *Outcome) LastAt() time.Time {
	if n := len(o.Updates); n > 0 {
		return o.Updates[n-1].At
	}
	return o.PublishedAt
}

// Current is each decision as it stands after every update, in order.
func (o *Outcome) Current() []Decision {
	out := slices.Clone(o.Decisions)
	for _, u := range o.Updates {
		for _, ch := range u.Decisions {
			if ch.Decision < 0 || ch.Decision >= len(out) {
				continue // validated when appended
			}
			d := &out[ch.Decision]
			d.Status, d.Reason, d.DecidedBy, d.DecidedOn, d.Next = ch.Status, ch.Reason, ch.DecidedBy, ch.DecidedOn, ch.Next
		}
	}
	return out
}

// AllFindings lists the findings of the publication, then those of each
// update, in order.
func (o *Outcome) AllFindings() []Finding {
	out := slices.Clone(o.Findings)
	for _, u := range o.Updates {
		out = append(out, u.Findings...)
	}
	return out
}

// outcomeTexts checks texts against the consultation's languages: only
// declared languages, each within its length, and (required, or given in
// any language) in every one.
type outcomeTexts struct {
	p     *problems
	langs []string
}

func (v outcomeTexts) text(ptr string, t Text, required bool) {
	canonicalKeys(v.p, ptr, t)
	keys := make([]string, 0, len(t))
	for l := range t {
		keys = append(keys, l)
	}
	slices.Sort(keys)
	for _, l := range keys {
		switch {
		case !slices.Contains(v.langs, l):
			v.p.add(ptr+Pointer(l), CodeUndeclaredLanguage, map[string]any{"Language": l})
		case utf8.RuneCountInString(t[l]) > MaxDecisionText:
			v.p.add(ptr+Pointer(l), CodeTooLong, map[string]any{"Max": MaxDecisionText})
		}
	}
	if !required && !hasText(t) {
		return
	}
	for _, l := range v.langs {
		if strings.TrimSpace(t[l]) == "" {
			v.p.add(ptr+Pointer(l), CodeMissingTranslation, map[string]any{"Language": l})
		}
	}
}

func hasText(t Text) bool {
	for _, s := range t {
		if strings.TrimSpace(s) != "" {
			return true
		}
	}
	return false
}

// decision checks a status with its reason, who decided and when.
func (v outcomeTexts) decision(ptr string, st DecisionStatus, reason, by Text, on string, next Text) {
	if !st.Valid() {
		v.p.add(ptr+"/status", CodeInvalid, nil)
	}
	v.text(ptr+"/reason", reason, false)
	v.text(ptr+"/decided_by", by, st.Decided())
	v.text(ptr+"/next", next, false)
	switch {
	case on == "" && st.Decided():
		v.p.add(ptr+"/decided_on", CodeRequired, nil)
	case on != "":
		if d, err := time.Parse(time.DateOnly, on); err != nil || len(on) != len(time.DateOnly) {
			v.p.add(ptr+"/decided_on", CodeInvalid, nil)
		} else if d.Year() < 2000 || d.Year() > 2200 {
			v.p.add(ptr+"/decided_on", CodeOutOfRange, map[string]any{"Min": 2000, "Max": 2200})
		}
	}
}

// findings checks the findings' words and the shape of their citations
// (what they cite is checked against the releases by Cite).
func (v outcomeTexts) findings(ptr string, fs []FindingInput, linked []string, required bool) {
	switch {
	case len(fs) == 0 && required:
		v.p.add(ptr, CodeRequired, nil)
	case len(fs) > MaxFindings:
		v.p.add(ptr, CodeTooMany, map[string]any{"Max": MaxFindings})
		return
	}
	for i, f := range fs {
		fp := ptr + Pointer(i)
		v.text(fp+"/text", f.Text, true)
		switch {
		case len(f.Cites) == 0:
			v.p.add(fp+"/cites", CodeRequired, nil)
		case len(f.Cites) > MaxCitations:
			v.p.add(fp+"/cites", CodeTooMany, map[string]any{"Max": MaxCitations})
			continue
		}
		for j, c := range f.Cites {
			v.citation(fp+Pointer("cites", j), c, linked)
		}
	}
}

func (v outcomeTexts) citation(ptr string, c Citation, linked []string) {
	if !slices.Contains(linked, c.Survey) {
		v.p.add(ptr+"/survey", CodeNotLinked, nil)
	}
	if c.Question == "" {
		v.p.add(ptr+"/question", CodeRequired, nil)
	}
	for _, f := range []struct{ name, v string }{{"question", c.Question}, {"statement", c.Statement}, {"by", c.By}, {"group", c.Group}, {"option", c.Option}} {
		if utf8.RuneCountInString(f.v) > MaxCodeLength {
			v.p.add(ptr+"/"+f.name, CodeTooLong, map[string]any{"Max": MaxCodeLength})
		}
	}
	if c.By != "" && c.Group == "" {
		v.p.add(ptr+"/group", CodeRequired, nil)
	}
	if c.By == "" && c.Group != "" {
		v.p.add(ptr+"/by", CodeRequired, nil)
	}
}

// Validate checks an outcome to be published for consultation d: every
// text in every language of the consultation, at least one finding and
// one decision, each decided one with who decided and when, every
// citation naming a linked survey. A *ValidationError names each problem.
func (in *OutcomeInput) Validate(d *ConsultationDefinition) error {
	var p problems
	v := outcomeTexts{p: &p, langs: d.Languages}
	v.text("/summary", in.Summary, false)
	v.findings("/findings", in.Findings, d.Surveys, true)
	switch {
	case len(in.Decisions) == 0:
		p.add("/decisions", CodeRequired, nil)
	case len(in.Decisions) > MaxDecisions:
		p.add("/decisions", CodeTooMany, map[string]any{"Max": MaxDecisions})
	default:
		for i, x := range in.Decisions {
			ptr := Pointer("decisions", i)
			v.text(ptr+"/proposal", x.Proposal, true)
			v.decision(ptr, x.Status, x.Reason, x.DecidedBy, x.DecidedOn, x.Next)
		}
	}
	return p.err()
}

// Validate checks an update of outcome o of consultation d: its words in
// every language, each changed decision one of o's (once), with its new
// status as a publication's, and any new findings as a publication's.
func (in *OutcomeUpdateInput) Validate(d *ConsultationDefinition, o *Outcome) error {
	var p problems
	v := outcomeTexts{p: &p, langs: d.Languages}
	v.text("/text", in.Text, true)
	if len(in.Decisions) > MaxDecisions {
		p.add("/decisions", CodeTooMany, map[string]any{"Max": MaxDecisions})
	} else {
		seen := map[int]bool{}
		for i, ch := range in.Decisions {
			ptr := Pointer("decisions", i)
			switch {
			case ch.Decision < 0 || ch.Decision >= len(o.Decisions):
				p.add(ptr+"/decision", CodeUnknownDecision, map[string]any{"Max": len(o.Decisions) - 1})
			case seen[ch.Decision]:
				p.add(ptr+"/decision", CodeDuplicate, nil)
			}
			seen[ch.Decision] = true
			v.decision(ptr, ch.Status, ch.Reason, ch.DecidedBy, ch.DecidedOn, ch.Next)
		}
	}
	v.findings("/findings", in.Findings, d.Surveys, false)
	return p.err()
}

// NewOutcome is the outcome published at now with its findings resolved.
func NewOutcome(c *Consultation, in *OutcomeInput, findings []Finding, now time.Time) *Outcome {
	return &Outcome{ConsultationID: c.ID, OrgID: c.OrgID, PublishedAt: now, Summary: in.Summary,
		Findings: findings, Decisions: slices.Clone(in.Decisions)}
}

// Append adds an update made at now (validated, its findings resolved).
// Times never go back: an update is never dated before the one it follows.
func (o *Outcome) Append(in *OutcomeUpdateInput, findings []Finding, now time.Time) error {
	if len(o.Updates) >= MaxOutcomeUpdates {
		return ErrTooManyUpdates
	}
	if last := o.LastAt(); now.Before(last) {
		now = last
	}
	o.Updates = append(o.Updates, OutcomeUpdate{At: now, Text: in.Text, Decisions: slices.Clone(in.Decisions), Findings: findings})
	return nil
}
