package api

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// The answer back (docs/consultations.md): organisers publish a
// consultation's outcome and append updates to it; the app shows it in
// GET /v1/consultations/{id}; the participation report and the measures
// of the loop are read by the organisation and by the ministries its
// consultations' surveys are shared with.

// protect is the Protect every outcome and report reads releases with:
// the cache of protected releases the summaries use, so a finding cites
// exactly what analysts are shown.
func (s *Server) protect() app.Protect {
	return func(sv *surveys.Survey, sum *store.Summary, k int) *surveys.Protected {
		return s.protected.get(protectedKey{sv.ID, sv.Revision, sum.ReleaseN, k}, func() *surveys.Protected {
			return surveys.Disclose(&sv.Draft, sum.ReleaseTally, k)
		})
	}
}

// notAnswered labels the group of those who did not answer a breakdown
// question in the server language closest to lang.
func (s *Server) notAnswered(lang string) string {
	return s.catalog.Message(s.catalogLang(lang), "text.not_answered", nil)
}

// outcomeProblem explains the outcome's workflow errors in the request's
// language.
func (s *Server) outcomeProblem(c *fiber.Ctx, err error) error {
	var se *surveys.OutcomeStateError
	var p *problemError
	switch {
	case errors.As(err, &se):
		p = newProblem(fiber.StatusConflict, "outcome_state").
			with("State", s.catalog.Message(s.lang(c), "consultation.state."+string(se.State), nil))
	case errors.Is(err, surveys.ErrOutcomePublished):
		p = newProblem(fiber.StatusConflict, "outcome_published")
	case errors.Is(err, surveys.ErrNoOutcome):
		p = newProblem(fiber.StatusConflict, "outcome_missing")
	case errors.Is(err, surveys.ErrTooManyUpdates):
		p = newProblem(fiber.StatusConflict, "outcome_updates").with("Max", surveys.MaxOutcomeUpdates)
	case errors.Is(err, surveys.ErrOutcomeTooLarge):
		p = newProblem(fiber.StatusUnprocessableEntity, "outcome_too_large").with("Max", surveys.MaxOutcomeBytes>>20)
	default:
		return err
	}
	p.cause = err
	return p
}

// outcomeView is an outcome as organisers and ministries see it: as
// published, the decisions as they stand after the updates, and the
// measures of the loop.
type outcomeView struct {
	ConsultationID string                  `json:"consultation_id"`
	Version        int                     `json:"version"`
	PublishedAt    time.Time               `json:"published_at"`
	UpdatedAt      time.Time               `json:"updated_at"`
	Summary        surveys.Text            `json:"summary,omitempty"`
	Findings       []surveys.Finding       `json:"findings"`
	Decisions      []surveys.Decision      `json:"decisions"`
	Current        []surveys.Decision      `json:"current"`
	Updates        []surveys.OutcomeUpdate `json:"updates"`
	Measures       surveys.LoopMeasures    `json:"measures"`
}

func (s *Server) outcomeView(k *surveys.Consultation, o *surveys.Outcome) outcomeView {
	v := outcomeView{ConsultationID: o.ConsultationID, Version: o.Version, PublishedAt: o.PublishedAt, UpdatedAt: o.LastAt(),
		Summary: o.Summary, Findings: o.Findings, Decisions: o.Decisions, Current: o.Current(), Updates: o.Updates,
		Measures: surveys.Measure(k, o, s.now())}
	if v.Updates == nil {
		v.Updates = []surveys.OutcomeUpdate{}
	}
	return v
}

// publishOutcome is POST /v1/org/consultations/{id}/outcome: designers
// publish the outcome, once, while the consultation is analysing or
// decided.
func (s *Server) publishOutcome(c *fiber.Ctx) error {
	k, tok, err := s.orgConsultation(c, designers...)
	if err != nil {
		return err
	}
	var in surveys.OutcomeInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	o, err := s.workflows.PublishOutcome(c.UserContext(), tok, k, &in, s.protect(), s.notAnswered)
	s.consultations.forget(k.ID)
	if err != nil {
		return s.outcomeProblem(c, err)
	}
	c.Location("/v1/org/consultations/" + k.ID + "/outcome")
	return s.sendJSON(c, fiber.StatusCreated, s.outcomeView(k, o))
}

// updateOutcome is POST /v1/org/consultations/{id}/outcome/updates:
// designers append an update.
func (s *Server) updateOutcome(c *fiber.Ctx) error {
	k, tok, err := s.orgConsultation(c, designers...)
	if err != nil {
		return err
	}
	var in surveys.OutcomeUpdateInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	o, err := s.workflows.UpdateOutcome(c.UserContext(), tok, k, &in, s.protect(), s.notAnswered)
	s.consultations.forget(k.ID)
	if err != nil {
		return s.outcomeProblem(c, err)
	}
	c.Location("/v1/org/consultations/" + k.ID + "/outcome")
	return s.sendJSON(c, fiber.StatusCreated, s.outcomeView(k, o))
}

// readableConsultation is the consultation in the path if the caller may
// read it: its organisation's (any role), or, read only, a public one
// that includes a survey shared with the caller's organisation.
func (s *Server) readableConsultation(c *fiber.Ctx) (*surveys.Consultation, surveys.Token, bool, error) {
	tok, err := caller(c, anyRole...)
	if err != nil {
		return nil, tok, false, err
	}
	k, shared, err := s.workflows.ReadableConsultation(c.UserContext(), tok, c.Params("id"))
	return k, tok, shared, err
}

// getOutcome is GET /v1/org/consultations/{id}/outcome.
func (s *Server) getOutcome(c *fiber.Ctx) error {
	k, _, _, err := s.readableConsultation(c)
	if err != nil {
		return err
	}
	o, err := s.workflows.ConsultationOutcome(c.UserContext(), k)
	if err != nil {
		return err
	}
	if o == nil {
		return surveys.ErrNotFound
	}
	return s.sendJSON(c, fiber.StatusOK, s.outcomeView(k, o))
}

// consultationReport is GET /v1/org/consultations/{id}/report
// ?format=pdf|xlsx&lang=: the participation report in a language of the
// consultation, for its organisation and the ministries its surveys are
// shared with; audited in the caller's organisation (and in the owner's,
// for a ministry's download).
func (s *Server) consultationReport(c *fiber.Ctx) error {
	k, tok, shared, err := s.readableConsultation(c)
	if err != nil {
		return err
	}
	format := c.Query("format", "pdf")
	mime := app.ParticipationMIME[format]
	if mime == "" {
		return badFormat()
	}
	lang := i18n.NewMatcher(k.Definition.LanguagesDefaultFirst()).Best(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage))
	if l := c.Query("lang"); l != "" && !slices.Contains(k.Definition.Languages, surveys.CanonicalLanguage(l)) {
		return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/lang", Code: surveys.CodeConsultationLanguage,
			Params: map[string]any{"Language": l, "Languages": strings.Join(k.Definition.Languages, ", ")}}}}
	}
	setHeaders := func() {
		c.Set(fiber.HeaderContentType, mime)
		c.Set(fiber.HeaderContentLanguage, lang)
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+exportName(k.ID, "participation", lang, format)+`"`)
	}
	if c.Method() == fiber.MethodHead {
		setHeaders()
		return nil
	}
	body, err := s.workflows.ParticipationReportFile(c.UserContext(), tok, k, shared, s.protect(), format, lang, s.catalogLang(lang), s.catalog)
	if errors.Is(err, export.ErrScript) {
		return newProblem(fiber.StatusUnprocessableEntity, "pdf_script").with("Language", lang)
	}
	if err != nil {
		return err
	}
	setHeaders()
	return c.Send(body)
}

// measuredItem is one consultation of the measures list.
type measuredItem struct {
	ID      string                    `json:"id"`
	OrgID   string                    `json:"org_id"`
	OrgName string                    `json:"org_name"`
	Title   string                    `json:"title"`
	State   surveys.ConsultationState `json:"state"`
	Shared  bool                      `json:"shared"`
	surveys.LoopMeasures
}

// orgMeasures sums up one organisation's consultations.
type orgMeasures struct {
	OrgID         string `json:"org_id"`
	OrgName       string `json:"org_name"`
	Consultations int    `json:"consultations"`
	// Ended: taking part has ended; WithOutcome: of those, how many have
	// published an outcome; MedianDaysToOutcome over those.
	Ended               int      `json:"ended"`
	WithOutcome         int      `json:"with_outcome"`
	MedianDaysToOutcome *float64 `json:"median_days_to_outcome,omitempty"`
	// The shares over all their recommendations.
	Recommendations int      `json:"recommendations"`
	DecidedShare    *float64 `json:"decided_share,omitempty"`
	ReasonShare     *float64 `json:"reason_share,omitempty"`
}

// loopMeasures is GET /v1/org/consultations/measures: the measures of the
// loop of the caller's organisation's consultations (every state but
// draft) and of other organisations' consultations that include a survey
// shared with it, one line each, and summed up per organisation.
func (s *Server) loopMeasures(c *fiber.Ctx) error {
	tok, err := caller(c, anyRole...)
	if err != nil {
		return err
	}
	list, err := s.workflows.LoopMeasures(c.UserContext(), tok.OrgID)
	if err != nil {
		return err
	}
	lang := s.lang(c)
	out := struct {
		Consultations []measuredItem `json:"consultations"`
		Organisations []orgMeasures  `json:"organisations"`
	}{Consultations: []measuredItem{}, Organisations: []orgMeasures{}}
	for _, m := range list {
		k := m.Consultation
		d := &k.Definition
		out.Consultations = append(out.Consultations, measuredItem{ID: k.ID, OrgID: k.OrgID, OrgName: m.OrgName,
			Title: d.Text(d.Title, i18n.NewMatcher(d.LanguagesDefaultFirst()).Best(lang, "")), State: k.State, Shared: m.Shared, LoopMeasures: m.Measures})
	}
	out.Organisations = sumMeasures(list)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return s.sendJSON(c, fiber.StatusOK, out)
}

// sumMeasures sums the measures up per organisation, in the order the
// organisations first appear.
func sumMeasures(list []app.MeasuredConsultation) []orgMeasures {
	out := []orgMeasures{}
	days := map[string][]int{}
	decided, reasons := map[string]int{}, map[string]int{}
	for _, m := range list {
		i := slices.IndexFunc(out, func(o orgMeasures) bool { return o.OrgID == m.Consultation.OrgID })
		if i < 0 {
			out = append(out, orgMeasures{OrgID: m.Consultation.OrgID, OrgName: m.OrgName})
			i = len(out) - 1
		}
		o, ms := &out[i], m.Measures
		o.Consultations++
		if ms.EndedAt != nil {
			o.Ended++
			if ms.DaysToOutcome != nil {
				o.WithOutcome++
				days[o.OrgID] = append(days[o.OrgID], *ms.DaysToOutcome)
			}
		}
		o.Recommendations += ms.Recommendations
		decided[o.OrgID] += ms.Decided
		reasons[o.OrgID] += ms.WithReason
	}
	for i := range out {
		o := &out[i]
		if ds := days[o.OrgID]; len(ds) > 0 {
			slices.Sort(ds)
			med := float64(ds[len(ds)/2])
			if len(ds)%2 == 0 {
				med = float64(ds[len(ds)/2-1]+ds[len(ds)/2]) / 2
			}
			o.MedianDaysToOutcome = &med
		}
		if o.Recommendations > 0 {
			d := surveys.Share(decided[o.OrgID], o.Recommendations)
			r := surveys.Share(reasons[o.OrgID], o.Recommendations)
			o.DecidedShare, o.ReasonShare = &d, &r
		}
	}
	return out
}

// ---- the app's view ----

// appCite is a cited number as the app shows it, in one language.
type appCite struct {
	Survey    string             `json:"survey"`
	Question  string             `json:"question"`
	Statement string             `json:"statement,omitempty"`
	By        string             `json:"by,omitempty"`
	Group     string             `json:"group,omitempty"`
	Option    string             `json:"option,omitempty"`
	Count     int                `json:"count"`
	Pct       *float64           `json:"pct,omitempty"`
	Of        *int               `json:"of,omitempty"`
	Mean      *float64           `json:"mean,omitempty"`
	Release   surveys.ReleaseRef `json:"release"`
}

type appFinding struct {
	Text  string    `json:"text"`
	Cites []appCite `json:"cites"`
}

type appDecision struct {
	Proposal    string                 `json:"proposal"`
	Status      surveys.DecisionStatus `json:"status"`
	StatusLabel string                 `json:"status_label"`
	Reason      string                 `json:"reason,omitempty"`
	DecidedBy   string                 `json:"decided_by,omitempty"`
	DecidedOn   string                 `json:"decided_on,omitempty"`
	Next        string                 `json:"next,omitempty"`
}

type appDecisionChange struct {
	Decision int `json:"decision"`
	appDecision
}

type appUpdate struct {
	At        time.Time           `json:"at"`
	Text      string              `json:"text"`
	Decisions []appDecisionChange `json:"decisions,omitempty"`
	Findings  []appFinding        `json:"findings,omitempty"`
}

// appOutcomeView is "you said, we did" in the young person's language:
// what they said (the findings, with the numbers as published), what was
// done (each decision as it stands), and the updates, oldest first.
type appOutcomeView struct {
	PublishedAt time.Time     `json:"published_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	Summary     string        `json:"summary,omitempty"`
	YouSaid     []appFinding  `json:"you_said"`
	WeDid       []appDecision `json:"we_did"`
	Updates     []appUpdate   `json:"updates"`
}

// appOutcome is the published outcome of k in lang (nil when there is
// none); the consultation's version changes with every outcome change,
// so the app's ETag covers it.
func (s *Server) appOutcome(c *fiber.Ctx, k *surveys.Consultation, lang string) (*appOutcomeView, error) {
	o, err := s.workflows.ConsultationOutcome(c.UserContext(), k)
	if err != nil || o == nil {
		return nil, err
	}
	d := &k.Definition
	in := func(t surveys.Text) string { return d.Text(t, lang) }
	uiLang := s.catalogLang(lang)
	decision := func(p surveys.Text, st surveys.DecisionStatus, reason, by surveys.Text, on string, next surveys.Text) appDecision {
		return appDecision{Proposal: in(p), Status: st, StatusLabel: s.catalog.Message(uiLang, "decision.status."+string(st), nil),
			Reason: in(reason), DecidedBy: in(by), DecidedOn: on, Next: in(next)}
	}
	findings := func(fs []surveys.Finding) []appFinding {
		out := make([]appFinding, 0, len(fs))
		for _, f := range fs {
			af := appFinding{Text: in(f.Text), Cites: make([]appCite, 0, len(f.Cites))}
			for _, ct := range f.Cites {
				af.Cites = append(af.Cites, appCite{Survey: in(ct.SurveyTitle), Question: in(ct.QuestionText), Statement: in(ct.StatementLabel),
					By: in(ct.ByText), Group: in(ct.GroupLabel), Option: in(ct.OptionLabel), Count: ct.Count, Pct: ct.Pct, Of: ct.Of,
					Mean: ct.Mean, Release: ct.Release})
			}
			out = append(out, af)
		}
		return out
	}
	v := &appOutcomeView{PublishedAt: o.PublishedAt, UpdatedAt: o.LastAt(), Summary: in(o.Summary), YouSaid: findings(o.Findings),
		WeDid: []appDecision{}, Updates: []appUpdate{}}
	for _, x := range o.Current() {
		v.WeDid = append(v.WeDid, decision(x.Proposal, x.Status, x.Reason, x.DecidedBy, x.DecidedOn, x.Next))
	}
	for _, u := range o.Updates {
		au := appUpdate{At: u.At, Text: in(u.Text), Findings: findings(u.Findings)}
		for _, ch := range u.Decisions {
			p := surveys.Text{}
			if ch.Decision >= 0 && ch.Decision < len(o.Decisions) {
				p = o.Decisions[ch.Decision].Proposal
			}
			au.Decisions = append(au.Decisions, appDecisionChange{Decision: ch.Decision,
				appDecision: decision(p, ch.Status, ch.Reason, ch.DecidedBy, ch.DecidedOn, ch.Next)})
		}
		v.Updates = append(v.Updates, au)
	}
	return v, nil
}
